"""Running a model on a scenario: parameters resolved and checked, shocks applied in phases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ktokovo.core.errors import ParameterError
from ktokovo.core.limits import MAX_ROUNDS
from ktokovo.core.result import ModelResult, package_version
from ktokovo.core.scenario import Scenario
from ktokovo.models import _why
from ktokovo.models.contract import ActorOrder, JointModel, Parameters
from ktokovo.models.registry import get

DEFAULT_ROUNDS = 10


def resolve_parameters(model: str, preset: str | None, parameters: Mapping[str, Any]) -> Parameters:
    """The model's defaults, overlaid by the preset, overlaid by explicit parameters; every name and
    value checked (:class:`ParameterError` names what is wrong)."""
    return get(model).resolve(preset, parameters)


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
    seed, rng : randomness: ``rng`` (a generator or a seed) if given, else ``seed``. The standard models are
        deterministic. The result records the seed that replays the run; a run driven by a caller's generator
        records ``seed=None`` (``ModelResult.replayable`` is False), since a generator's state is not a seed.
    **parameters : the model's parameters, overriding the preset.

    Examples
    --------
    >>> import ktokovo
    >>> res = ktokovo.run(ktokovo.load("ec-emissions-1994"), model="bdm", preset="scholz2011", rounds=10)
    >>> round(float(res.mean[0]), 6)
    7.242131
    """
    spec = get(model)
    given = scenario.model_parameters.get(model, {})
    settings = spec.resolve(preset, {**given, **parameters})
    if rounds is None:
        rounds = spec.default_rounds if spec.rounds else DEFAULT_ROUNDS
    if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)) or not 0 <= rounds <= MAX_ROUNDS:
        raise ParameterError(f"rounds must be a whole number from 0 to {MAX_ROUNDS:,}, not {rounds!r}")
    if isinstance(rng, np.random.Generator):
        generator, recorded = rng, None
    else:
        recorded = seed if rng is None else int(rng)
        generator = np.random.default_rng(recorded)
    if scenario.shocks:
        positions, forecast, mean, _, weights = _run_shocked(scenario, model, settings, int(rounds), generator)
    else:
        positions, forecast, mean, _, weights = _run_plain(scenario, model, settings, int(rounds), generator)
    return ModelResult(
        model=model,
        scenario=scenario,
        parameters=settings.as_dict(),
        preset=preset,
        rounds=positions.shape[0] - 1,
        seed=recorded,
        version=package_version(),
        positions=positions,
        forecast=forecast,
        mean=mean,
        weights=weights,
    )


Outcome = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]


