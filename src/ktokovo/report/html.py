"""The HTML report: one self-contained file (charts as inline SVG, styles inline, no scripts, no links out) on
a negotiation, for readers who never run ktokovo: its sources, each model's forecast with intervals, positions
over rounds, who gains and who loses, sensitivity, the ledger as a timeline, and forecast drift.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ktokovo.application.report import Report
from ktokovo.core import numbers
from ktokovo.models import DESCRIPTIONS


def _svg(figure: Any) -> str:
    """The figure as an inline SVG element, scaled with the page instead of its fixed pixel size."""
    from ktokovo.report.plots import svg

    text = svg(figure).decode("utf-8")
    text = text[text.index("<svg") :]
    return re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1 class="chart"', text, count=1)


def _drift_figure(report: Report) -> Any:
    import matplotlib.pyplot as plt

    from ktokovo.report.plots import line_style

    steps = report.drift or []
    scenario = report.scenario
    figure, axis = plt.subplots(figsize=(9, 4.5), layout="constrained")
    dates = np.arange(len(steps))
    for j, issue in enumerate(scenario.issues):
        values = [float(issue.to_unit(s.forecast[j])) for s in steps]
        axis.plot(dates, values, label=issue.name, **line_style(j, len(scenario.issues)))
    axis.set_xticks(dates, [s.date for s in steps], rotation=30, ha="right", fontsize=8)
    axis.set_ylabel("forecast, 0–100 along each issue's scale")
    axis.set_title(f"How the {report.drift_model} forecast moved as events arrived", fontsize=10)
    axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    axis.grid(alpha=0.3)
    return figure


def _fmt(value: float | None) -> str:
    """A computed point on a scale (ktokovo.core.numbers.point); "—" where there is none."""
    return "—" if value is None or not np.isfinite(value) else numbers.point(value)


def _given(value: float | None) -> str:
    """An input as the user typed it (ktokovo.core.numbers.given); "—" where the actor holds none."""
    return "—" if value is None or not np.isfinite(value) else numbers.given(value)


def _explained(report: Report) -> dict[str, dict[str, Any]]:
    """Every actor's explanation under each model of the report that runs in rounds per issue or trades
    (bdm, exchange), from one recorded run with the result's own parameters; none for a scenario with shocks."""
    from ktokovo.analysis.explain import explain_all

    if report.scenario.shocks:
        return {}
    return {
        r.model: explain_all(report.scenario, r.model, rounds=r.rounds, seed=r.seed, **dict(r.parameters))
        for r in report.results
        if r.model in ("bdm", "exchange") and r.rounds > 0
    }


def _why_lines(explained: dict[str, Any] | None, issue: str) -> list[str]:
    """The moves on ``issue`` (not the rounds an actor held), every actor's, in the order of the run."""
    from ktokovo.analysis.explain import Explanation, narrative

    if not explained:
        return []
    lines: list[tuple[int, str]] = []
    for found in explained.values():
        rows = tuple(row for row in found.rows if row["issue"] == issue and row["what"] != "held")
        moved = Explanation(found.result, found.actor, issue, rows)
        lines += [(row["round"], line) for row, line in zip(rows, narrative(moved), strict=True)]
    return [line for _, line in sorted(lines, key=lambda pair: pair[0])]


