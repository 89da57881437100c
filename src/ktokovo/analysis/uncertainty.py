"""Forecast intervals: draw the inputs from their confidence ranges, run a model on every draw, summarise.

Each draw i takes its inputs from its own random stream, ``SeedSequence(seed, spawn_key=(i,))`` (the i-th
child that ``SeedSequence(seed).spawn`` would give), so a draw's inputs do not depend on how draws are
grouped. Models that can (``mean``, ``median``, ``nash``, ``bdm``) evaluate a whole batch of draws at once,
vectorised; ``smp`` and ``exchange`` run draw by draw. Chunks of draws can go to any
:class:`concurrent.futures.Executor` (local processes, or a Dask client's executor); the numbers are the same
however the work is split. Nothing here knows about terminals or signals: the caller stops a run through the
``progress`` callback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from ktokovo.core.errors import ParameterError
from ktokovo.core.limits import MAX_BATCH, MAX_SAMPLES
from ktokovo.core.scenario import Scenario
from ktokovo.models import Parameters, get, resolve_parameters, run

DEFAULT_SPREAD = {"position": 10.0, "salience": 0.25, "capability": 0.25}
"""Where an estimate has no confidence range: positions ±10 points of the 0–100 scale, saliences and
capabilities ±25% of their value; all clipped to what is allowed. The status quo is not varied unless it has
a range."""


def _triangular(u: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Inverse distribution function of the triangular distribution (low, mode, high) at u ∈ [0, 1)."""
    width = high - low
    with np.errstate(invalid="ignore", divide="ignore"):
        split = np.where(width > 0, (mode - low) / width, 0.5)
        left = low + np.sqrt(u * width * (mode - low))
        right = high - np.sqrt((1.0 - u) * width * (high - mode))
    return np.where(width > 0, np.where(u < split, left, right), mode)


@dataclass(frozen=True)
class Draws:
    """Drawn inputs for draws ``indices``: capabilities (k, n_actors); positions (k, n_actors, n_issues) on
    0–100, NaN where an actor takes no position; saliences (k, n_actors, n_issues) 0–100; status quo (k,
    n_issues) on 0–100, NaN where none; the deal rules: each veto's cost of no deal (k, n_vetoes) and
    walk-away points (k, n_vetoes, n_issues) on 0–100, NaN where the veto gives none (its walk-away is then
    the drawn status quo)."""

    indices: np.ndarray
    capabilities: np.ndarray
    positions: np.ndarray
    saliences: np.ndarray
    status_quo: np.ndarray
    costs: np.ndarray
    walk_aways: np.ndarray

    def rows(self, rows: slice) -> Draws:
        """The draws in ``rows`` (their indices kept, so each draw's random stream stays its own)."""
        return Draws(*(getattr(self, f.name)[rows] for f in fields(self)))

    def problem_inputs(self, k: int) -> dict[str, np.ndarray]:
        """Draw k's keyword arguments for :func:`ktokovo.analysis.deal.problem`."""
        return {
            "positions": self.positions[k],
            "saliences": self.saliences[k],
            "status_quo": self.status_quo[k],
            "costs": self.costs[k],
            "walk_aways": self.walk_aways[k],
        }


def rule_ranges(scenario: Scenario) -> dict[str, np.ndarray]:
    """(low, mode, high) of the deal rules: each veto's cost (3, n_vetoes) and walk-away points (3, n_vetoes,
    n_issues; 0–100, NaN where the veto gives none). Unlike stances, a rule without a range is not varied."""
    n_vetoes, n_issues = len(scenario.vetoes), len(scenario.issues)
    cost = np.empty((3, n_vetoes))
    walk = np.full((3, n_vetoes, n_issues), np.nan)
    for v, veto in enumerate(scenario.vetoes):
        cost[:, v] = veto.cost
        if veto.cost_range is not None:
            cost[0, v], cost[2, v] = veto.cost_range
        ranges = {name: (low, high) for name, low, high in veto.walk_away_ranges}
        for name, value in veto.walk_away:
            j = scenario.issue_names.index(name)
            issue = scenario.issues[j]
            low, high = ranges.get(name, (value, value))
            ends = np.sort(np.asarray(issue.to_unit(np.array([low, high])), dtype=float))
            walk[:, v, j] = ends[0], float(issue.to_unit(value)), ends[1]
    return {"cost": cost, "walk_away": walk}


