"""``ktokovo backtest``: read the cases, call :func:`ktokovo.application.backtest`, render."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ktokovo import application
from ktokovo import io as formats
from ktokovo.application import BacktestReport
from ktokovo.cli._common import (
    DbOption,
    ForceOption,
    JsonOption,
    NoStoreOption,
    PlotOption,
    SeedOption,
    app,
    check_plots,
    out,
    plot_note,
    plots_module,
    spinner,
    store_backtest,
    write_json,
)
from ktokovo.core.errors import ParameterError, Problem, ScenarioError
from ktokovo.core.limits import MAX_BOOTSTRAP
from ktokovo.evaluation.backtest import TUNED, Case, cases_from_deu, cases_from_scenarios


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
            help="DEU capabilities: equal, council (voting weights of the treaty period), shapley or banzhaf "
            "(voting power under the period's qualified majority), or a CSV file of actor,weight."
        ),
    ] = "equal",
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples of proposals for the intervals.", min=10, max=MAX_BOOTSTRAP)
    ] = 1000,
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
            help="Also score every forecaster out of sample (5 folds grouped by proposal, repeated; and a split "
            "by date): the procedural model refit, on-the-table variants, the models' mechanisms, a discrete "
            "choice model, and with --distributions the input draws; MAE and CRPS against the compromise model.",
        ),
    ] = False,
    on_table: Annotated[
        bool,
        typer.Option(
            "--on-table",
            help="Also score each model's on-the-table variant (the nearest position on the table within a "
            "distance learned by grouped cross-validation), out of sample.",
        ),
    ] = False,
    distributions: Annotated[
        int,
        typer.Option(
            help="Also score each batch model's predictive distribution from this many draws of every case's "
            "inputs: CRPS, interval coverage, PIT histogram (0: none; 200 is a good start).",
        ),
    ] = 0,
    repeats: Annotated[
        int,
        typer.Option(
            help="With --crossval: how many random assignments of proposals to the 5 folds (each case's scores "
            "are averaged over them).",
        ),
    ] = 3,
    per_issue: Annotated[
        Path | None,
        typer.Option(
            "--per-issue",
            help="With --crossval: write every forecaster's out-of-sample scores on every issue to this CSV file.",
        ),
    ] = None,
    db: DbOption = None,
    no_store: NoStoreOption = False,
    force: ForceOption = False,
) -> None:
    """Score the models against real outcomes: MAE, median error, RMSE, share within 10 points, with bootstrap
    intervals, broken down by period, procedure and voting rule; with --crossval, every forecaster out of
    sample as a point and as a distribution (CRPS, log score, calibration) against the compromise model."""
    check_plots(plot)
    if per_issue is not None and not crossval:
        raise ParameterError("--per-issue writes the out-of-sample scores: give --crossval too")
    if per_issue is not None:
        formats.writable(per_issue, overwrite=force, what="the per-issue scores")
    cases, skipped, citation = _read_cases(sources, capabilities)
    with spinner("running the models on every case", as_json) as update:
        result = application.backtest(
            cases,
            model,
            scheme=capabilities if sources[0] == "deu" else "as given in the files",
            bootstrap=bootstrap,
            seed=seed,
            veto_unanimity=veto_unanimity,
            crossval=crossval,
            on_table=on_table,
            distributions=distributions,
            repeats=repeats,
            skipped=skipped,
            sources=sources,
            citation=citation,
            progress=update,
        )
    if per_issue is not None:
        _write_per_issue(result, per_issue, force)
    if as_json:
        write_json(result.to_dict())
    else:
        _print_backtest(result)
    if plot is not None:
        plots = plots_module()
        plot_note(plots.save_backtest(result.result, plot, result.out_of_sample), plot, as_json)
    if per_issue is not None and not as_json:
        out.print(f"[dim]per-issue scores written to {per_issue}[/]")
    store_backtest(result, db, no_store, as_json)


def _read_cases(sources: list[str], capabilities: str) -> tuple[list[Case], list[str], str]:
    """The scoreable cases, the issues left out, and the data's citation (DEU) or ""."""
    from ktokovo.io.deu import CITATION, read_deu, read_weights

    if sources[0] != "deu":
        return cases_from_scenarios([formats.load(source) for source in sources]), [], ""
    if len(sources) != 2:
        raise ParameterError("write: ktokovo backtest deu PATH")
    path = Path(sources[1])
    if not path.is_file():
        raise ScenarioError(Problem("no such file", file=str(path)))
    deu, skipped = read_deu(path.read_bytes(), str(path))
    if capabilities in ("equal", "council", "shapley", "banzhaf"):
        return cases_from_deu(deu, capabilities), skipped, CITATION
    return cases_from_deu(deu, "table", read_weights(Path(capabilities))), skipped, CITATION


