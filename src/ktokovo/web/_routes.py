"""The JSON API: each route parses its request, calls the application layer in a worker process (see
:mod:`._work`), stores a forecast run, and answers with the result's ``to_dict()``; nothing else."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from ktokovo import io as formats
from ktokovo.application import applicable as _applicable
from ktokovo.application import cited as _cited
from ktokovo.core.errors import ParameterError
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.scenario import Scenario
from ktokovo.models import DESCRIPTIONS
from ktokovo.store import now
from ktokovo.web import _work
from ktokovo.web._schemas import (
    AdviceRequest,
    CiteCheckRequest,
    DealRequest,
    DiffRequest,
    DriftRequest,
    ExplainRequest,
    ForecastAnswer,
    ForecastRequest,
    JobAnswer,
    LedgerAddRequest,
    LedgerVerifyRequest,
    PanelRequest,
    PowerRequest,
    Problem,
    ReportRequest,
    ScenarioRef,
    SensitivityRequest,
)
from ktokovo.web._state import State, builtin, builtins, load, state_of, version, what_if

router = APIRouter()
StateDep = Annotated[State, Depends(state_of)]


@router.get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "ok", "version": version()}


@router.get("/api/models")
async def models() -> dict[str, str]:
    """Every model, with a line on what it does."""
    return dict(DESCRIPTIONS)


@router.get("/api/scenarios")
async def scenarios() -> dict[str, str]:
    """The built-in scenarios: name to title."""
    return builtins()


@router.get("/api/scenarios/{name}")
async def scenario(name: str) -> dict[str, Any]:
    """A built-in scenario as YAML-shaped data: the inputs before its ledger, and the ledger."""
    from ktokovo.io.yaml_format import scenario_to_data

    return scenario_to_data(builtin(name))


@router.post("/api/scenarios/parse")
async def parse(
    request: Request,
    state: StateDep,
    file: Annotated[UploadFile, File(description="A scenario file in any supported format.")],
) -> Any:
    """Read an uploaded scenario file (YAML, CSV, xlsx, BDM, KTAB CSV or XML, decide) into YAML-shaped data."""
    max_body = request.app.state.max_body
    data = await file.read(max_body + 1)
    if len(data) > max_body:
        raise HTTPException(413, f"the file is over the limit of {max_body} bytes")
    name = (file.filename or "upload").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]  # a name, never a path
    stem, _, suffix = name.rpartition(".")
    fmt = {"yaml": "yaml", "yml": "yaml", "xlsx": "xlsx", "xml": "ktab_xml"}.get(suffix.lower())
    return await state.workers().call(_work.parse_upload, data, stem or "upload", name, fmt)


@router.post("/api/scenarios/check")
async def check(ref: ScenarioRef, state: StateDep) -> dict[str, Any]:
    """Check a scenario; 422 with every problem if it is invalid."""
    loaded = await load(ref, state)
    return {"ok": True, "actors": len(loaded.actors), "issues": len(loaded.issues), "as_of": loaded.as_of or None}


@router.post(
    "/api/scenarios/export",
    response_class=Response,
    responses={
        200: {"content": {"application/yaml": {}, "application/octet-stream": {}, "text/csv": {}}},
        422: {"model": Problem, "content": {"application/json": {}}},
    },
)
async def export(ref: ScenarioRef, state: StateDep, format: Literal["yaml", "xlsx", "csv"] = "yaml") -> Response:
    """The scenario as a file to download: YAML (everything, ledger included), xlsx or long CSV (the table)."""
    loaded = await load(ref, state)
    body = formats.dumps(loaded, format)
    media = {"yaml": "application/yaml", "xlsx": "application/octet-stream", "csv": "text/csv"}[format]
    filename = "".join(c for c in loaded.name if c.isalnum() or c in "-_") or "scenario"
    # RFC 6266 with RFC 5987: an ASCII fallback, and the name itself percent-encoded in UTF-8 (a header must be
    # Latin-1: a scenario named "é中文" used to end in a 500)
    fallback = "".join(c if c.isascii() else "_" for c in filename)
    disposition = f"attachment; filename=\"{fallback}.{format}\"; filename*=UTF-8''{quote(filename)}.{format}"
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.post("/api/forecast", response_model=ForecastAnswer)
async def forecast(request: ForecastRequest, state: StateDep) -> dict[str, Any]:
    """Every chosen model's forecast per issue (with intervals if ``samples``), gains, positions by round."""
    started = now()
    loaded = what_if(await load(request.scenario, state), request.set, request.drop)
    models = _applicable(loaded, request.models)
    answer, results, drawn, details = await state.workers().call(
        _work.forecast, loaded, models, request.samples, request.seed, request.charts, request.horizon
    )
    answer["run_id"] = await state.record(loaded, results, drawn, started, details) if request.store else None
    return answer  # type: ignore[no-any-return]


@router.post("/api/jobs", response_model=JobAnswer, status_code=202)
async def start_job(request: ForecastRequest, state: StateDep) -> dict[str, Any]:
    """Start a long run; poll GET /api/jobs/{id} for its progress and result."""
    started = now()
    loaded = what_if(await load(request.scenario, state), request.set, request.drop)
    models = _applicable(loaded, request.models)

    async def done(
        scenario: Scenario, results: list[Any], drawn: list[Any], details: dict[str, Any] | None
    ) -> int | None:
        return await state.record(scenario, results, drawn, started, details) if request.store else None

    job = state.jobs().start(loaded, models, request.samples, request.seed, request.charts, done, request.horizon)
    return job.view()  # type: ignore[no-any-return]


