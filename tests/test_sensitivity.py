"""Sensitivity: one-at-a-time swings and Sobol indices, checked on the compromise model where both have a
closed form."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo.cli import app

NO_SPREAD = {"salience": 0.0, "capability": 0.0, "position": 0.0}


def _linear_case() -> ktokovo.Scenario:
    """Three actors on one issue; only positions are uncertain (given ranges), so the compromise model is
    linear in them: forecast = Σ w_i x_i / Σ w_i with fixed weights w = c·s = (1·50, 2·50, 1·100)."""
    return ktokovo.Scenario(
        name="linear",
        actors=tuple(ktokovo.Actor(n) for n in "ABC"),
        issues=(ktokovo.Issue("x"),),
        capabilities=np.array([1.0, 2.0, 1.0]),
        positions=np.array([[20.0], [50.0], [80.0]]),
        saliences=np.array([[50.0], [50.0], [100.0]]),
        position_ranges=np.array([[[10.0, 30.0]], [[40.0, 60.0]], [[60.0, 100.0]]]),
    )


def test_one_at_a_time_swings_by_hand() -> None:
    """Swing of position i = w_i / Σw × (high − low): A 50/250·20 = 4, B 100/250·20 = 8, C 100/250·40 = 16."""
    result = ktokovo.sensitivity(_linear_case(), "mean", sobol_samples=0, spread=NO_SPREAD)
    swings = dict(zip(result.labels, result.swing()[:, 0], strict=True))
    assert swings["A.x.position"] == pytest.approx(4.0)
    assert swings["B.x.position"] == pytest.approx(8.0)
    assert swings["C.x.position"] == pytest.approx(16.0)
    assert swings["A.capability"] == 0 and swings["C.x.salience"] == 0
    assert result.ranking(0, 1)[0]["factor"] == "C.x.position"


def test_sobol_indices_of_a_linear_model() -> None:
    """For independent inputs in a linear model, S1_i = ST_i = w_i² Var_i / Σ_j w_j² Var_j, and a symmetric
    triangular on a range of width d has variance d²/24: shares 1·400 : 4·400 : 4·1600 over 8400."""
    result = ktokovo.sensitivity(_linear_case(), "mean", sobol_samples=1024, seed=3, spread=NO_SPREAD)
    expected = {"A.x.position": 400 / 8400, "B.x.position": 1600 / 8400, "C.x.position": 6400 / 8400}
    for label, share in expected.items():
        k = result.labels.index(label)
        assert result.first_order[k, 0] == pytest.approx(share, abs=0.05)
        assert result.total[k, 0] == pytest.approx(share, abs=0.05)


def test_cli_sensitivity(tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["sensitivity", "-m", "mean", "--samples", "64", "--json", "--plot", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    factors = data["issues"]["crimea"]["factors"]
    assert len(factors) == 8 and {"factor", "low", "high", "swing", "first_order", "total"} <= set(factors[0])
    assert (tmp_path / "tornado-mean-crimea.png").stat().st_size > 10_000
    text = runner.invoke(app, ["sensitivity", "-m", "bdm", "--samples", "0", "--top", "3"]).output
    assert "what moves the bdm forecast most" in text


def _two_issues() -> ktokovo.Scenario:
    """The linear case with a second issue y that no input of x can move under the compromise model."""
    return ktokovo.Scenario(
        name="two",
        actors=tuple(ktokovo.Actor(n) for n in "ABC"),
        issues=(ktokovo.Issue("x"), ktokovo.Issue("y")),
        capabilities=np.array([1.0, 2.0, 1.0]),
        positions=np.array([[20.0, 25.0], [50.0, 45.0], [80.0, 70.0]]),
        saliences=np.array([[50.0, 60.0], [50.0, 30.0], [100.0, 70.0]]),
        position_ranges=np.array([[[10.0, 30.0]] * 2, [[40.0, 60.0]] * 2, [[60.0, 100.0]] * 2]),
    )


def test_only_inputs_that_can_move_the_issue_are_ranked() -> None:
    """The compromise model keeps issues apart: x's forecast depends on capabilities and x's positions and
    saliences only (swing 0 and ST exactly 0 for y's inputs), so y's inputs are not listed for x."""
    result = ktokovo.sensitivity(_two_issues(), "mean", sobol_samples=64, seed=1)
    for j, issue in enumerate(("x", "y")):
        listed = [row["factor"] for row in result.ranking(j, 100)]
        assert listed and all(name.endswith(".capability") or f".{issue}." in name for name in listed)
        other = "y" if issue == "x" else "x"
        assert not any(f".{other}." in name for name in listed)


def test_the_table_and_the_tornado_share_one_ranking(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from ktokovo.report.plots import tornado_figure

    result = ktokovo.sensitivity(_two_issues(), "mean", sobol_samples=64, seed=1)
    for j in range(2):
        figure = tornado_figure(result, j, 4)
        shown = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
        assert shown[::-1] == [row["factor"] for row in result.ranking(j, 4)]  # the tornado lists the first on top
        totals = [row["total"] for row in result.ranking(j, 100)]
        assert totals == sorted(totals, reverse=True)  # with Sobol, ranked by total index


def test_noisy_sobol_estimates_are_flagged() -> None:
    """At 8 samples the 95% half-widths of the linear case's indices are well above 0.1 (SALib's bootstrap);
    at 4096 they are below it and the estimates match the closed form (see the linear-model test)."""
    noisy = ktokovo.sensitivity(_linear_case(), "mean", sobol_samples=8, seed=3, spread=NO_SPREAD)
    warning = noisy.noise(0)
    assert warning is not None and "too noisy to read at 8 samples" in warning and "95% interval" in warning
    assert "--samples" in warning
    steady = ktokovo.sensitivity(_linear_case(), "mean", sobol_samples=4096, seed=3, spread=NO_SPREAD)
    assert steady.noise(0) is None
    runner = CliRunner()
    text = runner.invoke(app, ["sensitivity", "-m", "mean", "--samples", "8", "--no-store"]).output
    assert "warning: the Sobol indices are too noisy" in text
