"""Deal or no deal: the zone of possible agreement among the veto players, the probability of a deal, where
each model's settlement lands inside the zone, and what it would take to open a closed one."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from ktokovo.analysis import deal as deal_analysis
from ktokovo.analysis.deal import DealAnalysis, probability_dict
from ktokovo.analysis.outlook import Outlook, outlook
from ktokovo.core.errors import ParameterError
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.limits import MAX_SAMPLES
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models import STANDARD, run


@dataclass(frozen=True)
class DealReport:
    """``probability``: the share of ``samples`` input draws with a zone, and its 95% interval (None: no
    draws), the probability of a deal if whoever offers knew every limit; ``outlook``: the probability when
    nobody knows the others' limits, where the issues end up counting no deal, and durability."""

    scenario: Scenario
    results: tuple[ModelResult, ...]
    analysis: DealAnalysis
    probability: tuple[float, float, float] | None
    samples: int
    outlook: Outlook | None = None

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
                "outlook": None if self.outlook is None else self.outlook.to_dict(),
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
                    "outlook": None if self.outlook is None else self.outlook.to_dict(),
                }
            }
        )


def deal(
    scenario: Scenario,
    models: Sequence[str] | None = None,
    *,
    samples: int = 1000,
    seed: int = 0,
    horizon: int = 12,
    executor: Executor | None = None,
) -> DealReport:
    """The deal analysis of ``scenario`` with the settlements of ``models`` (default: the standard four); with
    ``samples``, the probabilities of a deal with and without knowledge of the others' limits, and whether a
    deal holds for ``horizon`` months."""
    if not scenario.vetoes:
        raise ParameterError(f"{scenario.name} names no veto players: add `vetoes:` (docs/guide/deal.md)")
    if isinstance(samples, bool) or not isinstance(samples, int) or not 0 <= samples <= MAX_SAMPLES:
        raise ParameterError(f"samples must be a whole number from 0 to {MAX_SAMPLES:,}, not {samples!r}")
    results = tuple(run(scenario, name, seed=seed) for name in dict.fromkeys(models or STANDARD))
    analysis = deal_analysis.analyse(scenario, {r.model: r.forecast for r in results})
    probability = deal_analysis.deal_probability(scenario, samples, seed, executor=executor) if samples else None
    ahead = outlook(scenario, samples, seed, horizon=horizon) if samples else None
    return DealReport(scenario, results, analysis, probability, samples, ahead)
