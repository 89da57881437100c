"""Charts of model results (matplotlib): positions over rounds, each model's forecast side by side, and
who gains and who loses. Each function returns a matplotlib Figure; :func:`save_all` writes PNG and SVG.

Imported only when a chart is asked for (matplotlib is slow to import).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ktokovo.analysis.gains import gain_rows  # noqa: E402
from ktokovo.analysis.uncertainty import SampleResult  # noqa: E402
from ktokovo.core.numbers import point  # noqa: E402
from ktokovo.core.result import ModelResult  # noqa: E402
from ktokovo.core.scenario import Issue  # noqa: E402

__all__ = ["compare_figure", "gains_figure", "samples_figure", "save_all", "trajectory_figure"]


def _wrap(text: str, width: int = 28) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line]) if line else ""


def _scale_ticks(axis: plt.Axes, issue: Issue, which: str = "y") -> None:
    """Ticks at the ends and labelled points of the issue's scale, with their words."""
    low, high = issue.scale
    marks = [(low, issue.low_label), *issue.points, (high, issue.high_label)]
    values = [v for v, _ in marks]
    labels = [f"{v:g}: {_wrap(words, 24)}" if words else f"{v:g}" for v, words in marks]
    if which == "x":  # labels of neighbouring points closer than a fifth of the scale go on alternate rows
        dropped = False
        for k in range(1, len(values)):
            dropped = (values[k] - values[k - 1] < 0.2 * (high - low)) and not dropped
            if dropped:
                labels[k] = "\n\n\n" + labels[k]
    if which == "y":
        axis.set_yticks(values, labels, fontsize=8)
        axis.set_ylim(low - 0.03 * (high - low), high + 0.03 * (high - low))
    else:
        axis.set_xticks(values, labels, fontsize=7)
        axis.set_xlim(low - 0.03 * (high - low), high + 0.03 * (high - low))


def _mark_shocks(axis: plt.Axes, shocks: tuple[Any, ...], last_round: int) -> None:
    """A vertical line just before each shock's round, labelled with the shock."""
    for k, shock in enumerate(s for s in shocks if s.round <= last_round):
        axis.axvline(shock.round - 0.5, color="0.35", linestyle="-.", linewidth=1)
        axis.annotate(
            _wrap(str(shock).split(": ", 1)[1], 22),
            (shock.round - 0.45, 1 - 0.07 * (k % 3)),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            color="0.25",
            va="top",
        )


_STYLES = ("-", "--", "-.", ":")
_MARKERS = "osD^vP*X"


def line_style(k: int, n: int) -> dict[str, Any]:
    """The k-th of n lines drawn over each other: its own marker and dash, and a width that shrinks from the
    first line to the last, so a line that runs on top of another leaves the one below visible as a border."""
    return {
        "linestyle": _STYLES[k % len(_STYLES)],
        "marker": _MARKERS[k % len(_MARKERS)],
        "markersize": 3.5,
        "linewidth": 1.2 + 2.4 * (n - 1 - k) / max(1, n - 1),
        "alpha": 0.9,
    }


def _label_levels(values: list[float], width: float) -> list[int]:
    """For labels placed at ``values`` along an axis ``width`` wide: the row of each label (0, 1, 2, ...),
    so that labels closer than ~9% of the axis go on different rows instead of on top of each other."""
    levels = [0] * len(values)
    placed: list[tuple[float, int]] = []
    for k in sorted(range(len(values)), key=lambda k: values[k]):
        taken = {level for x, level in placed if abs(values[k] - x) < 0.09 * width}
        levels[k] = next(level for level in range(len(values) + 1) if level not in taken)
        placed.append((values[k], levels[k]))
    return levels


