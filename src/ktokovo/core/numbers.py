"""How numbers are written for people: one format per kind of quantity, shared by the CLI and the report (the
dashboard's ``app.js`` follows the same rules). JSON output keeps full precision; these are for reading.

- a computed point on an issue's scale (a forecast, an interval's end, a model's spread): one decimal, ``71.6``;
- a change or a gain: signed, one decimal, ``+5.0``, ``-17.7``, and ``0.0`` for whatever rounds to zero
  (never ``-0.0``);
- a probability or a share: a whole percentage, ``26%``; below one half of one per cent ``<1%``, above 99.5%
  ``>99%``, so a rare event never reads as impossible;
- an index (Sobol, power): two decimals, ``0.41``;
- a value the user typed (a scale's end, a labelled point, a position on the table): as given, ``80``, ``12.5``.

A number that is not finite is refused (``ValueError``): a NaN never reaches a table as a forecast.

>>> point(71.6249), signed(-0.04), signed(66.62), share(0.003), index(-0.0001), given(80.0)
('71.6', '0.0', '+66.6', '<1%', '0.00', '80')
"""

from __future__ import annotations

import math


def _finite(value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"not a number to print: {value}")
    return value


def _rounded(value: float, decimals: int) -> float:
    return round(_finite(value), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def point(value: float) -> str:
    """A computed point on an issue's scale, one decimal."""
    return f"{_rounded(value, 1):.1f}"


def signed(value: float) -> str:
    """A change or a gain, signed, one decimal; zero unsigned."""
    rounded = _rounded(value, 1)
    return "0.0" if rounded == 0 else f"{rounded:+.1f}"


def share(value: float) -> str:
    """A probability or a share as a whole percentage (``<1%`` and ``>99%`` at the ends, not 0% and 100%)."""
    value = _finite(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"not a probability: {value}")
    if 0.0 < value < 0.005:
        return "<1%"
    if 0.995 <= value < 1.0:
        return ">99%"
    return f"{value:.0%}"


def index(value: float) -> str:
    """An index (Sobol, voting power), two decimals."""
    return f"{_rounded(value, 2):.2f}"


def given(value: float) -> str:
    """A value the user typed, as given (the shortest form that reads it back)."""
    return f"{_finite(value):g}"
