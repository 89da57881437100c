"""What moves each forecast most: one-at-a-time swings between the ends of each input's range, and Sobol
indices over all of them at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ktokovo.analysis.sensitivity import Sensitivity
from ktokovo.analysis.sensitivity import sensitivity as compute
from ktokovo.core.errors import ParameterError
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models import run


@dataclass(frozen=True)
class SensitivityReport:
    """``result``: the swings and indices; ``base``: the model's run on the inputs as estimated; ``top``:
    inputs listed per issue."""

    scenario: Scenario
    model: str
    sobol_samples: int
    top: int
    result: Sensitivity
    base: ModelResult

    def ranking(self, issue: int) -> list[dict[str, Any]]:
        return self.result.ranking(issue, self.top)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ktokovo sensitivity --json`` and ``POST /api/sensitivity``."""
        return to_jsonable(
            {
                "scenario": self.scenario.name,
                "model": self.model,
                "sobol_samples": self.sobol_samples,
                "issues": {
                    issue.name: {
                        "estimate": float(self.result.estimate[j]),
                        "factors": self.ranking(j),
                        "warning": self.result.noise(j, self.top),
                    }
                    for j, issue in enumerate(self.scenario.issues)
                },
            }
        )

    def details(self) -> dict[str, Any]:
        """What the run store keeps of it (the report reads it back)."""
        ranking = {issue.name: self.ranking(j) for j, issue in enumerate(self.scenario.issues)}
        return {"sensitivity": {"model": self.model, "sobol_samples": self.sobol_samples, "issues": ranking}}


def sensitivity(
    scenario: Scenario,
    model: str = "bdm",
    *,
    preset: str | None = None,
    rounds: int | None = None,
    samples: int = 256,
    seed: int = 0,
    top: int = 8,
    parameters: Mapping[str, Any] | None = None,
) -> SensitivityReport:
    """Swings of every input and, unless ``samples`` is 0, Sobol indices from ``samples`` base samples."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ParameterError(f"top must be a whole number >= 1, not {top!r}")
    parameters = dict(parameters or {})
    result = compute(scenario, model, sobol_samples=samples, seed=seed, rounds=rounds, preset=preset, **parameters)
    base = run(scenario, model, preset=preset, rounds=rounds, **parameters)
    return SensitivityReport(scenario, model, samples, top, result, base)
