"""The compromise model: the capability × salience weighted mean of the positions.

    O = Σ_i c_i s_i x_i / Σ_i c_i s_i

Van den Bos (1991); Stokman & Van den Bos (1992); Achen (2006), "Evaluating political decision-making
models", in Thomson et al. (eds) *The European Union Decides*, ch. 10. On the DEU data it is the most
accurate of the standard models (mean absolute error 23.6 with equal capabilities; see
``shared/reference/MODELS.md`` §4.1 and §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ktokovo.models.contract import IssueModel, IssueSolution, Parameters


@dataclass(frozen=True)
class MeanParameters(Parameters):
    """The compromise model has no parameters."""

    model: ClassVar[str] = "mean"


def weights(capability: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Vote weights c·s along the last axis; equal weights where nobody has any (so a degenerate issue still
    has an answer)."""
    w = capability * salience
    return np.where(w.sum(axis=-1, keepdims=True) > 0, w, 1.0)


def sorted_by_position(position: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions and weights along the last axis, ordered by position then weight: a fixed summation order,
    so answers do not depend on the order in which actors are listed."""
    order = np.lexsort((weight, position), axis=-1)
    return np.take_along_axis(position, order, axis=-1), np.take_along_axis(weight, order, axis=-1)


def mean_rows(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The weight-weighted mean along the last axis: (..., n) to (...)."""
    x, w = sorted_by_position(position, weight)
    return np.sum(w * x, axis=-1) / np.sum(w, axis=-1)


def weighted_mean(position: np.ndarray, capability: np.ndarray, salience: np.ndarray) -> float:
    """Weighted mean of ``position`` (n_actors,) with weights capability × salience."""
    return float(mean_rows(position, weights(capability, salience)))


def solve(
    position: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    status_quo: float | None,
    *,
    rounds: int,
    rng: np.random.Generator,
    parameters: MeanParameters,
) -> IssueSolution:
    """Trajectory (1, n_actors), forecast, mean forecast, all on 0–100."""
    value = weighted_mean(position, capability, salience)
    return IssueSolution(position[None, :].copy(), value, value)


def solve_batch(
    position: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    status_quo: np.ndarray | None,
    *,
    rounds: int,
    parameters: MeanParameters,
) -> np.ndarray:
    """Forecasts of a batch of cases: inputs (batch, n); returns (batch,)."""
    return mean_rows(position, weights(capability, salience))


MODEL = IssueModel(
    name="mean",
    description="compromise model: capability × salience weighted mean",
    citation="Van den Bos (1991); Stokman & Van den Bos (1992); Achen (2006), The European Union Decides, ch. 10",
    parameters=MeanParameters,
    solve=solve,
    solve_batch=solve_batch,
)
