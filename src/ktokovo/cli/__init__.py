"""The ``ktokovo`` command: parse, load, call the core, render. Nothing else happens here."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from ktokovo import io as formats
from ktokovo.analysis import gains as _whowhom
from ktokovo.analysis import uncertainty as _uncertainty
from ktokovo.analysis import whatif as _whatif
from ktokovo.analysis.whatif import what_if
from ktokovo.core.errors import KtokovoError, ParameterError, Problem, ScenarioError
from ktokovo.core.scenario import Scenario
from ktokovo.models import DESCRIPTIONS, MODELS
from ktokovo.models import runner as _run

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Model a multi-party negotiation and forecast who gets the better of whom.",
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

DEFAULT_SCENARIO = "ukraine-2025"
STANDARD = ("mean", "median", "nash", "bdm")
"""What ``forecast`` runs by default: the per-issue models. ``compare`` runs every model that applies."""
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
SeedOption = Annotated[int, typer.Option(help="Random seed (recorded with the result).")]
PlotOption = Annotated[Path | None, typer.Option("--plot", help="Write charts (PNG and SVG) into this folder.")]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="What if: change an input, e.g. "
        "Russia.capability=60, Ukraine.crimea.position=20, crimea.status_quo=50 (repeatable).",
    ),
]
DropOption = Annotated[list[str] | None, typer.Option("--drop", help="What if: leave an actor out (repeatable).")]
ShockOption = Annotated[
    list[str] | None,
    typer.Option(
        "--shock",
        help="A shock at a round: 3:Russia.capability=60, "
        "3:Russia.capability*0.5, 3:-European allies (leaves), 4:+China (enters); repeatable.",
    ),
]
RoundsOption = Annotated[
    int | None,
    typer.Option(help="Rounds for models that run in rounds (default: bdm and exchange 10; smp to its stop rule)."),
]
ScenarioArg = Annotated[
    str, typer.Argument(help="A scenario file (YAML, CSV, xlsx, BDM, KTAB, decide) or a built-in scenario's name.")
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The scenario as known on this date (YYYY-MM-DD): its ledger's entries up to it. Default: today.",
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The run store: an SQLite file or an SQLAlchemy URL (postgresql+psycopg://...). "
        "Default: $KTOKOVO_DB, else runs.sqlite in your data folder.",
    ),
]
NoStoreOption = Annotated[bool, typer.Option("--no-store", help="Do not record this run in the run store.")]


def _fail(error: KtokovoError) -> None:
    err.print(f"[bold red]error:[/] {error}", markup=True, soft_wrap=True)
    raise typer.Exit(2)


_STARTED: dict[str, str] = {}


@app.callback()
def _note_start() -> None:
    # Runs before every command: the run store records when the command started, not only when it ended
    # (in the store's format, ktokovo.store.now(); the store itself is imported only when a run is recorded).
    import datetime as dt

    _STARTED["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _open_store(db: str | None) -> Any:
    from ktokovo.store import Store

    return Store(db)


def _record(
    db: str | None,
    no_store: bool,
    command: str,
    source: str,
    scenario: Scenario,
    results: Sequence[_run.ModelResult],
    samples: Sequence[_uncertainty.SampleResult] = (),
    details: dict[str, Any] | None = None,
    quiet: bool = False,
) -> int | None:
    """Store the run and say so on stderr (unless ``quiet``, as with --json); a store that cannot be written is
    an error only if --db named it."""
    if no_store:
        return None
    try:
        with _open_store(db) as store:
            run_id = store.record(
                command,
                scenario,
                results,
                samples,
                source=_source_id(source),
                details=details,
                started_at=_STARTED.get("at"),
            )
    except KtokovoError as error:
        if db is not None:
            _fail(error)
        err.print(f"[yellow]warning:[/] the run was not stored: {error}", soft_wrap=True)
        return None
    if not quiet:
        err.print(f"[dim]stored as run {run_id} (ktokovo runs show {run_id})[/]", soft_wrap=True)
    return run_id


def _source_id(source: str) -> str:
    """Where a scenario came from, as the store keys it: a file's absolute path, or builtin:NAME."""
    path = Path(source)
    return str(path.resolve()) if path.exists() else f"builtin:{source}"


def _parse_parameters(items: list[str]) -> dict[str, Any]:
    import yaml

    parameters = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"a parameter is written NAME=VALUE, not {item!r}")
        parameters[name.strip()] = yaml.safe_load(value)
    return parameters


TRACK_RECORD_NOTE = (
    "DEU error: the model's mean absolute error (points on 0–100) on 218 real EU decisions "
    "(DEU III sample, `ktokovo backtest deu`); how far to trust its number"
)


def _track_record(model: str) -> str:
    from ktokovo.evaluation.backtest import TRACK_RECORD

    return f"{TRACK_RECORD[model]:.1f}" if model in TRACK_RECORD else "—"


def _run_models(
    scenario: Scenario,
    models: list[str],
    preset: str | None,
    rounds: int | None,
    seed: int,
    parameters: dict[str, Any],
    quiet: bool,
) -> list[_run.ModelResult]:
    if preset is not None and len(models) > 1:
        raise ParameterError("--preset applies to one model: name it with --model")
    if parameters and len(models) > 1:
        raise ParameterError("--param applies to one model: name it with --model")
    for model in models:  # check every name before any work starts
        _run.resolve_parameters(model, preset, parameters)
    from rich.progress import Progress

    results = []
    with Progress(console=err, transient=True, disable=quiet or not err.is_terminal) as progress:
        task = progress.add_task("running models", total=len(models))
        for model in models:
            progress.update(task, description=f"running {model}")
            results.append(_run.run(scenario, model, preset=preset, rounds=rounds, seed=seed, **parameters))
            progress.advance(task)
    return results


