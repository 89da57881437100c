"""Running a model on a scenario: parameters resolved and checked, shocks applied in phases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ktokovo.core.errors import ParameterError
from ktokovo.core.result import ModelResult, package_version
from ktokovo.core.scenario import Scenario
from ktokovo.models import MODELS

DEFAULT_ROUNDS = 10


def resolve_parameters(model: str, preset: str | None, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The model's defaults, overlaid by the preset, overlaid by explicit parameters; every name and
    value checked."""
    if model not in MODELS:
        raise ParameterError(f"unknown model '{model}'; known models: {', '.join(MODELS)}")
    module = MODELS[model]
    settings = dict(module.PARAMETERS)
    if preset is not None:
        if preset not in module.PRESETS:
            known = ", ".join(module.PRESETS) or "none"
            raise ParameterError(f"unknown preset '{preset}' for model '{model}'; its presets: {known}")
        settings.update(module.PRESETS[preset])
    for name, value in parameters.items():
        if name not in module.PARAMETERS:
            known = ", ".join(module.PARAMETERS) or "none"
            raise ParameterError(f"unknown parameter '{name}' for model '{model}'; its parameters: {known}")
        settings[name] = value
    for name, allowed in getattr(module, "CHOICES", {}).items():
        if settings[name] not in allowed:
            raise ParameterError(
                f"parameter '{name}' of model '{model}' must be one of {list(allowed)}, not {settings[name]!r}"
            )
    for name, (low, high, kind) in getattr(module, "RANGES", {}).items():
        value = settings[name]
        wrong_kind = (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (kind is int and not float(value).is_integer())
        )
        if wrong_kind or not low <= value <= high:
            what = "a whole number" if kind is int else "a number"
            raise ParameterError(
                f"parameter '{name}' of model '{model}' must be {what} in [{low:g}, {high:g}], not {value!r}"
            )
        settings[name] = kind(value)
    return settings


def run(
    scenario: Scenario,
    model: str = "bdm",
    *,
    preset: str | None = None,
    rounds: int | None = None,
    seed: int | None = 0,
    rng: np.random.Generator | int | None = None,
    **parameters: Any,
) -> ModelResult:
    """Run one model on every issue of a scenario.

    Parameters
    ----------
    scenario : the negotiation.
    model : "mean", "median", "nash" or "bdm" (see :data:`ktokovo.MODELS`).
    preset : a named parameter set of the model, for example "scholz2011" for "bdm".
    rounds : rounds to run, for models that run in rounds (default: 10 for "bdm"; "smp" runs to its
        stop rule, at most 100 turns, unless given a number).
    seed, rng : randomness. The standard models are deterministic; the seed is recorded with the result.
    **parameters : the model's parameters, overriding the preset.

    Examples
    --------
    >>> import ktokovo
    >>> res = ktokovo.run(ktokovo.load("ec-emissions-1994"), model="bdm", preset="scholz2011", rounds=10)
    >>> round(float(res.mean[0]), 6)
    7.242131
    """
    given = scenario.model_parameters.get(model, {})
    settings = resolve_parameters(model, preset, {**given, **parameters})
    module = MODELS[model]
    if rounds is None:
        rounds = getattr(module, "DEFAULT_ROUNDS", DEFAULT_ROUNDS)
    if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)) or rounds < 0:
        raise ParameterError(f"rounds must be a whole number >= 0, not {rounds!r}")
    generator = np.random.default_rng(rng if rng is not None else seed)
    if scenario.shocks:
        positions, forecast, mean, _ = _run_shocked(scenario, model, settings, int(rounds), generator)
    else:
        positions, forecast, mean, _ = _run_plain(scenario, model, settings, int(rounds), generator)
    return ModelResult(
        model=model,
        scenario=scenario,
        parameters=settings,
        preset=preset,
        rounds=positions.shape[0] - 1,
        seed=seed,
        version=package_version(),
        positions=positions,
        forecast=forecast,
        mean=mean,
    )


Outcome = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _run_plain(
    scenario: Scenario, model: str, settings: dict[str, Any], rounds: int, generator: np.random.Generator
) -> Outcome:
    """Positions (rounds + 1, n_actors, n_issues), forecast and mean (n_issues,), and the positions a later
    phase continues from (n_actors, n_issues), all on each issue's own scale."""
    module = MODELS[model]
    n_actors, n_issues = scenario.positions.shape
    unit = scenario.unit_positions()
    forecast = np.empty(n_issues)
    mean = np.empty(n_issues)
    if getattr(module, "JOINT", False):
        model_settings = dict(settings)
        order = np.arange(n_actors)
        if model_settings.pop("actor_order", "as_given") == "by_name":
            # Run in a fixed order of names, so that ties the reference breaks by input order are broken the
            # same way however the scenario lists its actors.
            order = np.array(sorted(range(n_actors), key=lambda i: scenario.actors[i].name))
        inverse = np.argsort(order)
        parts = module.solve_joint(scenario.permuted(order), rounds=rounds, rng=generator, **model_settings)
        path, value, average = parts[0][:, inverse], parts[1], parts[2]
        carry_unit = parts[3][inverse] if len(parts) > 3 else path[-1]
        path = np.where(np.isnan(unit)[None, :, :], np.nan, path)
        positions = np.empty_like(path)
        carry = np.empty((n_actors, n_issues))
        for j, issue in enumerate(scenario.issues):
            positions[:, :, j] = issue.from_unit(path[:, :, j])
            carry[:, j] = np.where(np.isnan(unit[:, j]), np.nan, issue.from_unit(carry_unit[:, j]))
            forecast[j] = issue.from_unit(value[j])
            mean[j] = issue.from_unit(average[j])
        return positions, forecast, mean, carry
    n_rounds = 1 if module.STATIC else rounds + 1
    positions = np.full((n_rounds, n_actors, n_issues), np.nan)
    for j, issue in enumerate(scenario.issues):
        present = ~np.isnan(unit[:, j])
        status_quo = None if issue.status_quo is None else float(issue.to_unit(issue.status_quo))
        path, value, average = module.solve(
            unit[present, j],
            scenario.capabilities[present],
            scenario.saliences[present, j],
            status_quo,
            rounds=rounds,
            rng=generator,
            **settings,
        )
        positions[:, present, j] = issue.from_unit(path)
        forecast[j] = issue.from_unit(value)
        mean[j] = issue.from_unit(average)
    return positions, forecast, mean, positions[-1]


