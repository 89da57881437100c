"""The work the web service does, in worker processes with a time limit.

Every model run goes to a :class:`pebble.ProcessPool`: a run that exceeds the time limit has its worker
killed and replaced, and the request gets a clear answer instead of hanging. The functions run in the
workers take and return plain picklable values; nothing here knows about HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import multiprocessing
import time
import uuid
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ktokovo.analysis.gains import gain_rows
from ktokovo.analysis.uncertainty import BATCHED, SampleResult, _chunks, _evaluate_chunk, sample_forecasts
from ktokovo.core.errors import KtokovoError
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models import MODELS
from ktokovo.models.runner import resolve_parameters, run


class TimeLimit(KtokovoError):
    """A run took longer than the service allows."""


# -- what runs in the workers ----------------------------------------------------------------------------
def run_model(scenario: Scenario, model: str, seed: int) -> ModelResult:
    return run(scenario, model, seed=seed)


def sample_chunk(scenario: Scenario, model: str, seed: int, start: int, stop: int) -> tuple[int, np.ndarray]:
    settings = resolve_parameters(model, None, {})
    result: tuple[int, np.ndarray] = _evaluate_chunk((scenario, model, settings, None, seed, start, stop, None))
    return result


def forecast(
    scenario: Scenario, models: list[str], samples: int, seed: int, charts: bool
) -> tuple[dict[str, Any], list[ModelResult], list[SampleResult]]:
    """Every model's forecast (and draws), as the JSON the service answers with, in one worker call."""
    results = [run(scenario, name, seed=seed) for name in models]
    drawn = (
        [sample_forecasts(scenario, name, samples=samples, seed=seed) for name in models if name in BATCHED]
        if samples
        else []
    )
    return summarise(scenario, results, drawn, charts), results, drawn


def _sample_result(scenario: Scenario, model: str, seed: int, samples: int, forecasts: np.ndarray) -> SampleResult:
    return SampleResult(scenario, model, dict(resolve_parameters(model, None, {})), seed, samples, forecasts)


def summarise(
    scenario: Scenario, results: list[ModelResult], drawn: list[SampleResult], charts: bool
) -> dict[str, Any]:
    """The answer to a forecast: per issue each model's forecast, interval and nearest label; gains; every
    actor's positions by round; and, if asked, the charts as SVG data URIs."""
    by_model = {s.model: s for s in drawn}
    issues = []
    for j, issue in enumerate(scenario.issues):
        intervals = {}
        for name, sample in by_model.items():
            low, high = np.quantile(sample.forecasts[:, j], [0.025, 0.975])
            intervals[name] = [float(low), float(high)]
        issues.append(
            {
                "name": issue.name,
                "question": issue.question,
                "low_label": issue.low_label,
                "high_label": issue.high_label,
                "scale": [float(issue.scale[0]), float(issue.scale[1])],
                "status_quo": issue.status_quo,
                "forecasts": {r.model: float(r.forecast[j]) for r in results},
                "intervals": intervals,
                "nearest": {r.model: issue.nearest_label(float(r.forecast[j])) for r in results},
            }
        )
    rounds = {
        r.model: {
            issue.name: [[None if np.isnan(v) else float(v) for v in row] for row in r.positions[:, :, j]]
            for j, issue in enumerate(scenario.issues)
        }
        for r in results
    }
    answer: dict[str, Any] = {
        "scenario": scenario.name,
        "as_of": scenario.as_of or None,
        "actors": list(scenario.actor_names),
        "models": [r.model for r in results],
        "samples": max((len(s.forecasts) for s in drawn), default=0),
        "issues": issues,
        "gains": {r.model: gain_rows(r) for r in results},
        "rounds": rounds,
        "charts": charts_of(results) if charts and results else None,
    }
    return answer


def charts_of(results: list[ModelResult]) -> dict[str, Any]:
    from ktokovo.report import plots

    return {
        "compare": _data_uri(plots.compare_figure(results)),
        "gains": _data_uri(plots.gains_figure(results)),
        "rounds": {
            r.model: {issue.name: _data_uri(plots.trajectory_figure(r, j)) for j, issue in enumerate(r.scenario.issues)}
            for r in results
            if r.rounds > 0
        },
    }


def _data_uri(figure: Any) -> str:
    from ktokovo.report.plots import svg

    return "data:image/svg+xml;base64," + base64.b64encode(svg(figure)).decode("ascii")


def sensitivity(scenario: Scenario, model: str, top: int) -> dict[str, Any]:
    from ktokovo.analysis.sensitivity import sensitivity as compute

    result = compute(scenario, model, sobol_samples=0)
    return {
        "model": model,
        "issues": {
            issue.name: {"estimate": float(result.estimate[j]), "factors": result.ranking(j, top)}
            for j, issue in enumerate(scenario.issues)
        },
    }


def deal(scenario: Scenario, models: list[str], samples: int, seed: int) -> dict[str, Any]:
    from ktokovo.analysis import deal as _deal

    forecasts = {name: run(scenario, name, seed=seed).forecast for name in models}
    analysis = _deal.analyse(scenario, forecasts)
    probability = _deal.deal_probability(scenario, samples, seed) if samples else None
    return {
        "zone": analysis.zone,
        "blocking": analysis.blocking,
        "would_take": analysis.would_take,
        "probability": None
        if probability is None
        else dict(zip(("share", "low95", "high95"), probability, strict=True)),
        "settlements": {
            k: dict(zip(scenario.issue_names, map(float, v), strict=True)) for k, v in analysis.settlements.items()
        },
    }


