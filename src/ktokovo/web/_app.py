"""The web service: the dashboard's pages and a JSON API over the same core (FastAPI).

Routes parse, call the core in a worker process (see :mod:`._work`), store the run and answer; nothing else.
Security: a token on every request when one is set (``create_app(token=...)``; ``ktokovo serve`` requires one
on any address but loopback), compared in constant time; a limit on request bodies; scenarios only by built-in
name or by content, never by a path; YAML read with the safe loader; a strict content security policy; and a
time limit on every run.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import threading
from contextlib import asynccontextmanager
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ktokovo import io as formats
from ktokovo.application import applicable as _applicable
from ktokovo.core.errors import KtokovoError, ParameterError, ScenarioError
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.scenario import Scenario
from ktokovo.models import DESCRIPTIONS, MODELS, STANDARD
from ktokovo.store import now
from ktokovo.web import _work

MAX_BODY = 5 * 1024 * 1024
"""Request bodies over this many bytes are refused (5 MiB), uploads included."""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
if TYPE_CHECKING:
    ModelName = str
else:
    ModelName = Literal[tuple(MODELS)]
    """The models the service runs: the registry's names (the OpenAPI schema lists them)."""
Finite = Annotated[float, Field(allow_inf_nan=False)]


def _standard() -> list[str]:
    return list(STANDARD)


TOKEN_COOKIE = "ktokovo_token"


# -- request and answer shapes ----------------------------------------------------------------------------
class ScenarioRef(BaseModel):
    """A scenario: a built-in one by name, or one given whole as YAML-shaped data (as GET /api/scenarios/{name}
    answers). ``as_of``: the scenario as known on that date (its ledger's entries up to it)."""

    model_config = ConfigDict(extra="forbid")
    builtin: str | None = Field(None, max_length=200, examples=["ukraine-2025"])
    data: dict[str, Any] | None = None
    as_of: dt.date | None = None


class ForecastRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    models: list[ModelName] = Field(default_factory=_standard, min_length=1)
    set: dict[str, Finite] = Field(default_factory=dict, description="What if: ACTOR.ISSUE.position and so on.")
    drop: list[str] = Field(default_factory=list, description="What if: actors left out.")
    samples: int = Field(0, ge=0, le=20_000, description="Draws of the inputs for forecast intervals.")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    charts: bool = False
    store: bool = True


class SensitivityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    model: ModelName = "mean"
    top: int = Field(8, ge=1, le=100)


class DealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    models: list[ModelName] = Field(default_factory=_standard, min_length=1)
    samples: int = Field(200, ge=0, le=5_000)
    seed: int = Field(0, ge=0, le=2**32 - 1)


class DiffRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: ScenarioRef
    b: ScenarioRef
    model: ModelName = "bdm"
    seed: int = Field(0, ge=0, le=2**32 - 1)


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    models: list[ModelName] | None = None
    samples: int = Field(100, ge=0, le=2_000)
    seed: int = Field(0, ge=0, le=2**32 - 1)


class DriftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    model: ModelName = "mean"


class LedgerEntryIn(BaseModel):
    """A dated event: what happened, who took part, where it is reported, and the inputs it changes from its
    date on (``Russia.ceasefire.position=15``, ``-ACTOR`` leaves, ``+ACTOR`` enters)."""

    model_config = ConfigDict(extra="forbid")
    date: dt.date
    kind: Literal["meeting", "statement", "offer", "commitment", "deadline", "violation"]
    title: str = Field(min_length=1, max_length=500)
    actors: list[str] = Field(default_factory=list, max_length=100)
    document: str = Field(min_length=1, max_length=200)
    locator: str = Field("", max_length=200)
    quote: str = Field("", max_length=500)
    note: str = Field("", max_length=2000)
    changes: list[str] = Field(default_factory=list, max_length=200)


class LedgerAddRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: dict[str, Any]
    entry: LedgerEntryIn


class LedgerVerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: dict[str, Any]


class IssueForecast(BaseModel):
    name: str
    question: str
    low_label: str
    high_label: str
    scale: list[float]
    status_quo: float | None
    forecasts: dict[str, float]
    intervals: dict[str, list[float]]
    nearest: dict[str, str]


class DealLeadAnswer(BaseModel):
    model: str
    zone: bool
    detail: dict[str, Any] | None
    probability: dict[str, float] | None


class ForecastAnswer(BaseModel):
    """What :meth:`ktokovo.application.Forecast.to_dict` gives (as ``ktokovo forecast --json`` prints), with
    the charts if asked for and the run's number in the store."""

    scenario: str
    title: str
    as_of: str | None
    actors: list[str]
    seed: int
    models: dict[str, dict[str, Any]]
    issues: list[IssueForecast]
    gains: dict[str, list[dict[str, Any]]]
    pairs: dict[str, list[dict[str, Any]]]
    draws: int
    samples: dict[str, dict[str, Any]]
    deal: DealLeadAnswer | None
    charts: dict[str, Any] | None
    run_id: int | None = None


