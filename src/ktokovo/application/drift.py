"""How each issue's forecast moved as the ledger's events arrived, each move put down to its changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ktokovo.analysis.drift import DriftStep
from ktokovo.analysis.drift import drift as follow
from ktokovo.analysis.drift import rows as drift_rows
from ktokovo.core.errors import ParameterError
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.scenario import Scenario


@dataclass(frozen=True)
class Drift:
    scenario: Scenario
    model: str
    steps: tuple[DriftStep, ...]

    def rows(self) -> list[dict[str, Any]]:
        """One row per issue and event date: the forecast, its move, and the changes it is put down to."""
        return drift_rows(self.scenario, list(self.steps))

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ktokovo drift --json`` and ``POST /api/drift``."""
        return to_jsonable({"scenario": self.scenario.name, "model": self.model, "rows": self.rows()})


def drift(scenario: Scenario, model: str = "mean") -> Drift:
    """Follow ``model``'s forecast through the scenario's ledger."""
    if not (scenario.base or scenario).ledger:
        raise ParameterError(f"{scenario.name} has no ledger: add events with `ktokovo ledger add`")
    return Drift(scenario, model, tuple(follow(scenario, model)))
