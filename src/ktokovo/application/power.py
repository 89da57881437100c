"""``ktokovo power``: each actor's Shapley–Shubik and Banzhaf index under the scenario's voting rule, with its
blocs and without them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ktokovo.analysis.power import Power, power, to_rows
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.scenario import Scenario


@dataclass(frozen=True)
class PowerReport:
    """The indices with the blocs (``with_blocs``) and, when the rule has blocs, without them (``alone``)."""

    scenario: Scenario
    with_blocs: Power
    alone: Power | None

    def rows(self) -> list[dict[str, Any]]:
        return to_rows(self.with_blocs, self.alone, self.scenario)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ktokovo power --json``."""
        voting = self.scenario.voting
        assert voting is not None
        return to_jsonable(
            {
                "scenario": self.scenario.name,
                "rule": voting.rule,
                "players": list(self.with_blocs.game.players),
                "criteria": [
                    {"weights": list(map(float, w)), "quota": float(q), "clause": int(c)}
                    for w, q, c in zip(
                        self.with_blocs.game.weights,
                        self.with_blocs.game.quotas,
                        self.with_blocs.game.clauses,
                        strict=True,
                    )
                ],
                "actors": self.rows(),
            }
        )


def voting_power(scenario: Scenario) -> PowerReport:
    """The indices of ``scenario``'s voting rule (:mod:`ktokovo.analysis.power`)."""
    with_blocs = power(scenario)
    alone = power(scenario, blocs=False) if scenario.voting is not None and scenario.voting.blocs else None
    return PowerReport(scenario, with_blocs, alone)