def input_ranges(scenario: Scenario, spread: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """(low, mode, high) of every input on the scale models use: the given confidence ranges, or the default
    spread around the estimate."""
    spread = {**DEFAULT_SPREAD, **(spread or {})}
    unit = scenario.unit_positions()
    position_ranges = np.empty_like(scenario.position_ranges)
    for j, issue in enumerate(scenario.issues):
        position_ranges[:, j] = issue.to_unit(scenario.position_ranges[:, j])
    caps = scenario.capabilities
    cap_low = np.where(
        np.isnan(scenario.capability_ranges[:, 0]), caps * (1 - spread["capability"]), scenario.capability_ranges[:, 0]
    )
    cap_high = np.where(
        np.isnan(scenario.capability_ranges[:, 1]), caps * (1 + spread["capability"]), scenario.capability_ranges[:, 1]
    )
    pos_low = np.where(np.isnan(position_ranges[..., 0]), unit - spread["position"], position_ranges[..., 0])
    pos_high = np.where(np.isnan(position_ranges[..., 1]), unit + spread["position"], position_ranges[..., 1])
    sal = scenario.saliences
    sal_low = np.where(
        np.isnan(scenario.salience_ranges[..., 0]), sal * (1 - spread["salience"]), scenario.salience_ranges[..., 0]
    )
    sal_high = np.where(
        np.isnan(scenario.salience_ranges[..., 1]), sal * (1 + spread["salience"]), scenario.salience_ranges[..., 1]
    )
    sq = np.array([np.nan if i.status_quo is None else float(i.to_unit(i.status_quo)) for i in scenario.issues])
    sq_low, sq_high = sq.copy(), sq.copy()
    for j, issue in enumerate(scenario.issues):
        if issue.status_quo_range is not None:
            bounds = np.asarray(issue.to_unit(np.array(issue.status_quo_range)), dtype=float)
            sq_low[j], sq_high[j] = float(bounds[0]), float(bounds[1])
    return {
        "capability": np.stack([np.maximum(cap_low, 0.0), caps, cap_high]),
        "position": np.stack([np.clip(pos_low, 0, 100), unit, np.clip(pos_high, 0, 100)]),
        "salience": np.stack([np.clip(sal_low, 0, 100), sal, np.clip(sal_high, 0, 100)]),
        "status_quo": np.stack([sq_low, sq, sq_high]),
    }


def draw_inputs(scenario: Scenario, indices: np.ndarray, seed: int, spread: dict[str, float] | None = None) -> Draws:
    """The inputs of draws ``indices`` (triangular distributions with the estimate as mode)."""
    ranges = input_ranges(scenario, spread)
    rules = rule_ranges(scenario)
    n_actors, n_issues = scenario.positions.shape
    n_vetoes = len(scenario.vetoes)
    # The rules' uniforms come after the stances' in each draw's stream, so that adding a range to a rule
    # leaves every other input of the draw as it was.
    sizes = (n_actors, n_actors * n_issues, n_actors * n_issues, n_issues, n_vetoes, n_vetoes * n_issues)
    uniforms = (
        np.stack(
            [
                np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(i),))).random(sum(sizes))
                for i in indices
            ]
        )
        if len(indices)
        else np.empty((0, sum(sizes)))
    )
    parts = np.split(uniforms, np.cumsum(sizes)[:-1], axis=1)
    k = len(indices)
    capability = _triangular(parts[0], *ranges["capability"])
    position = _triangular(parts[1].reshape(k, n_actors, n_issues), *ranges["position"])
    salience = _triangular(parts[2].reshape(k, n_actors, n_issues), *ranges["salience"])
    status_quo = _triangular(parts[3], *ranges["status_quo"])
    costs = _triangular(parts[4], *rules["cost"])
    walk_aways = _triangular(parts[5].reshape(k, n_vetoes, n_issues), *rules["walk_away"])
    return Draws(
        np.asarray(indices),
        capability,
        position,
        np.where(np.isnan(position), 0.0, salience),
        status_quo,
        costs,
        walk_aways,
    )


def _scenario_of(scenario: Scenario, draws: Draws, k: int) -> Scenario:
    positions = np.empty_like(scenario.positions)
    issues = []
    for j, issue in enumerate(scenario.issues):
        positions[:, j] = issue.from_unit(draws.positions[k, :, j])
        sq = draws.status_quo[k, j]
        issues.append(issue if np.isnan(sq) else _with_status_quo(issue, float(issue.from_unit(sq))))
    # One draw is one set of point inputs: the ranges it was drawn from do not describe it (and a changed input,
    # as advice tries, may lie outside them).
    return scenario.replace(
        capabilities=draws.capabilities[k],
        positions=positions,
        saliences=draws.saliences[k],
        issues=tuple(issues),
        capability_ranges=None,
        position_ranges=None,
        salience_ranges=None,
    )


