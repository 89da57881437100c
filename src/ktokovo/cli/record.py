"""The record of the talks on the command line: ``runs``, ``ledger``, ``resolve``, ``scores``, ``drift`` and
``report``. Registered on :data:`ktokovo.cli.app`; like the rest of the CLI, these parse, call the core and render.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from ktokovo import application
from ktokovo import io as formats
from ktokovo.cli._common import (
    DEFAULT_SCENARIO,
    AsOfOption,
    DbOption,
    ForceOption,
    JsonOption,
    NoStoreOption,
    ScenarioArg,
    app,
    err,
    fail,
    group,
    load_with_changes,
    open_store,
    out,
    record,
    require,
    source_id,
    spinner,
    write_json,
)
from ktokovo.core.errors import ParameterError
from ktokovo.core.jsonable import dumps
from ktokovo.core.limits import MAX_LIMIT, MAX_SAMPLES, MAX_SEED, max_workers
from ktokovo.core.numbers import point, signed
from ktokovo.io import write_file
from ktokovo.models import run

runs_app = group("runs", "The runs in the run store: list, show, diff, export, backtests.")
ledger_app = group("ledger", "The ledger of the talks: dated, sourced, hash-chained events.")

RunId = Annotated[int, typer.Argument(help="A run's number (see `ktokovo runs list`).", min=1, max=2**63 - 1)]


# -- runs -------------------------------------------------------------------------------------------------
@runs_app.command("list")
def runs_list(
    scenario: Annotated[str | None, typer.Option(help="Only runs of this scenario (its name).")] = None,
    limit: Annotated[int, typer.Option(help="How many of the latest runs.", min=1, max=MAX_LIMIT)] = 30,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The latest stored runs, newest first."""
    with open_store(db) as store:
        rows = store.recent(limit, scenario)
        where = store.url
    if as_json:
        write_json(rows)
        return
    table = Table(title=f"Runs in {_safe_url(where)}", title_justify="left", show_edge=False)
    for name in ("run", "started (UTC)", "command", "scenario", "as of", "models", "draws"):
        table.add_column(name, justify="right" if name in ("run", "draws") else "left")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["started_at"][:19].replace("T", " "),
            row["command"],
            row["scenario_name"],
            row["as_of"] or "",
            ", ".join(row["models"]),
            str(row["samples"] or ""),
        )
    out.print(table)
    if not rows:
        out.print("no runs yet: `ktokovo forecast` records one")


