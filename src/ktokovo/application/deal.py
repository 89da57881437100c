"""Deal or no deal: the zone of possible agreement among the veto players, the probability of a deal, where
each model's settlement lands inside the zone, and what it would take to open a closed one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ktokovo.analysis import deal as deal_analysis
from ktokovo.analysis.deal import DealAnalysis
from ktokovo.application.forecast import probability_dict
from ktokovo.core.errors import ParameterError
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models import STANDARD, run


@dataclass(frozen=True)
class DealReport:
    """``probability``: the share of ``samples`` input draws with a zone, and its 95% interval (None: no
    draws)."""

    scenario: Scenario
    results: tuple[ModelResult, ...]
    analysis: DealAnalysis
    probability: tuple[float, float, float] | None
    samples: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ktokovo deal --json`` and ``POST /api/deal``."""
        probability = probability_dict(self.probability, self.samples)
        names = self.scenario.issue_names
        return to_jsonable(
            {
                "scenario": self.scenario.name,
                "zone": self.analysis.zone,
                "blocking": self.analysis.blocking,
                "would_take": self.analysis.would_take,
                "probability": probability,
                "settlements": {
                    k: dict(zip(names, map(float, v), strict=True)) for k, v in self.analysis.settlements.items()
                },
                "slack": self.analysis.slack,
            }
        )

    def details(self) -> dict[str, Any]:
        """What the run store keeps of it."""
        return to_jsonable(
            {
                "deal": {
                    "zone": self.analysis.zone,
                    "probability": None if self.probability is None else list(self.probability),
                    "draws": self.samples if self.probability is not None else 0,
                }
            }
        )


def deal(scenario: Scenario, models: Sequence[str] | None = None, *, samples: int = 1000, seed: int = 0) -> DealReport:
    """The deal analysis of ``scenario`` with the settlements of ``models`` (default: the standard four)."""
    if not scenario.vetoes:
        raise ParameterError(f"{scenario.name} names no veto players: add `vetoes:` to the scenario (see the README)")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 0:
        raise ParameterError(f"samples must be a whole number >= 0, not {samples!r}")
    results = tuple(run(scenario, name, seed=seed) for name in dict.fromkeys(models or STANDARD))
    analysis = deal_analysis.analyse(scenario, {r.model: r.forecast for r in results})
    probability = deal_analysis.deal_probability(scenario, samples, seed) if samples else None
    return DealReport(scenario, results, analysis, probability, samples)
