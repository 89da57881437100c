"""On-the-table forecasts: outcomes of EU legislation often are one of the positions on the table.

On the DEU sample about two thirds of outcomes equal some actor's position or the reference point exactly,
yet every model forecasts a point between positions. The on-the-table variant of a model predicts the
on-table position (an actor's position or the reference point) nearest the model's forecast when it lies
within a distance d of it, and the model's own forecast otherwise:

    ŷ = t*  if |t* − f| ≤ d,  else f,     t* = argmin_{t ∈ T} |t − f|,   T = positions ∪ {reference point}.

d is learned by cross-validation grouped by proposal (whole proposals in each fold, so nothing of a test
proposal is seen in training), on a grid of 0..50 points of the 0–100 scale, separately for two-point issues
(where the positions and the reference point take two values, a yes-or-no issue) and for the others: on each
training part the d with the least mean absolute error is chosen, and applied to the held-out fold. Every
prediction scored is therefore out of sample. (The idea that outcomes sit on the table is in Achen 2006,
"Evaluating political decision-making models", in Thomson et al., *The European Union Decides*.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ktokovo.evaluation.backtest import Backtest, Case

GRID = np.arange(0.0, 51.0, 1.0)
"""Candidate distances d, in points on 0–100."""


@dataclass(frozen=True)
class OnTable:
    """``predictions`` (n_cases, n_models): each model's on-the-table variant, out of sample (NaN where the
    model has no forecast); ``models``: their names ("MODEL@table"); ``chosen``: per model, per group ("two
    points", "more points") the distance chosen in each fold; ``wins``: per model, how many issues the variant
    got closer than the model, how many further, and how many the same."""

    models: list[str]
    predictions: np.ndarray
    chosen: dict[str, dict[str, list[float]]]
    wins: dict[str, dict[str, int]]
    folds: int


def on_table_sets(cases: list[Case]) -> tuple[list[np.ndarray], np.ndarray]:
    """Each case's on-table positions (0–100) and whether it is a two-point issue."""
    sets = []
    for case in cases:
        scenario, j = case.scenario, case.issue
        values = scenario.unit_positions()[:, j]
        values = values[~np.isnan(values)]
        issue = scenario.issues[j]
        if issue.status_quo is not None:
            values = np.append(values, float(issue.to_unit(issue.status_quo)))
        sets.append(np.unique(values))
    return sets, np.array([len(s) == 2 for s in sets])


def unit_scale(cases: list[Case]) -> tuple[np.ndarray, np.ndarray]:
    """Per case, the offset and factor that take a value on its issue's own scale to 0–100 (``offset + factor *
    value``)."""
    offset = np.array([float(c.scenario.issues[c.issue].to_unit(0.0)) for c in cases])
    factor = np.array([float(c.scenario.issues[c.issue].to_unit(1.0)) for c in cases]) - offset
    return offset, factor


def snap(forecasts: np.ndarray, sets: list[np.ndarray], distance: np.ndarray) -> np.ndarray:
    """The variant's predictions (0–100): the nearest on-table value where it lies within ``distance`` (per
    case) of the forecast, the forecast otherwise (NaN stays NaN)."""
    out = forecasts.copy()
    for k, (f, table) in enumerate(zip(forecasts, sets, strict=True)):
        if np.isnan(f) or len(table) == 0:
            continue
        nearest = table[np.argmin(np.abs(table - f))]
        if abs(nearest - f) <= distance[k]:
            out[k] = nearest
    return out


def best_distance(forecasts: np.ndarray, outcomes: np.ndarray, sets: list[np.ndarray], rows: np.ndarray) -> float:
    """The distance of :data:`GRID` with the least mean absolute error over ``rows`` (0 where none of them has
    a forecast); ties go to the smaller distance."""
    rows = rows[~np.isnan(forecasts[rows])]
    if not len(rows):
        return 0.0
    table = [sets[r] for r in rows]
    errors = [np.mean(np.abs(snap(forecasts[rows], table, np.full(len(rows), d)) - outcomes[rows])) for d in GRID]
    return float(GRID[int(np.argmin(errors))])


def on_table(result: Backtest, folds: int = 5, seed: int = 0) -> OnTable:
    """The on-the-table variant of every model in ``result`` (the status-quo baseline left out), scored out of
    sample by grouped cross-validation (see the module docstring). Forecasts and outcomes are compared on
    0–100, as the backtest's errors are (DEU issues are on 0–100 already)."""
    cases = result.cases
    sets, two = on_table_sets(cases)
    offset, to_unit = unit_scale(cases)
    outcomes = offset + to_unit * result.outcomes
    proposals, index = np.unique([c.proposal for c in cases], return_inverse=True)
    fold = (np.random.default_rng(seed).permutation(len(proposals)) % folds)[index]
    names, columns, chosen, wins = [], [], {}, {}
    for m, model in enumerate(result.models):
        if model == "status_quo":
            continue
        forecasts = offset + to_unit * result.predictions[:, m]
        variant = np.full(len(cases), np.nan)
        picks: dict[str, list[float]] = {"two points": [], "more points": []}
        for k in range(folds):
            train, test = fold != k, fold == k
            for group, mask in (("two points", two), ("more points", ~two)):
                best = best_distance(forecasts, outcomes, sets, np.flatnonzero(train & mask))
                picks[group].append(best)
                held = np.flatnonzero(test & mask)
                variant[held] = snap(forecasts[held], [sets[r] for r in held], np.full(len(held), best))
        own_error = np.abs(forecasts - outcomes)
        new_error = np.abs(variant - outcomes)
        ok = ~np.isnan(own_error)
        wins[f"{model}@table"] = {
            "closer": int(np.sum(new_error[ok] < own_error[ok] - 1e-9)),
            "further": int(np.sum(new_error[ok] > own_error[ok] + 1e-9)),
            "same": int(np.sum(np.abs(new_error[ok] - own_error[ok]) <= 1e-9)),
        }
        chosen[f"{model}@table"] = picks
        names.append(f"{model}@table")
        columns.append((variant - offset) / to_unit)  # back on the cases' own scales, as the backtest keeps them
    return OnTable(names, np.column_stack(columns) if columns else np.empty((len(cases), 0)), chosen, wins, folds)
