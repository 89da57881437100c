"""Two scenarios under one model: each forecast's shift, the inputs that differ, and the gains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ktokovo.analysis import diff as diff_analysis
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models import run


@dataclass(frozen=True)
class Difference:
    """``labels``: what to call A and B (file names, say)."""

    labels: tuple[str, str]
    model: str
    a: ModelResult
    b: ModelResult
    forecasts: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    gains: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ktokovo diff --json`` and ``POST /api/diff``."""
        return to_jsonable(
            {
                "a": self.labels[0],
                "b": self.labels[1],
                "model": self.model,
                "forecasts": self.forecasts,
                "inputs": self.inputs,
                "gains": self.gains,
            }
        )


def diff(
    a: Scenario,
    b: Scenario,
    model: str = "bdm",
    *,
    preset: str | None = None,
    rounds: int | None = None,
    seed: int = 0,
    labels: tuple[str, str] = ("A", "B"),
) -> Difference:
    """Run ``model`` on both scenarios (which must have the same issues on the same scales) and compare."""
    diff_analysis.check_comparable(a, b)
    result_a = run(a, model, preset=preset, rounds=rounds, seed=seed)
    result_b = run(b, model, preset=preset, rounds=rounds, seed=seed)
    return Difference(
        labels,
        model,
        result_a,
        result_b,
        diff_analysis.forecast_shifts(result_a, result_b),
        diff_analysis.input_differences(a, b),
        diff_analysis.gain_shifts(result_a, result_b),
    )