def _signed(value: float) -> str:
    return f"{round(value, 1) + 0.0:+.1f}"  # + 0.0 turns -0.0 into 0.0


def _fmt(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"


@app.command()
def forecast(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="Model to run (repeatable): " + ", ".join(MODELS) + ". Default: " + ", ".join(STANDARD) + ".",
        ),
    ] = None,
    preset: Annotated[str | None, typer.Option(help="A named parameter set of the model, e.g. scholz2011.")] = None,
    rounds: RoundsOption = None,
    seed: SeedOption = 0,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A model parameter NAME=VALUE (repeatable), e.g. -p q=0.5."),
    ] = None,
    as_json: JsonOption = False,
    plot: PlotOption = None,
    set_: SetOption = None,
    drop: DropOption = None,
    shock: ShockOption = None,
    samples: Annotated[
        int,
        typer.Option(
            help="Draw the inputs this many times from their confidence ranges "
            "and report forecast intervals (0: point forecasts only)."
        ),
    ] = 0,
    threshold: Annotated[
        list[str] | None,
        typer.Option(help="With --samples: report the probability of a condition such as crimea>=50 (repeatable)."),
    ] = None,
    workers: Annotated[int, typer.Option(help="With --samples: local worker processes.")] = 1,
    dask: Annotated[str | None, typer.Option(help="With --samples: the address of a Dask scheduler to use.")] = None,
    batch_size: Annotated[int, typer.Option(help="With --samples: draws evaluated together.")] = 1000,
    as_of: AsOfOption = None,
    db: DbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """Forecast every issue of a negotiation with each model, and who gains and who loses."""
    try:
        loaded = _load_with_changes(scenario, set_, drop, shock, as_of)
        models = model or list(STANDARD)
        parameters = _parse_parameters(param or [])
        results = _run_models(loaded, models, preset, rounds, seed, parameters, as_json)
        for text in threshold or []:
            _uncertainty.parse_threshold(loaded, text)
        sampled = (
            [
                _sample(loaded, name, samples, seed, rounds, preset, parameters, batch_size, workers, dask, as_json)
                for name in models
            ]
            if samples
            else []
        )
    except KtokovoError as error:
        _fail(error)
    if as_json:
        _print_json(loaded, results, sampled, threshold or [])
    else:
        if loaded.vetoes:
            _print_deal_lead(loaded, results, samples, seed)
        _print_forecast(loaded, results)
        if sampled:
            _print_samples(loaded, sampled, threshold or [])
    _plot(results, plot, quiet=as_json, samples=sampled)
    _record(db, no_store, "forecast", scenario, loaded, results, sampled, quiet=as_json)


def _print_deal_lead(scenario: Scenario, results: list[_run.ModelResult], samples: int = 0, seed: int = 0) -> None:
    """One paragraph ahead of the forecasts: is there a deal to forecast at all?"""
    from ktokovo.analysis import deal as _deal

    if samples:
        share, low, high = _deal.deal_probability(scenario, samples, seed)
        out.print(f"[bold]Probability of a deal: {share:.0%}[/] (95% interval {low:.0%}–{high:.0%}, {samples} draws)")
    lead = results[0]
    zone, detail = _deal.summary(scenario, lead.forecast)
    players = ", ".join(v.actor for v in scenario.vetoes)
    if zone:
        closest = (
            f" Under {lead.model}, {detail['actor']} is closest to walking away (slack "
            f"{_signed(detail['slack']).lstrip('+')})."
            if detail
            else f" The {lead.model} forecast lies outside the zone; `ktokovo deal` shows where it lands inside."
        )
        out.print(
            f"[bold green]Deal or no deal: a zone of agreement exists[/] among the veto players ({players}). "
            "The forecasts below say where talks land if they settle; `ktokovo deal` brings each into the "
            f"zone and gives the probability of a deal.{closest}\n"
        )
    else:
        assert detail is not None
        out.print(
            f"[bold red]Deal or no deal: no zone of agreement[/] among {players}. {detail['actor']} blocks, "
            f"short by {detail['shortfall']:.1f} points ({', '.join(detail['issues'])}); the forecasts below "
            "are what the models say if the parties settled anyway. `ktokovo deal` says what it would take.\n"
        )


def _load_with_changes(
    scenario: str,
    sets: list[str] | None,
    drop: list[str] | None,
    shocks: list[str] | None = None,
    as_of: str | None = None,
) -> Scenario:
    if as_of is not None:
        from ktokovo.analysis.ledger import parse_date

        parse_date(as_of, "--as-of")
    loaded = formats.load(scenario, as_of=as_of)
    if sets or drop:
        loaded = what_if(loaded, _whatif.parse_sets(sets or []), drop or [])
    if shocks:
        loaded = _whatif.with_shocks(loaded, [_whatif.parse_shock(text) for text in shocks])
    return loaded