def trajectory_figure(result: ModelResult, issue: int) -> Figure:
    """Every actor's position over the rounds of ``result`` on one issue, with the forecast as a dashed line
    (and the status quo as a dotted one, where the scenario gives it)."""
    scenario = result.scenario
    this = scenario.issues[issue]
    figure, axis = plt.subplots(figsize=(9, 5.2), layout="constrained")
    rounds = np.arange(result.positions.shape[0])
    labelled: list[float] = []
    holders = [i for i in range(len(scenario.actors)) if not np.isnan(result.positions[0, i, issue])]
    for k, i in enumerate(holders):
        actor, path = scenario.actors[i], result.positions[:, i, issue]
        (line,) = axis.plot(rounds, path, label=actor.name, **line_style(k, len(holders)))
        low, high = this.scale
        if all(abs(path[-1] - v) > 0.04 * (high - low) for v in labelled):  # no end label on top of another
            labelled.append(path[-1])
            axis.annotate(
                actor.name,
                (rounds[-1], path[-1]),
                xytext=(4, 0),
                textcoords="offset points",
                fontsize=7,
                color=line.get_color(),
                va="center",
            )
    axis.axhline(
        result.forecast[issue],
        color="black",
        linestyle="--",
        linewidth=1.2,
        label=f"forecast {point(result.forecast[issue])}",
    )
    if this.status_quo is not None:
        axis.axhline(
            this.status_quo, color="grey", linestyle=":", linewidth=1.2, label=f"status quo {this.status_quo:g}"
        )
    _mark_shocks(axis, scenario.shocks, rounds[-1])
    _scale_ticks(axis, this)
    axis.set_xlabel("round")
    axis.set_xlim(-0.2, max(rounds[-1], 1) * 1.12 + 0.2)
    axis.set_title(f"{this.name}: {_wrap(this.question, 80)}\n{result.model} model, positions by round", fontsize=10)
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    axis.grid(alpha=0.3)
    return figure


def compare_figure(results: list[ModelResult], samples: list[SampleResult] | None = None) -> Figure:
    """Each model's forecast on every issue, over the actors' positions (grey ticks, names on rows of their
    own where they would overlap) and the status quo; with ``samples`` (draws of the same models), each
    forecast's 80% interval as a bar through its marker."""
    scenario = results[0].scenario
    n = len(scenario.issues)
    figure, axes = plt.subplots(n, 1, figsize=(10, 2.1 * n + 1.2), layout="constrained", squeeze=False)
    markers = _MARKERS
    drawn = {s.model: s for s in samples or () if len(s.forecasts)}
    for j, (axis, issue) in enumerate(zip(axes[:, 0], scenario.issues, strict=True)):
        holders = [i for i in range(len(scenario.actors)) if not np.isnan(scenario.positions[i, j])]
        levels = _label_levels([float(scenario.positions[i, j]) for i in holders], issue.scale[1] - issue.scale[0])
        for i, level in zip(holders, levels, strict=True):
            value = scenario.positions[i, j]
            axis.plot([value], [0], marker="|", markersize=16, color="0.6")
            axis.annotate(
                scenario.actors[i].name,
                (value, 0),
                xytext=(0, -14 - 9 * level),
                textcoords="offset points",
                fontsize=6,
                ha="center",
                color="0.35",
            )
        if issue.status_quo is not None:
            axis.plot([issue.status_quo], [0], marker="s", markersize=9, markerfacecolor="none", color="black")
        for k, result in enumerate(results):
            row = 0.25 + 0.5 * k / max(1, len(results) - 1)  # one row per model: equal forecasts stay visible
            if result.model in drawn:
                low, high = drawn[result.model].quantiles([0.1, 0.9])[:, j]
                axis.plot([low, high], [row, row], color=f"C{k}", linewidth=2.5, alpha=0.45, solid_capstyle="butt")
            axis.plot(
                [result.forecast[j]],
                [row],
                marker=markers[k % len(markers)],
                markersize=7,
                linestyle="none",
                color=f"C{k}",
                label=result.model if j == 0 else None,
            )
        _scale_ticks(axis, issue, which="x")
        axis.set_yticks([])
        axis.set_ylim(-0.6 - 0.32 * max(levels, default=0), 0.95)
        axis.set_title(f"{issue.name}: {issue.question}", fontsize=9, loc="left")
        for side in ("left", "right", "top"):
            axis.spines[side].set_visible(False)
    figure.legend(loc="outside lower center", ncols=len(results), fontsize=9, frameon=False)
    figure.suptitle(
        _wrap(
            f"{scenario.title or scenario.name}: each model's forecast (markers"
            + (", bars: 80% interval from the draws" if drawn else "")
            + "), actors' positions (grey), status quo (square)",
            100,
        ),
        fontsize=10,
    )
    return figure


