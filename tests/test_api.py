"""The public surface: what ``ktokovo`` exports, and the Python example of the README."""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pandas as pd
import pytest

import ktokovo


def test_all_lists_exactly_the_public_names() -> None:
    # Submodules appear as attributes once anything imports them; they are not part of __all__.
    public = {
        name
        for name, value in vars(ktokovo).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(ktokovo.__all__) == public | {"__version__"}  # the version is dunder by convention, and exported


def test_importing_does_no_work() -> None:
    """Importing ktokovo reads no file and imports neither pandas nor scipy nor numba."""
    code = "import sys, ktokovo; print(sorted(m for m in ('pandas', 'scipy', 'numba') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_readme_python_example() -> None:
    scenario = ktokovo.load("ukraine-2025")
    result = ktokovo.run(scenario, model="bdm", preset="scholz2011", rounds=10, seed=0)
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert set(frame.columns) == {"round", "actor", "issue", "position"}
    assert len(frame) == 11 * int((~np.isnan(scenario.positions)).sum())
    assert result.parameters["q"] == 1.0 and result.seed == 0 and result.version
    assert list(result.forecast_frame()["issue"]) == list(scenario.issue_names)


def test_gains_hand_computed() -> None:
    """Two actors at 0 and 100, status quo 50, forecast (mean, equal weights) 50 + 50·(2−1)/3 = 66.67.
    A's gain: |50 − 0| − |66.67 − 0| = −16.67; B's: |50 − 100| − |66.67 − 100| = +16.67."""
    scenario = ktokovo.Scenario(
        name="two",
        actors=(ktokovo.Actor("A"), ktokovo.Actor("B")),
        issues=(ktokovo.Issue("x", status_quo=50.0),),
        capabilities=np.array([1.0, 2.0]),
        positions=np.array([[0.0], [100.0]]),
        saliences=np.array([[50.0], [50.0]]),
    )
    result = ktokovo.run(scenario, "mean")
    assert result.forecast[0] == pytest.approx(200 / 3)
    gains = ktokovo.gains(result)
    assert list(gains["actor"]) == ["B", "A"]
    assert gains["gain"].tolist() == pytest.approx([50 / 3, -50 / 3])
    pairs = ktokovo.pairwise(result)
    assert pairs.loc[0, "better"] == "B"
    assert pairs.loc[0, "advantage"] == pytest.approx((100 - 200 / 3) - 200 / 3)


def test_gains_without_status_quo_are_minus_the_distance() -> None:
    scenario = ktokovo.Scenario(
        name="two",
        actors=(ktokovo.Actor("A"), ktokovo.Actor("B")),
        issues=(ktokovo.Issue("x"),),
        capabilities=np.ones(2),
        positions=np.array([[20.0], [60.0]]),
        saliences=np.array([[50.0], [50.0]]),
    )
    gains = ktokovo.issue_gains(ktokovo.run(scenario, "mean"))
    assert gains[:, 0].tolist() == pytest.approx([-20.0, -20.0])


def test_jupyter_shows_scenarios_and_results_as_tables() -> None:
    """_repr_html_: the scenario's inputs as given, a result's forecasts with one decimal (ktokovo.core.numbers),
    names escaped; the numbers are the scenario's own and the models' own."""
    from ktokovo.application import forecast
    from ktokovo.core.numbers import given, point

    scenario = ktokovo.load("ukraine-2025")
    shown = scenario._repr_html_()
    assert shown.count("<table") == 2 and "4 actors, 7 issues" in shown
    russia, crimea = scenario.actor_index("Russia"), scenario.issue_index("crimea")
    assert f"<td>{given(scenario.positions[russia, crimea])}</td>" in shown
    result = ktokovo.run(scenario, "bdm")
    assert f"<td>{point(result.forecast[crimea])}</td>" in result._repr_html_()
    both = forecast(scenario, ["mean", "bdm"])._repr_html_()
    assert "<th>mean</th>" in both and f"<td>{point(result.forecast[crimea])}</td>" in both
    odd = scenario.replace(title="<script>alert(1)</script>")
    assert "<script>" not in odd._repr_html_() and "&lt;script&gt;" in odd._repr_html_()