@router.get("/api/jobs/{job_id}", response_model=JobAnswer, responses={404: {"model": Problem}})
async def job(job_id: str, state: StateDep) -> dict[str, Any]:
    found = state.jobs().get(job_id)
    if found is None:
        raise HTTPException(404, "no such job (finished jobs are kept ten minutes)")
    return found.view()  # type: ignore[no-any-return]


@router.post("/api/sensitivity")
async def sensitivity(request: SensitivityRequest, state: StateDep) -> dict[str, Any]:
    """Which inputs move each forecast most (one at a time between the ends of their ranges)."""
    loaded = await load(request.scenario, state)
    _applicable(loaded, [request.model])
    return await state.workers().call(_work.sensitivity, loaded, request.model, request.top)  # type: ignore[no-any-return]


@router.post("/api/explain")
async def explain(request: ExplainRequest, state: StateDep) -> dict[str, Any]:
    """Why an actor moved, round by round, from the model's own run (bdm, smp, exchange)."""
    loaded = await load(request.scenario, state)
    return await state.workers().call(  # type: ignore[no-any-return]
        _work.explain, loaded, request.actor, request.issue, request.model
    )


@router.post("/api/advise")
async def advise(request: AdviceRequest, state: StateDep) -> dict[str, Any]:
    """What one actor could change to get a better outcome, and by how much, under each model."""
    loaded = await load(request.scenario, state)
    return await state.workers().call(  # type: ignore[no-any-return]
        _work.advise,
        loaded,
        request.actor,
        list(request.models),
        request.persuade,
        request.top,
        request.no_deal,
        request.samples,
        request.power,
    )


@router.post("/api/cite-check")
async def cite_check(request: CiteCheckRequest, state: StateDep) -> dict[str, Any]:
    """Every quote of the scenario's sources checked against the documents given (text by name)."""
    loaded = await load(request.scenario, state)
    _cited(loaded, sorted(request.documents))
    return await state.workers().call(  # type: ignore[no-any-return]
        _work.cite_check, loaded, dict(request.documents), request.paragraphs
    )


@router.post("/api/panel")
async def panel(request: PanelRequest, state: StateDep) -> dict[str, Any]:
    """Several experts' scenarios of one negotiation combined: the panel, its agreement, each expert's shift."""
    loaded = [await load(ref, state) for ref in request.scenarios]
    labels = request.labels or [f"expert {k + 1}" for k in range(len(loaded))]
    if len(labels) != len(loaded) or len(set(labels)) != len(labels):
        raise ParameterError("labels: one distinct name per scenario")
    return await state.workers().call(_work.panel, loaded, labels, list(request.models))  # type: ignore[no-any-return]


@router.post("/api/power")
async def power(request: PowerRequest, state: StateDep) -> dict[str, Any]:
    """Each actor's Shapley–Shubik and Banzhaf index under the scenario's voting rule, with its blocs."""
    loaded = await load(request.scenario, state)
    return await state.workers().call(_work.power, loaded)  # type: ignore[no-any-return]


@router.post("/api/deal")
async def deal(request: DealRequest, state: StateDep) -> dict[str, Any]:
    """Deal or no deal: the zone of agreement among the veto players and the probability of a deal."""
    loaded = await load(request.scenario, state)
    models = _applicable(loaded, request.models)
    return await state.workers().call(  # type: ignore[no-any-return]
        _work.deal, loaded, models, request.samples, request.seed, request.horizon
    )


@router.post("/api/diff")
async def diff(request: DiffRequest, state: StateDep) -> dict[str, Any]:
    """Two scenarios under one model: each forecast's shift, the inputs that differ, the gains."""
    a, b = await load(request.a, state), await load(request.b, state)
    _applicable(a, [request.model])
    return await state.workers().call(_work.diff, a, b, request.model, request.seed)  # type: ignore[no-any-return]


@router.post(
    "/api/report",
    response_class=HTMLResponse,
    responses={422: {"model": Problem, "content": {"application/json": {}}}},
)
async def report(request: ReportRequest, state: StateDep) -> HTMLResponse:
    """The self-contained HTML report of the scenario."""
    loaded = await load(request.scenario, state)
    models = _applicable(loaded, request.models) if request.models else None
    html = await state.workers().call(_work.report, loaded, models, request.samples, request.seed)
    return HTMLResponse(html, headers={"Content-Disposition": 'attachment; filename="report.html"'})


@router.post("/api/drift")
async def drift(request: DriftRequest, state: StateDep) -> dict[str, Any]:
    """How each issue's forecast moved as the ledger's events arrived, each move put down to its changes."""
    loaded = await load(request.scenario, state)
    _applicable(loaded, [request.model])
    return await state.workers().call(_work.drift, loaded, request.model)  # type: ignore[no-any-return]


@router.post("/api/ledger/add")
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


@router.post("/api/ledger/verify")
async def ledger_verify(request: LedgerVerifyRequest, state: StateDep) -> dict[str, Any]:
    """Check the ledger's hash chain, and the heads the run store has seen of the same ledger (by its first
    entry, whatever file it came in): the first entry edited, moved or deleted, or inputs edited outside it
    (``bad`` 0). A ledger that passes is remembered, as ``ktokovo ledger verify`` does."""
    scenario = await load(ScenarioRef(builtin=None, data=request.data), state)
    verdict = await run_in_threadpool(state.store().check_ledger, "web", scenario)
    return {"ok": verdict.ok, "entries": verdict.entries, "bad": verdict.bad, "reason": verdict.reason}


@router.get("/api/runs")
async def runs(state: StateDep, limit: Annotated[int, Field(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    """The latest stored runs, newest first."""
    return await run_in_threadpool(state.store().recent, limit)  # type: ignore[no-any-return]


@router.get("/api/runs/{run_id}", responses={404: {"model": Problem}})
async def stored_run(run_id: int, state: StateDep) -> dict[str, Any]:
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