def _print_backtest(report: BacktestReport) -> None:
    result = report.result
    out.print(
        f"[bold]Backtest[/] on {len(report.cases)} issues ({len(report.skipped)} left out), capabilities: "
        f"{result.scheme}, 95% intervals from {result.bootstrap} resamples of proposals"
    )
    if report.citation:
        out.print(f"[dim]Data: {report.citation}[/]")
    v = report.validation
    marks = {
        name: "in-sample" if v is None else f"in-sample; {v.mae_procedural:.1f} out of sample"
        for name in TUNED
        if name in result.models
    }
    # a tuned model's on-the-table variant snaps out of sample, but from in-sample forecasts
    marks |= {f"{name}@table": "in-sample" for name in TUNED if f"{name}@table" in result.models}
    _print_scores(result.scores(), "Leaderboard (absolute error, points on 0–100)", marks=marks)
    if marks:
        out.print(
            f"[dim]in-sample: {', '.join(marks)}: defaults chosen on the DEU sample shipped with ktokovo"
            + ("; --crossval scores it out of sample" if v is None else "")
            + "[/]"
        )
    for model, reasons in result.skipped.items():
        for why, count in reasons.items():
            out.print(f"[dim]not run: {model} on {count} issues: {why}[/]", soft_wrap=True)
    if report.table is not None:
        _print_on_table(report)
    if report.calibration:
        _print_calibration(report)
    if report.out_of_sample:
        _print_out_of_sample(report)
    for key in report.keys():
        for value, rows in result.breakdown(key).items():
            _print_scores(rows, f"{key} = {value}", brief=True, marks=marks)
    if v is not None:
        out.print(
            f"\n[bold]Cross-validation[/] ({v.folds} folds grouped by proposal): procedural "
            f"{v.mae_procedural:.2f} against compromise {v.mae_compromise:.2f} on the "
            f"same folds; difference 95% interval {v.difference_low:+.2f} to "
            f"{v.difference_high:+.2f}. Chosen per fold (commission, parliament COD, parliament "
            f"CNS, unanimity pull): {v.chosen}; on the whole sample: {v.whole_sample}"
        )


def _print_calibration(report: BacktestReport) -> None:
    out.print(
        "\n[bold]Predictive distributions[/] from draws of each case's inputs: CRPS (points on 0–100; for a "
        "point forecast it is the absolute error), the share of outcomes inside the central 50/80/95% "
        "intervals (calibrated: 50/80/95%), and the PIT histogram in ten bins (calibrated: flat)"
    )
    table = Table(show_edge=False)
    for name in ("model", "n", "CRPS", "MAE", "CRPS / compromise MAE", "50%", "80%", "95%", "PIT histogram"):
        table.add_column(name, justify="left" if name in ("model", "PIT histogram") else "right")
    for c in report.calibration:
        ratio = "—" if not c.reference else f"{c.crps / c.reference:.3f}"
        table.add_row(
            c.model,
            str(c.n),
            f"{c.crps:.1f}",
            f"{c.mae:.1f}",
            ratio,
            *(f"{c.coverage[k]:.0%}" for k in ("50%", "80%", "95%")),
            " ".join(str(x) for x in c.pit),
        )
    out.print(table)
    for model, why in report.not_calibrated.items():
        out.print(f"[dim]no distribution for {model}: {why}[/]", soft_wrap=True)


BARS = " ▁▂▃▄▅▆▇█"


def pit_chart(counts: list[int]) -> str:
    """Ten PIT bins as a bar chart in one line (a calibrated forecaster's bars are level)."""
    top = max(counts) or 1
    return "".join(BARS[round(8 * c / top)] for c in counts)


