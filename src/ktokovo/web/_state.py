"""What the service keeps between requests (the worker pool, the jobs, the run store) and how a request's
scenario is found: a built-in one by name (never a path) or one given whole as data."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from typing import Any

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from ktokovo import io as formats
from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Scenario
from ktokovo.web import _work
from ktokovo.web._schemas import ScenarioRef


class State:
    """The worker pool, the jobs and the run store, made on first use (so that the app also works where its
    lifespan is not run, as under a test client) and closed with the app."""

    def __init__(self, workers: int, time_limit: float, db: str | None) -> None:
        self.settings = (workers, time_limit, db)
        self._workers: _work.Workers | None = None
        self._jobs: _work.Jobs | None = None
        self._store: Any = None
        self._lock = threading.Lock()

    def workers(self) -> _work.Workers:
        with self._lock:
            if self._workers is None:
                self._workers = _work.Workers(self.settings[0], self.settings[1])
            return self._workers

    def jobs(self) -> _work.Jobs:
        workers = self.workers()
        with self._lock:
            if self._jobs is None:
                self._jobs = _work.Jobs(workers)
            return self._jobs

    def store(self) -> Any:
        from ktokovo.store import Store

        with self._lock:
            if self._store is None:
                self._store = Store(self.settings[2])
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._workers is not None:
                self._workers.close()
            if self._store is not None:
                self._store.close()
            self._workers = self._jobs = self._store = None

    async def record(
        self,
        scenario: Scenario,
        results: list[Any],
        drawn: list[Any],
        started_at: str,
        details: dict[str, Any] | None = None,
    ) -> int:
        """Store a forecast run with ``details`` beyond results and draws (in a thread: the store's writes block)."""
        source = f"builtin:{scenario.name}" if scenario.name in builtins() else "web"
        store = self.store()
        return int(
            await run_in_threadpool(
                store.record,
                "web forecast",
                scenario,
                results,
                drawn,
                source=source,
                started_at=started_at,
                details=details,
            )
        )


def state_of(request: Request) -> State:
    """The app's state, for a route (a FastAPI dependency)."""
    found: State = request.app.state.ktokovo
    return found


def version() -> str:
    from ktokovo.core.result import package_version

    return package_version()


@functools.cache
def builtins() -> dict[str, str]:
    return formats.builtin_scenarios()


@functools.lru_cache(maxsize=256)
def _builtin_as_of(name: str, as_of: dt.date) -> Scenario:
    return formats.load(name, as_of=as_of)  # scenarios are immutable: one load serves every request


def builtin(name: str, as_of: dt.date | None = None) -> Scenario:
    known = builtins()
    if name not in known:  # only names from this list ever reach the loader: never a path
        raise HTTPException(404, f"no built-in scenario '{name}'; built-in: {', '.join(known)}")
    return _builtin_as_of(name, as_of or dt.date.today())


async def load(ref: ScenarioRef, state: State) -> Scenario:
    """The request's scenario: a built-in one from the cache, one sent as data read in the worker pool."""
    if (ref.builtin is None) == (ref.data is None):
        raise ParameterError("give the scenario as builtin (a name) or as data, one of the two")
    if ref.builtin is not None:
        return builtin(ref.builtin, ref.as_of)
    found: Scenario = await state.workers().call(_work.read_scenario, ref.data, ref.as_of)
    return found


def what_if(scenario: Scenario, sets: dict[str, float], drop: list[str]) -> Scenario:
    from ktokovo.analysis.whatif import what_if as change

    return change(scenario, sets, drop) if sets or drop else scenario
