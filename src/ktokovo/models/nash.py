"""The generalised Nash bargaining solution (Nash 1950; Roth 1979), weighted by capability × salience.

    x* = argmax_x  Σ_i w_i log( u_i(x) − u_i(d) ),   w_i = c_i s_i,

over the outcomes every actor prefers to the disagreement point d. Utilities are quadratic,
u_i(x) = −(x − x_i)² (Achen 2006, *The European Union Decides* ch. 4, who shows that with quadratic
utilities and a distant disagreement point the solution approaches the compromise model), or linear,
u_i(x) = −|x − x_i|, with ``utility="linear"``.

The disagreement point is the issue's status quo where the scenario gives one. Without one, each actor's
disagreement value is its worst point on the scale (the farther end), so every interior outcome is
acceptable to all. When no outcome is strictly better than the status quo for every actor with weight
(actors on both sides of it), there is no mutually beneficial deal and the solution is the status quo
itself; the result records this.

Each term is the log of a positive concave function, so the objective is strictly concave on the
feasible interval and its maximum is unique; it lies within the range of the positions. Its derivative is
strictly decreasing, so the maximum is found by bisection on the derivative's sign, to machine precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ktokovo.models.contract import IssueModel, IssueSolution, Parameters, one_of
from ktokovo.models.mean import weights


@dataclass(frozen=True)
class NashParameters(Parameters):
    """``utility``: quadratic, u_i(x) = −(x − x_i)² (Achen 2006), or linear, u_i(x) = −|x − x_i|."""

    model: ClassVar[str] = "nash"
    utility: str = field(default="quadratic", metadata=one_of("quadratic", "linear"))


PRESETS = {"achen2006": NashParameters(utility="quadratic"), "linear": NashParameters(utility="linear")}


def nash_bargaining(
    position: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    status_quo: float | None = None,
    *,
    utility: str = "quadratic",
    scale: tuple[float, float] = (0.0, 100.0),
) -> float:
    """The weighted Nash bargaining solution on one issue.

    Parameters
    ----------
    position, capability, salience : (n_actors,) arrays.
    status_quo : the disagreement point, or None for each actor's worst point on ``scale``.
    utility : "quadratic" or "linear".
    """
    sq = np.array([np.nan if status_quo is None else float(status_quo)])
    return float(bargain_rows(position[None, :], weights(capability, salience)[None, :], sq, utility, scale)[0])


def solve(
    position: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    status_quo: float | None,
    *,
    rounds: int,
    rng: np.random.Generator,
    parameters: NashParameters,
) -> IssueSolution:
    """Trajectory (1, n_actors), forecast, forecast, on 0–100."""
    value = nash_bargaining(position, capability, salience, status_quo, utility=parameters.utility)
    return IssueSolution(position[None, :].copy(), value, value)


def solve_batch(
    position: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    status_quo: np.ndarray | None,
    *,
    rounds: int,
    parameters: NashParameters,
) -> np.ndarray:
    """:func:`nash_bargaining` for a batch of cases at once: inputs (batch, n) on 0–100, ``status_quo``
    (batch,) with NaN where there is none."""
    sq = np.full(len(position), np.nan) if status_quo is None else np.asarray(status_quo, dtype=float)
    return bargain_rows(position, weights(capability, salience), sq, parameters.utility)


def bargain_rows(
    position: np.ndarray, w: np.ndarray, sq: np.ndarray, utility: str, scale: tuple[float, float] = (0.0, 100.0)
) -> np.ndarray:
    """The solution for each row: positions and weights (rows, n), disagreement points (rows,), NaN for each
    actor's worst point on ``scale``. Bisection on the sign of the objective's derivative, which is strictly
    decreasing, vectorised over the rows; next to the edge of the feasible interval a term may round to
    ±infinity, which still points the right way."""
    keep = w > 0
    w = w / w.sum(axis=-1, keepdims=True)
    reach = np.where(
        np.isnan(sq)[:, None], np.maximum(position - scale[0], scale[1] - position), np.abs(sq[:, None] - position)
    )
    low = np.max(np.where(keep, position - reach, -np.inf), axis=-1)
    high = np.min(np.where(keep, position + reach, np.inf), axis=-1)
    lo = np.maximum(low, np.min(np.where(keep, position, np.inf), axis=-1))
    hi = np.minimum(high, np.max(np.where(keep, position, -np.inf), axis=-1))
    result = np.where(lo >= hi, lo, np.nan)
    no_deal = ~(low < high)
    result[no_deal] = np.where(np.isnan(sq[no_deal]), np.nan, sq[no_deal])
    open_rows = np.isnan(result)
    lo, hi = lo.copy(), hi.copy()
    x, wk, rk = position, np.where(keep, w, 0.0), np.where(keep, reach, 1.0)
    while open_rows.any():
        rows = np.flatnonzero(open_rows)
        mid = 0.5 * (lo[rows] + hi[rows])
        done = ~((lo[rows] < mid) & (mid < hi[rows]))
        result[rows[done]] = mid[done]
        open_rows[rows[done]] = False
        rows, mid = rows[~done], mid[~done]
        if rows.size == 0:
            break
        gap = x[rows] - mid[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):  # actors without weight may sit at their reach
            if utility == "quadratic":
                terms = wk[rows] * 2.0 * gap / (rk[rows] ** 2 - gap**2)
            else:
                terms = wk[rows] * np.sign(gap) / (rk[rows] - np.abs(gap))
            slope = np.sum(np.where(keep[rows], terms, 0.0), axis=-1)  # +inf and -inf at once: NaN, read as "down"
        up = slope > 0
        lo[rows[up]] = mid[up]
        hi[rows[~up]] = mid[~up]
    # Without a status quo the feasible set always has an interior, so NaN cannot remain.
    return result


MODEL = IssueModel(
    name="nash",
    description="generalised Nash bargaining solution, status quo as disagreement point",
    citation="Nash (1950); Roth (1979); Achen (2006), The European Union Decides, ch. 4",
    parameters=NashParameters,
    presets=PRESETS,
    solve=solve,
    solve_batch=solve_batch,
)
