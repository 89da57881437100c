"""``ktokovo explain``: why an actor moved, round by round, from the model's own run."""

from __future__ import annotations

from typing import Any

from ktokovo.analysis.explain import Explanation, explain, narrative
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.scenario import Scenario


def explanation(
    scenario: Scenario,
    actor: str,
    model: str = "bdm",
    issue: str | None = None,
    *,
    preset: str | None = None,
    rounds: int | None = None,
    seed: int = 0,
    parameters: dict[str, Any] | None = None,
) -> Explanation:
    """:func:`ktokovo.analysis.explain.explain` with the run's options as the other commands take them."""
    return explain(scenario, actor, model, issue, preset=preset, rounds=rounds, seed=seed, **(parameters or {}))


def explanation_dict(found: Explanation) -> dict[str, Any]:
    """The JSON of ``ktokovo explain --json``: the rows and the narrative."""
    return to_jsonable(
        {
            "scenario": found.result.scenario.name,
            "model": found.result.model,
            "actor": found.actor,
            "issue": found.issue,
            "rounds": found.result.rounds,
            "rows": list(found.rows),
            "narrative": narrative(found),
        }
    )
