"""``ktokovo forecast`` and ``ktokovo compare``: parse, call :mod:`ktokovo.application`, render."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ktokovo import application
from ktokovo.analysis.outlook import Outlook
from ktokovo.application import Comparison, DealLead, Forecast
from ktokovo.cli._common import (
    DEFAULT_SCENARIO,
    TRACK_RECORD_NOTE,
    AsOfOption,
    DbOption,
    DropOption,
    HorizonOption,
    JsonOption,
    ModelsOption,
    NoStoreOption,
    ParamOption,
    PlotOption,
    PowerOption,
    PresetOption,
    RoundsOption,
    ScenarioArg,
    SeedOption,
    SetOption,
    ShockOption,
    WorkersOption,
    app,
    check_plots,
    executor_for,
    load_with_changes,
    note_interrupted,
    out,
    parse_parameters,
    plot_note,
    plots_module,
    progress_bar,
    record,
    track_record,
    write_json,
)
from ktokovo.core.limits import MAX_BATCH, MAX_SAMPLES
from ktokovo.core.numbers import given, point, share, signed
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.evaluation.outofsample import OUT_OF_SAMPLE


@app.command()
def forecast(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    model: ModelsOption = None,
    preset: PresetOption = None,
    rounds: RoundsOption = None,
    seed: SeedOption = 0,
    param: ParamOption = None,
    as_json: JsonOption = False,
    plot: PlotOption = None,
    set_: SetOption = None,
    drop: DropOption = None,
    shock: ShockOption = None,
    power: PowerOption = None,
    samples: Annotated[
        int,
        typer.Option(
            help="Draw the inputs this many times from their confidence ranges "
            "and report forecast intervals (0: point forecasts only).",
            min=0,
            max=MAX_SAMPLES,
        ),
    ] = 0,
    threshold: Annotated[
        list[str] | None,
        typer.Option(help="With --samples: report the probability of a condition such as crimea>=50 (repeatable)."),
    ] = None,
    workers: WorkersOption = 1,
    dask: Annotated[str | None, typer.Option(help="With --samples: the address of a Dask scheduler to use.")] = None,
    batch_size: Annotated[
        int, typer.Option(help="With --samples: draws evaluated together.", min=1, max=MAX_BATCH)
    ] = 1000,
    horizon: HorizonOption = 12,
    as_of: AsOfOption = None,
    db: DbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """Forecast every issue of a negotiation with each model, and who gains and who loses; with --samples and
    veto players, first the forecast that counts no deal."""
    check_plots(plot)
    loaded = load_with_changes(scenario, set_, drop, shock, as_of, quiet=as_json, power=power)
    with executor_for(workers, dask) as executor, progress_bar(as_json, stoppable=samples > 0) as progress:
        result = application.forecast(
            loaded,
            model,
            preset=preset,
            rounds=rounds,
            seed=seed,
            parameters=parse_parameters(param),
            samples=samples,
            thresholds=threshold or [],
            batch_size=batch_size,
            executor=executor,
            progress=progress,
            horizon=horizon,
        )
    if as_json:
        write_json(result.to_dict())
    else:
        note_interrupted(result.samples)
        if result.outlook is not None:
            print_outlook(result.outlook)
        if result.deal is not None:
            _print_deal_lead(result.deal, loaded)
        _print_forecast(result)
        if result.samples:
            _print_samples(result)
    _plot(list(result.results), plot, as_json, result.samples)
    record(db, no_store, "forecast", scenario, loaded, result.results, result.samples, result.details(), quiet=as_json)


def print_outlook(ahead: Outlook) -> None:
    """The lead of a forecast with draws: will they settle, where each issue ends up counting no deal, and
    whether a deal would hold."""
    out.print(f"[bold]Will they settle?[/] {ahead.lead()}")
    if any(not b.proven for b in ahead.proposers):
        out.print("[yellow]Some offers hit the solver's time limit: the best offer found was used.[/]")
    table = Table(
        title="Where each issue ends up, counting the chance of no deal (the package agreed if they settle, "
        "the status quo if not)",
        title_justify="left",
        show_edge=False,
    )
    for name in ("issue", "expected", "median", "80% interval", "95% interval", "nearest label"):
        table.add_column(name, justify="left" if name in ("issue", "nearest label") else "right")
    for row in ahead.issue_rows():
        if row["expected"] is None:
            table.add_row(str(row["issue"]), "—", "—", "—", "—", str(row["reason"]))
            continue
        table.add_row(
            str(row["issue"]),
            point(row["expected"]),
            point(row["median"]),
            f"{point(row['low80'])}–{point(row['high80'])}",
            f"{point(row['low95'])}–{point(row['high95'])}",
            str(row["nearest"]),
        )
    out.print(table)
    out.print(f"[bold]Would a deal hold?[/] {ahead.holds()}\n")


def _print_deal_lead(lead: DealLead, scenario: Scenario) -> None:
    """One paragraph ahead of the forecasts: is there a deal to forecast at all?"""
    if lead.probability is not None:
        share, low, high = lead.probability
        out.print(
            f"[bold]Share of draws with a zone of agreement: {share:.0%}[/] (95% interval {low:.0%}–{high:.0%}, "
            f"{lead.draws} draws): the probability of a deal if whoever offers knew every limit"
        )
    players = ", ".join(v.actor for v in scenario.vetoes)
    detail = lead.detail
    if lead.zone:
        closest = (
            f" Under {lead.model}, {detail['actor']} is closest to walking away (slack {point(detail['slack'])})."
            if detail
            else f" The {lead.model} forecast lies outside the zone; `ktokovo deal` shows where it lands inside."
        )
        out.print(
            f"[bold green]Deal or no deal: a zone of agreement exists[/] among the veto players ({players}). "
            "The forecasts below say where talks land if they settle; `ktokovo deal` brings each into the "
            f"zone and gives the probability of a deal.{closest}\n"
        )
        return
    assert detail is not None
    out.print(
        f"[bold red]Deal or no deal: no zone of agreement[/] among {players}. {detail['actor']} blocks, "
        f"short by {detail['shortfall']:.1f} points ({', '.join(detail['issues'])}); the forecasts below "
        "are what the models say if the parties settled anyway. `ktokovo deal` says what it would take.\n"
    )


def _ledger_line(scenario: Scenario) -> str:
    from ktokovo.analysis.ledger import parse_date

    seen = [e for e in scenario.ledger if parse_date(e.date).isoformat() <= scenario.as_of]
    last = max(seen, key=lambda e: e.date) if seen else None
    latest = f"; the latest: {last.date} {last.title}" if last else ""
    return f"as of {scenario.as_of}: {len(seen)} of the ledger's {len(scenario.ledger)} events{latest}"


ON_TABLE_NOTE = (
    "mean@table: the compromise forecast moved to the nearest position on the table when it lies within the "
    "distance learned on the DEU sample; choice: the discrete choice model learned there, its median and 80% "
    "interval, with the chance of each position on the table (and of an outcome off it). Their DEU errors are "
    f"out of sample; as a distribution, choice's CRPS there is {OUT_OF_SAMPLE['choice'][1]:.1f} "
    "(`ktokovo backtest deu tests/data/deu3_train.tsv --crossval`). Both were learned on EU "
    "legislation, not on peace talks: read them as one more model, not as the answer."
)


def _print_forecast(result: Forecast) -> None:
    scenario, lead = result.scenario, result.lead
    out.print(f"[bold]{scenario.title or scenario.name}[/]" + (f"  ({scenario.date})" if scenario.date else ""))
    if scenario.ledger:
        out.print(_ledger_line(scenario))
    out.print(f"models: {', '.join(result.models)}; gains and losses under [bold]{lead.model}[/]")
    out.print(f"[dim]{TRACK_RECORD_NOTE}[/]\n")
    from ktokovo.analysis.gains import issue_gains, pair_rows

    gains = issue_gains(lead)
    views = result.on_table()
    if views is not None:
        out.print(f"[dim]{ON_TABLE_NOTE}[/]\n")
    for j, issue in enumerate(scenario.issues):
        _print_issue_head(scenario, j, status_quo=True)
        table = Table(show_edge=False, min_width=60, pad_edge=True)
        table.add_column("model", min_width=8)
        table.add_column("forecast", justify="right")
        table.add_column("nearest label")
        table.add_column("DEU error", justify="right")
        for model_result in result.results:
            value = float(model_result.forecast[j])
            table.add_row(
                model_result.model, point(value), issue.nearest_label(value), track_record(model_result.model)
            )
        if views is not None:
            view = views[j]
            snapped_mae = OUT_OF_SAMPLE["mean@table"][0]
            choice_mae = OUT_OF_SAMPLE["choice"][0]
            table.add_row("mean@table", point(view.snapped), issue.nearest_label(view.snapped), f"{snapped_mae:.1f}")
            table.add_row(
                "choice",
                f"{point(view.median)} ({point(view.low)}–{point(view.high)})",
                issue.nearest_label(view.median),
                f"{choice_mae:.1f}",
            )
        out.print(table)
        if views is not None:
            view = views[j]
            chances = [f"{given(v)} {', '.join(h)} {share(p)}" for v, h, p in view.positions if p >= 0.05]
            out.print(f"  on the table: {' · '.join(chances)} · off the table {share(view.off_table)}")
        column = gains[:, j]
        present = [i for i in range(len(scenario.actors)) if column[i] == column[i] and scenario.saliences[i, j] > 0]
        if present:
            best = max(present, key=lambda i: column[i])
            worst = min(present, key=lambda i: column[i])
            if column[best] == column[worst]:
                out.print(f"  every actor gains or loses the same ({signed(column[best])})\n")
                continue
            out.print(
                f"  {_extremes(scenario.actors[best].name, column[best], scenario.actors[worst].name, column[worst])}\n"
            )
    _print_ranking(result.gains(lead.model), lead.model)
    _print_pairs(pair_rows(lead))


def _extremes(best: str, high: float, worst: str, low: float) -> str:
    """Who gains most and who loses most, in words that match the signs: "gains least" when nobody loses,
    "loses least" when nobody gains."""
    first = f"gains most: {best} ({signed(high)})" if round(high, 1) > 0 else f"loses least: {best} ({signed(high)})"
    second = f"loses most: {worst} ({signed(low)})" if round(low, 1) < 0 else f"gains least: {worst} ({signed(low)})"
    return f"{first}; {second}"


def _print_issue_head(scenario: Scenario, j: int, status_quo: bool = False) -> None:
    issue = scenario.issues[j]
    low, high = issue.scale
    out.print(f"[bold]{issue.name}[/]: {issue.question}")
    out.print(
        f"  [dim]{given(low)} = {issue.low_label or '—'}  ·  {given(high)} = {issue.high_label or '—'}"
        + (f"  ·  status quo {given(issue.status_quo)}" if status_quo and issue.status_quo is not None else "")
        + "[/]"
    )


def _print_ranking(ranking: list[dict[str, object]], model: str) -> None:
    table = Table(
        title=f"Who gets the better of whom ({model})",
        title_justify="left",
        show_edge=False,
        caption="gain: salience-weighted points on 0–100 by which the forecast is nearer the actor's "
        "position than the status quo is (or minus its distance, where no status quo is given)",
        caption_justify="left",
    )
    for column_name in ("rank", "actor", "gain", "best issue", "worst issue"):
        table.add_column(column_name, justify="right" if column_name in ("rank", "gain") else "left")
    for row in ranking:
        gain = row["gain"]
        assert isinstance(gain, float)
        table.add_row(
            str(row["rank"]), str(row["actor"]), signed(gain), str(row["best_issue"]), str(row["worst_issue"])
        )
    out.print(table)


def _print_pairs(pairs: list[dict[str, object]]) -> None:
    if not pairs:
        return
    out.print()
    table = Table(title="Pairs: who ends nearer its own position", title_justify="left", show_edge=False)
    for column_name in ("actor", "vs", "issues", "better", "by"):
        table.add_column(column_name, justify="right" if column_name in ("issues", "by") else "left")
    for row in pairs:
        advantage = row["advantage"]
        assert isinstance(advantage, float)
        table.add_row(
            str(row["actor_a"]), str(row["actor_b"]), str(row["issues"]), str(row["better"]), f"{abs(advantage):.1f}"
        )
    out.print(table)


def _print_samples(result: Forecast) -> None:
    first = result.samples[0]
    out.print(
        f"\n[bold]Forecast intervals[/] from {len(first.forecasts)} draws of the inputs (seed {first.seed}); "
        "estimates without a confidence range vary by the default spread (docs/guide/uncertainty.md)"
    )
    for j, issue in enumerate(result.scenario.issues):
        digits = 1 if issue.scale[1] - issue.scale[0] >= 20 else 2
        table = Table(title=f"{issue.name}", title_justify="left", show_edge=False, min_width=60)
        for name in ("model", "median", "80% interval", "95% interval"):
            table.add_column(name, justify="left" if name == "model" else "right")
        for sample in result.samples:
            if not len(sample.forecasts):
                continue
            row = sample.summary_rows()[j]
            table.add_row(
                sample.model,
                f"{row['median']:.{digits}f}",
                f"{row['low80']:.{digits}f}–{row['high80']:.{digits}f}",
                f"{row['low95']:.{digits}f}–{row['high95']:.{digits}f}",
            )
        out.print(table)
    if result.thresholds:
        out.print("[bold]Probability over the draws[/]")
        table = Table(show_edge=False)
        table.add_column("model")
        for text in result.thresholds:
            table.add_column(text, justify="right")
        for sample in result.samples:
            if len(sample.forecasts):
                table.add_row(sample.model, *(f"{sample.probability(text):.0%}" for text in result.thresholds))
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
    power: PowerOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """Run every model that applies, side by side: per issue each model's forecast and how far apart they are."""
    check_plots(plot)
    loaded = load_with_changes(scenario, set_, drop, shock, as_of, quiet=as_json, power=power)
    with progress_bar(as_json) as progress:
        result = application.compare(loaded, rounds=rounds, seed=seed, progress=progress)
    if as_json:
        write_json(result.to_dict())
    else:
        _print_compare(result)
    _plot(list(result.results), plot, as_json)
    record(db, no_store, "compare", scenario, loaded, result.results, quiet=as_json)