def gains_figure(results: list[ModelResult]) -> Figure:
    """Each actor's salience-weighted gain under each model: bars right of zero gain, left of it lose."""
    scenario = results[0].scenario
    names = list(scenario.actor_names)
    figure, axis = plt.subplots(figsize=(9, 0.5 * len(names) * max(1, len(results) / 2) + 1.5), layout="constrained")
    height = 0.8 / len(results)
    for k, result in enumerate(results):
        gains = {row["actor"]: row["gain"] for row in gain_rows(result)}
        values = [gains[name] for name in names]
        positions = np.arange(len(names)) + (k - (len(results) - 1) / 2) * height
        axis.barh(positions, values, height=height, color=f"C{k}", label=result.model)
    axis.axvline(0, color="black", linewidth=0.8)
    axis.set_yticks(np.arange(len(names)), names)
    axis.invert_yaxis()
    axis.set_xlabel(
        "gain: points (0–100 scale) by which the forecast is nearer the actor than the status quo is,\n"
        "weighted by salience; negative = loses"
    )
    axis.set_title(f"Who gets the better of whom: {scenario.title or scenario.name}", fontsize=10)
    axis.legend(fontsize=8, frameon=False)
    axis.grid(axis="x", alpha=0.3)
    return figure


def samples_figure(result: SampleResult) -> Figure:
    """Histograms of one model's forecast over the draws of the inputs, one panel per issue, with the median
    and the 80% interval marked."""
    scenario = result.scenario
    n = len(scenario.issues)
    columns = 1  # full width: the scale's words need the room
    rows = n
    figure, axes = plt.subplots(rows, columns, figsize=(10, 2.3 * rows + 0.8), layout="constrained", squeeze=False)
    summary = result.summary_rows()
    for j, issue in enumerate(scenario.issues):
        axis = axes[j // columns, j % columns]
        low, high = issue.scale
        axis.hist(result.forecasts[:, j], bins=40, range=(low, high), color="C0", alpha=0.75)
        row = summary[j]
        axis.axvspan(row["low80"], row["high80"], color="C1", alpha=0.15, label="80% interval")
        axis.axvline(row["median"], color="C1", linewidth=2, label=f"median {point(row['median'])}")
        _scale_ticks(axis, issue, which="x")
        axis.set_yticks([])
        axis.set_title(f"{issue.name}: {_wrap(issue.question, 60)}", fontsize=9, loc="left")
        axis.legend(fontsize=7, frameon=False, loc="upper left")
    for k in range(n, rows * columns):
        axes[k // columns, k % columns].set_visible(False)
    figure.suptitle(
        f"{result.model}: forecasts over {len(result.forecasts)} draws of the inputs (seed {result.seed})", fontsize=10
    )
    return figure


def tornado_figure(result: Any, issue: int, top: int = 10) -> Figure:
    """One-at-a-time swings of the inputs that move one issue's forecast most, around the estimate."""
    this = result.scenario.issues[issue]
    rows = result.ranking(issue, top)[::-1]  # the table's order, the first at the top
    figure, axis = plt.subplots(figsize=(10, 0.45 * len(rows) + 2.2), layout="constrained")
    estimate = float(result.estimate[issue])
    for k, row in enumerate(rows):  # two thin bars per input, so both show when they point the same way
        axis.barh(
            k + 0.18,
            row["low"] - estimate,
            left=estimate,
            color="C0",
            height=0.34,
            label="input at its low end" if k == 0 else None,
        )
        axis.barh(
            k - 0.18,
            row["high"] - estimate,
            left=estimate,
            color="C3",
            height=0.34,
            label="input at its high end" if k == 0 else None,
        )
    axis.axvline(estimate, color="black", linewidth=1, label=f"forecast {point(estimate)}")
    axis.set_yticks(range(len(rows)), [r["factor"] for r in rows], fontsize=8)
    _scale_ticks(axis, this, which="x")
    axis.set_title(
        f"{this.name}: {_wrap(this.question, 80)}\n{result.model} model: what moves the forecast most", fontsize=10
    )
    figure.legend(fontsize=8, frameon=False, loc="outside lower center", ncols=3)
    return figure


def save_tornadoes(result: Any, directory: str | Path, top: int = 10) -> list[Path]:
    """A tornado chart per issue, as PNG and SVG."""
    return _save(
        directory,
        [
            (f"tornado-{result.model}-{_slug(issue.name)}", partial(tornado_figure, result, j, top))
            for j, issue in enumerate(result.scenario.issues)
        ],
    )


def diff_figure(a: ModelResult, b: ModelResult, issue: str, labels: tuple[str, str] = ("A", "B")) -> Figure:
    """Both scenarios' positions over the rounds on one issue: A solid, B dashed, one colour per actor."""
    this = a.scenario.issues[a.scenario.issue_index(issue)]
    figure, axis = plt.subplots(figsize=(9, 5.2), layout="constrained")
    names = list(a.scenario.actor_names) + [n for n in b.scenario.actor_names if n not in a.scenario.actor_names]
    for k, name in enumerate(names):
        for result, style in ((a, "-"), (b, "--")):
            if name not in result.scenario.actor_names:
                continue
            path = result.positions[:, result.scenario.actor_index(name), result.scenario.issue_index(issue)]
            if not np.isnan(path[0]):
                axis.plot(
                    np.arange(len(path)),
                    path,
                    style,
                    color=f"C{k}",
                    marker="o",
                    markersize=2.5,
                    label=name if result is a or name not in a.scenario.actor_names else None,
                )
    for result, style, label in ((a, "-", labels[0]), (b, "--", labels[1])):
        value = float(result.forecast[result.scenario.issue_index(issue)])
        axis.axhline(value, color="black", linestyle=style, linewidth=1.2, label=f"forecast {label}: {point(value)}")
    _mark_shocks(axis, b.scenario.shocks, b.positions.shape[0] - 1)
    _scale_ticks(axis, this)
    axis.set_xlabel("round")
    axis.set_title(
        f"{issue}: {_wrap(this.question, 80)}\n{a.model}: {labels[0]} (solid) against {labels[1]} (dashed)", fontsize=10
    )
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    axis.grid(alpha=0.3)
    return figure


def save_diff(
    a: ModelResult, b: ModelResult, directory: str | Path, labels: tuple[str, str] = ("A", "B")
) -> list[Path]:
    """Both scenarios' trajectories, one chart per issue, as PNG and SVG."""
    return _save(
        directory,
        [(f"diff-{_slug(issue)}", partial(diff_figure, a, b, issue, labels)) for issue in a.scenario.issue_names],
    )


def backtest_errors_figure(result: Any) -> Figure:
    """The distribution of each model's absolute errors, best MAE first."""
    order = [row["model"] for row in result.scores()]
    errors = result.errors
    figure, axis = plt.subplots(figsize=(9, 0.5 * len(order) + 1.8), layout="constrained")
    data = [errors[:, result.models.index(m)][~np.isnan(errors[:, result.models.index(m)])] for m in order]
    axis.boxplot(data, orientation="horizontal", showmeans=True, tick_labels=order)
    axis.invert_yaxis()
    axis.set_xlabel("absolute error: |forecast − recorded outcome|, points on 0–100 (triangle: mean)")
    axis.set_title(
        f"Backtest on {len(result.cases)} issues: errors by model (capabilities: {result.scheme})", fontsize=10
    )
    axis.grid(axis="x", alpha=0.3)
    return figure


def backtest_predicted_figure(result: Any) -> Figure:
    """Forecast against recorded outcome for each model (the diagonal is a perfect forecast)."""
    models = [row["model"] for row in result.scores()]
    columns = 3
    rows = (len(models) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(11, 3.5 * rows), layout="constrained", squeeze=False)
    rng = np.random.default_rng(0)
    outcomes = result.outcomes
    jitter = rng.uniform(-1.5, 1.5, len(outcomes))  # outcomes sit on a coarse grid: spread them to be seen
    for k, model in enumerate(models):
        axis = axes[k // columns, k % columns]
        predicted = result.predictions[:, result.models.index(model)]
        axis.scatter(outcomes + jitter, predicted, s=10, alpha=0.5, color=f"C{k}")
        axis.plot([0, 100], [0, 100], color="black", linewidth=0.8)
        axis.set_title(model, fontsize=9)
        axis.set_xlabel("recorded outcome", fontsize=8)
        axis.set_ylabel("forecast", fontsize=8)
    for k in range(len(models), rows * columns):
        axes[k // columns, k % columns].set_visible(False)
    figure.suptitle("Forecast against the recorded outcome", fontsize=10)
    return figure


def calibration_figure(scores: Any, split: str) -> Figure:
    """Out-of-sample calibration of the forecasters that give a distribution (a point forecast has none): left,
    each one's PIT histogram (calibrated: level at 10% per bin); right, the coverage of its central 50%, 80%
    and 95% intervals against the nominal level (calibrated: on the diagonal)."""
    shown = [
        s for s in scores if s.split == split and s.kind not in ("point", "refit in the training folds", "on the table")
    ]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    width = 0.8 / max(len(shown), 1)
    for k, s in enumerate(shown):
        share = np.array(s.pit) / max(sum(s.pit), 1)
        left.bar(
            np.arange(10) * 0.1 + 0.05 + (k - len(shown) / 2 + 0.5) * width * 0.1,
            share,
            width=width * 0.1,
            label=s.name,
            color=f"C{k}",
        )
        levels = [0.5, 0.8, 0.95]
        right.plot(levels, [s.coverage[f"{int(v * 100)}%"] for v in levels], marker="o", label=s.name, color=f"C{k}")
    left.axhline(0.1, color="black", linewidth=0.8, linestyle="--")
    left.set_xlabel("PIT: the forecast distribution's CDF at the outcome")
    left.set_ylabel("share of issues")
    left.set_title("PIT histogram (calibrated: the dashed line)", fontsize=10)
    right.plot([0.4, 1.0], [0.4, 1.0], color="black", linewidth=0.8, linestyle="--")
    right.set_xlabel("nominal level of the central interval")
    right.set_ylabel("share of outcomes inside")
    right.set_title("Interval coverage (calibrated: the diagonal)", fontsize=10)
    right.set_xlim(0.4, 1.0)
    right.set_ylim(0.0, 1.0)
    for axis in (left, right):
        axis.grid(alpha=0.3)
    right.legend(fontsize=8, loc="upper left")
    figure.suptitle(f"Out-of-sample calibration ({split})", fontsize=11)
    return figure


def save_backtest(result: Any, directory: str | Path, scores: Any = ()) -> list[Path]:
    makers: list[tuple[str, Callable[[], Figure]]] = [
        ("backtest-errors", partial(backtest_errors_figure, result)),
        ("backtest-predicted", partial(backtest_predicted_figure, result)),
    ]
    for split in dict.fromkeys(s.split for s in scores):
        makers.append((f"backtest-calibration-{split}", partial(calibration_figure, scores, split)))
    return _save(directory, makers)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def save_all(
    results: list[ModelResult], directory: str | Path, samples: list[SampleResult] | None = None
) -> list[Path]:
    """Write every chart as PNG and SVG into ``directory``; return the paths written."""
    makers: list[tuple[str, Callable[[], Figure]]] = [
        ("compare", lambda: compare_figure(results, samples)),
        ("gains", lambda: gains_figure(results)),
    ]
    for result in results:
        if result.positions.shape[0] > 1:
            for j, issue in enumerate(result.scenario.issues):
                makers.append((f"rounds-{result.model}-{_slug(issue.name)}", partial(trajectory_figure, result, j)))
    for sampled in samples or []:
        makers.append((f"samples-{sampled.model}", partial(samples_figure, sampled)))
    return _save(directory, makers)


def svg(figure: Figure) -> bytes:
    """The figure as SVG (text kept as text, so it scales and can be searched); the figure is closed."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _save(directory: str | Path, makers: list[tuple[str, Callable[[], Figure]]]) -> list[Path]:
    """Draw each figure in turn (one open at a time) and write it as PNG and SVG; return the paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in makers:
        figure = make()
        for suffix in ("png", "svg"):
            path = out / f"{name}.{suffix}"
            figure.savefig(path, dpi=130)
            written.append(path)
        plt.close(figure)
    return written
