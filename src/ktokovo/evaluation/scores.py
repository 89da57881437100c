"""Scores of a forecast against the real outcome: absolute error, interval coverage and CRPS."""

from __future__ import annotations

from typing import Any

import numpy as np


def crps(draws: np.ndarray, outcome: float, weights: np.ndarray | None = None) -> float:
    """The continuous ranked probability score of an ensemble of draws against the outcome (lower is better).

    CRPS(F, y) = E|X - y| - E|X - X'| / 2 for X, X' drawn independently from F (Gneiting & Raftery 2007,
    eq. 21), with F the empirical distribution of the draws, or the discrete distribution putting
    ``weights`` (summing to 1) on them. Over the sorted values x_(1..n) with cumulative weights C_i (C_0 = 0),
    E|X - X'| = 2 Σ w_i x_(i) (C_(i-1) + C_i - 1), which for equal weights is (2 / n²) Σ (2i - n - 1) x_(i);
    so the whole score takes O(n log n). For a single draw it is the absolute error.

    Examples
    --------
    >>> crps(np.array([40.0, 60.0]), 50.0)  # E|X-y| = 10, E|X-X'| = (0 + 20 + 20 + 0) / 4 = 10
    5.0
    >>> crps(np.array([40.0, 60.0]), 40.0, np.array([0.75, 0.25]))  # 0.25·20 - (2·0.75·0.25·20) / 2
    1.25
    """
    x = np.asarray(draws, dtype=float)
    n = len(x)
    if n == 0:
        raise ValueError("CRPS needs at least one draw")
    w = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, dtype=float)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cumulative = np.cumsum(w)
    spread = 2.0 * float(np.sum(w * x * (cumulative - w + cumulative - 1.0)))
    return float(np.sum(w * np.abs(x - outcome)) - spread / 2.0)


def score_rows(
    forecast: float,
    low: float | None,
    high: float | None,
    draws: np.ndarray | None,
    outcome: float,
    scale: tuple[float, float],
) -> dict[str, Any]:
    """Scores of one forecast, on 0–100 (the issue's scale mapped to 0–100, so issues can be pooled)."""
    unit = 100.0 / (scale[1] - scale[0])
    return {
        "forecast": forecast,
        "outcome": outcome,
        "abs_error": abs(forecast - outcome) * unit,
        "covered95": None if low is None or high is None else bool(low <= outcome <= high),
        "crps": None if draws is None or not len(draws) else crps(draws, outcome) * unit,
    }


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each model's record over scored forecasts (hindsight ones left out), best mean absolute error first."""
    by_model: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if not row["hindsight"]:
            by_model.setdefault(row["model"], []).append(row)
    out = []
    for model, scored in by_model.items():
        covered = [r["covered95"] for r in scored if r["covered95"] is not None]
        crpss = [r["crps"] for r in scored if r["crps"] is not None]
        out.append(
            {
                "model": model,
                "forecasts": len(scored),
                "issues": len({(r["scenario"], r["issue"]) for r in scored}),
                "mae": float(np.mean([r["abs_error"] for r in scored])),
                "with_intervals": len(covered),
                "coverage95": float(np.mean(covered)) if covered else None,
                "crps": float(np.mean(crpss)) if crpss else None,
            }
        )
    return sorted(out, key=lambda r: r["mae"])