def _run_plain(
    scenario: Scenario, model: str, settings: Parameters, rounds: int, generator: np.random.Generator
) -> Outcome:
    """Positions (rounds + 1, n_actors, n_issues), forecast and mean (n_issues,), and the positions a later
    phase continues from (n_actors, n_issues), all on each issue's own scale; and the mechanism's outcome
    weights (n_actors,) or None (:attr:`JointSolution.weights`)."""
    spec = get(model)
    n_actors, n_issues = scenario.positions.shape
    unit = scenario.unit_positions()
    forecast = np.empty(n_issues)
    mean = np.empty(n_issues)
    if isinstance(spec, JointModel):
        order = np.arange(n_actors)
        if isinstance(settings, ActorOrder) and settings.actor_order == "by_name":
            # Run in a fixed order of names, so that ties the reference breaks by input order are broken the
            # same way however the scenario lists its actors.
            order = np.array(sorted(range(n_actors), key=lambda i: scenario.actors[i].name))
        inverse = np.argsort(order)
        with _why.scope(actors=order):
            solution = spec.solve(scenario.permuted(order), rounds=rounds, rng=generator, parameters=settings)
        path, value, average = solution.positions[:, inverse], solution.forecast, solution.mean
        carry_unit = path[-1] if solution.carry is None else solution.carry[inverse]
        path = np.where(np.isnan(unit)[None, :, :], np.nan, path)
        positions = np.empty_like(path)
        carry = np.empty((n_actors, n_issues))
        for j, issue in enumerate(scenario.issues):
            positions[:, :, j] = issue.from_unit(path[:, :, j])
            carry[:, j] = np.where(np.isnan(unit[:, j]), np.nan, issue.from_unit(carry_unit[:, j]))
            forecast[j] = issue.from_unit(value[j])
            mean[j] = issue.from_unit(average[j])
        weights = None if solution.weights is None else solution.weights[inverse]
        return positions, forecast, mean, carry, weights
    n_rounds = rounds + 1 if spec.rounds else 1
    positions = np.full((n_rounds, n_actors, n_issues), np.nan)
    for j, issue in enumerate(scenario.issues):
        present = ~np.isnan(unit[:, j])
        status_quo = None if issue.status_quo is None else float(issue.to_unit(issue.status_quo))
        with _why.scope(actors=np.flatnonzero(present), issue=j):
            one = spec.solve(
                unit[present, j],
                scenario.capabilities[present],
                scenario.saliences[present, j],
                status_quo,
                rounds=rounds,
                rng=generator,
                parameters=settings,
            )
        positions[:, present, j] = issue.from_unit(one.positions)
        forecast[j] = issue.from_unit(one.forecast)
        mean[j] = issue.from_unit(one.mean)
    return positions, forecast, mean, positions[-1], None


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
    scenario: Scenario, model: str, settings: Parameters, rounds: int, generator: np.random.Generator
) -> Outcome:
    """A run in phases: each shock changes the inputs from its round on, and the model continues from the
    positions reached, with the changed inputs, as from a new start. Static models see the inputs as they
    stand after every shock. Actors absent from a phase have NaN positions there."""
    spec = get(model)
    capabilities = scenario.capabilities.copy()
    positions = scenario.positions.copy()
    saliences = scenario.saliences.copy()
    active = np.array(
        [not any(s.kind == "enter" and s.target == a for s in scenario.shocks) for a in scenario.actor_names]
    )
    if not spec.rounds:
        _apply_shocks(scenario, list(scenario.shocks), capabilities, positions, saliences, active)
        phase = _phase(scenario, capabilities, positions, saliences, active)
        path, forecast, mean, carry, weights = _run_plain(phase, model, settings, rounds, generator)
        return _widen(path, active), forecast, mean, _widen(carry[None], active)[0], _wide(weights, active)
    limit = rounds if rounds > 0 else None
    boundaries = sorted({s.round for s in scenario.shocks if limit is None or s.round <= limit})
    rows = [np.where(active[:, None], positions, np.nan)]
    done = 0
    forecast = mean = np.full(len(scenario.issues), np.nan)
    weights = None
    for boundary in [*boundaries, None]:
        length = (boundary - 1 - done) if boundary is not None else rounds - done
        if length > 0 or (boundary is None and done == 0):
            phase = _phase(scenario, capabilities, positions, saliences, active)
            path, forecast, mean, carry, weights = _run_plain(phase, model, settings, length, generator)
            weights = _wide(weights, active)
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
        path, forecast, mean, carry, weights = _run_plain(phase, model, settings, rounds, generator)
        weights = _wide(weights, active)
        rows.extend(_widen(path, active)[1:])
    return np.array(rows), forecast, mean, positions, weights


def _phase(
    scenario: Scenario, capabilities: np.ndarray, positions: np.ndarray, saliences: np.ndarray, active: np.ndarray
) -> Scenario:
    """The scenario of one phase: the active actors with the current inputs, no shocks. An input a shock
    changed loses its confidence range (the range described the estimate before the shock)."""
    keep = np.flatnonzero(active)

    def ranges(held: np.ndarray, now: np.ndarray, before: np.ndarray) -> np.ndarray:
        same = (now == before) | (np.isnan(now) & np.isnan(before))
        return np.where(same[..., None], held, np.nan)

    return scenario.replace(
        actors=tuple(scenario.actors[i] for i in keep),
        capabilities=capabilities[keep],
        positions=positions[keep],
        saliences=saliences[keep],
        capability_ranges=ranges(scenario.capability_ranges, capabilities, scenario.capabilities)[keep],
        position_ranges=ranges(scenario.position_ranges, positions, scenario.positions)[keep],
        salience_ranges=ranges(scenario.salience_ranges, saliences, scenario.saliences)[keep],
        shocks=(),
        vetoes=(),
        linkages=(),
    )


def _wide(weights: np.ndarray | None, active: np.ndarray) -> np.ndarray | None:
    """(n_active,) to (n_actors,), 0 for absent actors."""
    if weights is None:
        return None
    out = np.zeros(len(active))
    out[active] = weights
    return out


def _widen(path: np.ndarray, active: np.ndarray) -> np.ndarray:
    """(T, n_active, m) to (T, n_actors, m), NaN for absent actors."""
    out = np.full((path.shape[0], len(active), path.shape[2]), np.nan)
    out[:, active] = path
    return out