@runs_app.command("backtests")
def runs_backtests(
    backtest: Annotated[
        int | None, typer.Argument(help="A backtest's number: write its per-issue scores.", min=1, max=2**63 - 1)
    ] = None,
    limit: Annotated[int, typer.Option(help="How many of the latest backtests.", min=1, max=MAX_LIMIT)] = 30,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The stored backtests, newest first; with a number, that backtest's score of every forecaster on every
    issue (in sample, and out of sample by split) as CSV, or JSON with --json."""
    with open_store(db) as store:
        if backtest is not None:
            frame = store.backtest_scores(backtest)
            if as_json:
                write_json(frame.to_dict(orient="records"))
            else:
                out.file.write(frame.to_csv(index=False))
            return
        rows = store.backtests(limit)
        where = store.url
    if as_json:
        write_json(rows)
        return
    table = Table(title=f"Backtests in {_safe_url(where)}", title_justify="left", show_edge=False)
    for name in ("backtest", "started (UTC)", "source", "capabilities", "issues", "models"):
        table.add_column(name, justify="right" if name in ("backtest", "issues") else "left")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["started_at"][:19].replace("T", " "),
            row["source"],
            row["capabilities"],
            str(row["cases"]),
            ", ".join(row["models"]),
        )
    out.print(table)
    if not rows:
        out.print("no backtests yet: `ktokovo backtest` records one")


def _safe_url(url: str) -> str:
    from ktokovo.store import _safe

    return _safe(url)


@runs_app.command("show")
def runs_show(run_id: RunId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """One run: what ran, on what, when, and each model's forecast per issue."""
    with open_store(db) as store:
        stored = store.get(run_id)
    info = stored.info
    if as_json:
        write_json(_export_data(stored))
        return
    out.print(f"[bold]run {run_id}[/]: {info['command']} of {info['scenario_name']} ({info['scenario_source']})")
    seed = info["seed"] if info["seed"] is not None else "none (driven by a caller's generator: not replayable)"
    out.print(
        f"  started {info['started_at']}, finished {info['finished_at']}; ktokovo {info['version']}; "
        f"seed {seed}; draws {info['samples']}" + (f"; as of {info['as_of']}" if info["as_of"] else ""),
        soft_wrap=True,
    )
    out.print(f"  scenario sha256 {info['scenario_hash']}", soft_wrap=True)
    out.print(f"  parameters {dumps(info['parameters'], indent=None)}", soft_wrap=True, markup=False)
    table = Table(show_edge=False)
    for name in ("model", "issue", "forecast", "low 95%", "high 95%", "rounds"):
        table.add_column(name, justify="left" if name in ("model", "issue") else "right")
    for (model, issue), row in stored.forecasts.iterrows():
        path = stored.trajectories.get((model, issue))
        table.add_row(
            model,
            issue,
            point(row["forecast"]),
            "" if row["low"] is None or np.isnan(row["low"]) else point(row["low"]),
            "" if row["high"] is None or np.isnan(row["high"]) else point(row["high"]),
            "" if path is None else str(len(path) - 1),
        )
    out.print(table)


@runs_app.command("diff")
def runs_diff(first: RunId, second: RunId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Two stored runs side by side: each forecast's shift, and the inputs that differ."""
    from ktokovo.analysis.diff import input_differences

    with open_store(db) as store:
        a, b = store.get(first), store.get(second)
    scenario_a, scenario_b = a.scenario(), b.scenario()
    joined = a.forecasts[["forecast"]].add_suffix("_a").join(b.forecasts[["forecast"]].add_suffix("_b"), how="outer")
    rows = [
        {
            "model": model,
            "issue": issue,
            "a": None if np.isnan(r["forecast_a"]) else float(r["forecast_a"]),
            "b": None if np.isnan(r["forecast_b"]) else float(r["forecast_b"]),
            "shift": None if np.isnan(r["forecast_b"] - r["forecast_a"]) else float(r["forecast_b"] - r["forecast_a"]),
        }
        for (model, issue), r in joined.iterrows()
    ]
    same_shape = scenario_a.issue_names == scenario_b.issue_names
    inputs = input_differences(scenario_a, scenario_b) if same_shape else []
    if as_json:
        write_json({"a": first, "b": second, "forecasts": rows, "inputs": inputs})
        return
    out.print(f"[bold]run {first}[/] ({a.info['scenario_name']}) → [bold]run {second}[/] ({b.info['scenario_name']})")
    table = Table(show_edge=False)
    for name in ("model", "issue", f"run {first}", f"run {second}", "shift"):
        table.add_column(name, justify="left" if name in ("model", "issue") else "right")
    for row in rows:
        table.add_row(
            row["model"],
            row["issue"],
            "—" if row["a"] is None else point(row["a"]),
            "—" if row["b"] is None else point(row["b"]),
            "" if row["shift"] is None else f"{row['shift']:+.3g}",
        )
    out.print(table)
    if not same_shape:
        out.print("the two runs' scenarios have different issues: inputs not compared")
        return
    out.print(f"\ninputs that differ: {len(inputs)}")
    for row in inputs:
        out.print(f"  {row['input']}: {row['a']} → {row['b']}")


def _export_data(stored: Any) -> dict[str, Any]:
    frame = stored.forecasts.reset_index()
    return {
        "run": stored.id,
        **{k: v for k, v in stored.info.items() if k != "id"},
        "forecasts": frame.to_dict("records"),
        "rounds": {
            f"{model}/{issue}": {"actors": list(path.columns), "positions": path.to_numpy()}
            for (model, issue), path in stored.trajectories.items()
        },
    }


@runs_app.command("export")
def runs_export(
    run_id: RunId,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The file to write: .json (everything) or .csv (one row a position).")
    ],
    db: DbOption = None,
    force: ForceOption = False,
) -> None:
    """Write one run to a file: JSON with everything stored, or CSV with every position in every round."""
    suffix = output.suffix.lower()
    if suffix not in (".json", ".csv"):
        fail(ParameterError(f"{output}: the suffix picks the format, .json or .csv"))
    formats.writable(output, overwrite=force, what="the run")
    with open_store(db) as store:
        stored = store.get(run_id)
    if suffix == ".json":
        write_file(output, dumps(_export_data(stored)) + "\n", overwrite=force, what="the run")
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["run", "model", "issue", "forecast", "low95", "high95", "round", "actor", "position"])
        for (model, issue), row in stored.forecasts.iterrows():
            head = [run_id, model, issue, row["forecast"], _blank(row["low"]), _blank(row["high"])]
            path = stored.trajectories.get((model, issue))
            if path is None:
                writer.writerow([*head, "", "", ""])
                continue
            for round_, positions in path.iterrows():
                for actor, value in positions.items():
                    writer.writerow([*head, round_, actor, _blank(value)])
        write_file(output, buffer.getvalue(), overwrite=force, what="the run")
    out.print(f"wrote {output}")


