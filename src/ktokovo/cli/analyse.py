"""``ktokovo sensitivity``, ``diff``, ``deal`` and ``panel``: parse, call :mod:`ktokovo.application`, render."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from ktokovo import application
from ktokovo import io as formats
from ktokovo.application import DealReport, Difference, SensitivityReport
from ktokovo.cli._common import (
    DEFAULT_SCENARIO,
    AsOfOption,
    DbOption,
    DropOption,
    ForceOption,
    HorizonOption,
    JsonOption,
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
    out,
    parse_parameters,
    plot_note,
    plots_module,
    record,
    require,
    spinner,
    write_json,
)
from ktokovo.cli.forecast import print_outlook
from ktokovo.core.limits import MAX_SAMPLES, MAX_SEED, MAX_SOBOL, MAX_TOP
from ktokovo.core.numbers import given, index, point, share, signed


@app.command()
def sensitivity(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    model: Annotated[str, typer.Option("--model", "-m", help="The model to examine.")] = "bdm",
    preset: PresetOption = None,
    rounds: RoundsOption = None,
    samples: Annotated[
        int,
        typer.Option(
            help="Sobol base samples (runs: samples x (2 x factors + 2)); 0 for one-at-a-time swings only.",
            min=0,
            max=MAX_SOBOL,
        ),
    ] = 256,
    seed: Annotated[int, typer.Option(help="Random seed of the Sobol sample.", min=0, max=MAX_SEED)] = 0,
    top: Annotated[int, typer.Option(help="Factors to show per issue.", min=1, max=MAX_TOP)] = 8,
    param: ParamOption = None,
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
    check_plots(plot)
    if samples:
        require("sensitivity", "SALib")
    loaded = load_with_changes(scenario, set_, drop, shock, as_of, quiet=as_json)
    with spinner(f"{model}: sensitivity", as_json):
        result = application.sensitivity(
            loaded,
            model,
            preset=preset,
            rounds=rounds,
            samples=samples,
            seed=seed,
            top=top,
            parameters=parse_parameters(param),
        )
    if as_json:
        write_json(result.to_dict())
    else:
        _print_sensitivity(result)
    if plot is not None:
        plots = plots_module()
        plot_note(plots.save_tornadoes(result.result, plot, top), plot, as_json)
    record(db, no_store, "sensitivity", scenario, loaded, [result.base], details=result.details(), quiet=as_json)


def _print_sensitivity(result: SensitivityReport) -> None:
    scenario = result.scenario
    out.print(f"[bold]{scenario.title or scenario.name}[/]: what moves the {result.model} forecast most")
    out.print(
        "[dim]low / high: the forecast with one input at the low or high end of its range, the rest at "
        "their estimates; S1, ST: Sobol first-order and total indices (share of the forecast's variance). "
        "Ranked by ST (by swing without Sobol); only inputs that can move the forecast are listed[/]\n"
    )
    for j, issue in enumerate(scenario.issues):
        out.print(f"[bold]{issue.name}[/] (forecast {point(float(result.result.estimate[j]))})")
        table = Table(show_edge=False, min_width=60)
        for name in ("input", "low", "high", "swing", "S1", "ST"):
            table.add_column(name, justify="left" if name == "input" else "right")
        for row in result.ranking(j):
            table.add_row(
                row["factor"],
                point(row["low"]),
                point(row["high"]),
                point(row["swing"]),
                "" if np.isnan(row["first_order"]) else index(row["first_order"]),
                "" if np.isnan(row["total"]) else index(row["total"]),
            )
        if table.row_count:
            out.print(table)
        else:
            out.print("  no input moves this forecast")
        warning = result.result.noise(j, result.top)
        if warning:
            out.print(f"  [yellow]warning:[/] {escape(warning)}")
        out.print()


@app.command()
def diff(
    first: Annotated[str, typer.Argument(help="The first scenario (file or built-in name).")],
    second: Annotated[str, typer.Argument(help="The second scenario.")],
    model: Annotated[str, typer.Option("--model", "-m", help="The model to run on both.")] = "bdm",
    preset: PresetOption = None,
    rounds: RoundsOption = None,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    plot: PlotOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """Two scenarios' forecasts side by side: the shift per issue, the inputs that differ, gains and losses."""
    check_plots(plot)
    a, b = load_with_changes(first, as_of=as_of), load_with_changes(second, as_of=as_of)
    with spinner(f"{model}: both scenarios", as_json):
        result = application.diff(a, b, model, preset=preset, rounds=rounds, seed=seed, labels=(first, second))
    if as_json:
        write_json(result.to_dict())
    else:
        _print_diff(result)
    if plot is not None:
        plots = plots_module()
        plot_note(plots.save_diff(result.a, result.b, plot, labels=(first, second)), plot, as_json)
    record(db, no_store, "diff", first, a, [result.a], quiet=as_json)
    record(db, no_store, "diff", second, b, [result.b], quiet=as_json)