def diff(a: Scenario, b: Scenario, model: str, seed: int) -> dict[str, Any]:
    from ktokovo.analysis import diff as _diff

    _diff.check_comparable(a, b)
    result_a, result_b = run(a, model, seed=seed), run(b, model, seed=seed)
    return {
        "model": model,
        "forecasts": _diff.forecast_shifts(result_a, result_b),
        "inputs": _diff.input_differences(a, b),
        "gains": _diff.gain_shifts(result_a, result_b),
    }


def drift(scenario: Scenario, model: str) -> list[dict[str, Any]]:
    from ktokovo.analysis.drift import drift as follow
    from ktokovo.analysis.drift import rows

    return rows(scenario, follow(scenario, model))


def report(scenario: Scenario, models: list[str] | None, samples: int, seed: int) -> str:
    from ktokovo.report import html as _report

    return _report.render(_report.build(scenario, models=models, samples=samples, seed=seed))


# -- the pool ---------------------------------------------------------------------------------------------
class Workers:
    """Worker processes with a time limit per call. Calls are awaited from the event loop."""

    def __init__(self, workers: int, time_limit: float) -> None:
        import pebble

        context = multiprocessing.get_context("forkserver")
        # Each worker starts from a server process that has already imported ktokovo and its models.
        context.set_forkserver_preload(["ktokovo", "ktokovo.web._work"])
        self.time_limit = time_limit
        self.pool = pebble.ProcessPool(max_workers=workers, context=context)

    async def call(self, function: Any, *args: Any, limit: float | None = None) -> Any:
        limit = self.time_limit if limit is None else limit
        future = self.pool.schedule(function, args=args, timeout=limit)
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout:
            raise TimeLimit(
                f"the run took longer than the service's limit of {limit:g} s and was stopped; ask for fewer "
                "models or draws, or run it from the command line"
            ) from None
        except asyncio.CancelledError:
            future.cancel()  # the client went away: stop the work too
            raise

    def close(self) -> None:
        self.pool.stop()
        self.pool.join(timeout=10)


# -- jobs: long runs with progress ------------------------------------------------------------------------
@dataclass
class Job:
    id: str
    total: int
    done: int = 0
    status: str = "running"
    result: dict[str, Any] | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    task: Any = None

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "result": self.result,
            "error": self.error,
        }


class Jobs:
    """Runs made of steps (one per model, and per chunk of draws), so that their progress can be shown."""

    KEEP = 600.0  # seconds a finished job stays readable
    MAX_RUNNING = 8

    def __init__(self, workers: Workers) -> None:
        self.workers = workers
        self.jobs: dict[str, Job] = {}

    def start(self, scenario: Scenario, models: list[str], samples: int, seed: int, charts: bool, on_done: Any) -> Job:
        self._forget_old()
        if sum(job.status == "running" for job in self.jobs.values()) >= self.MAX_RUNNING:
            raise TimeLimit("too many runs at once; wait for one to finish")
        chunks = list(_chunks(samples, 500)) if samples else []
        sampled = [name for name in models if name in BATCHED] if samples else []
        job = Job(uuid.uuid4().hex, total=len(models) + len(sampled) * len(chunks) + (1 if charts else 0))
        self.jobs[job.id] = job
        job.task = asyncio.ensure_future(self._run(job, scenario, models, samples, seed, charts, chunks, on_done))
        return job

    async def _run(
        self,
        job: Job,
        scenario: Scenario,
        models: list[str],
        samples: int,
        seed: int,
        charts: bool,
        chunks: list[tuple[int, int]],
        on_done: Any,
    ) -> None:
        deadline = job.started + self.workers.time_limit

        async def step(function: Any, *args: Any) -> Any:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeLimit(f"the run took longer than the service's limit of {self.workers.time_limit:g} s")
            value = await self.workers.call(function, *args, limit=left)
            job.done += 1
            return value

        try:
            # Steps of one kind run side by side, so that a job uses every worker.
            results = list(await asyncio.gather(*(step(run_model, scenario, name, seed) for name in models)))
            drawn = []
            for name in models:
                if samples and name in BATCHED:
                    parts = await asyncio.gather(
                        *(step(sample_chunk, scenario, name, seed, start, stop) for start, stop in chunks)
                    )
                    forecasts = np.concatenate([f for _, f in sorted(parts, key=lambda p: p[0])])
                    drawn.append(_sample_result(scenario, name, seed, samples, forecasts))
            answer = summarise(scenario, results, drawn, charts=False)
            if charts:
                answer["charts"] = await step(charts_of, results)
            answer["run_id"] = await on_done(scenario, results, drawn)
            job.result, job.status = answer, "done"
        except KtokovoError as error:
            job.error, job.status = str(error), "failed"
        except Exception as error:  # noqa: BLE001 - a job's failure is reported to its client, not raised
            job.error, job.status = f"the run failed: {type(error).__name__}: {error}", "failed"

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def _forget_old(self) -> None:
        now = time.monotonic()
        for key in [k for k, j in self.jobs.items() if j.status != "running" and now - j.started > self.KEEP]:
            del self.jobs[key]


__all__ = ["MODELS", "Job", "Jobs", "TimeLimit", "Workers"]