def _with_status_quo(issue: Any, value: float) -> Any:
    from dataclasses import replace

    low, high = issue.scale
    return replace(issue, status_quo=min(max(value, low), high))


def evaluate(
    scenario: Scenario, model: str, settings: Parameters, rounds: int | None, draws: Draws, seed: int
) -> np.ndarray:
    """Forecasts (k, n_issues) on each issue's own scale, one row per draw."""
    spec = get(model)
    k, n_issues = len(draws.indices), len(scenario.issues)
    out = np.empty((k, n_issues))
    if spec.solve_batch is not None:
        rounds = spec.default_rounds if rounds is None else rounds
        for j, issue in enumerate(scenario.issues):
            present = ~np.isnan(scenario.positions[:, j])
            sq = draws.status_quo[:, j]
            forecast = spec.solve_batch(
                draws.positions[:, present, j],
                draws.capabilities[:, present],
                draws.saliences[:, present, j],
                None if np.isnan(sq).all() else sq,
                rounds=rounds,
                parameters=settings,
            )
            out[:, j] = issue.from_unit(forecast)
        return out
    for row, index in enumerate(draws.indices):
        one = run(
            _scenario_of(scenario, draws, row),
            model,
            rounds=rounds,
            seed=seed,
            rng=np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(index), 1))),
            **settings.as_dict(),
        )
        out[row] = one.forecast
    return out


@dataclass(frozen=True)
class DrawChunk:
    """Draws ``start`` to ``stop`` (exclusive) of one model on one scenario: one unit of work, picklable, so
    that any :class:`concurrent.futures.Executor` (local processes, a Dask client's executor) can evaluate it.
    ``parameters`` are the model's resolved parameters."""

    scenario: Scenario
    model: str
    parameters: Parameters
    rounds: int | None
    seed: int
    start: int
    stop: int
    spread: dict[str, float] | None = None


def evaluate_chunk(chunk: DrawChunk) -> tuple[int, np.ndarray]:
    """The chunk's first draw index and its forecasts (stop − start, n_issues)."""
    draws = draw_inputs(chunk.scenario, np.arange(chunk.start, chunk.stop), chunk.seed, chunk.spread)
    return chunk.start, evaluate(chunk.scenario, chunk.model, chunk.parameters, chunk.rounds, draws, chunk.seed)


@dataclass(frozen=True)
class SampleResult:
    """Forecasts of one model on many draws of the inputs.

    forecasts : (n_done, n_issues) on each issue's own scale, in draw order. ``requested`` draws were asked
    for; fewer are kept if the run was interrupted.
    """

    scenario: Scenario
    model: str
    parameters: dict[str, Any]
    seed: int
    requested: int
    forecasts: np.ndarray
    spread: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SPREAD))

    @property
    def interrupted(self) -> bool:
        return len(self.forecasts) < self.requested

    def quantiles(self, q: float | list[float]) -> np.ndarray:
        return np.quantile(self.forecasts, q, axis=0)

    def summary_rows(self) -> list[dict[str, Any]]:
        """Per issue: median, mean, 80% and 95% intervals of the forecast."""
        q = self.quantiles([0.025, 0.1, 0.5, 0.9, 0.975])
        return [
            {
                "issue": issue.name,
                "median": float(q[2, j]),
                "mean": float(self.forecasts[:, j].mean()),
                "low80": float(q[1, j]),
                "high80": float(q[3, j]),
                "low95": float(q[0, j]),
                "high95": float(q[4, j]),
            }
            for j, issue in enumerate(self.scenario.issues)
        ]

    def summary(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.summary_rows()).set_index("issue")

    def probability(self, threshold: str) -> float:
        """The share of draws meeting a threshold such as ``"crimea>=50"`` (issue, >=, <=, > or <, value on
        the issue's own scale)."""
        j, compare, value = parse_threshold(self.scenario, threshold)
        return float(np.mean(compare(self.forecasts[:, j], value)))


_OPERATORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">=": np.greater_equal,
    "<=": np.less_equal,
    ">": np.greater,
    "<": np.less,
}


def parse_threshold(scenario: Scenario, text: str) -> tuple[int, Callable[[np.ndarray, float], np.ndarray], float]:
    match = re.fullmatch(r"\s*(.+?)\s*(>=|<=|>|<)\s*([-+0-9.eE]+)\s*", text)
    if not match:
        raise ParameterError(f"a threshold is written ISSUE>=VALUE (or <=, >, <), not {text!r}")
    name, operator, value = match.groups()
    if name not in scenario.issue_names:
        raise ParameterError(f"unknown issue {name!r} in threshold {text!r}; issues: {', '.join(scenario.issue_names)}")
    try:
        number = float(value)
    except ValueError:
        raise ParameterError(f"the value in threshold {text!r} is not a number") from None
    return scenario.issue_names.index(name), _OPERATORS[operator], number


