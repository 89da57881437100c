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

from ktokovo import application
from ktokovo.analysis.uncertainty import DrawChunk, SampleResult, collect, evaluate_chunk, plan_draws
from ktokovo.core.errors import KtokovoError
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models import run


class TimeLimit(KtokovoError):
    """A run took longer than the service allows."""


class Busy(Exception):
    """Too many requests wait for the workers already: answered 503, try again."""


QUEUE_PER_WORKER = 4
"""Calls that may wait for each worker; beyond them a request is refused at once (503) rather than queued."""


# -- what runs in the workers: each calls the application layer and returns its to_dict() -----------------
def read_scenario(data: Any, as_of: Any) -> Scenario:
    """A scenario sent as data, checked (in a worker: a hostile one is bounded by the time limit, not the
    event loop)."""
    from ktokovo.analysis import ledger as _ledger
    from ktokovo.io.yaml_format import read_data

    return _ledger.as_of(read_data(data, "scenario data"), as_of)


def parse_upload(data: bytes, stem: str, name: str, fmt: str | None) -> dict[str, Any]:
    """An uploaded file read and checked, as YAML-shaped data."""
    from ktokovo import io as formats
    from ktokovo.io.yaml_format import scenario_to_data

    return scenario_to_data(formats.loads(data, name=stem, file=name, format=fmt))


def run_model(scenario: Scenario, model: str, seed: int) -> ModelResult:
    return run(scenario, model, seed=seed)


def forecast(
    scenario: Scenario, models: list[str], samples: int, seed: int, charts: bool, horizon: int = 12
) -> tuple[dict[str, Any], list[ModelResult], list[SampleResult], dict[str, Any] | None]:
    """Every model's forecast (and draws), as the JSON the service answers with, and what the store keeps
    beyond results and draws (``Forecast.details``), in one worker call."""
    result = application.forecast(scenario, models, seed=seed, samples=samples, batch_size=500, horizon=horizon)
    answer = result.to_dict()
    answer["charts"] = charts_of(list(result.results), list(result.samples)) if charts else None
    return answer, list(result.results), list(result.samples), result.details()


