"""Forecasts scored as distributions: each model's predictive distribution of every outcome, from draws of
the inputs, scored with CRPS and checked for calibration.

For each case the model runs on ``draws`` draws of the case's uncertain inputs (the draws of forecast
intervals: positions ±10 points and saliences and capabilities ±25% where the data give no range; the DEU
data give none). The draws' forecasts are the predictive distribution F of the outcome y. Scores, lower is
better where it is a score:

- CRPS(F, y) = E|X − y| − E|X − X'|/2 (Gneiting & Raftery 2007, eq. 21), in points on 0–100. For a point
  forecast it is the absolute error, so a model's mean CRPS is comparable with the compromise model's MAE.
- PIT = F(y) (the mid-rank where draws tie y); a calibrated model's PIT values are uniform on [0, 1], so each
  of ten bins holds a tenth of them (Dawid 1984; Gneiting, Balabdaoui & Raftery 2007).
- The coverage of the central 50%, 80% and 95% intervals: the share of outcomes inside each, which should be
  0.50, 0.80 and 0.95.

These are in-sample: the spreads are the defaults. :mod:`ktokovo.evaluation.outofsample` chooses the spread
of positions on training folds, adds the log score, and scores every forecaster out of sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ktokovo.core.errors import ParameterError
from ktokovo.evaluation.backtest import Backtest
from ktokovo.evaluation.scores import crps
from ktokovo.models import BATCHED

LEVELS = (0.5, 0.8, 0.95)


@dataclass(frozen=True)
class Calibration:
    """One model over the cases it forecast: ``crps`` its mean CRPS, ``mae`` its point forecasts' MAE on the
    same cases, ``reference`` the compromise model's point MAE on them (None if not scored), ``coverage`` per
    level the share of outcomes inside the central interval, ``pit`` the counts of PIT values in ten equal
    bins, and per case the CRPS and PIT (``rows``)."""

    model: str
    n: int
    crps: float
    mae: float
    reference: float | None
    coverage: dict[str, float]
    pit: list[int]
    rows: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "n": self.n,
            "crps": self.crps,
            "mae": self.mae,
            "crps_over_compromise_mae": None if not self.reference else self.crps / self.reference,
            "coverage": self.coverage,
            "pit": self.pit,
            "issues": self.rows,
        }


def pit(draws: np.ndarray, outcome: float) -> float:
    """F(y) for the empirical distribution of ``draws``, ties counted half (the mid-distribution PIT)."""
    return float(np.mean(draws < outcome) + 0.5 * np.mean(draws == outcome))


def calibrate(
    result: Backtest,
    draws: int = 200,
    seed: int = 0,
    spread: dict[str, float] | None = None,
    models: tuple[str, ...] | None = None,
) -> tuple[list[Calibration], dict[str, str]]:
    """The predictive distributions of the backtest's models that evaluate draws in batches (the others run
    draw by draw and are left out, with the reason in the second value), scored on ``result``'s cases;
    ``spread`` overrides the default spreads of inputs without a range (see
    :data:`ktokovo.analysis.uncertainty.DEFAULT_SPREAD`); ``models``: only these."""
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 2:
        raise ParameterError(f"draws for the predictive distributions must be a whole number >= 2, not {draws!r}")
    cases = result.cases
    outcomes = result.outcomes
    skipped = {
        model: "its draws run one by one (too slow for every case); the batch models are " + ", ".join(BATCHED)
        for model in result.models
        if model not in BATCHED and "@" not in model and "+" not in model and model != "status_quo"
    }
    reference = None
    if "mean" in result.models:
        reference = result.errors[:, result.models.index("mean")]
    out = []
    for model in [m for m in result.models if m in BATCHED and (models is None or m in models)]:
        m = result.models.index(model)
        rows: list[dict[str, Any]] = []
        scores: list[float] = []
        pits: list[float] = []
        inside: dict[float, list[bool]] = {level: [] for level in LEVELS}
        for k, (case, sample) in enumerate(zip(cases, draw_forecasts(result, model, draws, seed, spread), strict=True)):
            if sample is None:
                continue
            y = float(outcomes[k])
            score = crps(sample, y)
            value = pit(sample, y)
            scores.append(score)
            pits.append(value)
            for level in LEVELS:
                low, high = np.quantile(sample, [(1 - level) / 2, (1 + level) / 2])
                inside[level].append(bool(low <= y <= high))
            rows.append({"issue": case.issue_id, "crps": score, "pit": value, "error": float(result.errors[k, m])})
        ok = ~np.isnan(result.predictions[:, m])
        out.append(
            Calibration(
                model,
                len(scores),
                float(np.mean(scores)),
                float(np.mean(result.errors[ok, m])),
                None if reference is None else float(np.mean(reference[ok])),
                {f"{int(level * 100)}%": float(np.mean(inside[level])) for level in LEVELS},
                np.histogram(pits, bins=10, range=(0.0, 1.0))[0].astype(int).tolist(),
                rows,
            )
        )
    return out, skipped


def draw_forecasts(
    result: Backtest, model: str, draws: int, seed: int = 0, spread: dict[str, float] | None = None
) -> list[np.ndarray | None]:
    """Per case, ``model``'s forecasts of its issue from ``draws`` draws of the case's inputs (on the case's
    scale), or None where the model has no forecast; each distinct scenario is drawn once."""
    from ktokovo.analysis.uncertainty import sample_forecasts

    m = result.models.index(model)
    cache: dict[int, np.ndarray] = {}
    out: list[np.ndarray | None] = []
    for k, case in enumerate(result.cases):
        if np.isnan(result.predictions[k, m]):
            out.append(None)
            continue
        key = id(case.scenario)
        if key not in cache:
            cache[key] = sample_forecasts(case.scenario, model, samples=draws, seed=seed, spread=spread).forecasts
        out.append(cache[key][:, case.issue])
    return out


SPREADS = (10.0, 20.0, 30.0, 40.0, 60.0, 80.0)
"""Candidate spreads (± points of 0–100) for positions without a confidence range."""