def _sample(
    scenario: Scenario,
    model: str,
    samples: int,
    seed: int,
    rounds: int | None,
    preset: str | None,
    parameters: dict[str, Any],
    batch_size: int,
    workers: int,
    dask: str | None,
    quiet: bool,
) -> _uncertainty.SampleResult:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True, disable=quiet or not err.is_terminal) as progress:
        task = progress.add_task(f"{model}: draws", total=samples)
        result = _uncertainty.sample_forecasts(
            scenario,
            model,
            samples=samples,
            seed=seed,
            rounds=rounds,
            preset=preset,
            batch_size=batch_size,
            workers=workers,
            dask=dask,
            progress=lambda done: progress.update(task, completed=done),
            **parameters,
        )
    if result.interrupted:
        err.print(
            f"[yellow]stopped by Ctrl-C: {model} kept {len(result.forecasts)} of {samples} draws; the "
            "intervals below use those[/]"
        )
    return result


def _print_samples(scenario: Scenario, sampled: list[_uncertainty.SampleResult], thresholds: list[str]) -> None:
    first = sampled[0]
    out.print(
        f"\n[bold]Forecast intervals[/] from {len(first.forecasts)} draws of the inputs (seed {first.seed}); "
        "estimates without a confidence range vary by the default spread (see the README)"
    )
    for j, issue in enumerate(scenario.issues):
        digits = 1 if issue.scale[1] - issue.scale[0] >= 20 else 2
        table = Table(title=f"{issue.name}", title_justify="left", show_edge=False, min_width=60)
        for name in ("model", "median", "80% interval", "95% interval"):
            table.add_column(name, justify="left" if name == "model" else "right")
        for result in sampled:
            row = result.summary_rows()[j]
            table.add_row(
                result.model,
                f"{row['median']:.{digits}f}",
                f"{row['low80']:.{digits}f}–{row['high80']:.{digits}f}",
                f"{row['low95']:.{digits}f}–{row['high95']:.{digits}f}",
            )
        out.print(table)
    if thresholds:
        out.print("[bold]Probability over the draws[/]")
        table = Table(show_edge=False)
        table.add_column("model")
        for text in thresholds:
            table.add_column(text, justify="right")
        for result in sampled:
            table.add_row(result.model, *(f"{result.probability(text):.0%}" for text in thresholds))
        out.print(table)