def finish(
    scenario: Scenario,
    results: list[ModelResult],
    drawn: list[SampleResult],
    samples: int,
    seed: int,
    horizon: int = 12,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A job's answer from the results and draws its steps computed (the same as :func:`forecast`'s), and
    what the store keeps of it."""
    result = application.assemble(scenario, results, drawn, deal_samples=samples, seed=seed, horizon=horizon)
    return result.to_dict(), result.details()


def charts_of(results: list[ModelResult], drawn: list[SampleResult] | None = None) -> dict[str, Any]:
    """The dashboard's charts as data URIs: the models side by side (with their 80% intervals when there are
    draws), the gains, and every model in rounds on every issue."""
    from ktokovo.report import plots

    return {
        "compare": _data_uri(plots.compare_figure(results, drawn)),
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
    return application.sensitivity(scenario, model, samples=0, top=top).to_dict()


def explain(scenario: Scenario, actor: str, issue: str | None, model: str) -> dict[str, Any]:
    return application.explanation_dict(application.explanation(scenario, actor, model, issue))


def advise(
    scenario: Scenario,
    actor: str,
    models: list[str],
    persuade: float,
    top: int,
    no_deal: bool = False,
    samples: int = 200,
    power: str | None = None,
) -> dict[str, Any]:
    found = application.advice(scenario, actor, models, persuade=persuade, power=power)
    counted = application.advice_counting_no_deal(found, 5, samples) if no_deal else None
    return application.advice_dict(found, top, counted)


def cite_check(scenario: Scenario, documents: dict[str, str], paragraphs: str) -> dict[str, Any]:
    return application.cite_check(scenario, documents, paragraphs).to_dict()


def panel(scenarios: list[Scenario], labels: list[str], models: list[str]) -> dict[str, Any]:
    """The panel's report, with the panel's scenario as data (for the dashboard to load)."""
    from ktokovo.io.yaml_format import scenario_to_data

    found = application.panel(scenarios, labels, models)
    return {**found.to_dict(), "data": scenario_to_data(found.scenario)}


def power(scenario: Scenario) -> dict[str, Any]:
    return application.voting_power(scenario).to_dict()


def deal(scenario: Scenario, models: list[str], samples: int, seed: int, horizon: int = 12) -> dict[str, Any]:
    return application.deal(scenario, models, samples=samples, seed=seed, horizon=horizon).to_dict()


def diff(a: Scenario, b: Scenario, model: str, seed: int) -> dict[str, Any]:
    return application.diff(a, b, model, seed=seed).to_dict()


def drift(scenario: Scenario, model: str) -> dict[str, Any]:
    return application.drift(scenario, model).to_dict()


def report(scenario: Scenario, models: list[str] | None, samples: int, seed: int) -> str:
    from ktokovo.report import html

    return html.render(application.build_report(scenario, models=models, samples=samples, seed=seed))


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
        self.waiting = 0
        self.max_waiting = QUEUE_PER_WORKER * workers

    async def call(self, function: Any, *args: Any, limit: float | None = None, bounded: bool = True) -> Any:
        """``function(*args)`` in a worker, stopped ``limit`` seconds after it was asked for (waiting for a worker
        counts); refused with 503 when more than :data:`QUEUE_PER_WORKER` calls per worker wait already.
        ``bounded=False``: a job's step, already bounded by :attr:`Jobs.MAX_RUNNING`, neither counts towards nor
        is refused by that limit (so running jobs do not crowd every other request out)."""
        if bounded and self.waiting >= self.max_waiting:
            raise Busy(
                f"the service is busy ({self.waiting} requests waiting for {self.max_waiting // QUEUE_PER_WORKER} "
                "workers); try again shortly"
            )
        limit = self.time_limit if limit is None else limit
        future = self.pool.schedule(function, args=args, timeout=limit)
        counted = 1 if bounded else 0
        self.waiting += counted
        try:
            # the limit covers the whole request, its wait in the queue included, not only the run
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout=limit)
        except (TimeoutError, FutureTimeout):
            future.cancel()
            raise TimeLimit(
                f"the run took longer than the service's limit of {limit:g} s and was stopped; ask for fewer "
                "models or draws, or run it from the command line"
            ) from None
        except asyncio.CancelledError:
            future.cancel()  # the client went away: stop the work too
            raise
        finally:
            self.waiting -= counted

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

    def start(
        self,
        scenario: Scenario,
        models: list[str],
        samples: int,
        seed: int,
        charts: bool,
        on_done: Any,
        horizon: int = 12,
    ) -> Job:
        self._forget_old()
        if sum(job.status == "running" for job in self.jobs.values()) >= self.MAX_RUNNING:
            raise TimeLimit("too many runs at once; wait for one to finish")
        plans = (
            {name: plan_draws(scenario, name, samples=samples, seed=seed, batch_size=500) for name in models}
            if samples
            else {}
        )
        # One step per model, per chunk of 500 draws of each model, one to assemble the answer (the deal lead
        # with its draws), and one for the charts.
        steps = len(models) + sum(len(p) for p in plans.values()) + 1 + (1 if charts else 0)
        job = Job(uuid.uuid4().hex, total=steps)
        self.jobs[job.id] = job
        job.task = asyncio.ensure_future(
            self._run(job, scenario, models, samples, seed, charts, plans, on_done, horizon)
        )
        return job

    async def _run(
        self,
        job: Job,
        scenario: Scenario,
        models: list[str],
        samples: int,
        seed: int,
        charts: bool,
        plans: dict[str, list[DrawChunk]],
        on_done: Any,
        horizon: int = 12,
    ) -> None:
        deadline = job.started + self.workers.time_limit

        async def step(function: Any, *args: Any) -> Any:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeLimit(f"the run took longer than the service's limit of {self.workers.time_limit:g} s")
            value = await self.workers.call(function, *args, limit=left, bounded=False)
            job.done += 1
            return value

        try:
            # Steps of one kind run side by side, so that a job uses every worker.
            results = list(await asyncio.gather(*(step(run_model, scenario, name, seed) for name in models)))
            drawn = []
            for name in models if samples else []:
                parts = await asyncio.gather(*(step(evaluate_chunk, chunk) for chunk in plans[name]))
                drawn.append(collect(plans[name], dict(parts)))
            answer, details = await step(finish, scenario, results, drawn, samples, seed, horizon)
            answer["charts"] = await step(charts_of, results, drawn) if charts else None
            answer["run_id"] = await on_done(scenario, results, drawn, details)
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


__all__ = ["Busy", "Job", "Jobs", "TimeLimit", "Workers"]