def _apply_shocks(
    scenario: Scenario,
    shocks: list[Any],
    capabilities: np.ndarray,
    positions: np.ndarray,
    saliences: np.ndarray,
    active: np.ndarray,
) -> None:
    """Apply ``shocks`` in place to the current inputs (positions on each issue's own scale)."""
    from ktokovo.core.scenario import shock_target

    for shock in shocks:
        if shock.kind in ("enter", "leave"):
            active[scenario.actor_index(shock.target)] = shock.kind == "enter"
            continue
        kind, i, j = shock_target(scenario, shock.target)
        table = {"capability": capabilities, "position": positions, "salience": saliences}[str(kind)]
        index = i if kind == "capability" else (i, j)
        table[index] = shock.value if shock.kind == "set" else table[index] * shock.value
        if kind == "position":  # a scaled position stays on its issue's scale
            low, high = scenario.issues[j].scale  # type: ignore[index]
            table[index] = min(max(table[index], low), high)
        if kind == "salience":
            table[index] = min(table[index], 100.0)


def _run_shocked(
    scenario: Scenario, model: str, settings: dict[str, Any], rounds: int, generator: np.random.Generator
) -> Outcome:
    """A run in phases: each shock changes the inputs from its round on, and the model continues from the
    positions reached, with the changed inputs, as from a new start. Static models see the inputs as they
    stand after every shock. Actors absent from a phase have NaN positions there."""
    module = MODELS[model]
    capabilities = scenario.capabilities.copy()
    positions = scenario.positions.copy()
    saliences = scenario.saliences.copy()
    active = np.array(
        [not any(s.kind == "enter" and s.target == a for s in scenario.shocks) for a in scenario.actor_names]
    )
    if module.STATIC:
        _apply_shocks(scenario, list(scenario.shocks), capabilities, positions, saliences, active)
        phase = _phase(scenario, capabilities, positions, saliences, active)
        path, forecast, mean, carry = _run_plain(phase, model, settings, rounds, generator)
        return _widen(path, active), forecast, mean, _widen(carry[None], active)[0]
    limit = rounds if rounds > 0 else None
    boundaries = sorted({s.round for s in scenario.shocks if limit is None or s.round <= limit})
    rows = [np.where(active[:, None], positions, np.nan)]
    done = 0
    forecast = mean = np.full(len(scenario.issues), np.nan)
    for boundary in [*boundaries, None]:
        length = (boundary - 1 - done) if boundary is not None else rounds - done
        if length > 0 or (boundary is None and done == 0):
            phase = _phase(scenario, capabilities, positions, saliences, active)
            path, forecast, mean, carry = _run_plain(phase, model, settings, length, generator)
            path = _widen(path, active)
            while len(path) - 1 < length and boundary is not None:  # a model that stopped early holds still
                path = np.concatenate([path, path[-1:]])
            rows.extend(path[1:])
            positions = np.where(active[:, None], _widen(carry[None], active)[0], positions)
            done += len(path) - 1
        if boundary is None:
            break
        _apply_shocks(
            scenario, [s for s in scenario.shocks if s.round == boundary], capabilities, positions, saliences, active
        )
    if np.isnan(forecast).all():  # every shock came before the first round ran: run the last phase
        phase = _phase(scenario, capabilities, positions, saliences, active)
        path, forecast, mean, carry = _run_plain(phase, model, settings, rounds, generator)
        rows.extend(_widen(path, active)[1:])
    return np.array(rows), forecast, mean, positions


def _phase(
    scenario: Scenario, capabilities: np.ndarray, positions: np.ndarray, saliences: np.ndarray, active: np.ndarray
) -> Scenario:
    """The scenario of one phase: the active actors with the current inputs, no shocks."""
    keep = np.flatnonzero(active)
    return scenario.replace(
        actors=tuple(scenario.actors[i] for i in keep),
        capabilities=capabilities[keep],
        positions=positions[keep],
        saliences=saliences[keep],
        capability_ranges=scenario.capability_ranges[keep],
        position_ranges=scenario.position_ranges[keep],
        salience_ranges=scenario.salience_ranges[keep],
        shocks=(),
        vetoes=(),
        linkages=(),
    )


def _widen(path: np.ndarray, active: np.ndarray) -> np.ndarray:
    """(T, n_active, m) to (T, n_actors, m), NaN for absent actors."""
    out = np.full((path.shape[0], len(active), path.shape[2]), np.nan)
    out[:, active] = path
    return out