@app.command()
def compare(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    rounds: RoundsOption = None,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    plot: PlotOption = None,
    set_: SetOption = None,
    drop: DropOption = None,
    shock: ShockOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """Run every model that applies, side by side: per issue each model's forecast and how far apart they are."""
    try:
        loaded = _load_with_changes(scenario, set_, drop, shock, as_of)
        skipped = {
            name: why
            for name, module in MODELS.items()
            if (why := getattr(module, "applies", lambda _: None)(loaded)) is not None
        }
        models = [name for name in MODELS if name not in skipped]
        results = _run_models(loaded, models, None, rounds, seed, {}, as_json)
    except KtokovoError as error:
        _fail(error)
    if as_json:
        data = {"scenario": loaded.name, "models": {r.model: r.to_dict() for r in results}, "skipped": skipped}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_compare(loaded, results, skipped)
    _plot(results, plot, quiet=as_json)
    _record(db, no_store, "compare", scenario, loaded, results, quiet=as_json)


def _print_compare(scenario: Scenario, results: list[_run.ModelResult], skipped: dict[str, str]) -> None:
    out.print(f"[bold]{scenario.title or scenario.name}[/]: every model side by side")
    out.print(f"[dim]{TRACK_RECORD_NOTE}[/]\n")
    for j, issue in enumerate(scenario.issues):
        low, high = issue.scale
        out.print(f"[bold]{issue.name}[/]: {issue.question}")
        out.print(f"  [dim]{_fmt(low)} = {issue.low_label or '—'}  ·  {_fmt(high)} = {issue.high_label or '—'}[/]")
        table = Table(show_edge=False, min_width=60)
        for name in ("model", "forecast", "nearest label", "DEU error"):
            table.add_column(name, justify="right" if name in ("forecast", "DEU error") else "left")
        values = [float(r.forecast[j]) for r in results]
        for result, value in zip(results, values, strict=True):
            table.add_row(result.model, _fmt(value), issue.nearest_label(value), _track_record(result.model))
        out.print(table)
        spread = max(values) - min(values)
        share = 100 * spread / (high - low)
        out.print(
            f"  models span {_fmt(min(values))}–{_fmt(max(values))}: {_fmt(spread)} ({share:.0f}% of the scale); "
            f"standard deviation {_fmt(float(np.std(values)))}\n"
        )
    for name, why in skipped.items():
        out.print(f"[dim]{name} not run: {why}[/]")


def _plot(
    results: list[_run.ModelResult],
    directory: Path | None,
    quiet: bool,
    samples: Sequence[_uncertainty.SampleResult] = (),
) -> None:
    if directory is None:
        return
    from ktokovo.report import plots

    written = plots.save_all(results, directory, samples=list(samples))
    if not quiet:
        out.print(f"\nwrote {len(written)} chart files (PNG and SVG) to {directory}")


def _print_json(
    scenario: Scenario,
    results: list[_run.ModelResult],
    sampled: Sequence[_uncertainty.SampleResult] = (),
    thresholds: Sequence[str] = (),
) -> None:
    data: dict[str, Any] = {
        "scenario": scenario.name,
        "title": scenario.title,
        "as_of": scenario.as_of or None,
        "models": {r.model: r.to_dict() for r in results},
        "gains": {r.model: _whowhom.gain_rows(r) for r in results},
        "pairs": {r.model: _whowhom.pair_rows(r) for r in results},
    }
    if sampled:
        data["samples"] = {
            r.model: {
                "draws": len(r.forecasts),
                "requested": r.requested,
                "seed": r.seed,
                "issues": {row.pop("issue"): row for row in r.summary_rows()},
                "thresholds": {text: r.probability(text) for text in thresholds},
            }
            for r in sampled
        }
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _ledger_line(scenario: Scenario) -> str:
    from ktokovo.analysis.ledger import parse_date

    seen = [e for e in scenario.ledger if parse_date(e.date).isoformat() <= scenario.as_of]
    last = max(seen, key=lambda e: e.date) if seen else None
    latest = f"; the latest: {last.date} {last.title}" if last else ""
    return f"as of {scenario.as_of}: {len(seen)} of the ledger's {len(scenario.ledger)} events{latest}"


def _print_forecast(scenario: Scenario, results: list[_run.ModelResult]) -> None:
    lead = results[0]
    out.print(f"[bold]{scenario.title or scenario.name}[/]" + (f"  ({scenario.date})" if scenario.date else ""))
    if scenario.ledger:
        out.print(_ledger_line(scenario))
    out.print(f"models: {', '.join(r.model for r in results)}; gains and losses under [bold]{lead.model}[/]")
    out.print(f"[dim]{TRACK_RECORD_NOTE}[/]\n")
    gains = _whowhom.issue_gains(lead)
    for j, issue in enumerate(scenario.issues):
        low, high = issue.scale
        out.print(f"[bold]{issue.name}[/]: {issue.question}")
        out.print(
            f"  [dim]{_fmt(low)} = {issue.low_label or '—'}  ·  {_fmt(high)} = {issue.high_label or '—'}"
            + (f"  ·  status quo {_fmt(issue.status_quo)}" if issue.status_quo is not None else "")
            + "[/]"
        )
        table = Table(show_edge=False, min_width=60, pad_edge=True)
        table.add_column("model", min_width=8)
        table.add_column("forecast", justify="right")
        table.add_column("nearest label")
        table.add_column("DEU error", justify="right")
        for result in results:
            value = float(result.forecast[j])
            table.add_row(result.model, _fmt(value), issue.nearest_label(value), _track_record(result.model))
        out.print(table)
        column = gains[:, j]
        present = [i for i in range(len(scenario.actors)) if column[i] == column[i] and scenario.saliences[i, j] > 0]
        if present:
            best = max(present, key=lambda i: column[i])
            worst = min(present, key=lambda i: column[i])
            if column[best] == column[worst]:
                out.print(f"  every actor gains or loses the same ({_signed(column[best])})\n")
                continue
            out.print(
                f"  gains most: {scenario.actors[best].name} ({_signed(column[best])}); "
                f"loses most: {scenario.actors[worst].name} ({_signed(column[worst])})\n"
            )
    ranking = _whowhom.gain_rows(lead)
    table = Table(
        title=f"Who gets the better of whom ({lead.model})",
        title_justify="left",
        show_edge=False,
        caption="gain: salience-weighted points on 0–100 by which the forecast is nearer the actor's "
        "position than the status quo is (or minus its distance, where no status quo is given)",
        caption_justify="left",
    )
    for column_name in ("rank", "actor", "gain", "best issue", "worst issue"):
        table.add_column(column_name, justify="right" if column_name in ("rank", "gain") else "left")
    for row in ranking:
        table.add_row(str(row["rank"]), row["actor"], _signed(row["gain"]), row["best_issue"], row["worst_issue"])
    out.print(table)
    pairs = _whowhom.pair_rows(lead)
    if pairs:
        out.print()
        table = Table(title="Pairs: who ends nearer its own position", title_justify="left", show_edge=False)
        for column_name in ("actor", "vs", "issues", "better", "by"):
            table.add_column(column_name, justify="right" if column_name in ("issues", "by") else "left")
        for row in pairs:
            table.add_row(
                row["actor_a"], row["actor_b"], str(row["issues"]), row["better"], f"{abs(row['advantage']):.1f}"
            )
        out.print(table)


@app.command()
def sensitivity(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    model: Annotated[str, typer.Option("--model", "-m", help="The model to examine.")] = "bdm",
    preset: Annotated[str | None, typer.Option(help="A named parameter set of the model.")] = None,
    rounds: RoundsOption = None,
    samples: Annotated[
        int,
        typer.Option(help="Sobol base samples (runs: samples x (2 x factors + 2)); 0 for one-at-a-time swings only."),
    ] = 256,
    seed: Annotated[int, typer.Option(help="Random seed of the Sobol sample.")] = 0,
    top: Annotated[int, typer.Option(help="Factors to show per issue.")] = 8,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="A model parameter NAME=VALUE.")] = None,
    as_json: JsonOption = False,
    plot: PlotOption = None,
    set_: SetOption = None,
    drop: DropOption = None,
    shock: ShockOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """Which actor's position, salience or capability moves each forecast most (tornado and Sobol indices)."""
    from ktokovo.analysis import sensitivity as _sensitivity

    try:
        loaded = _load_with_changes(scenario, set_, drop, shock, as_of)
        with _spinner(f"{model}: sensitivity", as_json):
            result = _sensitivity.sensitivity(
                loaded,
                model,
                sobol_samples=samples,
                seed=seed,
                rounds=rounds,
                preset=preset,
                **_parse_parameters(param or []),
            )
            base_run = _run.run(loaded, model, preset=preset, rounds=rounds, **_parse_parameters(param or []))
    except KtokovoError as error:
        _fail(error)
    ranking = {issue.name: result.ranking(j, top) for j, issue in enumerate(loaded.issues)}
    if as_json:
        data = {
            "scenario": loaded.name,
            "model": model,
            "sobol_samples": samples,
            "issues": {
                issue.name: {"estimate": float(result.estimate[j]), "factors": result.ranking(j, top)}
                for j, issue in enumerate(loaded.issues)
            },
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False, default=str) + "\n")
    else:
        out.print(f"[bold]{loaded.title or loaded.name}[/]: what moves the {model} forecast most")
        out.print(
            "[dim]low / high: the forecast with one input at the low or high end of its range, the rest at "
            "their estimates; S1, ST: Sobol first-order and total indices (share of the forecast's variance)[/]\n"
        )
        for j, issue in enumerate(loaded.issues):
            out.print(f"[bold]{issue.name}[/] (forecast {_fmt(float(result.estimate[j]))})")
            table = Table(show_edge=False, min_width=60)
            for name in ("input", "low", "high", "swing", "S1", "ST"):
                table.add_column(name, justify="left" if name == "input" else "right")
            for row in result.ranking(j, top):
                table.add_row(
                    row["factor"],
                    _fmt(row["low"]),
                    _fmt(row["high"]),
                    _fmt(row["swing"]),
                    "" if np.isnan(row["first_order"]) else f"{row['first_order']:.2f}",
                    "" if np.isnan(row["total"]) else f"{row['total']:.2f}",
                )
            out.print(table)
    if plot is not None:
        from ktokovo.report import plots

        written = plots.save_tornadoes(result, plot, top)
        if not as_json:
            out.print(f"wrote {len(written)} chart files (PNG and SVG) to {plot}")
    details = {"sensitivity": {"model": model, "sobol_samples": samples, "issues": ranking}}
    _record(db, no_store, "sensitivity", scenario, loaded, [base_run], details=details, quiet=as_json)


