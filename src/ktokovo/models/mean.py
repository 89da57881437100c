"""The compromise model: the capability × salience weighted mean of the positions.

    O = Σ_i c_i s_i x_i / Σ_i c_i s_i

Van den Bos (1991); Stokman & Van den Bos (1992); Achen (2006), "Evaluating political decision-making
models", in Thomson et al. (eds) *The European Union Decides*, ch. 10. On the DEU data it is the most
accurate of the standard models (mean absolute error 23.6 with equal capabilities; see
``shared/reference/MODELS.md`` §4.1 and §5).
"""

from __future__ import annotations

import numpy as np

PARAMETERS: dict[str, object] = {}
PRESETS: dict[str, dict[str, object]] = {}
STATIC = True


def weights(capability: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Vote weights c·s; equal weights when nobody has any (so a degenerate issue still has an answer)."""
    w = capability * salience
    return w if w.sum() > 0 else np.ones_like(w)


def weighted_mean(position: np.ndarray, capability: np.ndarray, salience: np.ndarray) -> float:
    """Weighted mean of ``position`` (n_actors,) with weights capability × salience."""
    w = weights(capability, salience)
    order = np.lexsort((w, position))  # a fixed summation order: the answer ignores actor order
    return float(np.sum(w[order] * position[order]) / np.sum(w[order]))


def solve(
    position: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    status_quo: float | None,
    *,
    rounds: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float, float]:
    """Trajectory (1, n_actors), forecast, mean forecast, all on 0–100."""
    value = weighted_mean(position, capability, salience)
    return position[None, :].copy(), value, value


def solve_batch(
    position: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    status_quo: np.ndarray | None,
    *,
    rounds: int,
    **params: object,
) -> np.ndarray:
    """Forecasts of a batch of cases: inputs (batch, n); returns (batch,). Sums in ``weighted_mean``'s order."""
    w = capability * salience
    w = np.where(w.sum(axis=-1, keepdims=True) > 0, w, 1.0)
    order = np.lexsort((w, position), axis=-1)
    w_sorted = np.take_along_axis(w, order, axis=-1)
    x_sorted = np.take_along_axis(position, order, axis=-1)
    return np.sum(w_sorted * x_sorted, axis=-1) / np.sum(w_sorted, axis=-1)
