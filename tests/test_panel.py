"""Expert panels (ktokovo panel): medians, envelopes, sources, agreement and the experts' shifts, by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo.analysis import panel as panels
from ktokovo.application import panel
from ktokovo.cli import app
from ktokovo.core.scenario import Source

pytest.importorskip("krippendorff")
runner = CliRunner()


def _expert(caps, positions, saliences, ranges=None, quote="") -> ktokovo.Scenario:
    """Two actors N, S on two issues; the positions given as [[N x, N y], [S x, S y]] (NaN: not held)."""
    sources = {"position/N/x": Source("memo", "¶1", quote)} if quote else {}
    return ktokovo.Scenario(
        name="talks",
        actors=(ktokovo.Actor("N"), ktokovo.Actor("S")),
        issues=(ktokovo.Issue("x", status_quo=50.0), ktokovo.Issue("y")),
        capabilities=np.array(caps, float),
        positions=np.array(positions, float),
        saliences=np.array(saliences, float),
        position_ranges=None if ranges is None else np.array(ranges, float),
        sources=sources,
        documents={"memo": "a memo"},
    )


def _three(full: bool = False) -> list[ktokovo.Scenario]:
    """Three experts; b leaves S out of y (a file would need a second actor there: ``full`` gives S 75)."""
    nan = np.nan
    a = _expert([60, 40], [[10, 20], [90, 80]], [[50, 50], [50, 50]], quote="north first")
    b = _expert([50, 50], [[20, 30], [70, 75 if full else nan]], [[60, 40], [80, 10 if full else 0]])
    wide = np.full((2, 2, 2), nan)
    wide[0, 0] = [0, 35]  # N's position on x: 30 with a range 0–35
    c = _expert([70, 30], [[30, 25], [80, 60]], [[70, 30], [90, 60]], ranges=wide)
    return [a, b, c]


def test_each_input_is_the_median_its_range_the_envelope_and_its_sources_kept() -> None:
    combined = panels.combine(_three(), ["a", "b", "c"])
    # Medians by hand: capabilities (60, 50, 70) -> 60 and (40, 50, 30) -> 40; N on x (10, 20, 30) -> 20;
    # S on y given by a and c only (80, 60) -> 70; N's salience on x (50, 60, 70) -> 60.
    assert combined.capabilities.tolist() == [60.0, 40.0]
    assert combined.positions[0, 0] == 20.0 and combined.positions[1, 1] == 70.0
    assert combined.saliences[0, 0] == 60.0
    # Envelope: N on x from c's own low 0 (its range) to c's high 35; S on y from 60 to 80 (values only).
    assert combined.position_ranges[0, 0].tolist() == [0.0, 35.0]
    assert combined.position_ranges[1, 1].tolist() == [60.0, 80.0]
    assert combined.capability_ranges[0].tolist() == [50.0, 70.0]
    source = combined.sources["position/N/x"]
    assert (
        source.quote == "north first" and "a: 10" in source.note and "b: 20" in source.note and "c: 30" in source.note
    )
    assert combined.issues[0].status_quo == 50.0


def test_mismatched_files_are_refused_with_what_differs() -> None:
    a, b, _ = _three()
    other = b.replace(actors=(ktokovo.Actor("N"), ktokovo.Actor("West")))
    with pytest.raises(ktokovo.ScenarioError) as caught:
        panels.combine([a, other], ["a.yaml", "b.yaml"])
    text = str(caught.value)
    assert "actor 'S' of a.yaml is missing here" in text and "actor 'West' is not in a.yaml" in text
    assert "b.yaml" in text
    rescaled = b.replace(issues=(ktokovo.Issue("x", scale=(0, 200)), b.issues[1]))
    with pytest.raises(ktokovo.ScenarioError, match="on the scale 0–200 here but 0–100"):
        panels.combine([a, rescaled], ["a.yaml", "b.yaml"])
    with pytest.raises(ktokovo.ScenarioError, match="at least two"):
        panels.combine([a], ["a.yaml"])


def test_krippendorffs_alpha_matches_the_published_example() -> None:
    """Krippendorff (2011), 'Computing Krippendorff's Alpha-Reliability', the 4 coders x 12 units example:
    interval alpha 0.849."""
    nan = np.nan
    data = np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
            [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
        ]
    )
    import krippendorff

    assert panels._alpha(krippendorff, data) == pytest.approx(0.849, abs=5e-4)
    same = _three()[0]
    assert panels.agreement([same, same], ["a", "b"])["position"] == 1.0  # two identical files agree exactly
    flat = same.replace(positions=np.full((2, 2), 50.0))
    assert panels.agreement([flat, flat], ["a", "b"])["position"] is None  # no variation at all: undefined


def test_disagreements_and_shifts_by_hand() -> None:
    experts = _three()
    spread = {d.input: d for d in panels.disagreements(experts, ["a", "b", "c"], top=20)}
    assert spread["N.x.position"].spread == 20.0  # 10, 20, 30
    assert spread["S.y.position"].values == (80.0, None, 60.0)
    report = panel(experts, ["a", "b", "c"], ["mean"])
    shifts = {row["expert"]: row for row in report.shifts()}
    mean_panel = ktokovo.run(report.scenario, "mean").forecast
    mean_b = ktokovo.run(report.experts[1], "mean").forecast
    assert shifts["b"]["by_issue"]["x"] == pytest.approx(mean_b[0] - mean_panel[0])
    assert shifts["b"]["mean_abs_shift"] == pytest.approx(np.mean(np.abs(mean_b - mean_panel)))


def test_cli_panel_writes_a_scenario_that_loads(tmp_path: Path) -> None:
    names = []
    for label, expert in zip("abc", _three(full=True), strict=True):
        names.append(str(tmp_path / f"{label}.yaml"))
        ktokovo.save(expert, names[-1])
    out = tmp_path / "panel.yaml"
    result = runner.invoke(app, ["panel", *names, "-o", str(out), "--json", "-m", "mean"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["experts"] == ["a.yaml", "b.yaml", "c.yaml"] and set(data["alpha"]) == {
        "position",
        "salience",
        "capability",
        "all",
    }
    loaded = ktokovo.load(str(out))
    assert loaded.positions[0, 0] == 20.0 and loaded.position_ranges[0, 0].tolist() == [0.0, 35.0]
    text = runner.invoke(app, ["panel", *names, "-m", "mean"], env={"COLUMNS": "100"})
    assert text.exit_code == 0 and "Krippendorff's alpha" in text.output and "N.x.position" in text.output
    bad = runner.invoke(app, ["panel", names[0]])
    assert bad.exit_code == 2 and "at least two" in bad.output
