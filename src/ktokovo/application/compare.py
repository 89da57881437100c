"""Every model that applies, side by side: per issue each model's forecast and how far apart they are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ktokovo.application.forecast import Progress
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models import MODELS, run


@dataclass(frozen=True)
class Comparison:
    """``results``: every model that ran, in the registry's order; ``skipped``: model to why it cannot run."""

    scenario: Scenario
    results: tuple[ModelResult, ...]
    skipped: dict[str, str]

    def spread(self, issue: int) -> dict[str, float]:
        """How far the models' forecasts on ``issue`` lie apart: lowest, highest, their distance, that distance
        as a share of the scale (percent), and the standard deviation."""
        values = np.array([float(r.forecast[issue]) for r in self.results])
        low, high = self.scenario.issues[issue].scale
        return {
            "low": float(values.min()),
            "high": float(values.max()),
            "span": float(values.max() - values.min()),
            "share_of_scale": float(100 * (values.max() - values.min()) / (high - low)),
            "std": float(np.std(values)),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ktokovo compare --json``."""
        return to_jsonable(
            {
                "scenario": self.scenario.name,
                "models": {r.model: r.to_dict() for r in self.results},
                "spread": {issue.name: self.spread(j) for j, issue in enumerate(self.scenario.issues)},
                "skipped": self.skipped,
            }
        )


def compare(
    scenario: Scenario, *, rounds: int | None = None, seed: int = 0, progress: Progress | None = None
) -> Comparison:
    """Run every registered model that applies to ``scenario`` with its defaults."""
    skipped = {name: why for name, model in MODELS.items() if (why := model.applies(scenario)) is not None}
    names = [name for name in MODELS if name not in skipped]
    results = []
    for k, name in enumerate(names):
        if progress is not None:
            progress("running models", k, len(names))
        results.append(run(scenario, name, rounds=rounds, seed=seed))
    return Comparison(scenario, tuple(results), skipped)