def _print_diff(result: Difference) -> None:
    first, second = result.labels
    out.print(f"[bold]A[/] = {first}   [bold]B[/] = {second}   model: {result.model}\n")
    table = Table(title="Forecasts", title_justify="left", show_edge=False)
    for name in ("issue", "A", "B", "shift", "nearest label in B"):
        table.add_column(name, justify="right" if name in ("A", "B", "shift") else "left")
    for row, issue in zip(result.forecasts, result.a.scenario.issues, strict=True):
        table.add_row(
            row["issue"], point(row["a"]), point(row["b"]), signed(row["shift"]), issue.nearest_label(row["b"])
        )
    out.print(table)
    out.print()
    table = Table(title=f"Inputs that differ ({len(result.inputs)})", title_justify="left", show_edge=False)
    for name in ("input", "A", "B"):
        table.add_column(name)
    for row in result.inputs:
        table.add_row(row["input"], *(given(v) if isinstance(v, float) else str(v) for v in (row["a"], row["b"])))
    out.print(table)
    out.print()
    table = Table(title="Gains and losses", title_justify="left", show_edge=False)
    for name in ("actor", "gain in A", "gain in B", "change"):
        table.add_column(name, justify="left" if name == "actor" else "right")
    for row in result.gains:
        table.add_row(row["actor"], *("—" if v is None else signed(v) for v in (row["a"], row["b"], row["change"])))
    out.print(table)


@app.command()
def deal(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model", "-m", help="Models whose settlement to show (repeatable); default: mean, median, nash, bdm."
        ),
    ] = None,
    samples: Annotated[
        int,
        typer.Option(help="Draws of the inputs for the probability of a deal (0: none).", min=0, max=MAX_SAMPLES),
    ] = 1000,
    seed: SeedOption = 0,
    horizon: HorizonOption = 12,
    workers: WorkersOption = 1,
    dask: Annotated[str | None, typer.Option(help="The address of a Dask scheduler to use.")] = None,
    as_json: JsonOption = False,
    set_: SetOption = None,
    drop: DropOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    """Will they settle at all? Veto players, the zone of possible agreement, the probability of a deal (when
    nobody knows the others' limits, and when everyone does), where the issues end up counting no deal, how
    long a deal would hold, where each model's settlement lands inside the zone, and what it would take to
    open a closed zone."""
    loaded = load_with_changes(scenario, set_, drop, as_of=as_of, quiet=as_json)
    with executor_for(workers, dask) as executor, spinner("deal or no deal", as_json):
        result = application.deal(loaded, model, samples=samples, seed=seed, horizon=horizon, executor=executor)
    if as_json:
        write_json(result.to_dict())
    else:
        _print_deal(result)
    record(db, no_store, "deal", scenario, loaded, result.results, details=result.details(), quiet=as_json)


def _print_deal(result: DealReport) -> None:
    scenario, analysis = result.scenario, result.analysis
    out.print(f"[bold]Deal or no deal[/]: {scenario.title or scenario.name}")
    for veto in scenario.vetoes:
        scope = "all issues" if not veto.issues else ", ".join(veto.issues)
        ranges = {name: (low, high) for name, low, high in veto.walk_away_ranges}
        span = lambda pair: f" ({pair[0]:g}–{pair[1]:g})" if pair else ""  # noqa: E731
        away = (
            "; walks away to " + ", ".join(f"{k} {v:g}{span(ranges.get(k))}" for k, v in veto.walk_away)
            if veto.walk_away
            else ""
        )
        delay = f"; each round without a deal +{veto.delay:g}" if veto.delay else ""
        out.print(
            f"  veto: {veto.actor} on {scope}, cost of no deal {veto.cost:g}{span(veto.cost_range)}{away}{delay}",
            markup=False,
        )
    talks = scenario.talks
    out.print(
        f"  offers: {talks.proposer or 'each veto player in turn'}, {talks.rounds} round"
        + ("s" if talks.rounds != 1 else ""),
        markup=False,
    )
    for link in scenario.linkages:
        out.print(
            f"  linkage: {link.if_issue} {link.if_op} {link.if_value:g} only with {link.then_issue} "
            f"{link.then_op} {link.then_value:g}",
            markup=False,
        )
    if result.outlook is not None:
        out.print()
        print_outlook(result.outlook)
    if result.probability is not None:
        share, low, high = result.probability
        out.print(
            f"[bold]If whoever offers knew every limit[/]: a zone of agreement in {share:.0%} of the draws (95% "
            f"interval {low:.0%}–{high:.0%}, {result.samples} draws), the upper bound of the probability of a deal"
        )
    if not analysis.zone:
        _print_no_zone(result)
        return
    out.print("\n[bold green]A zone of agreement exists[/]: each model's settlement brought into it")
    table = Table(show_edge=False)
    table.add_column("issue")
    for name in analysis.settlements:
        table.add_column(name, justify="right")
    for j, issue in enumerate(scenario.issues):
        table.add_row(issue.name, *(point(float(v[j])) for v in analysis.settlements.values()))
    out.print(table)
    out.print("\n[bold]How close each veto player is to walking away[/] (slack in points; 0: indifferent)")
    table = Table(show_edge=False)
    table.add_column("settlement")
    for veto in scenario.vetoes:
        table.add_column(veto.actor, justify="right")
    for name, slack in analysis.slack.items():
        table.add_row(name, *(point(slack[v.actor]) if v.actor in slack else "—" for v in scenario.vetoes))
    out.print(table)