def context(report: Report, stored_sensitivity: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain values."""
    why = _explained(report)
    from ktokovo.analysis.gains import gain_rows
    from ktokovo.report import plots

    scenario = report.scenario
    by_model = {s.model: s for s in report.samples}
    issues = []
    for j, issue in enumerate(scenario.issues):
        rows = []
        for result in report.results:
            sample = by_model.get(result.model)
            low = high = None
            if sample is not None and len(sample.forecasts):
                low, high = (float(v) for v in np.quantile(sample.forecasts[:, j], [0.025, 0.975]))
            rows.append(
                {
                    "model": result.model,
                    "forecast": _fmt(float(result.forecast[j])),
                    "interval": "" if low is None else f"{_fmt(low)} – {_fmt(high)}",
                    "label": issue.nearest_label(float(result.forecast[j])),
                }
            )
        stances = []
        for i, actor in enumerate(scenario.actors):
            if np.isnan(scenario.positions[i, j]):
                continue
            stances.append(
                {
                    "actor": actor.name,
                    "position": _given(float(scenario.positions[i, j])),
                    "position_range": _range(scenario.position_ranges[i, j]),
                    "salience": _given(float(scenario.saliences[i, j])),
                    "source": str(scenario.sources.get(f"position/{actor.name}/{issue.name}", "")),
                    "salience_source": str(scenario.sources.get(f"salience/{actor.name}/{issue.name}", "")),
                }
            )
        rounds = [
            {
                "model": r.model,
                "svg": _svg(plots.trajectory_figure(r, j)),
                "why": _why_lines(why.get(r.model), issue.name),
            }
            for r in report.results
            if r.rounds > 0
        ]
        issues.append(
            {
                "name": issue.name,
                "question": issue.question,
                "low": f"{issue.scale[0]:g} = {issue.low_label}",
                "high": f"{issue.scale[1]:g} = {issue.high_label}",
                "points": [f"{v:g} = {words}" for v, words in issue.points],
                "status_quo": None if issue.status_quo is None else _given(issue.status_quo),
                "status_quo_source": str(scenario.sources.get(f"status_quo/{issue.name}", "")),
                "rows": rows,
                "stances": stances,
                "rounds": rounds,
                "sensitivity": _sensitivity_rows(report, stored_sensitivity, j, issue.name),
            }
        )
    lead = report.results[0]
    gains = [
        {
            "actor": row["actor"],
            "gain": f"{row['gain']:+.1f}" if abs(row["gain"]) >= 0.05 else "0.0",
            "best": row.get("best_issue", ""),
            "worst": row.get("worst_issue", ""),
        }
        for row in gain_rows(lead)
    ]
    return {
        "title": scenario.title or scenario.name,
        "scenario": scenario,
        "date": scenario.date,
        "as_of": scenario.as_of,
        "description": scenario.description,
        "documents": dict(scenario.documents),
        "actors": [
            {
                "name": actor.name,
                "description": actor.description,
                "capability": _given(float(scenario.capabilities[i])),
                "range": _range(scenario.capability_ranges[i]),
                "source": str(scenario.sources.get(f"capability/{actor.name}", "")),
            }
            for i, actor in enumerate(scenario.actors)
        ],
        "models": [r.model for r in report.results],
        "descriptions": [(r.model, DESCRIPTIONS[r.model]) for r in report.results],
        "samples": max((len(s.forecasts) for s in report.samples), default=0),
        "interval_models": [s.model for s in report.samples],
        "issues": issues,
        "compare_svg": _svg(plots.compare_figure(report.results, report.samples)),
        "gains_model": lead.model,
        "gains": gains,
        "gains_svg": _svg(plots.gains_figure(report.results)),
        "sensitivity_model": report.sensitivity.model if report.sensitivity is not None else None,
        "ledger": _ledger_rows(report),
        "drift": _drift_rows(report),
        "drift_model": report.drift_model,
        "drift_svg": _svg(_drift_figure(report)) if report.drift else "",
        "deal": _deal_text(report),
        "outlook": _outlook(report),
        "on_table": _on_table(report),
        "version": lead.version,
        "seed": lead.seed,
    }


def _range(values: np.ndarray) -> str:
    return "" if np.isnan(values).any() else f"{_given(float(values[0]))}–{_given(float(values[1]))}"


def _sensitivity_rows(report: Report, stored: dict[str, Any] | None, issue: int, name: str) -> list[dict[str, str]]:
    if report.sensitivity is not None:
        ranking = report.sensitivity.ranking(issue, 5)
    elif stored is not None:
        ranking = stored.get("issues", {}).get(name, [])[:5]
    else:
        return []
    return [
        {"factor": row["factor"], "low": _fmt(row["low"]), "high": _fmt(row["high"]), "swing": _fmt(row["swing"])}
        for row in ranking
    ]


def _ledger_rows(report: Report) -> list[dict[str, Any]]:
    scenario = report.scenario
    ledger = (scenario.base or scenario).ledger
    return [
        {
            "date": e.date,
            "kind": e.kind,
            "title": e.title,
            "actors": ", ".join(e.actors),
            "source": str(e.source) if e.source else "",
            "changes": list(e.changes),
            "applied": not scenario.as_of or e.date <= scenario.as_of,
        }
        for e in ledger
    ]


def _drift_rows(report: Report) -> list[dict[str, Any]]:
    if not report.drift:
        return []
    steps, scenario = report.drift, report.scenario
    rows = []
    for k, step in enumerate(steps):
        moves = []
        for j, issue in enumerate(scenario.issues):
            if k == 0:
                continue
            move = float(step.forecast[j] - steps[k - 1].forecast[j])
            if abs(move) >= 0.005:
                parts = [(c, m) for c, m in step.moves[j] if abs(m) >= 0.005]
                named = parts[0][0] if len(parts) == 1 else ", ".join(f"{c} ({m:+.2f})" for c, m in parts)
                moves.append(f"{issue.name} {move:+.2f}" + (f" from {named}" if parts else ""))
        rows.append({"date": step.date, "events": "; ".join(step.events), "moves": moves})
    return rows


def _outlook(report: Report) -> dict[str, Any] | None:
    """The forecast that counts no deal, as the report's first table (None without it)."""
    ahead = report.outlook
    if ahead is None:
        return None
    rows = [
        {
            "issue": row["issue"],
            "expected": "—" if row["expected"] is None else _fmt(row["expected"]),
            "median": "" if row["expected"] is None else _fmt(row["median"]),
            "i80": "" if row["expected"] is None else f"{_fmt(row['low80'])}–{_fmt(row['high80'])}",
            "i95": "" if row["expected"] is None else f"{_fmt(row['low95'])}–{_fmt(row['high95'])}",
            "nearest": row.get("nearest") or row.get("reason", ""),
        }
        for row in ahead.issue_rows()
    ]
    return {"lead": ahead.lead(), "holds": ahead.holds(), "rows": rows}


def _on_table(report: Report) -> dict[str, Any] | None:
    """The on-table view's rows and the DEU record it shows beside them (None without the compromise model)."""
    from ktokovo.evaluation.outofsample import OUT_OF_SAMPLE

    views = report.on_table()
    if views is None:
        return None
    rows = [
        {
            "issue": v.issue,
            "snapped": _fmt(v.snapped),
            "median": _fmt(v.median),
            "i80": f"{_fmt(v.low)}–{_fmt(v.high)}",
            "chances": " · ".join(
                f"{_given(x)} {', '.join(h)} {numbers.share(p)}" for x, h, p in v.positions if p >= 0.05
            ),
            "off": f"{v.off_table:.0%}",
        }
        for v in views
    ]
    record = {name: {"mae": f"{mae:.1f}", "crps": f"{crps:.1f}"} for name, (mae, crps) in OUT_OF_SAMPLE.items()}
    return {"rows": rows, "record": record}


def _deal_text(report: Report) -> str:
    deal = report.deal
    if deal is None:
        return ""
    players = ", ".join(v.actor for v in report.scenario.vetoes)
    if deal.zone:
        return (
            f"A zone of agreement exists: some packages of terms leave every veto player ({players}) at least "
            "as well off as walking away. The forecasts below say where the talks land if they settle."
        )
    top = deal.blocking[0]
    return (
        f"No zone of agreement: no package of terms leaves every veto player ({players}) at least as well off as "
        f"walking away. {top['actor']} blocks, short by {top['shortfall']:.1f} points "
        f"({', '.join(top['issues'])}). The forecasts below are what the models say if the parties settled anyway."
    )


def render(report: Report, stored_sensitivity: dict[str, Any] | None = None) -> str:
    """The report as one HTML document."""
    from importlib import resources

    import jinja2

    template_text = (resources.files("ktokovo.report.templates") / "report.html.j2").read_text(encoding="utf-8")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters["raw_svg"] = lambda svg: jinja2.utils.markupsafe.Markup(svg)
    return environment.from_string(template_text).render(**context(report, stored_sensitivity))
