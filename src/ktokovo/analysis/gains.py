"""Who gets the better of whom: gains and losses of each actor under a forecast.

All distances are on the 0–100 scale of each issue, so issues with different scales weigh alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario


def _unit(result: ModelResult) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Initial positions (n_actors, n_issues), forecasts (n_issues,), reference points (n_actors, n_issues)
    and saliences (n_actors, n_issues), on 0–100."""
    scenario = result.scenario
    own = scenario.unit_positions()
    forecast = np.array(
        [issue.to_unit(v) for issue, v in zip(scenario.issues, result.forecast, strict=True)], dtype=float
    )
    reference = own.copy()
    for j, issue in enumerate(scenario.issues):
        if issue.status_quo is not None:
            reference[:, j] = issue.to_unit(issue.status_quo)
    salience = np.where(np.isnan(own), 0.0, scenario.saliences)
    return own, forecast, reference, salience


def issue_gains(result: ModelResult) -> np.ndarray:
    """(n_actors, n_issues): how much nearer the forecast is to each actor's position than the status quo
    is (points on 0–100; without a status quo, the reference is the actor's own starting position, so
    the gain is minus the distance to the forecast). NaN where the actor takes no position."""
    own, forecast, reference, _ = _unit(result)
    return np.abs(reference - own) - np.abs(forecast[None, :] - own)


def weighted_gains(scenario: Scenario, actor: int, outcomes: np.ndarray) -> np.ndarray:
    """(k,): actor ``actor``'s salience-weighted gain, as :func:`gain_rows` weighs it, under each row of
    ``outcomes`` (k, n_issues; each issue's own scale), judged by its positions and saliences in ``scenario``.
    An issue the actor holds no position on, or a NaN outcome (an issue with no no-deal point), counts 0."""
    own = scenario.unit_positions()[actor]
    weight = np.where(np.isnan(own), 0.0, scenario.saliences[actor])
    reference = np.array(
        [own[j] if i.status_quo is None else float(i.to_unit(i.status_quo)) for j, i in enumerate(scenario.issues)]
    )
    on_unit = np.column_stack([issue.to_unit(outcomes[:, j]) for j, issue in enumerate(scenario.issues)])
    nearer = np.abs(reference - own)[None, :] - np.abs(on_unit - own[None, :])
    counted = ~np.isnan(own)[None, :] & ~np.isnan(on_unit)
    return (np.where(counted, nearer, 0.0) * weight).sum(axis=1) / max(weight.sum(), 1e-12)


def gain_rows(result: ModelResult) -> list[dict[str, Any]]:
    """Each actor's salience-weighted gain across issues, best first: rows with keys rank, actor, gain,
    best_issue, worst_issue."""
    per_issue = issue_gains(result)
    _, _, _, salience = _unit(result)
    total = salience.sum(axis=1)
    weighted = np.where(total > 0, np.nansum(per_issue * salience, axis=1) / np.where(total > 0, total, 1), np.nan)
    masked = np.where(salience > 0, per_issue, np.nan)
    names = result.scenario.issue_names
    rows: list[dict[str, Any]] = []
    for i, actor in enumerate(result.actors):
        row = masked[i]
        has = ~np.isnan(row)
        rows.append(
            {
                "actor": actor,
                "gain": float(weighted[i]),
                "best_issue": names[int(np.nanargmax(row))] if has.any() else "",
                "worst_issue": names[int(np.nanargmin(row))] if has.any() else "",
            }
        )
    rows.sort(key=lambda row: -float(row["gain"]) if row["gain"] == row["gain"] else np.inf)
    return [{"rank": rank, **row} for rank, row in enumerate(rows, start=1)]


def gains(result: ModelResult) -> Any:
    """:func:`gain_rows` as a pandas DataFrame indexed by rank."""
    import pandas as pd

    return pd.DataFrame(gain_rows(result)).set_index("rank")


def pair_rows(result: ModelResult) -> list[dict[str, Any]]:
    """For every pair of actors, who ends nearer its own position on the issues both care about.

    Columns: actor_a, actor_b, issues (how many both care about), distance_a and distance_b (each
    one's salience-weighted mean distance from the forecast), advantage (distance_b − distance_a:
    positive when actor_a gets the better of actor_b), better (the name of the one who does).
    """
    own, forecast, _, salience = _unit(result)
    distance = np.abs(forecast[None, :] - own)
    cares = salience > 0
    rows = []
    actors = result.actors
    for a in range(len(actors)):
        for b in range(a + 1, len(actors)):
            common = cares[a] & cares[b]
            if not common.any():
                continue
            d_a = float(np.sum(salience[a, common] * distance[a, common]) / np.sum(salience[a, common]))
            d_b = float(np.sum(salience[b, common] * distance[b, common]) / np.sum(salience[b, common]))
            advantage = d_b - d_a
            better = actors[a] if advantage > 0 else actors[b] if advantage < 0 else "even"
            rows.append(
                {
                    "actor_a": actors[a],
                    "actor_b": actors[b],
                    "issues": int(common.sum()),
                    "distance_a": d_a,
                    "distance_b": d_b,
                    "advantage": advantage,
                    "better": better,
                }
            )
    return rows


def pairwise(result: ModelResult) -> Any:
    """:func:`pair_rows` as a pandas DataFrame."""
    import pandas as pd

    columns = ["actor_a", "actor_b", "issues", "distance_a", "distance_b", "advantage", "better"]
    return pd.DataFrame(pair_rows(result), columns=columns)
