"""The weighted median: the capability × salience weighted median of the positions.

In one dimension with linear losses and vote weights c·s it is the Condorcet winner among the actors'
positions (Black 1948; Bueno de Mesquita 1994; Scholz, Calbert & Smith 2011, appendix step 3): the
lowest position at which the cumulative weight, counted from below, reaches half the total. When it
reaches exactly half, the next position ties with it; ktokovo takes the lower (documented choice; the
reference port's answer in that case depends on hash order, ``BDM_SPEC.md`` §6.3).
"""

from __future__ import annotations

import numpy as np

from ktokovo.models.mean import sorted_by_position, weights

PARAMETERS: dict[str, object] = {}
PRESETS: dict[str, dict[str, object]] = {}
STATIC = True


def median_rows(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The weighted median along the last axis: (..., n) to (...)."""
    x, w = sorted_by_position(position, weight)
    cumulative = np.cumsum(w, axis=-1)
    index = np.argmax(cumulative >= cumulative[..., -1:] / 2.0, axis=-1)  # the first to reach half
    return np.take_along_axis(x, index[..., None], axis=-1)[..., 0]


def weighted_median(position: np.ndarray, capability: np.ndarray, salience: np.ndarray) -> float:
    """Weighted median of ``position`` (n_actors,) with weights capability × salience.

    >>> weighted_median(np.array([4.0, 7.0, 10.0]), np.ones(3), np.array([1.0, 1.0, 1.0]))
    7.0
    """
    return float(median_rows(position, weights(capability, salience)))


def solve(
    position: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    status_quo: float | None,
    *,
    rounds: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float, float]:
    """Trajectory (1, n_actors), forecast, and the weighted mean, all on 0–100."""
    from ktokovo.models.mean import weighted_mean

    return (
        position[None, :].copy(),
        weighted_median(position, capability, salience),
        weighted_mean(position, capability, salience),
    )


def solve_batch(
    position: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    status_quo: np.ndarray | None,
    *,
    rounds: int,
    **params: object,
) -> np.ndarray:
    """Forecasts of a batch of cases: inputs (batch, n); returns (batch,)."""
    return median_rows(position, weights(capability, salience))
