"""What a model run returns: every actor's position in every round, the forecast and the weighted mean."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

import numpy as np

from ktokovo.core._version import __version__
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.scenario import Scenario


def package_version() -> str:
    """ktokovo's version (:mod:`ktokovo.core._version`), recorded with every result."""
    return __version__


@dataclass(frozen=True, eq=False)
class ModelResult:
    """What one model forecasts for one scenario.

    Attributes
    ----------
    positions : (n_rounds + 1, n_actors, n_issues) every actor's position in every round on each issue's
        own scale, round 0 first; NaN where the actor takes no position. Static models have one round.
    forecast : (n_issues,) the model's forecast on each issue's own scale (for ``bdm``, the weighted
        median of the final positions).
    mean : (n_issues,) the capability × salience weighted mean of the final positions.
    weights : (n_actors,) each actor's final position's probability of being the outcome, where the model's
        mechanism gives one (``smp``: the last round's winning probabilities, summing to 1); else None.
    seed : the seed that replays the run, or None for a run driven by a caller's random generator, whose
        state is not recorded (see :attr:`replayable`).
    """

    model: str
    scenario: Scenario
    parameters: Mapping[str, Any]
    preset: str | None
    rounds: int
    seed: int | None
    version: str
    positions: np.ndarray
    forecast: np.ndarray
    mean: np.ndarray
    weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))
        for name in ("positions", "forecast", "mean", "weights"):
            if getattr(self, name) is not None:
                getattr(self, name).setflags(write=False)

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # The read-only parameter mapping cannot be pickled as it is (worker processes return results).
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["parameters"] = dict(self.parameters)
        return (_rebuild_result, (values,))

    @property
    def replayable(self) -> bool:
        """Whether the record says how to run this again with the same numbers (it has its seed)."""
        return self.seed is not None

    @property
    def issues(self) -> tuple[str, ...]:
        return self.scenario.issue_names

    @property
    def actors(self) -> tuple[str, ...]:
        return self.scenario.actor_names

    def to_frame(self) -> Any:
        """Every actor's position in every round: a long pandas DataFrame
        (columns round, actor, issue, position)."""
        import pandas as pd

        n_rounds, n_actors, n_issues = self.positions.shape
        frame = pd.DataFrame(
            {
                "round": np.repeat(np.arange(n_rounds), n_actors * n_issues),
                "actor": np.tile(np.repeat(self.actors, n_issues), n_rounds),
                "issue": np.tile(self.issues, n_rounds * n_actors),
                "position": self.positions.reshape(-1),
            }
        )
        return frame.dropna(subset=["position"]).reset_index(drop=True)

    def _repr_html_(self) -> str:
        """In Jupyter: the model, its rounds, and per issue the forecast (one decimal) with its nearest words."""
        import html

        from ktokovo.core.numbers import point

        frame = self.forecast_frame()
        frame["forecast"] = [point(v) for v in frame["forecast"]]
        frame["mean"] = [point(v) for v in frame["mean"]]
        title = html.escape(f"{self.model} on {self.scenario.title or self.scenario.name}")
        return f"<h4>{title}</h4><p>{self.positions.shape[0] - 1} rounds</p>" + frame.to_html(index=False)

    def forecast_frame(self) -> Any:
        """One row per issue: the forecast, the weighted mean, and the words of the nearest labelled point."""
        import pandas as pd

        issues = self.scenario.issues
        return pd.DataFrame(
            {
                "issue": self.issues,
                "forecast": self.forecast,
                "mean": self.mean,
                "nearest_label": [issue.nearest_label(v) for issue, v in zip(issues, self.forecast, strict=True)],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: parameters, and per issue the forecast and every actor's positions by round."""
        issues = {}
        for j, issue in enumerate(self.scenario.issues):
            rounds = {
                actor: [_json_number(v) for v in self.positions[:, i, j]]
                for i, actor in enumerate(self.actors)
                if not np.isnan(self.positions[0, i, j])
            }
            issues[issue.name] = {
                "forecast": _json_number(self.forecast[j]),
                "mean": _json_number(self.mean[j]),
                "nearest_label": issue.nearest_label(float(self.forecast[j])),
                "scale": list(issue.scale),
                "positions_by_round": rounds,
            }
        return {
            "model": self.model,
            "preset": self.preset,
            "parameters": to_jsonable(self.parameters),
            "rounds": self.rounds,
            "seed": self.seed,
            "replayable": self.replayable,
            "version": self.version,
            "issues": issues,
        }


def _rebuild_result(values: dict[str, Any]) -> ModelResult:
    return ModelResult(**values)


def _json_number(value: float) -> float | None:
    number: float | None = to_jsonable(value, digits=10)
    return number