def _blank(value: Any) -> Any:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else value


# -- ledger -----------------------------------------------------------------------------------------------
@ledger_app.command("list")
def ledger_list(scenario: ScenarioArg = DEFAULT_SCENARIO, as_json: JsonOption = False) -> None:
    """The ledger's events in the order they were recorded, with their sources and input changes."""
    loaded = formats.load(scenario)
    if as_json:
        write_json(
            [
                {**vars(e), "actors": list(e.actors), "changes": list(e.changes), "source": _source_dict(e.source)}
                for e in loaded.ledger
            ]
        )
        return
    if not loaded.ledger:
        out.print(f"{scenario} has no ledger; `ktokovo ledger add` starts one")
        return
    out.print(f"[bold]Ledger of {loaded.name}[/]: {len(loaded.ledger)} events, in the order recorded")
    for number, e in enumerate(loaded.ledger, 1):
        actors = f" ({', '.join(e.actors)})" if e.actors else ""
        out.print(f"\n{number}. [bold]{e.date}[/]  {e.kind}  {e.title}{actors}", soft_wrap=True)
        if e.source:
            out.print(f"   [dim]source: {e.source}[/]", soft_wrap=True)
        out.print(f"   changes: {', '.join(e.changes) if e.changes else 'none'}", soft_wrap=True)


def _source_dict(source: Any) -> dict[str, str] | None:
    return None if source is None else {k: v for k, v in vars(source).items() if v}


@ledger_app.command("verify")
def ledger_verify(scenario: ScenarioArg = DEFAULT_SCENARIO, db: DbOption = None) -> None:
    """Check the ledger's hash chain, and that it still holds every ledger head the run store has seen.
    Exits with 1 and names the first bad entry if anything was edited, moved or deleted."""
    loaded = formats.load(scenario)
    base = loaded.base or loaded
    with open_store(db) as store:
        verdict = store.check_ledger(source_id(scenario), loaded)
    if verdict.ok:
        out.print(f"ledger of {loaded.name}: {verdict.entries} entries, chain intact")
        return
    if verdict.bad == 0:
        err.print(f"[bold red]ledger of {loaded.name}:[/] {verdict.reason}", soft_wrap=True)
        raise typer.Exit(1)
    entry = base.ledger[verdict.bad - 1] if verdict.bad and verdict.bad <= len(base.ledger) else None
    named = f" ({entry.date}, {entry.title})" if entry else ""
    err.print(
        f"[bold red]ledger of {loaded.name}: entry {verdict.bad}{named} is bad:[/] {verdict.reason}", soft_wrap=True
    )
    raise typer.Exit(1)


@ledger_app.command("seal")
def ledger_seal(
    scenario: Annotated[Path, typer.Argument(help="The scenario's YAML file.")],
) -> None:
    """Record in the file the seal of its ledger and inputs as they are now: after you edited the scenario's
    own numbers on purpose (a change that belongs to the talks' history belongs in `ledger add` instead)."""
    from ktokovo.io.ledger_file import seal_file

    entries, inputs = seal_file(scenario)
    out.print(f"sealed {scenario}: {entries} entries, inputs {inputs[:12]}", soft_wrap=True)


