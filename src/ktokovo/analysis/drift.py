"""Forecast drift: how each issue's forecast moved as the ledger's events arrived, and which inputs moved it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from ktokovo.analysis.ledger import as_of, event_dates, parse_date
from ktokovo.core.scenario import LedgerEntry, Scenario
from ktokovo.models.runner import run


@dataclass(frozen=True)
class DriftStep:
    """The forecast after the events of one date.

    forecast : (n_issues,) on each issue's own scale.
    moves : per issue, ``(change, move)`` for each input change of the date's events, in the order they apply;
        the moves of one step add up to the step's whole move (``change`` is "" for the step before the ledger).
    """

    date: str
    events: tuple[str, ...]
    forecast: np.ndarray
    moves: tuple[tuple[tuple[str, float], ...], ...]


def drift(scenario: Scenario, model: str = "mean", **options: Any) -> list[DriftStep]:
    """Run ``model`` on the scenario as known before its ledger, then after each date's events.

    Each step's move is split among the input changes of that date by applying them one at a time in ledger
    order: a change's share is how far the forecast moved when it was applied. The shares add up to the move
    exactly, but where changes interact the split depends on that order.

    Examples
    --------
    >>> import ktokovo
    >>> steps = drift(ktokovo.load("ukraine-2025"), "mean")
    >>> [s.date for s in steps][:3]
    ['2025-01-19', '2025-01-20', '2025-02-28']
    >>> j = ktokovo.load("ukraine-2025").issue_index("ceasefire")
    >>> [(change, round(move, 2)) for change, move in steps[3].moves[j]]  # 5 × 80·60 / Σ capability·salience
    [('Russia.ceasefire.position=10', 1.35)]
    """
    base = scenario.base or scenario
    dates = event_dates(base)
    if not dates:
        raise ValueError(f"{scenario.name} has no ledger to follow")
    first = (parse_date(dates[0]) - dt.timedelta(days=1)).isoformat()
    previous = run(as_of(base, first), model, **options).forecast
    steps = [DriftStep(first, ("before the ledger",), previous, tuple(() for _ in base.issues))]
    for date in dates:
        today = [e for e in base.ledger if parse_date(e.date).isoformat() == date]
        earlier = tuple(e for e in base.ledger if parse_date(e.date).isoformat() < date)
        changes = [change for entry in today for change in entry.changes]
        moves: list[list[tuple[str, float]]] = [[] for _ in base.issues]
        step = previous
        for k, change in enumerate(changes, 1):
            partial = LedgerEntry(date, "statement", "changes so far", changes=tuple(changes[:k]))
            after = run(as_of(base.replace(ledger=(*earlier, partial)), date), model, **options).forecast
            for j in range(len(base.issues)):
                moves[j].append((change, float(after[j] - step[j])))
            step = after
        steps.append(DriftStep(date, tuple(e.title for e in today), step, tuple(tuple(m) for m in moves)))
        previous = step
    return steps


def rows(scenario: Scenario, steps: list[DriftStep]) -> list[dict[str, Any]]:
    """One row per issue and step: the forecast, the move since the step before, and its parts (JSON-ready)."""
    out = []
    for j, issue in enumerate(scenario.issues):
        for k, step in enumerate(steps):
            out.append(
                {
                    "issue": issue.name,
                    "date": step.date,
                    "events": list(step.events),
                    "forecast": float(step.forecast[j]),
                    "move": None if k == 0 else float(step.forecast[j] - steps[k - 1].forecast[j]),
                    "by": [[change, move] for change, move in step.moves[j]],
                }
            )
    return out
