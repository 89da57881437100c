"""Which inputs move each forecast most: one-at-a-time swings (a tornado) and variance-based Sobol indices.

Every actor's capability and every position and salience an actor holds is a factor, ranging over its
confidence range (or the default spread, ``_uncertainty.DEFAULT_SPREAD``). One-at-a-time: each factor is set
to its low and its high end with every other input at its estimate. Sobol: first-order and total indices from
Saltelli's sampling scheme, computed with SALib (Herman & Usher 2017), each factor drawn from the same
triangular distribution as the forecast intervals use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ktokovo.analysis.uncertainty import Draws, evaluate, input_ranges, rule_ranges
from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Scenario
from ktokovo.models.runner import resolve_parameters


@dataclass(frozen=True)
class Factor:
    """One uncertain input: ``kind`` is capability, position or salience; ``actor``/``issue`` are indices."""

    kind: str
    actor: int
    issue: int | None

    def label(self, scenario: Scenario) -> str:
        name = scenario.actors[self.actor].name
        if self.issue is None:
            return f"{name}.capability"
        return f"{name}.{scenario.issues[self.issue].name}.{self.kind}"


def factors(scenario: Scenario) -> list[Factor]:
    out = [Factor("capability", i, None) for i in range(len(scenario.actors))]
    for i in range(len(scenario.actors)):
        for j in range(len(scenario.issues)):
            if not np.isnan(scenario.positions[i, j]):
                out += [Factor("position", i, j), Factor("salience", i, j)]
    return out


def _draws(
    scenario: Scenario, values: np.ndarray, chosen: list[Factor], spread: dict[str, float] | None = None
) -> Draws:
    """Draws with every input at its estimate except the chosen factors, set from ``values`` (k, n_factors)."""
    ranges = input_ranges(scenario, spread)
    k = len(values)
    capability = np.tile(ranges["capability"][1], (k, 1))
    position = np.tile(ranges["position"][1], (k, 1, 1))
    salience = np.tile(ranges["salience"][1], (k, 1, 1))
    for column, factor in enumerate(chosen):
        if factor.kind == "capability":
            capability[:, factor.actor] = values[:, column]
        elif factor.kind == "position":
            position[:, factor.actor, factor.issue] = values[:, column]
        else:
            salience[:, factor.actor, factor.issue] = values[:, column]
    status_quo = np.tile(ranges["status_quo"][1], (k, 1))
    rules = rule_ranges(scenario)
    return Draws(
        np.arange(k),
        capability,
        position,
        np.where(np.isnan(position), 0.0, salience),
        status_quo,
        np.tile(rules["cost"][1], (k, 1)),
        np.tile(rules["walk_away"][1], (k, 1, 1)),
    )


def _bounds(scenario: Scenario, chosen: list[Factor], spread: dict[str, float] | None = None) -> np.ndarray:
    """(n_factors, 3): low, estimate, high of every factor, on the scale models use (0–100 for positions)."""
    ranges = input_ranges(scenario, spread)
    rows = []
    for factor in chosen:
        if factor.kind == "capability":
            rows.append(ranges["capability"][:, factor.actor])
        else:
            rows.append(ranges[factor.kind][:, factor.actor, factor.issue])
    return np.array(rows)


@dataclass(frozen=True)
class Sensitivity:
    """labels : (n_factors,). estimate : (n_issues,) the forecast with every input at its estimate.
    low, high : (n_factors, n_issues) the forecast with one factor at its low or high end.
    first_order, total : (n_factors, n_issues) Sobol indices (NaN if not computed), with 95% half-widths
    ``first_order_conf`` and ``total_conf``."""

    scenario: Scenario
    model: str
    labels: list[str]
    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    first_order: np.ndarray
    total: np.ndarray
    first_order_conf: np.ndarray
    total_conf: np.ndarray
    sobol_samples: int

    def swing(self) -> np.ndarray:
        """(n_factors, n_issues): how far the forecast moves between a factor's low and high end."""
        return np.abs(self.high - self.low)

    def ranking(self, issue: int, top: int = 10) -> list[dict[str, Any]]:
        """The inputs that move one issue's forecast most, in the one order the table, the tornado, the JSON
        and the report share: by Sobol total index when it was computed, else by swing (ties by swing, then
        as the scenario lists them). Only inputs that can move the forecast are listed: a nonzero swing, or a
        total index whose 95% interval lies above zero (an input of another issue that a model keeps apart
        moves nothing, and shows neither)."""
        swing = self.swing()[:, issue]
        total, total_conf = self.total[:, issue], self.total_conf[:, issue]
        sobol = np.isfinite(total).any()
        moves = (swing > 0) | (np.nan_to_num(total - total_conf, nan=0.0) > 0)
        candidates = np.flatnonzero(moves)
        primary = np.nan_to_num(total[candidates], nan=-1.0) if sobol else swing[candidates]
        order = candidates[np.lexsort((np.arange(len(candidates)), -swing[candidates], -primary))][:top]
        return [
            {
                "factor": self.labels[f],
                "low": float(self.low[f, issue]),
                "high": float(self.high[f, issue]),
                "swing": float(swing[f]),
                "first_order": float(self.first_order[f, issue]),
                "total": float(self.total[f, issue]),
                "first_order_conf": float(self.first_order_conf[f, issue]),
                "total_conf": float(self.total_conf[f, issue]),
            }
            for f in order
        ]

    def noise(self, issue: int, top: int = 10) -> str | None:
        """A warning when the Sobol estimates of the listed inputs are too noisy to read at this number of
        samples: a first-order index below zero or above its total index beyond rounding, or a 95% interval
        wider than ±0.1 (a tenth of the forecast's variance). None when they read true (or were not computed)."""
        rows = [row for row in self.ranking(issue, top) if np.isfinite(row["total"])]
        if not rows:
            return None

        def bad(row: dict[str, Any]) -> bool:
            inconsistent = row["first_order"] < -0.005 or row["first_order"] > row["total"] + 0.005
            return inconsistent or max(row["first_order_conf"], row["total_conf"]) > NOISE

        worst = max(rows, key=lambda row: (bad(row), max(row["first_order_conf"], row["total_conf"])))
        if not bad(worst):
            return None
        width = max(worst["first_order_conf"], worst["total_conf"])
        # Saltelli's estimators' error shrinks as 1/sqrt(N): the samples that bring ±width to ±NOISE / 2.
        enough = int(2 ** np.ceil(np.log2(self.sobol_samples * (2 * width / NOISE) ** 2)))

        def interval(value: float, half: float) -> str:
            return f"{value:.2f} (95% interval {value - half:.2f} to {value + half:.2f})"

        return (
            f"the Sobol indices are too noisy to read at {self.sobol_samples} samples: {worst['factor']} has "
            f"S1 {interval(worst['first_order'], worst['first_order_conf'])} and "
            f"ST {interval(worst['total'], worst['total_conf'])}; rank by swing, or use --samples {enough} or more"
        )


