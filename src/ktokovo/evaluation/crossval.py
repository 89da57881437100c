"""Cross-validation, grouped by proposal, of the procedural compromise model's parameters.

Folds hold whole proposals, so no issue of a test proposal is seen in training. On each training part the
grid point with the least mean absolute error is chosen; the error reported is on the held-out folds, with
the compromise model's on the same folds and a bootstrap over proposals for the difference.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ktokovo.evaluation.backtest import Case

GRID = {
    "commission_weight": (0.0, 0.5, 1.0, 2.0, 3.0, 4.0),
    "parliament_weight_cod": (0.0, 0.5, 1.0, 2.0, 3.0),
    "parliament_weight_cns": (0.0, 0.5, 1.0, 2.0),
    "unanimity_pull": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5),
}
COMPROMISE = (1.0, 1.0, 1.0, 0.0)
"""The grid point at which the procedural model is the compromise model."""


@dataclass(frozen=True)
class _Terms:
    """Per case: weighted sums of the other actors, the Commission and the Parliament (Σ w·x and Σ w, with
    w = capability × salience), the status quo (NaN if none), and the procedure and voting rule."""

    other_xw: np.ndarray
    other_w: np.ndarray
    commission_xw: np.ndarray
    commission_w: np.ndarray
    parliament_xw: np.ndarray
    parliament_w: np.ndarray
    status_quo: np.ndarray
    consultation: np.ndarray
    unanimity: np.ndarray


def _terms(cases: list[Case]) -> _Terms:
    rows = []
    for case in cases:
        scenario, j = case.scenario, case.issue
        x = scenario.unit_positions()[:, j]
        w = scenario.capabilities * scenario.saliences[:, j]
        present = ~np.isnan(x)
        names = scenario.actor_names
        params = scenario.model_parameters.get("procedural", {})
        sums = {}
        for role, name in (("commission", "Commission"), ("parliament", "Parliament")):
            k = names.index(name) if name in names and present[names.index(name)] else None
            sums[role] = (0.0, 0.0) if k is None else (w[k] * x[k], w[k])
            if k is not None:
                present[k] = False
        issue = scenario.issues[j]
        rows.append(
            (
                np.sum(w[present] * x[present]),
                np.sum(w[present]),
                *sums["commission"],
                *sums["parliament"],
                np.nan if issue.status_quo is None else float(issue.to_unit(issue.status_quo)),
                params.get("procedure") == "CNS",
                params.get("voting_rule") == "Unan",
            )
        )
    columns = list(zip(*rows, strict=True))
    f = [np.array(c, dtype=float) for c in columns[:7]]
    return _Terms(
        f[0], f[1], f[2], f[3], f[4], f[5], f[6], np.array(columns[7], dtype=bool), np.array(columns[8], dtype=bool)
    )


def predict(terms: _Terms, point: tuple[float, float, float, float]) -> np.ndarray:
    """The procedural model's forecasts (0–100) of every case at one grid point."""
    commission, cod, cns, pull = point
    parliament = np.where(terms.consultation, cns, cod)
    numerator = terms.other_xw + commission * terms.commission_xw + parliament * terms.parliament_xw
    denominator = terms.other_w + commission * terms.commission_w + parliament * terms.parliament_w
    value = numerator / denominator
    pulled = terms.unanimity & ~np.isnan(terms.status_quo)
    return np.where(pulled, (1 - pull) * value + pull * np.nan_to_num(terms.status_quo), value)


@dataclass(frozen=True)
class CrossValidation:
    folds: int
    chosen: list[tuple[float, ...]]
    whole_sample: tuple[float, ...]
    mae_procedural: float
    mae_compromise: float
    difference_low: float
    difference_high: float


def _best(terms: _Terms, outcomes: np.ndarray, rows: np.ndarray, points: list[tuple[float, ...]]) -> tuple:
    errors = [np.mean(np.abs(predict(terms, p)[rows] - outcomes[rows])) for p in points]  # type: ignore[arg-type]
    return points[int(np.argmin(errors))]


def cross_validate(cases: list[Case], folds: int = 5, seed: int = 0, bootstrap: int = 2000) -> CrossValidation:
    """Grouped K-fold cross-validation of the procedural model against the compromise model (capabilities as
    the cases give them; outcomes on 0–100)."""
    terms = _terms(cases)
    outcomes = np.array([float(c.scenario.issues[c.issue].to_unit(c.outcome)) for c in cases])
    points = list(itertools.product(*GRID.values()))
    proposals = np.array([c.proposal for c in cases])
    names, index = np.unique(proposals, return_inverse=True)
    fold = (np.random.default_rng(seed).permutation(len(names)) % folds)[index]
    predicted = np.empty(len(cases))
    chosen = []
    for k in range(folds):
        point = _best(terms, outcomes, np.flatnonzero(fold != k), points)
        chosen.append(point)
        predicted[fold == k] = predict(terms, point)[fold == k]
    procedural = np.abs(predicted - outcomes)
    compromise = np.abs(predict(terms, COMPROMISE) - outcomes)
    counts = np.random.default_rng(seed).multinomial(len(names), np.full(len(names), 1 / len(names)), size=bootstrap)[
        :, index
    ]
    differences = (counts * (procedural - compromise)).sum(axis=1) / counts.sum(axis=1)
    return CrossValidation(
        folds=folds,
        chosen=chosen,
        whole_sample=_best(terms, outcomes, np.arange(len(cases)), points),
        mae_procedural=float(procedural.mean()),
        mae_compromise=float(compromise.mean()),
        difference_low=float(np.percentile(differences, 2.5)),
        difference_high=float(np.percentile(differences, 97.5)),
    )