def _print_out_of_sample(report: BacktestReport) -> None:
    out.print(
        f"\n[bold]Out of sample[/]: every forecaster scored only on proposals it did not learn from, against the "
        f"compromise model's absolute error on the same issues (ratios below 1 beat it), 95% intervals from "
        f"{report.result.bootstrap} resamples of proposals. Log score: −ln p of the outcome's 5-point bin "
        "(lower is better). Calibrated: coverage 50/80/95%, PIT chart level (ten bins from 0 to 1).",
        soft_wrap=True,
    )
    for split in dict.fromkeys(s.split for s in report.out_of_sample):
        rows = [s for s in report.out_of_sample if s.split == split]
        title = (
            f"5 folds grouped by proposal, {report.repeats} repeats"
            if split == "folds"
            else "by date: trained on the earlier half of the proposals, tested on the later, and the reverse"
        )
        out.print(f"\n[bold]{title}[/]")
        points = Table(title="as points (the distribution's median)", show_edge=False, title_justify="left")
        for name in ("forecaster", "kind", "n", "MAE", "MAE ratio (95%)"):
            points.add_column(name, justify="left" if name in ("forecaster", "kind") else "right")
        for s in rows:
            points.add_row(s.name, s.kind, str(s.n), f"{s.mae:.1f}", _ratio(s.mae_ratio))
        out.print(points)
        spread = [s for s in rows if s.kind in DISTRIBUTIONS or s.name == "mean"]
        shapes = Table(title="as distributions", show_edge=False, title_justify="left")
        for name in ("forecaster", "CRPS", "CRPS ratio (95%)", "log", "50/80/95%", "PIT"):
            shapes.add_column(name, justify="left" if name in ("forecaster", "PIT") else "right")
        for s in spread:
            shapes.add_row(
                s.name,
                f"{s.crps:.1f}",
                _ratio(s.crps_ratio),
                f"{s.log:.2f}",
                "/".join(f"{100 * s.coverage[k]:.0f}" for k in ("50%", "80%", "95%")),
                pit_chart(s.pit),
            )
        out.print(shapes)
        best_mae = min(rows, key=lambda s: s.mae_ratio[0])
        best_crps = min(rows, key=lambda s: s.crps_ratio[0])
        out.print(
            f"best point: {best_mae.name}, {_ratio(best_mae.mae_ratio)} × the compromise model's MAE (goal 0.90); "
            f"best distribution: {best_crps.name}, {_ratio(best_crps.crps_ratio)} × (goal 0.85)",
            soft_wrap=True,
        )
    for name, note in report.fitted.items():
        out.print(f"[dim]fitted on every issue: {name} {note}[/]", soft_wrap=True)


DISTRIBUTIONS = ("draws of the inputs", "the model's mechanism", "discrete choice over the table")


def _ratio(value: tuple[float, float, float]) -> str:
    return f"{value[0]:.3f} ({value[1]:.2f}–{value[2]:.2f})"


def _write_per_issue(report: BacktestReport, path: Path, force: bool) -> None:
    import csv
    import io

    fields = [
        "split",
        "forecaster",
        "issue",
        "proposal",
        "outcome",
        "point",
        "error",
        "crps",
        "log",
        "pit",
        "compromise_error",
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for s in report.out_of_sample:
        for row in s.rows:
            writer.writerow({"split": s.split, "forecaster": s.name, **row})
    formats.write_file(path, buffer.getvalue(), overwrite=force, what="the per-issue scores")


def _print_on_table(report: BacktestReport) -> None:
    table_result = report.table
    assert table_result is not None
    out.print(
        f"\n[bold]On the table[/]: MODEL@table predicts the nearest actor's position or the reference point when "
        f"it lies within a distance learned by {table_result.folds}-fold cross-validation grouped by proposal "
        "(two-point issues apart), and the model's forecast otherwise; scored out of sample."
    )
    table = Table(show_edge=False)
    for name in ("variant", "closer", "further", "same", "distance chosen (two points; more points)"):
        table.add_column(
            name, justify="left" if name in ("variant", "distance chosen (two points; more points)") else "right"
        )
    for name, counts in table_result.wins.items():
        picks = table_result.chosen[name]
        table.add_row(
            name,
            str(counts["closer"]),
            str(counts["further"]),
            str(counts["same"]),
            f"{', '.join(f'{d:g}' for d in picks['two points'])}; {', '.join(f'{d:g}' for d in picks['more points'])}",
        )
    out.print(table)


def _print_scores(
    rows: list[dict[str, Any]], title: str, brief: bool = False, marks: dict[str, str] | None = None
) -> None:
    out.print(f"\n[bold]{title}[/]")
    table = Table(show_edge=False)
    for name in ("model", "n", "MAE (95% interval)", *(() if brief else ("median", "RMSE", "within 10"))):
        table.add_column(name, justify="left" if name == "model" else "right")
    for row in rows:
        name = row["model"] + (f" ({marks[row['model']]})" if marks and row["model"] in marks else "")
        if row["n"] == 0:
            table.add_row(name, "0", "—", *(() if brief else ("—", "—", "—")))
            continue
        cells = [name, str(row["n"]), f"{row['mae']:.1f} ({row['mae_low']:.1f}–{row['mae_high']:.1f})"]
        if not brief:
            cells += [f"{row['median']:.1f}", f"{row['rmse']:.1f}", f"{row['within10']:.0%}"]
        table.add_row(*cells)
    out.print(table)