def _print_no_zone(result: DealReport) -> None:
    analysis = result.analysis
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


@app.command()
def panel(
    files: Annotated[list[str], typer.Argument(help="Two or more experts' files of the same negotiation.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the panel's scenario here (its suffix picks the format)."),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model", "-m", help="Models to compare each expert's version with (default: mean, median, bdm)."
        ),
    ] = None,
    top: Annotated[int, typer.Option(help="Inputs to list that the experts disagree on most.", min=1, max=MAX_TOP)] = 8,
    seed: SeedOption = 0,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Combine several analysts' estimates of one negotiation: each input the experts' median, its range
    their envelope, every source kept; how far they agree (Krippendorff's alpha), where they disagree most,
    and how far each expert's version moves each forecast from the panel's."""
    require("panel", "krippendorff")
    loaded = [formats.load(name) for name in files]
    labels = [Path(name).name for name in files]
    if len(set(labels)) < len(labels):
        labels = list(files)
    with spinner("the panel and each expert's version", as_json):
        result = application.panel(loaded, labels, model or application.PANEL_MODELS, top=top, seed=seed)
    if output is not None:
        written = formats.save(result.scenario, output, overwrite=force)
    if as_json:
        write_json(result.to_dict())
    else:
        _print_panel(result)
        if output is not None:
            out.print(f"wrote {written}")


def _print_panel(result: application.PanelReport) -> None:
    scenario = result.scenario
    out.print(f"[bold]{escape(scenario.title)}[/]: {len(result.labels)} experts ({escape(', '.join(result.labels))})")
    alpha = result.alpha
    shown = "; ".join(f"{kind} {'—' if alpha[kind] is None else f'{alpha[kind]:.2f}'}" for kind in alpha)
    out.print(f"agreement (Krippendorff's alpha, interval; 1 = the same, 0 = chance): {shown}\n")
    table = Table(
        title="Where they disagree most (spread on 0–100; capability as a share of the total)", show_edge=False
    )
    table.add_column("input")
    for label in result.labels:
        table.add_column(label, justify="right")
    table.add_column("spread", justify="right")
    for row in result.spread:
        table.add_row(row.input, *("—" if v is None else point(v) for v in row.values), point(row.spread))
    out.print(table)
    out.print()
    shifts = Table(
        title="How far each expert's version moves the forecast from the panel's (mean |shift| on 0–100)",
        show_edge=False,
    )
    shifts.add_column("expert")
    models = [r.model for r in result.panel]
    for name in models:
        shifts.add_column(name, justify="right")
    rows = result.shifts()
    for label in result.labels:
        mine = {row["model"]: row for row in rows if row["expert"] == label}
        cells = [
            point(mine[m]["mean_abs_shift"]) + (f" ({mine[m]['largest']})" if mine[m]["mean_abs_shift"] >= 0.05 else "")
            for m in models
        ]
        shifts.add_row(label, *cells)
    out.print(shifts)


@app.command()
def explain(
    actor: Annotated[str, typer.Argument(help="The actor whose moves to explain.")],
    issue: Annotated[str | None, typer.Argument(help="Only this issue (default: every issue).")] = None,
    model: Annotated[str, typer.Option("--model", "-m", help="bdm, smp or exchange.")] = "bdm",
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="A scenario file or a built-in scenario's name.")
    ] = DEFAULT_SCENARIO,
    preset: PresetOption = None,
    rounds: RoundsOption = None,
    seed: SeedOption = 0,
    param: ParamOption = None,
    as_json: JsonOption = False,
) -> None:
    """Why the actor moved, round by round: the challenge or offer it accepted (bdm), the bargain that won
    (smp), the trades it made (exchange); from the model's own run."""
    loaded = formats.load(scenario)
    with spinner(f"{model}: recording why each actor moved", as_json):
        found = application.explanation(
            loaded, actor, model, issue, preset=preset, rounds=rounds, seed=seed, parameters=parse_parameters(param)
        )
    data = application.explanation_dict(found)
    if as_json:
        write_json(data)
        return
    what = f" on {issue}" if issue else ""
    out.print(f"[bold]{escape(actor)}[/]{escape(what)} under {model}, {data['rounds']} rounds\n")
    for line in data["narrative"]:
        out.print(f"  {escape(line)}")
    table = Table(show_edge=False)
    for name in ("round", "issue", "from", "to", "what", "with"):
        table.add_column(name, justify="right" if name in ("round", "from", "to") else "left")
    for row in data["rows"]:
        table.add_row(
            str(row["round"]),
            row["issue"] or "all",
            "" if row["from"] is None else point(row["from"]),
            "" if row["to"] is None else point(row["to"]),
            row["what"],
            row["partner"] or "—",
        )
    out.print()
    out.print(table)


@app.command()
def advise(
    actor: Annotated[str, typer.Argument(help="The actor to advise.")],
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="A scenario file or a built-in scenario's name.")
    ] = DEFAULT_SCENARIO,
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Models to ask (default: mean, median, nash, bdm).")
    ] = None,
    persuade: Annotated[
        float, typer.Option(help="Points another actor is persuaded to move toward this one.", min=0.5, max=100)
    ] = 10.0,
    top: Annotated[int, typer.Option(help="Changes to list.", min=1, max=MAX_TOP)] = 8,
    no_deal: Annotated[
        bool,
        typer.Option(
            "--no-deal",
            help="Also score the best five changes in the forecast that counts no deal (veto players; a few "
            "seconds a change).",
        ),
    ] = False,
    samples: Annotated[
        int, typer.Option(help="Draws for the forecast that counts no deal (with --no-deal).", min=10, max=5000)
    ] = 200,
    power: PowerOption = None,
    workers: WorkersOption = 1,
    rounds: RoundsOption = None,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """What the actor could change to get a better outcome: its own stated position or salience on each
    issue, or another actor persuaded to move toward it (with --power, also a bloc joined, formed or left);
    ranked by how much each raises its salience-weighted gain (judged by its true preferences) under each
    model."""
    loaded = load_with_changes(scenario, quiet=as_json, power=power)
    with executor_for(workers, None) as executor, spinner(f"advice for {actor}", as_json):
        found = application.advice(
            loaded, actor, model, persuade=persuade, rounds=rounds, seed=seed, power=power, executor=executor
        )
    counted = None
    if no_deal:
        with spinner("the best changes in the forecast that counts no deal", as_json):
            counted = application.advice_counting_no_deal(found, 5, samples, seed)
    if as_json:
        write_json(application.advice_dict(found, top, counted))
        return
    now = ", ".join(f"{m} {signed(g)}" for m, g in zip(found.models, found.base, strict=True))
    out.print(f"[bold]{escape(actor)}[/]: {len(found.changes)} changes tried; its gain now: {now}")
    out.print(
        "[dim]gain: salience-weighted points on 0–100 by which the forecast is nearer its true position than "
        "the status quo; each change judged by its true preferences[/]\n"
    )
    rows = found.best(None, top)
    if not rows:
        out.print("  no change it could make or seek raises its gain under these models")
        return
    table = Table(title="The best changes, on average over the models", show_edge=False)
    table.add_column("change")
    for name in found.models:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(escape(row["change"]), *(signed(row["improvement"][m]) for m in found.models))
    out.print(table)
    if counted is not None:
        out.print(
            f"\n[bold]Counting no deal[/] ({counted['samples']} draws): its expected gain now "
            f"{signed(counted['expected_gain_now'])}, probability of a deal {share(counted['probability_now'])}"
        )
        again = Table(show_edge=False)
        for name in ("change", "expected gain", "change in it", "P(deal)"):
            again.add_column(name, justify="left" if name == "change" else "right")
        for row in counted["changes"]:
            again.add_row(
                escape(row["change"]),
                signed(row["expected_gain"]),
                signed(row["improvement"]),
                share(row["probability"]),
            )
        out.print(again)
