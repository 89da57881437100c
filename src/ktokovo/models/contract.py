"""The contract every model implements, and the parameters base class.

A model is one module holding a frozen :class:`Parameters` subclass (typed fields with defaults; each field's
``metadata`` says which values it allows), named presets as instances of it, pure solve functions, and one
:class:`IssueModel` or :class:`JointModel` record that names them. The registry in :mod:`ktokovo.models` lists
the records; the runner, the CLI's choices, the web schema, the report and the docs all read it.

>>> from ktokovo.models import MODELS
>>> MODELS["nash"].parameters(utility="linear")
NashParameters(utility='linear')
>>> MODELS["nash"].parameters(utility="cubic")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ktokovo.core.errors.ParameterError: parameter 'utility' of model 'nash' must be one of [...], not 'cubic'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, Self

import numpy as np

from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Scenario


def one_of(*values: object) -> dict[str, Any]:
    """Field metadata: the parameter takes one of ``values``."""
    return {"choices": values}


def between(low: float, high: float, kind: type = float) -> dict[str, Any]:
    """Field metadata: the parameter is a number (``kind`` int: a whole number) in [low, high]."""
    return {"range": (low, high, kind)}


@dataclass(frozen=True)
class Parameters:
    """Base of every model's parameters: a frozen dataclass whose values are checked when it is made.

    Subclasses set ``model`` (the model's name, for messages) and declare typed fields with defaults; a field
    with ``metadata=one_of(...)`` or ``metadata=between(...)`` is checked against it, and a number is stored as
    its declared kind (``3`` given for a float is stored as ``3.0``)."""

    model: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            allowed = spec.metadata.get("choices")
            if allowed is not None and value not in allowed:
                raise ParameterError(
                    f"parameter '{spec.name}' of model '{self.model}' must be one of {list(allowed)}, not {value!r}"
                )
            bounds = spec.metadata.get("range")
            if bounds is not None:
                low, high, kind = bounds
                wrong_kind = (
                    isinstance(value, bool)
                    or not isinstance(value, (int, float, np.integer, np.floating))
                    or (kind is int and not float(value).is_integer())
                )
                if wrong_kind or not low <= value <= high:
                    what = "a whole number" if kind is int else "a number"
                    raise ParameterError(
                        f"parameter '{spec.name}' of model '{self.model}' must be {what} in [{low:g}, {high:g}], "
                        f"not {value!r}"
                    )
                object.__setattr__(self, spec.name, kind(value))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(spec.name for spec in dataclasses.fields(cls))

    @classmethod
    def choices(cls) -> dict[str, tuple[object, ...]]:
        """The allowed values of every parameter that has a fixed set of them."""
        return {s.name: s.metadata["choices"] for s in dataclasses.fields(cls) if "choices" in s.metadata}

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Self:
        """The defaults overlaid by ``values``; an unknown name is a :class:`ParameterError`."""
        known = cls.names()
        for name in values:
            if name not in known:
                listed = ", ".join(known) or "none"
                raise ParameterError(f"unknown parameter '{name}' for model '{cls.model}'; its parameters: {listed}")
        return cls(**values)

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes``, checked as a new instance is."""
        return self.from_mapping({**self.as_dict(), **changes})

    def as_dict(self) -> dict[str, Any]:
        """Name to value, in the order the fields are declared (what the run store and JSON record)."""
        return {name: getattr(self, name) for name in self.names()}


@dataclass(frozen=True)
class ActorOrder(Parameters):
    """Parameters of a joint model whose reference breaks ties by input order: ``actor_order="by_name"`` (the
    default) has the runner solve the scenario with its actors in the order of their names and put them back,
    so that a forecast does not depend on how a file lists them; ``"as_given"`` keeps the file's order, as the
    reference implementation does."""

    actor_order: str = field(default="by_name", metadata=one_of("by_name", "as_given"))


class IssueSolution(NamedTuple):
    """One issue solved: positions (n_rounds + 1, n_actors) on 0–100, round 0 first (one row for a static
    model); the forecast and the weighted mean of the final positions, on 0–100."""

    positions: np.ndarray
    forecast: float
    mean: float


class JointSolution(NamedTuple):
    """Every issue solved at once, on 0–100: positions (n_rounds + 1, n_actors, n_issues); forecast and mean
    (n_issues,); ``carry`` (n_actors, n_issues), the positions a later phase continues from (None: the last
    round's positions); ``weights`` (n_actors,), each actor's final position's probability of being the
    outcome where the model's mechanism gives one (SMP's winning probabilities), else None."""

    positions: np.ndarray
    forecast: np.ndarray
    mean: np.ndarray
    carry: np.ndarray | None = None
    weights: np.ndarray | None = None


IssueSolver = Callable[..., IssueSolution]
"""``solve(position, capability, salience, status_quo, *, rounds, rng, parameters)``: position (n,) on
0–100, capability (n,), salience (n,) on 0–100, status quo on 0–100 or None."""
BatchSolver = Callable[..., np.ndarray]
"""``solve_batch(position, capability, salience, status_quo, *, rounds, parameters)``: inputs (batch, n),
status quo (batch,) with NaN where none, or None; returns the forecasts (batch,) on 0–100."""
JointSolver = Callable[..., JointSolution]
"""``solve(scenario, *, rounds, rng, parameters)``: the scenario in the order the runner chose."""


def _always(scenario: Scenario) -> str | None:
    return None


@dataclass(frozen=True, kw_only=True)
class _Model:
    name: str
    description: str
    citation: str
    parameters: type[Parameters]
    presets: Mapping[str, Parameters] = field(default_factory=dict)
    rounds: bool = False
    """True if the model runs in rounds; False for a static model (one round of positions, the input)."""
    default_rounds: int = 0
    """Rounds run when none are asked for (models in rounds)."""
    applies: Callable[[Scenario], str | None] = _always
    """Why the model cannot run on a scenario, or None if it can."""

    def defaults(self) -> Parameters:
        return self.parameters()

    def resolve(self, preset: str | None, values: Mapping[str, Any]) -> Parameters:
        """The defaults, overlaid by the preset, overlaid by ``values``; every name and value checked."""
        base = self.defaults()
        if preset is not None:
            if preset not in self.presets:
                known = ", ".join(self.presets) or "none"
                raise ParameterError(f"unknown preset '{preset}' for model '{self.name}'; its presets: {known}")
            base = self.presets[preset]
        return base.replace(**values) if values else base


@dataclass(frozen=True, kw_only=True)
class IssueModel(_Model):
    """A model solved issue by issue: ``solve`` (:data:`IssueSolver`) and, where it pays, ``solve_batch``
    (:data:`BatchSolver`) for many cases at once, which gives the same forecasts as ``solve``."""

    solve: IssueSolver
    solve_batch: BatchSolver | None = None
    joint: ClassVar[bool] = False


@dataclass(frozen=True, kw_only=True)
class JointModel(_Model):
    """A model that takes every issue of a scenario at once: ``solve`` (:data:`JointSolver`)."""

    solve: JointSolver
    joint: ClassVar[bool] = True
    solve_batch: ClassVar[None] = None
    """Joint models have no batched solve: their draws run one at a time."""


Model = IssueModel | JointModel
"""A registry entry: one of the two concrete kinds."""
