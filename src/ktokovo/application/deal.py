"""Deal or no deal: the zone of possible agreement among the veto players, the probability of a deal, where
each model's settlement lands inside the zone, and what it would take to open a closed one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ktokovo.analysis import deal as deal_analysis
from ktokovo.analysis.bargaining import Bargaining, bargain
from ktokovo.analysis.deal import DealAnalysis
from ktokovo.core.errors import ParameterError
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models import STANDARD, run


@dataclass(frozen=True)
class DealReport:
    """``probability``: the share of ``samples`` input draws with a zone, and its 95% interval (None: no
    draws), which assumes whoever offers knows the draw; ``bargaining``: the offers of a proposer who does not
    (None: no draws)."""

    scenario: Scenario
    results: tuple[ModelResult, ...]
    analysis: DealAnalysis
    probability: tuple[float, float, float] | None
    samples: int
    bargaining: Bargaining | None = None

    def package(self, values: Any) -> dict[str, float] | None:
        """A package on 0–100 as issue name to its value on the issue's own scale."""
        if values is None:
            return None
        return {i.name: float(i.from_unit(v)) for i, v in zip(self.scenario.issues, values, strict=True)}

    def bargaining_dict(self) -> dict[str, Any] | None:
        b = self.bargaining
        if b is None:
            return None
        return {
            "proposer": b.proposer,
            "draws": b.draws,
            "rounds": b.rounds,
            "probability": b.probability,
            "complete_information": b.complete_information,
            "expected_package": self.package(b.expected_package),
            "offers": [
                {"round": o.round + 1, "package": self.package(o.package), "accepted": o.accepted, "settled": o.settled}
                for o in b.offers
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ktokovo deal --json`` and ``POST /api/deal``."""
        probability = None
        if self.probability is not None:
            share, low, high = self.probability
            probability = {"share": share, "low95": low, "high95": high, "draws": self.samples}
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
                "bargaining": self.bargaining_dict(),
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
                    "bargaining": self.bargaining_dict(),
                }
            }
        )


def deal(
    scenario: Scenario,
    models: Sequence[str] | None = None,
    *,
    samples: int = 1000,
    seed: int = 0,
    proposer: str | None = None,
    offers: int = 1,
    delay: float = 0.0,
) -> DealReport:
    """The deal analysis of ``scenario`` with the settlements of ``models`` (default: the standard four); with
    ``samples``, the probability of a deal with complete information and the ``offers`` rounds of a
    ``proposer`` who does not know the others' limits (:mod:`ktokovo.analysis.bargaining`), each round of
    delay costing every actor ``delay`` points."""
    if not scenario.vetoes:
        raise ParameterError(f"{scenario.name} names no veto players: add `vetoes:` to the scenario (see the README)")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 0:
        raise ParameterError(f"samples must be a whole number >= 0, not {samples!r}")
    results = tuple(run(scenario, name, seed=seed) for name in dict.fromkeys(models or STANDARD))
    analysis = deal_analysis.analyse(scenario, {r.model: r.forecast for r in results})
    probability = deal_analysis.deal_probability(scenario, samples, seed) if samples else None
    offered = bargain(scenario, samples, seed, proposer=proposer, rounds=offers, delay=delay) if samples else None
    return DealReport(scenario, results, analysis, probability, samples, offered)