def plan_draws(
    scenario: Scenario,
    model: str = "bdm",
    *,
    samples: int = 1000,
    seed: int = 0,
    rounds: int | None = None,
    preset: str | None = None,
    batch_size: int = 1000,
    spread: dict[str, float] | None = None,
    **parameters: Any,
) -> list[DrawChunk]:
    """The chunks of ``batch_size`` draws that :func:`sample_forecasts` evaluates (every argument checked)."""
    if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= MAX_SAMPLES:
        raise ParameterError(f"samples must be a whole number from 1 to {MAX_SAMPLES:,}, not {samples!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH:
        raise ParameterError(f"batch_size must be a whole number from 1 to {MAX_BATCH:,}, not {batch_size!r}")
    settings = resolve_parameters(model, preset, parameters)
    return [
        DrawChunk(scenario, model, settings, rounds, seed, start, min(samples, start + batch_size), spread)
        for start in range(0, samples, batch_size)
    ]


def collect(chunks: Sequence[DrawChunk], done: Mapping[int, np.ndarray]) -> SampleResult:
    """The result of ``chunks`` from the forecasts finished so far (by first draw index): the unbroken run of
    draws from the first, so that a stopped run keeps a prefix of what a whole run gives."""
    kept = unbroken([chunk.start for chunk in chunks], done)
    first = chunks[0]
    forecasts = np.concatenate(kept) if kept else np.empty((0, len(first.scenario.issues)))
    return SampleResult(
        scenario=first.scenario,
        model=first.model,
        parameters=first.parameters.as_dict(),
        seed=first.seed,
        requested=chunks[-1].stop,
        forecasts=forecasts,
        spread={**DEFAULT_SPREAD, **(first.spread or {})},
    )


def sample_forecasts(
    scenario: Scenario,
    model: str = "bdm",
    *,
    samples: int = 1000,
    seed: int = 0,
    rounds: int | None = None,
    preset: str | None = None,
    batch_size: int = 1000,
    executor: Executor | None = None,
    spread: dict[str, float] | None = None,
    progress: Callable[[int], bool | None] | None = None,
    **parameters: Any,
) -> SampleResult:
    """Run ``model`` on ``samples`` draws of the scenario's uncertain inputs.

    Parameters
    ----------
    samples : how many draws. seed : the root of every draw's random stream.
    batch_size : draws evaluated together; the numbers do not depend on it.
    executor : where the chunks of draws run: None for this process, or any
        :class:`concurrent.futures.Executor` (a ``ProcessPoolExecutor``; a Dask ``Client(...).get_executor()``
        for work beyond one machine). The numbers do not depend on it.
    spread : overrides of :data:`DEFAULT_SPREAD`.
    progress : called with the number of draws finished after each chunk; if it returns False, the work stops
        and the draws finished so far are kept (``SampleResult.interrupted``).
    """
    chunks = plan_draws(
        scenario,
        model,
        samples=samples,
        seed=seed,
        rounds=rounds,
        preset=preset,
        batch_size=batch_size,
        spread=spread,
        **parameters,
    )
    done: dict[int, np.ndarray] = {}
    for start, forecasts in execute(evaluate_chunk, [(chunk,) for chunk in chunks], executor):
        done[start] = forecasts
        if progress is not None and progress(sum(len(f) for f in done.values())) is False:
            break
    return collect(chunks, done)


def execute(
    function: Callable[..., tuple[int, np.ndarray]], jobs: Sequence[tuple[Any, ...]], executor: Executor | None
) -> Iterator[tuple[int, np.ndarray]]:
    """``function(*job)`` for every job, in this process in order or on ``executor`` as they finish; each
    returns (its first draw index, its values). Jobs not yet started are cancelled when the caller stops."""
    if executor is None:
        for job in jobs:
            yield function(*job)
        return
    futures = [executor.submit(function, *job) for job in jobs]
    try:
        for future in as_completed(futures):
            yield future.result()
    finally:
        for future in futures:
            future.cancel()


def unbroken(starts: Sequence[int], done: Mapping[int, np.ndarray]) -> list[np.ndarray]:
    """The values of the chunks finished so far (``done``, by first draw index) in the order of ``starts``,
    up to the first one missing: a stopped run keeps a prefix of what a whole run gives."""
    kept = []
    for start in starts:
        if start not in done:
            break
        kept.append(done[start])
    return kept
