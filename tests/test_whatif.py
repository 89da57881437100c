"""What-ifs: changed inputs and dropped actors, from Python and the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo import ParameterError
from ktokovo.cli import app


def test_set_every_kind_of_input(flagship: ktokovo.Scenario) -> None:
    changed = ktokovo.what_if(
        flagship,
        set={
            "Russia.capability": 60,
            "Ukraine.crimea.position": 20,
            "Ukraine.crimea.salience": 40,
            "crimea.status_quo": 50,
        },
    )
    r, u, c = changed.actor_index("Russia"), changed.actor_index("Ukraine"), changed.issue_index("crimea")
    assert changed.capabilities[r] == 60 and np.isnan(changed.capability_ranges[r]).all()
    assert changed.positions[u, c] == 20 and changed.saliences[u, c] == 40
    assert changed.issues[c].status_quo == 50 and changed.issues[c].status_quo_range is None
    assert flagship.capabilities[r] == 80  # the original is untouched


def test_drop_an_actor_changes_the_compromise_by_hand() -> None:
    """Two of three actors left: the weighted mean of A (0, weight 1·50) and B (100, weight 1·50) is 50."""
    scenario = ktokovo.Scenario(
        name="three",
        actors=(ktokovo.Actor("A"), ktokovo.Actor("B"), ktokovo.Actor("C")),
        issues=(ktokovo.Issue("x"),),
        capabilities=np.ones(3),
        positions=np.array([[0.0], [100.0], [100.0]]),
        saliences=np.full((3, 1), 50.0),
    )
    assert ktokovo.run(scenario, "mean").forecast[0] == pytest.approx(200 / 3)
    assert ktokovo.run(ktokovo.what_if(scenario, drop=["C"]), "mean").forecast[0] == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Rusia.capability": 1}, "unknown actor"),
        ({"Russia.krim.position": 1}, "ACTOR.ISSUE.position"),
        ({"Russia.crimea.position": 150}, "off the issue's scale"),
        ({"Russia.crimea.salience": -1}, "0–100"),
        ({"Russia.capability": -5}, ">= 0"),
        ({"Russia.height": 5}, "expected ACTOR.capability"),
    ],
)
def test_bad_changes(flagship: ktokovo.Scenario, changes: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        ktokovo.what_if(flagship, set=changes)


def test_drop_unknown_actor(flagship: ktokovo.Scenario) -> None:
    with pytest.raises(ParameterError, match="no such actor"):
        ktokovo.what_if(flagship, drop=["Atlantis"])


def test_cli_set_and_drop() -> None:
    runner = CliRunner()
    base = json.loads(runner.invoke(app, ["forecast", "-m", "mean", "--json"]).output)
    result = runner.invoke(
        app, ["forecast", "-m", "mean", "--json", "--set", "Russia.capability=10", "--drop", "European allies"]
    )
    assert result.exit_code == 0, result.output
    changed = json.loads(result.output)
    assert "European allies" not in changed["models"]["mean"]["issues"]["crimea"]["positions_by_round"]
    assert (
        changed["models"]["mean"]["issues"]["crimea"]["forecast"]
        < base["models"]["mean"]["issues"]["crimea"]["forecast"]
    )
    bad = runner.invoke(app, ["forecast", "--set", "Russia.capability"])
    assert bad.exit_code == 2 and "NAME=VALUE" in bad.output


def test_cli_samples_and_thresholds(tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "forecast",
            "-m",
            "mean",
            "-m",
            "bdm",
            "--samples",
            "200",
            "--json",
            "--threshold",
            "crimea>=80",
            "--plot",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["samples"]
    assert data["bdm"]["draws"] == 200 and 0 <= data["bdm"]["thresholds"]["crimea>=80"] <= 1
    row = data["mean"]["issues"]["crimea"]
    assert row["low95"] <= row["median"] <= row["high95"]
    assert (tmp_path / "samples-bdm.png").stat().st_size > 10_000
    text = runner.invoke(app, ["forecast", "-m", "mean", "--samples", "100", "--threshold", "crimea>=80"]).output
    assert "80% interval" in text and "Probability over the draws" in text
    bad = runner.invoke(app, ["forecast", "--samples", "10", "--threshold", "krim>50"])
    assert bad.exit_code == 2 and "unknown issue" in bad.output