def _spinner(text: str, quiet: bool) -> Any:
    from rich.status import Status

    return Status(text, console=err) if not quiet and err.is_terminal else _Nothing()


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@app.command()
def diff(
    first: Annotated[str, typer.Argument(help="The first scenario (file or built-in name).")],
    second: Annotated[str, typer.Argument(help="The second scenario.")],
    model: Annotated[str, typer.Option("--model", "-m", help="The model to run on both.")] = "bdm",
    preset: Annotated[str | None, typer.Option(help="A named parameter set of the model.")] = None,
    rounds: RoundsOption = None,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    plot: PlotOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """Two scenarios' forecasts side by side: the shift per issue, the inputs that differ, gains and losses."""
    from ktokovo.analysis import diff as _diff

    try:
        a, b = _load_with_changes(first, None, None, None, as_of), _load_with_changes(second, None, None, None, as_of)
        _diff.check_comparable(a, b)
        result_a = _run.run(a, model, preset=preset, rounds=rounds, seed=seed)
        result_b = _run.run(b, model, preset=preset, rounds=rounds, seed=seed)
    except KtokovoError as error:
        _fail(error)
    shifts, inputs, gains = (
        _diff.forecast_shifts(result_a, result_b),
        _diff.input_differences(a, b),
        _diff.gain_shifts(result_a, result_b),
    )
    if as_json:
        data = {"a": first, "b": second, "model": model, "forecasts": shifts, "inputs": inputs, "gains": gains}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        out.print(f"[bold]A[/] = {first}   [bold]B[/] = {second}   model: {model}\n")
        table = Table(title="Forecasts", title_justify="left", show_edge=False)
        for name in ("issue", "A", "B", "shift", "nearest label in B"):
            table.add_column(name, justify="right" if name in ("A", "B", "shift") else "left")
        for row, issue in zip(shifts, a.issues, strict=True):
            table.add_row(
                row["issue"], _fmt(row["a"]), _fmt(row["b"]), f"{row['shift']:+.3g}", issue.nearest_label(row["b"])
            )
        out.print(table)
        out.print()
        table = Table(title=f"Inputs that differ ({len(inputs)})", title_justify="left", show_edge=False)
        for name in ("input", "A", "B"):
            table.add_column(name)
        for row in inputs:
            table.add_row(row["input"], *(_fmt(v) if isinstance(v, float) else str(v) for v in (row["a"], row["b"])))
        out.print(table)
        out.print()
        table = Table(title="Gains and losses", title_justify="left", show_edge=False)
        for name in ("actor", "gain in A", "gain in B", "change"):
            table.add_column(name, justify="left" if name == "actor" else "right")
        for row in gains:
            table.add_row(
                row["actor"], *("—" if v is None else _signed(v) for v in (row["a"], row["b"], row["change"]))
            )
        out.print(table)
    if plot is not None:
        from ktokovo.report import plots

        written = plots.save_diff(result_a, result_b, plot, labels=(first, second))
        if not as_json:
            out.print(f"\nwrote {len(written)} chart files (PNG and SVG) to {plot}")
    _record(db, no_store, "diff", first, a, [result_a], quiet=as_json)
    _record(db, no_store, "diff", second, b, [result_b], quiet=as_json)


@app.command()
def deal(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model", "-m", help="Models whose settlement to show (repeatable); default: mean, median, nash, bdm."
        ),
    ] = None,
    samples: Annotated[int, typer.Option(help="Draws of the inputs for the probability of a deal (0: none).")] = 1000,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    set_: SetOption = None,
    drop: DropOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """Will they settle at all? Veto players, the zone of possible agreement, the probability of a deal, where
    each model's settlement lands inside the zone, and what it would take to open a closed zone."""
    from ktokovo.analysis import deal as _deal

    try:
        loaded = _load_with_changes(scenario, set_, drop, as_of=as_of)
        if not loaded.vetoes:
            raise ParameterError(f"{scenario} names no veto players: add `vetoes:` to the scenario (see the README)")
        models = model or list(STANDARD)
        with _spinner("deal or no deal", as_json):
            results = [_run.run(loaded, name, seed=seed) for name in models]
            forecasts = {r.model: r.forecast for r in results}
            analysis = _deal.analyse(loaded, forecasts)
            probability = _deal.deal_probability(loaded, samples, seed) if samples else None
    except KtokovoError as error:
        _fail(error)
    if as_json:
        data = {
            "scenario": loaded.name,
            "zone": analysis.zone,
            "blocking": analysis.blocking,
            "would_take": analysis.would_take,
            "probability": None
            if probability is None
            else {"share": probability[0], "low95": probability[1], "high95": probability[2], "draws": samples},
            "settlements": {
                k: dict(zip(loaded.issue_names, map(float, v), strict=True)) for k, v in analysis.settlements.items()
            },
            "slack": analysis.slack,
        }
        sys.stdout.write(json.dumps(_no_nan(data), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_deal(loaded, analysis, probability, samples)
    deal_details = {
        "deal": {
            "zone": analysis.zone,
            "probability": None if probability is None else list(probability),
            "draws": samples if probability is not None else 0,
        }
    }
    _record(db, no_store, "deal", scenario, loaded, results, details=_no_nan(deal_details), quiet=as_json)


def _print_deal(
    scenario: Scenario, analysis: Any, probability: tuple[float, float, float] | None, samples: int
) -> None:
    out.print(f"[bold]Deal or no deal[/]: {scenario.title or scenario.name}")
    for veto in scenario.vetoes:
        scope = "all issues" if not veto.issues else ", ".join(veto.issues)
        away = "; walks away to " + ", ".join(f"{k} {v:g}" for k, v in veto.walk_away) if veto.walk_away else ""
        out.print(f"  veto: {veto.actor} on {scope}, cost of no deal {veto.cost:g}{away}", markup=False)
    for link in scenario.linkages:
        out.print(
            f"  linkage: {link.if_issue} {link.if_op} {link.if_value:g} only with {link.then_issue} "
            f"{link.then_op} {link.then_value:g}",
            markup=False,
        )
    if probability is not None:
        out.print(
            f"\n[bold]Probability of a deal[/]: {probability[0]:.0%} (95% interval {probability[1]:.0%}–"
            f"{probability[2]:.0%}) over {samples} draws of the inputs"
        )
    if not analysis.zone:
        out.print("\n[bold red]No zone of agreement[/]: with these inputs the forecast is no deal.")
        table = Table(title="Who blocks", title_justify="left", show_edge=False)
        for name in ("veto player", "short by (points)", "on the issues"):
            table.add_column(name)
        for row in analysis.blocking:
            if row["shortfall"] > 1e-9:
                table.add_row(row["actor"], f"{row['shortfall']:.1f}", ", ".join(row["issues"]))
        out.print(table)
        table = Table(
            title="What it would take (one change at a time, smallest first)", title_justify="left", show_edge=False
        )
        table.add_column("change")
        table.add_column("size", justify="right")
        for row in analysis.would_take[:10]:
            table.add_row(row["change"], f"{row['size']:.1f}")
        out.print(table)
        return
    out.print("\n[bold green]A zone of agreement exists[/]: each model's settlement brought into it")
    table = Table(show_edge=False)
    table.add_column("issue")
    for name in analysis.settlements:
        table.add_column(name, justify="right")
    for j, issue in enumerate(scenario.issues):
        table.add_row(issue.name, *(_fmt(float(v[j])) for v in analysis.settlements.values()))
    out.print(table)
    out.print("\n[bold]How close each veto player is to walking away[/] (slack in points; 0: indifferent)")
    table = Table(show_edge=False)
    table.add_column("settlement")
    for veto in scenario.vetoes:
        table.add_column(veto.actor, justify="right")
    for name, slack in analysis.slack.items():
        table.add_row(
            name, *(_signed(slack[v.actor]).lstrip("+") if v.actor in slack else "—" for v in scenario.vetoes)
        )
    out.print(table)


@app.command()
def backtest(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="`deu PATH` for the DEU III dataset, or scenario files whose issues record their outcomes."
        ),
    ],
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model", "-m", help="Models to score (repeatable); default: every model (exchange per proposal)."
        ),
    ] = None,
    capabilities: Annotated[
        str,
        typer.Option(
            help="DEU capabilities: equal, council (voting weights of the treaty "
            "period), or a CSV file of actor,weight."
        ),
    ] = "equal",
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples of proposals for the intervals.")] = 1000,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    plot: PlotOption = None,
    veto_unanimity: Annotated[
        bool,
        typer.Option(
            "--veto-unanimity",
            help="Also score each model with every member state a veto player on issues decided by unanimity.",
        ),
    ] = False,
    crossval: Annotated[
        bool,
        typer.Option(
            "--crossval",
            help="Also cross-validate the procedural model against the compromise model, 5 folds grouped by proposal.",
        ),
    ] = False,
) -> None:
    """Score the models against real outcomes: MAE, median error, RMSE, share within 10 points, with bootstrap
    intervals, broken down by period, procedure and voting rule."""
    from ktokovo.evaluation import backtest as _backtest

    try:
        cases, skipped, scheme = _backtest_cases(sources, capabilities)
        models = tuple(model or _backtest.DEFAULT_MODELS)
        for name in models:
            _run.resolve_parameters(name, None, {})
        with _spinner("running the models on every case", as_json):
            result = _backtest.backtest(
                cases, models, bootstrap=bootstrap, seed=seed, scheme=scheme, veto_unanimity=veto_unanimity
            )
    except KtokovoError as error:
        _fail(error)
    keys = sorted({k for c in cases for k in c.groups})
    validation = None
    if crossval:
        from ktokovo.evaluation import crossval as _crossval

        validation = _crossval.cross_validate(cases, seed=seed, bootstrap=bootstrap)
    if as_json:
        data = {
            "cases": len(cases),
            "skipped": skipped,
            "capabilities": scheme,
            "bootstrap": bootstrap,
            "source": sources,
            "citation": _deu_citation(sources),
            "models": {
                row["model"]: {
                    "scores": row,
                    "predictions": {
                        c.issue_id: None if np.isnan(v) else float(v)
                        for c, v in zip(cases, result.predictions[:, result.models.index(row["model"])], strict=True)
                    },
                }
                for row in result.scores()
            },
            "breakdowns": {key: result.breakdown(key) for key in keys},
        }
        if validation is not None:
            data["crossval"] = {
                "folds": validation.folds,
                "mae_procedural": validation.mae_procedural,
                "mae_compromise": validation.mae_compromise,
                "difference_interval": [validation.difference_low, validation.difference_high],
                "chosen": [list(p) for p in validation.chosen],
                "whole_sample": list(validation.whole_sample),
            }
        sys.stdout.write(json.dumps(_no_nan(data), ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    else:
        out.print(
            f"[bold]Backtest[/] on {len(cases)} issues ({len(skipped)} left out), capabilities: {scheme}, "
            f"95% intervals from {bootstrap} resamples of proposals"
        )
        if _deu_citation(sources):
            out.print(f"[dim]Data: {_deu_citation(sources)}[/]")
        _print_scores(result.scores(), "Leaderboard (absolute error, points on 0–100)")
        for key in keys:
            for value, rows in result.breakdown(key).items():
                _print_scores(rows, f"{key} = {value}", brief=True)
        if validation is not None:
            out.print(
                f"\n[bold]Cross-validation[/] ({validation.folds} folds grouped by proposal): procedural "
                f"{validation.mae_procedural:.2f} against compromise {validation.mae_compromise:.2f} on the "
                f"same folds; difference 95% interval {validation.difference_low:+.2f} to "
                f"{validation.difference_high:+.2f}. Chosen per fold (commission, parliament COD, parliament "
                f"CNS, unanimity pull): {validation.chosen}; on the whole sample: {validation.whole_sample}"
            )
    if plot is not None:
        from ktokovo.report import plots

        written = plots.save_backtest(result, plot)
        if not as_json:
            out.print(f"\nwrote {len(written)} chart files (PNG and SVG) to {plot}")


def _no_nan(value: Any) -> Any:
    """JSON has no NaN: write null."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return value


def _deu_citation(sources: list[str]) -> str:
    from ktokovo.io.deu import CITATION

    return CITATION if sources and sources[0] == "deu" else ""


def _backtest_cases(sources: list[str], capabilities: str) -> tuple[list[Any], list[str], str]:
    from ktokovo.evaluation import backtest as _backtest
    from ktokovo.io.deu import read_deu

    if sources[0] == "deu":
        if len(sources) != 2:
            raise ParameterError("write: ktokovo backtest deu PATH")
        path = Path(sources[1])
        if not path.is_file():
            raise ScenarioError(Problem("no such file", file=str(path)))
        deu, skipped = read_deu(path.read_bytes(), str(path))
        table = None
        scheme = capabilities
        if capabilities not in ("equal", "council"):
            table, scheme = _weights_table(Path(capabilities)), "table"
        cases = [
            _backtest.apply_scheme(
                _backtest.Case(
                    c.issue_id,
                    c.proposal,
                    c.scenario,
                    0,
                    {
                        "period": _backtest.treaty_period(c.introduced),
                        "procedure": c.procedure,
                        "voting_rule": c.voting_rule,
                    },
                ),
                scheme,
                table,
                introduced=c.introduced,
                procedure=c.procedure,
            )
            for c in deu
        ]
        return cases, skipped, capabilities
    scenarios = [formats.load(source) for source in sources]
    return _backtest.cases_from_scenarios(scenarios), [], "as given in the files"


def _weights_table(path: Path) -> dict[str, float]:
    """A CSV of actor,weight (a header line is allowed)."""
    import csv

    if not path.is_file():
        raise ScenarioError(
            Problem("no such file (capabilities are equal, council, or a CSV of actor,weight)", file=str(path))
        )
    table = {}
    for line, row in enumerate(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()), start=1):
        if not row or (line == 1 and row[0].strip().lower() == "actor"):
            continue
        try:
            table[row[0].strip()] = float(row[1])
        except (IndexError, ValueError):
            raise ScenarioError(
                Problem("expected actor,weight", file=str(path), line=line, field="weight", value=row)
            ) from None
    return table


def _print_scores(rows: list[dict[str, Any]], title: str, brief: bool = False) -> None:
    out.print(f"\n[bold]{title}[/]")
    table = Table(show_edge=False)
    for name in ("model", "n", "MAE (95% interval)", *(() if brief else ("median", "RMSE", "within 10"))):
        table.add_column(name, justify="left" if name == "model" else "right")
    for row in rows:
        if row["n"] == 0:
            table.add_row(row["model"], "0", "—", *(() if brief else ("—", "—", "—")))
            continue
        cells = [row["model"], str(row["n"]), f"{row['mae']:.1f} ({row['mae_low']:.1f}–{row['mae_high']:.1f})"]
        if not brief:
            cells += [f"{row['median']:.1f}", f"{row['rmse']:.1f}", f"{row['within10']:.0%}"]
        table.add_row(*cells)
    out.print(table)


@app.command()
def check(scenario: ScenarioArg) -> None:
    """Validate a scenario file without running anything; every problem is listed at once."""
    try:
        loaded = formats.load(scenario)
    except KtokovoError as error:
        _fail(error)
    out.print(
        f"ok: {scenario}: {len(loaded.actors)} actors, {len(loaded.issues)} issues, "
        f"{int((loaded.positions == loaded.positions).sum())} positions"
    )


@app.command()
def show(scenario: ScenarioArg = DEFAULT_SCENARIO) -> None:
    """Show a scenario as tables, with the source of every estimate."""
    try:
        loaded = formats.load(scenario)
    except KtokovoError as error:
        _fail(error)
    sources = loaded.sources
    out.print(f"[bold]{loaded.title or loaded.name}[/]" + (f"  ({loaded.date})" if loaded.date else ""))
    if loaded.description:
        out.print(loaded.description)
    for short, reference in loaded.documents.items():
        out.print(f"  [{short}] {reference}", markup=False)

    def ranged(value: float, bounds: Any) -> str:
        text = _fmt(value)
        return text if bounds is None or bounds[0] != bounds[0] else f"{text} ({_fmt(bounds[0])}–{_fmt(bounds[1])})"

    actors = Table(title="Actors", title_justify="left", show_edge=False)
    for name in ("actor", "capability (range)", "description"):
        actors.add_column(name)
    for i, actor in enumerate(loaded.actors):
        actors.add_row(actor.name, ranged(loaded.capabilities[i], loaded.capability_ranges[i]), actor.description)
    out.print(actors)
    issues = Table(title="Issues", title_justify="left", show_lines=True, show_edge=False)
    for name in ("issue", "low end", "high end", "status quo"):
        issues.add_column(name)
    for issue in loaded.issues:
        sq = "" if issue.status_quo is None else ranged(issue.status_quo, issue.status_quo_range)
        issues.add_row(
            f"{issue.name}\n[dim]{issue.question}[/]",
            f"{_fmt(issue.scale[0])}: {issue.low_label}",
            f"{_fmt(issue.scale[1])}: {issue.high_label}",
            sq,
        )
    out.print(issues)
    stances = Table(title="Positions and saliences", title_justify="left", show_edge=False)
    for name in ("actor", "issue", "position (range)", "salience (range)"):
        stances.add_column(name)
    for i, actor in enumerate(loaded.actors):
        for j, issue in enumerate(loaded.issues):
            if loaded.positions[i, j] == loaded.positions[i, j]:
                stances.add_row(
                    actor.name,
                    issue.name,
                    ranged(loaded.positions[i, j], loaded.position_ranges[i, j]),
                    ranged(loaded.saliences[i, j], loaded.salience_ranges[i, j]),
                )
    out.print(stances)
    if sources:
        out.print("\n[bold]Sources[/]")
        for key, source in sources.items():
            out.print(f"  {key.replace('/', ' · ')}: {source}", soft_wrap=True, markup=False)


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    table = Table(show_edge=False)
    table.add_column("name")
    table.add_column("title")
    for name, title in formats.builtin_scenarios().items():
        table.add_row(name, title)
    out.print(table)


@app.command()
def models() -> None:
    """List the models, their presets and parameters."""
    table = Table(show_edge=False)
    for name in ("model", "what", "presets", "parameters (default)"):
        table.add_column(name, overflow="fold")
    for name, module in MODELS.items():
        parameters = ", ".join(f"{k}={v}" for k, v in module.PARAMETERS.items()) or "—"
        table.add_row(name, DESCRIPTIONS[name], ", ".join(module.PRESETS) or "—", parameters)
    out.print(table)


@app.command()
def convert(
    source: ScenarioArg,
    target: Annotated[Path, typer.Argument(help="The file to write; its suffix picks the format.")],
    to: Annotated[str | None, typer.Option("--to", help="Format: " + ", ".join(formats.FORMATS))] = None,
) -> None:
    """Convert a scenario from one format to another."""
    try:
        loaded = formats.load(source)
        written = formats.save(loaded, target, format=to)
    except KtokovoError as error:
        _fail(error)
    out.print(f"wrote {written}")
    held = [name for name in ("shocks", "vetoes", "linkages", "ledger") if getattr(loaded, name)]
    if held and (to or written.suffix.lower().lstrip(".")) not in ("yaml", "yml"):
        as_of = f" (the table shows the inputs as of {loaded.as_of})" if loaded.ledger else ""
        out.print(
            f"note: {written.name} holds the table; the scenario's {', '.join(held)} are kept only in YAML{as_of}",
            soft_wrap=True,
        )


# The record of the talks (runs, ledger, resolve, scores, drift, report) registers its commands on ``app``.
from ktokovo.cli import record as _cli_record  # noqa: E402, F401


def main() -> None:
    app()