def _print_compare(result: Comparison) -> None:
    scenario = result.scenario
    out.print(f"[bold]{scenario.title or scenario.name}[/]: every model side by side")
    out.print(f"[dim]{TRACK_RECORD_NOTE}[/]\n")
    for j, issue in enumerate(scenario.issues):
        _print_issue_head(scenario, j)
        table = Table(show_edge=False, min_width=60)
        for name in ("model", "forecast", "nearest label", "DEU error"):
            table.add_column(name, justify="right" if name in ("forecast", "DEU error") else "left")
        for model_result in result.results:
            value = float(model_result.forecast[j])
            table.add_row(
                model_result.model, point(value), issue.nearest_label(value), track_record(model_result.model)
            )
        out.print(table)
        spread = result.spread(j)
        out.print(
            f"  models span {point(spread['low'])}–{point(spread['high'])}: {point(spread['span'])} "
            f"({spread['share_of_scale']:.0f}% of the scale); standard deviation {point(spread['std'])}\n"
        )
    for name, why in result.skipped.items():
        out.print(f"[dim]{name} not run: {why}[/]")


def _plot(results: list[ModelResult], directory: Path | None, quiet: bool, samples: Sequence[object] = ()) -> None:
    if directory is None:
        return
    plots = plots_module()
    plot_note(plots.save_all(results, directory, samples=list(samples)), directory, quiet)