class JobAnswer(BaseModel):
    id: str
    status: Literal["running", "done", "failed"]
    done: int
    total: int
    result: ForecastAnswer | None
    error: str | None


class Problem(BaseModel):
    detail: str
    problems: list[str] = []


# -- the app ----------------------------------------------------------------------------------------------
def create_app(
    *,
    token: str | None = None,
    db: str | None = None,
    workers: int = 2,
    time_limit: float = 60.0,
    max_body: int = MAX_BODY,
) -> FastAPI:
    """The service. ``token``: required on every request if given; ``db``: the run store (default as the CLI's);
    ``workers``: processes for model runs; ``time_limit``: seconds a run may take."""
    state = _State(workers, time_limit, db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="ktokovo",
        summary="Model a multi-party negotiation and forecast who gets the better of whom.",
        version=_version(),
        lifespan=lifespan,
        # The interactive /docs pages load their scripts from a CDN: off, so that every page works offline and
        # under the content security policy. The OpenAPI document itself is at /openapi.json.
        docs_url=None,
        redoc_url=None,
        responses={422: {"model": Problem, "description": "The request or its scenario is invalid."}},
    )
    app.add_middleware(_Guard, token=token, max_body=max_body)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(part) for part in e.get('loc', ()) if part != 'body') or 'request'}: {e.get('msg', '')}"
            for e in error.errors()
        ]
        return JSONResponse({"detail": "; ".join(problems), "problems": problems}, status_code=422)

    @app.exception_handler(KtokovoError)
    async def _bad_input(request: Request, error: KtokovoError) -> JSONResponse:
        problems = [str(p) for p in error.problems] if isinstance(error, ScenarioError) else []
        return JSONResponse({"detail": str(error), "problems": problems}, status_code=422)

    async def record(scenario: Scenario, results: list[Any], drawn: list[Any], started_at: str) -> int:
        source = f"builtin:{scenario.name}" if scenario.name in _builtins() else "web"
        store = state.store()
        return int(
            await run_in_threadpool(
                store.record, "web forecast", scenario, results, drawn, source=source, started_at=started_at
            )
        )

    def workers_() -> _work.Workers:
        return state.workers()

    # -- pages --------------------------------------------------------------------------------------------
    static = resources.files("ktokovo.web") / "static"

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse((static / "index.html").read_text(encoding="utf-8"))

    app.mount("/static", StaticFiles(packages=[("ktokovo.web", "static")]), name="static")

    # -- API ----------------------------------------------------------------------------------------------
    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": _version()}

    @app.get("/api/models")
    async def models() -> dict[str, str]:
        """Every model, with a line on what it does."""
        return dict(DESCRIPTIONS)

    @app.get("/api/scenarios")
    async def scenarios() -> dict[str, str]:
        """The built-in scenarios: name to title."""
        return _builtins()

    @app.get("/api/scenarios/{name}")
    async def scenario(name: str) -> dict[str, Any]:
        """A built-in scenario as YAML-shaped data: the inputs before its ledger, and the ledger."""
        from ktokovo.io.yaml_format import scenario_to_data

        return scenario_to_data(_builtin(name))

    @app.post("/api/scenarios/parse")
    async def parse(file: Annotated[UploadFile, File(description="A scenario file in any supported format.")]) -> Any:
        """Read an uploaded scenario file (YAML, CSV, xlsx, BDM, KTAB CSV or XML, decide) into YAML-shaped data."""
        from ktokovo.io.yaml_format import scenario_to_data

        data = await file.read(max_body + 1)
        if len(data) > max_body:
            raise HTTPException(413, f"the file is over the limit of {max_body} bytes")
        name = (file.filename or "upload").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]  # a name, never a path
        stem, _, suffix = name.rpartition(".")
        fmt = {"yaml": "yaml", "yml": "yaml", "xlsx": "xlsx", "xml": "ktab_xml"}.get(suffix.lower())
        loaded = formats.loads(data, name=stem or "upload", file=name, format=fmt)
        return scenario_to_data(loaded)

    @app.post("/api/scenarios/check")
    async def check(ref: ScenarioRef) -> dict[str, Any]:
        """Check a scenario; 422 with every problem if it is invalid."""
        loaded = _resolve(ref)
        return {"ok": True, "actors": len(loaded.actors), "issues": len(loaded.issues), "as_of": loaded.as_of or None}

    @app.post(
        "/api/scenarios/export",
        response_class=Response,
        responses={
            200: {"content": {"application/yaml": {}, "application/octet-stream": {}, "text/csv": {}}},
            422: {"model": Problem, "content": {"application/json": {}}},
        },
    )
    async def export(ref: ScenarioRef, format: Literal["yaml", "xlsx", "csv"] = "yaml") -> Response:
        """The scenario as a file to download: YAML (everything, ledger included), xlsx or long CSV (the table)."""
        loaded = _resolve(ref)
        body = formats.dumps(loaded, format)
        media = {"yaml": "application/yaml", "xlsx": "application/octet-stream", "csv": "text/csv"}[format]
        filename = "".join(c for c in loaded.name if c.isalnum() or c in "-_") or "scenario"
        return Response(
            body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}.{format}"'}
        )

    @app.post("/api/forecast", response_model=ForecastAnswer)
    async def forecast(request: ForecastRequest) -> dict[str, Any]:
        """Every chosen model's forecast per issue (with intervals if ``samples``), gains, positions by round."""
        started = now()
        loaded = _what_if(_resolve(request.scenario), request.set, request.drop)
        models = _applicable(loaded, request.models)
        answer, results, drawn = await workers_().call(
            _work.forecast, loaded, models, request.samples, request.seed, request.charts
        )
        answer["run_id"] = await record(loaded, results, drawn, started) if request.store else None
        return answer  # type: ignore[no-any-return]

    @app.post("/api/jobs", response_model=JobAnswer, status_code=202)
    async def start_job(request: ForecastRequest) -> dict[str, Any]:
        """Start a long run; poll GET /api/jobs/{id} for its progress and result."""
        started = now()
        loaded = _what_if(_resolve(request.scenario), request.set, request.drop)
        models = _applicable(loaded, request.models)

        async def done(scenario: Scenario, results: list[Any], drawn: list[Any]) -> int | None:
            return await record(scenario, results, drawn, started) if request.store else None

        job = state.jobs().start(loaded, models, request.samples, request.seed, request.charts, done)
        return job.view()  # type: ignore[no-any-return]

    @app.get("/api/jobs/{job_id}", response_model=JobAnswer, responses={404: {"model": Problem}})
    async def job(job_id: str) -> dict[str, Any]:
        found = state.jobs().get(job_id)
        if found is None:
            raise HTTPException(404, "no such job (finished jobs are kept ten minutes)")
        return found.view()  # type: ignore[no-any-return]

    @app.post("/api/sensitivity")
    async def sensitivity(request: SensitivityRequest) -> dict[str, Any]:
        """Which inputs move each forecast most (one at a time between the ends of their ranges)."""
        loaded = _resolve(request.scenario)
        _applicable(loaded, [request.model])
        return await workers_().call(_work.sensitivity, loaded, request.model, request.top)  # type: ignore[no-any-return]

    @app.post("/api/deal")
    async def deal(request: DealRequest) -> dict[str, Any]:
        """Deal or no deal: the zone of agreement among the veto players and the probability of a deal."""
        loaded = _resolve(request.scenario)
        models = _applicable(loaded, request.models)
        answer = await workers_().call(_work.deal, loaded, models, request.samples, request.seed)
        return to_jsonable(answer)  # type: ignore[no-any-return]

    @app.post("/api/diff")
    async def diff(request: DiffRequest) -> dict[str, Any]:
        """Two scenarios under one model: each forecast's shift, the inputs that differ, the gains."""
        a, b = _resolve(request.a), _resolve(request.b)
        _applicable(a, [request.model])
        return to_jsonable(await workers_().call(_work.diff, a, b, request.model, request.seed))  # type: ignore[no-any-return]

    @app.post(
        "/api/report",
        response_class=HTMLResponse,
        responses={422: {"model": Problem, "content": {"application/json": {}}}},
    )
    async def report(request: ReportRequest) -> HTMLResponse:
        """The self-contained HTML report of the scenario."""
        loaded = _resolve(request.scenario)
        models = _applicable(loaded, request.models) if request.models else None
        html = await workers_().call(_work.report, loaded, models, request.samples, request.seed)
        return HTMLResponse(html, headers={"Content-Disposition": 'attachment; filename="report.html"'})

    @app.post("/api/drift")
    async def drift(request: DriftRequest) -> dict[str, Any]:
        """How each issue's forecast moved as the ledger's events arrived, each move put down to its changes."""
        loaded = _resolve(request.scenario)
        _applicable(loaded, [request.model])
        return await workers_().call(_work.drift, loaded, request.model)  # type: ignore[no-any-return]

    @app.post("/api/ledger/add")
    async def ledger_add(request: LedgerAddRequest) -> dict[str, Any]:
        """The scenario (as data) with the event appended to its ledger, chained by hash to the entry before."""
        from ktokovo.analysis import ledger as _ledger
        from ktokovo.io.yaml_format import read_data, scenario_to_data

        base = read_data(request.data, "scenario data")
        entry = request.entry
        added = _ledger.new_entry(
            base,
            date=entry.date.isoformat(),
            kind=entry.kind,
            title=entry.title,
            actors=entry.actors,
            source={"document": entry.document, "locator": entry.locator, "quote": entry.quote, "note": entry.note},
            changes=entry.changes,
        )
        return scenario_to_data(base.replace(ledger=(*base.ledger, added)))

    @app.post("/api/ledger/verify")
    async def ledger_verify(request: LedgerVerifyRequest) -> dict[str, Any]:
        """Check the ledger's hash chain: the first entry edited, moved or deleted since it was added, if any."""
        from ktokovo.analysis import ledger as _ledger
        from ktokovo.io.yaml_format import read_data

        verdict = _ledger.verify_ledger(read_data(request.data, "scenario data").ledger)
        return {"ok": verdict.ok, "entries": verdict.entries, "bad": verdict.bad, "reason": verdict.reason}

    @app.get("/api/runs")
    async def runs(limit: Annotated[int, Field(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
        """The latest stored runs, newest first."""
        return await run_in_threadpool(state.store().recent, limit)  # type: ignore[no-any-return]

    @app.get("/api/runs/{run_id}", responses={404: {"model": Problem}})
    async def stored_run(run_id: int) -> dict[str, Any]:
        """One stored run: what ran, its forecasts, and its scenario as YAML-shaped data (to reopen it)."""
        from ktokovo.io.yaml_format import scenario_to_data
        from ktokovo.store import StoreError

        if not 0 < run_id < 2**62:
            raise HTTPException(404, f"no run {run_id}")
        try:
            found = await run_in_threadpool(state.store().get, run_id)
        except StoreError as error:
            raise HTTPException(404, str(error)) from None
        frame = found.forecasts.reset_index()
        return {
            "id": run_id,
            **{k: v for k, v in found.info.items() if k not in ("id", "scenario")},
            "forecasts": to_jsonable(frame.to_dict("records")),
            "scenario": scenario_to_data(found.scenario()),
        }

    return app


# -- helpers ----------------------------------------------------------------------------------------------
class _State:
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


def _version() -> str:
    from ktokovo.core.result import package_version

    return package_version()


@functools.cache
def _builtins() -> dict[str, str]:
    return formats.builtin_scenarios()


@functools.lru_cache(maxsize=256)
def _builtin_as_of(name: str, as_of: dt.date) -> Scenario:
    return formats.load(name, as_of=as_of)  # scenarios are immutable: one load serves every request


def _builtin(name: str, as_of: dt.date | None = None) -> Scenario:
    known = _builtins()
    if name not in known:  # only names from this list ever reach the loader: never a path
        raise HTTPException(404, f"no built-in scenario '{name}'; built-in: {', '.join(known)}")
    return _builtin_as_of(name, as_of or dt.date.today())


def _resolve(ref: ScenarioRef) -> Scenario:
    from ktokovo.analysis import ledger as _ledger
    from ktokovo.io.yaml_format import read_data

    if (ref.builtin is None) == (ref.data is None):
        raise ParameterError("give the scenario as builtin (a name) or as data, one of the two")
    if ref.builtin is not None:
        return _builtin(ref.builtin, ref.as_of)
    return _ledger.as_of(read_data(ref.data, "scenario data"), ref.as_of)


def _what_if(scenario: Scenario, sets: dict[str, float], drop: list[str]) -> Scenario:
    from ktokovo.analysis.whatif import what_if

    return what_if(scenario, sets, drop) if sets or drop else scenario


class _Guard:
    """Every request: the token if one is set, a limit on the body, and the security headers on the answer."""

    def __init__(self, app: ASGIApp, token: str | None, max_body: int) -> None:
        self.app, self.token, self.max_body = app, token, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                message["headers"] = headers
            await send(message)

        request = Request(scope)
        if self.token is not None:
            given = _token_of(request)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                answer: Response = JSONResponse(
                    {"detail": "a token is needed: open the address ktokovo serve printed (it carries the token)"},
                    status_code=401,
                )
                await answer(scope, receive, send_secured)
                return
            if request.query_params.get("token") is not None and request.url.path == "/":
                # The address with ?token= sets a cookie once, then the token leaves the address bar.
                answer = RedirectResponse("/", status_code=303)
                answer.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                await answer(scope, receive, send_secured)
                return
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            answer = JSONResponse({"detail": f"the request is over the limit of {self.max_body} bytes"}, 413)
            await answer(scope, receive, send_secured)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise HTTPException(413, f"the request is over the limit of {self.max_body} bytes")
            return message

        await self.app(scope, receive_limited, send_secured)


def _token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(TOKEN_COOKIE) or request.query_params.get("token")


__all__ = ["CSP", "MAX_BODY", "create_app"]
