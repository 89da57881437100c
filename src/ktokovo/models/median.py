"""The weighted median: the capability × salience weighted median of the positions.

In one dimension with linear losses and vote weights c·s it is the Condorcet winner among the actors'
positions (Black 1948; Bueno de Mesquita 1994; Scholz, Calbert & Smith 2011, appendix step 3): the
lowest position at which the cumulative weight, counted from below, reaches half the total. When it
reaches exactly half, the next position ties with it; ktokovo takes the lower (documented choice; the
reference port's answer in that case depends on hash order, ``BDM_SPEC.md`` §6.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ktokovo.models.contract import IssueModel, IssueSolution, Parameters
from ktokovo.models.mean import sorted_by_position, weighted_mean, weights


@dataclass(frozen=True)
class MedianParameters(Parameters):
    """The weighted median has no parameters."""

    model: ClassVar[str] = "median"


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
    parameters: MedianParameters,
) -> IssueSolution:
    """Trajectory (1, n_actors), forecast, and the weighted mean, all on 0–100."""
    return IssueSolution(
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
    parameters: MedianParameters,
) -> np.ndarray:
    """Forecasts of a batch of cases: inputs (batch, n); returns (batch,)."""
    return median_rows(position, weights(capability, salience))


MODEL = IssueModel(
    name="median",
    description="weighted median (Condorcet winner in one dimension)",
    citation="Black (1948); Bueno de Mesquita (1994); Scholz, Calbert & Smith (2011), appendix step 3",
    parameters=MedianParameters,
    solve=solve,
    solve_batch=solve_batch,
)