@ledger_app.command("add")
def ledger_add(
    scenario: Annotated[Path, typer.Argument(help="The scenario's YAML file (the entry is appended to its ledger).")],
    date: Annotated[str, typer.Option(help="When it happened, YYYY-MM-DD.")],
    kind: Annotated[str, typer.Option(help="meeting, statement, offer, commitment, deadline or violation.")],
    title: Annotated[str, typer.Option(help="What happened, in a line.")],
    document: Annotated[str, typer.Option("--document", help="The source document's short name.")],
    actor: Annotated[list[str] | None, typer.Option("--actor", help="An actor involved (repeatable).")] = None,
    where: Annotated[str, typer.Option("--where", help="Where in the document, e.g. ¶5.")] = "",
    quote: Annotated[str, typer.Option(help="A few quoted words from the source.")] = "",
    note: Annotated[str, typer.Option(help="A note on the source or the estimate.")] = "",
    change: Annotated[
        list[str] | None,
        typer.Option(
            "--change",
            help="An input change from this date on (repeatable): Russia.ceasefire.position=20, "
            "Russia.capability=70, crimea.status_quo=65, -ACTOR (leaves), +ACTOR (enters).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Append a dated, sourced event to a scenario file's ledger, chained by hash to the entry before it."""
    from ktokovo.io.ledger_file import append_to_file

    entry = append_to_file(
        scenario,
        date=date,
        kind=kind,
        title=title,
        actors=actor or [],
        source={"document": document, "locator": where, "quote": quote, "note": note},
        changes=change or [],
    )
    loaded = formats.load(scenario)
    with open_store(db) as store:
        store.note_ledger(source_id(str(scenario)), loaded)
    out.print(f"added entry {len(loaded.ledger)} to {scenario}: {entry.date} {entry.title} (hash {entry.hash[:12]})")


# -- outcomes and scores ----------------------------------------------------------------------------------
@app.command()
def resolve(
    issue: Annotated[str, typer.Argument(help="The issue's name.")],
    value: Annotated[float, typer.Argument(help="The real outcome, on the issue's own scale.")],
    date: Annotated[str, typer.Option(help="When the outcome was settled, YYYY-MM-DD.")],
    scenario: Annotated[str, typer.Option(help="The scenario's name, as its runs were stored.")] = DEFAULT_SCENARIO,
    note: Annotated[str, typer.Option(help="Where the outcome is reported.")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record how an issue really turned out, and score every stored forecast of it."""
    from ktokovo.analysis.ledger import parse_date

    when = parse_date(date, "--date").isoformat()
    with open_store(db) as store:
        store.resolve(scenario, issue, value, when, note)
        rows = [r for r in store.scored(scenario) if r["issue"] == issue]
    if as_json:
        write_json(rows)
        return
    out.print(f"[bold]{scenario} / {issue}[/]: outcome {value:g} on {when}; {len(rows)} stored forecasts scored")
    table = Table(show_edge=False)
    for name in ("run", "model", "known as of", "forecast", "abs error", "in 95%", "CRPS"):
        table.add_column(name, justify="left" if name in ("model", "known as of") else "right")
    for r in rows:
        table.add_row(
            str(r["run"]),
            r["model"],
            r["known_as_of"] + (" (hindsight)" if r["hindsight"] else ""),
            point(r["forecast"]),
            f"{r['abs_error']:.1f}",
            "" if r["covered95"] is None else ("yes" if r["covered95"] else "no"),
            "" if r["crps"] is None else f"{r['crps']:.2f}",
        )
    out.print(table)
    out.print(
        "[dim]errors and CRPS in points on 0–100; hindsight: made with knowledge from after the outcome, not scored[/]"
    )


@app.command()
def scores(
    scenario: Annotated[str | None, typer.Option(help="Only this scenario's forecasts (its name).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Each model's record on the resolved issues: mean absolute error, 95% interval coverage and CRPS."""
    from ktokovo.evaluation.scores import summary

    with open_store(db) as store:
        rows = summary(store.scored(scenario))
    if as_json:
        write_json(rows)
        return
    if not rows:
        out.print("nothing to score yet: record an outcome with `ktokovo resolve ISSUE VALUE --date YYYY-MM-DD`")
        return
    table = Table(title="Forecasts scored against outcomes", title_justify="left", show_edge=False)
    for name in ("model", "forecasts", "issues", "mean abs error", "in 95% interval", "mean CRPS"):
        table.add_column(name, justify="left" if name == "model" else "right")
    for r in rows:
        table.add_row(
            r["model"],
            str(r["forecasts"]),
            str(r["issues"]),
            f"{r['mae']:.1f}",
            "—" if r["coverage95"] is None else f"{r['coverage95']:.0%} of {r['with_intervals']}",
            "—" if r["crps"] is None else f"{r['crps']:.2f}",
        )
    out.print(table)
    out.print("[dim]points on 0–100; only forecasts made with what was known before the outcome's date[/]")


# -- drift and report -------------------------------------------------------------------------------------
@app.command()
def drift(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    model: Annotated[str, typer.Option("--model", "-m", help="The model to follow.")] = "mean",
    as_json: JsonOption = False,
    db: DbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """How each issue's forecast moved as the ledger's events arrived, each move put down to the input changes
    that made it."""
    loaded = formats.load(scenario)
    with spinner(f"{model}: the forecast at each event of the ledger", as_json):
        result = application.drift(loaded, model)
        rows = result.rows()
    if as_json:
        write_json(result.to_dict())
    else:
        for issue in loaded.issues:
            out.print(f"[bold]{issue.name}[/]: {issue.question}  [dim]({model})[/]")
            table = Table(show_edge=False)
            for name in ("date", "event", "forecast", "move", "put down to"):
                table.add_column(name, justify="right" if name in ("forecast", "move") else "left")
            for row in rows:
                if row["issue"] != issue.name:
                    continue
                table.add_row(
                    row["date"],
                    "; ".join(row["events"]),
                    point(row["forecast"]),
                    "" if row["move"] is None else signed(row["move"]),
                    ", ".join(f"{c} ({signed(m)})" for c, m in row["by"] if abs(m) >= 0.05),
                )
            out.print(table)
            out.print()
    record(db, no_store, "drift", scenario, loaded, [run(loaded, model)], quiet=as_json)


@app.command()
def report(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path("report.html"),
    force: ForceOption = False,
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Models to report (repeatable); default: all that apply.")
    ] = None,
    samples: Annotated[
        int, typer.Option(help="Draws of the inputs for forecast intervals (0: none).", min=0, max=MAX_SAMPLES)
    ] = 200,
    sensitivity: Annotated[
        bool, typer.Option(help="Compute one-at-a-time sensitivity for the first model if none is stored.")
    ] = True,
    seed: Annotated[int, typer.Option(help="Random seed.", min=0, max=MAX_SEED)] = 0,
    as_of: AsOfOption = None,
    db: DbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """One self-contained HTML file (it works offline) on the negotiation: its sources, each model's forecast
    with intervals, positions over rounds, who gains and who loses, sensitivity, the ledger and forecast drift."""
    require("report", "jinja2", "matplotlib")
    from ktokovo.report import html as _report

    formats.writable(output, overwrite=force, what="the report")
    loaded = load_with_changes(scenario, None, None, None, as_of)
    with spinner("writing the report", False):
        built = application.build_report(loaded, models=model, samples=samples, seed=seed, sensitivity=sensitivity)
        stored = None
        if not no_store:
            with open_store(db) as store:
                stored = store.latest_details(loaded.name, "sensitivity")
        html = _report.render(built, stored_sensitivity=stored)
    write_file(output, html, overwrite=force, what="the report")
    out.print(f"wrote {output} ({len(html) // 1024} KiB, self-contained)")
    record(db, no_store, "report", scenario, loaded, built.results, built.samples)


# -- the web service --------------------------------------------------------------------------------------
@app.command()
def serve(
    host: Annotated[str, typer.Option(help="The address to listen on. Any but loopback needs a token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port.", min=1, max=65535)] = 8000,
    token: Annotated[
        str | None,
        typer.Option(help="The token every request must carry (default: $KTOKOVO_TOKEN); needed off loopback."),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Worker processes for model runs (at most one per core).", min=1, max=max_workers())
    ] = 2,
    time_limit: Annotated[
        float, typer.Option(help="Seconds a run may take before it is stopped (0.1 to 86400).", min=0.1, max=86400.0)
    ] = 60.0,
    db: DbOption = None,
) -> None:
    """Start the web dashboard and its JSON API (its OpenAPI document at /openapi.json)."""
    import ipaddress
    import os

    require("web", "fastapi", "uvicorn", "pebble", "multipart", "jinja2", "matplotlib")
    import uvicorn

    from ktokovo.web import create_app

    token = token or os.environ.get("KTOKOVO_TOKEN") or None
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and token is None:  # never listen beyond this machine without one
        fail(ParameterError(f"listening on {host} needs a token: --token or the KTOKOVO_TOKEN variable"))
    if not math.isfinite(time_limit):  # click's range lets NaN through: every comparison with it is false
        fail(ParameterError(f"--time-limit must be a number of seconds, not {time_limit}"))
    out.print(f"ktokovo dashboard at [bold]http://{host}:{port}/[/] (Ctrl-C stops it)", soft_wrap=True)
    if token:  # the token itself is never printed
        out.print(f"[dim]every request needs the token: open http://{host}:{port}/?token=YOUR_TOKEN once[/]")
    application = create_app(token=token, db=db, workers=workers, time_limit=time_limit)
    uvicorn.run(application, host=host, port=port, log_level="warning")