NOISE = 0.1
"""The widest 95% half-width of a Sobol index that :meth:`Sensitivity.noise` lets pass without a warning."""


def sensitivity(
    scenario: Scenario,
    model: str = "mean",
    *,
    sobol_samples: int = 256,
    seed: int = 0,
    rounds: int | None = None,
    preset: str | None = None,
    spread: dict[str, float] | None = None,
    **parameters: Any,
) -> Sensitivity:
    """One-at-a-time swings of every factor and, unless ``sobol_samples`` is 0, Sobol indices from
    ``sobol_samples * (2 * n_factors + 2)`` model runs (a power of two is best for the Sobol sequence).
    ``spread`` overrides the default spread of estimates without a confidence range."""
    settings = resolve_parameters(model, preset, parameters)
    chosen = factors(scenario)
    bounds = _bounds(scenario, chosen, spread)
    n_factors = len(chosen)
    estimate = evaluate(scenario, model, settings, rounds, _draws(scenario, bounds[None, :, 1], chosen, spread), seed)[
        0
    ]
    one_at_a_time = np.tile(bounds[:, 1], (2 * n_factors, 1))
    one_at_a_time[np.arange(n_factors), np.arange(n_factors)] = bounds[:, 0]
    one_at_a_time[n_factors + np.arange(n_factors), np.arange(n_factors)] = bounds[:, 2]
    swings = evaluate(scenario, model, settings, rounds, _draws(scenario, one_at_a_time, chosen, spread), seed)
    n_issues = len(scenario.issues)
    first, total = np.full((n_factors, n_issues), np.nan), np.full((n_factors, n_issues), np.nan)
    first_conf, total_conf = first.copy(), total.copy()
    if sobol_samples:
        if sobol_samples < 2:
            raise ParameterError("sobol_samples must be 0 (no Sobol indices) or at least 2")
        from SALib.analyze import sobol as sobol_analysis
        from SALib.sample import sobol as sobol_sampling

        width = bounds[:, 2] - bounds[:, 0]
        varies = width > 0
        # SALib's triangular: bounds (low, high, peak as a fraction of the width); SALib refuses a peak of
        # exactly 1, so an estimate at the top of its range sits a hair below it.
        problem = {
            "num_vars": int(varies.sum()),
            "names": [str(k) for k in np.flatnonzero(varies)],
            "bounds": [[b[0], b[2], min((b[1] - b[0]) / (b[2] - b[0]), 1 - 1e-12)] for b in bounds[varies]],
            "dists": ["triang"] * int(varies.sum()),
        }
        sample = sobol_sampling.sample(problem, sobol_samples, calc_second_order=False, seed=seed)
        values = np.tile(bounds[:, 1], (len(sample), 1))
        values[:, varies] = sample
        outputs = evaluate(scenario, model, settings, rounds, _draws(scenario, values, chosen, spread), seed)
        for j in range(n_issues):
            y = outputs[:, j]
            if np.ptp(y) == 0:  # nothing moves this forecast
                first[varies, j] = total[varies, j] = 0.0
                first_conf[varies, j] = total_conf[varies, j] = 0.0
                continue
            indices = sobol_analysis.analyze(problem, y, calc_second_order=False, seed=seed)
            first[varies, j], total[varies, j] = indices["S1"], indices["ST"]
            first_conf[varies, j], total_conf[varies, j] = indices["S1_conf"], indices["ST_conf"]
        first[~varies] = total[~varies] = 0.0
    return Sensitivity(
        scenario=scenario,
        model=model,
        labels=[f.label(scenario) for f in chosen],
        estimate=estimate,
        low=swings[:n_factors],
        high=swings[n_factors:],
        first_order=first,
        total=total,
        first_order_conf=first_conf,
        total_conf=total_conf,
        sobol_samples=sobol_samples,
    )
