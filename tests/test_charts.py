"""Charts that can be read: actor names on the scale never drawn over each other, lines that run on top of
each other still visible, and the 80% interval of every model with draws (ktokovo.report.plots)."""

from __future__ import annotations

import numpy as np
import pytest

import ktokovo

plots = pytest.importorskip("ktokovo.report.plots")


def test_close_labels_go_on_rows_of_their_own() -> None:
    # On a 0–100 axis, labels nearer than 9 points share no row; far ones go back to the first row.
    assert plots._label_levels([75.0, 80.0, 15.0, 95.0], 100.0) == [0, 1, 0, 0]
    assert plots._label_levels([50.0, 50.0, 50.0], 100.0) == [0, 1, 2]
    assert plots._label_levels([10.0, 30.0, 50.0], 100.0) == [0, 0, 0]


def test_the_compare_chart_keeps_names_apart_and_shows_intervals(flagship: ktokovo.Scenario) -> None:
    from ktokovo.application import forecast

    result = forecast(flagship, ["mean", "bdm"], samples=40, seed=2)
    figure = plots.compare_figure(list(result.results), list(result.samples))
    ceasefire = figure.axes[flagship.issue_index("ceasefire")]
    # European allies (75) and Ukraine (80) hold nearby positions: their names sit on different rows.
    offsets = {a.get_text(): a.xyann[1] for a in ceasefire.texts}
    assert offsets["European allies"] != offsets["Ukraine"]
    # One interval bar per model, from the draws' 10th to 90th percentile.
    j = flagship.issue_index("ceasefire")
    bars = [line for line in ceasefire.lines if len(line.get_xdata()) == 2]
    expected = sorted(tuple(np.round(s.quantiles([0.1, 0.9])[:, j], 9)) for s in result.samples)
    assert sorted(tuple(np.round(line.get_xdata(), 9)) for line in bars) == expected
    assert not [line for line in plots.compare_figure(list(result.results)).axes[j].lines if len(line.get_xdata()) == 2]


def test_lines_drawn_over_each_other_stay_visible() -> None:
    styles = [plots.line_style(k, 4) for k in range(4)]
    widths = [style["linewidth"] for style in styles]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1]  # the first drawn is the widest
    assert len({(s["linestyle"], s["marker"]) for s in styles}) == 4
