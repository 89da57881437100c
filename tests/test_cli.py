"""The ktokovo command, run in-process with typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo.cli import app

from .conftest import DATA

runner = CliRunner()


def test_forecast_of_the_flagship_by_default() -> None:
    result = runner.invoke(app, ["forecast"])
    assert result.exit_code == 0, result.output
    assert "US–Russia–Ukraine peace talks" in result.output
    for issue in ("ceasefire", "crimea", "territory", "sanctions", "security", "us-support", "resources"):
        assert issue in result.output
    assert "Who gets the better of whom" in result.output


def test_forecast_json_holds_every_model_issue_and_round() -> None:
    result = runner.invoke(app, ["forecast", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    scenario = ktokovo.load("ukraine-2025")
    assert set(data["models"]) == {"mean", "median", "nash", "bdm"}  # the default set; compare runs all
    bdm = data["models"]["bdm"]
    assert bdm["rounds"] == 10 and bdm["parameters"]["q"] == 1.0
    for issue in scenario.issue_names:
        entry = bdm["issues"][issue]
        assert 0 <= entry["forecast"] <= 100
        assert all(len(path) == 11 for path in entry["positions_by_round"].values())
    expected = ktokovo.run(scenario, "mean").forecast
    assert [data["models"]["mean"]["issues"][i]["forecast"] for i in scenario.issue_names] == pytest.approx(expected)


def test_forecast_of_an_xlsx_with_a_model_and_rounds(tmp_path: Path) -> None:
    path = ktokovo.save(ktokovo.load("ec-emissions-1994"), tmp_path / "talks.xlsx")
    result = runner.invoke(
        app, ["forecast", str(path), "--model", "bdm", "--rounds", "10", "--preset", "scholz2011", "--json"]
    )
    assert result.exit_code == 0, result.output
    forecast = json.loads(result.output)["models"]["bdm"]["issues"]["emission-standards"]
    # emission_replication_jmckib_rounds.csv, round 10: median 7.000000, mean 7.242131.
    assert forecast["forecast"] == pytest.approx(7.0)
    assert forecast["mean"] == pytest.approx(7.242131, abs=1e-6)


def test_forecast_with_a_parameter() -> None:
    result = runner.invoke(app, ["forecast", "ec-emissions-1994", "-m", "bdm", "-p", "q=0.5", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["models"]["bdm"]["parameters"]["q"] == 0.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["forecast", "-m", "bmd"], "unknown model 'bmd'"),
        (["forecast", "-m", "bdm", "-p", "Q=1"], "unknown parameter 'Q'"),
        (["forecast", "-m", "bdm", "-p", "q"], "NAME=VALUE"),
        (["forecast", "--preset", "scholz2011"], "--preset applies to one model"),
        (["forecast", "no-such-scenario"], "no such file"),
    ],
)
def test_bad_requests_exit_2_with_a_message(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_check_a_good_and_a_bad_file(tmp_path: Path) -> None:
    good = runner.invoke(app, ["check", str(DATA / "dummyData_3Dim.csv")])
    assert good.exit_code == 0 and "7 actors, 3 issues" in good.output
    bad = tmp_path / "talks.csv"
    bad.write_text("actor,issue,position,salience,capability\nA,x,ten,50,1\nB,x,90,-1,2\n")
    result = runner.invoke(app, ["check", str(bad)])
    assert result.exit_code == 2
    assert "line 2" in result.output and "position" in result.output and "line 3" in result.output
    assert "Traceback" not in result.output


def test_show_lists_sources() -> None:
    result = runner.invoke(app, ["show", "ukraine-2025"])
    assert result.exit_code == 0
    assert "hope of loosening sanctions" in result.output


def test_scenarios_and_models() -> None:
    assert "ukraine-2025" in runner.invoke(app, ["scenarios"]).output
    assert "scholz2011_literal" in runner.invoke(app, ["models"]).output


def test_convert_csv_to_yaml_and_back(tmp_path: Path) -> None:
    source = ktokovo.save(ktokovo.load("ukraine-2025").replace(vetoes=(), linkages=()), tmp_path / "talks.csv")
    result = runner.invoke(app, ["convert", str(source), str(tmp_path / "talks.yaml")])
    assert result.exit_code == 0, result.output
    assert ktokovo.load(tmp_path / "talks.yaml") == ktokovo.load(source)
    result = runner.invoke(app, ["convert", str(source), str(tmp_path / "talks.dat")])
    assert result.exit_code == 2 and "suffix" in result.output


def test_compare_runs_every_model_and_writes_charts(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", "ukraine-2025", "--plot", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for model in ktokovo.MODELS:
        assert f" {model} " in result.output
    assert "models span" in result.output
    for name in ("compare", "gains", "rounds-bdm-crimea", "rounds-smp-crimea", "rounds-exchange-crimea"):
        png = (tmp_path / f"{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000, name
        assert (tmp_path / f"{name}.svg").read_text().lstrip().startswith("<?xml")


def test_compare_skips_models_that_do_not_apply() -> None:
    """The emission case has one issue: nothing to exchange across."""
    result = runner.invoke(app, ["compare", "ec-emissions-1994", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert "exchange" in data["skipped"] and "exchange" not in data["models"]
    assert set(data["models"]) == {"mean", "median", "nash", "bdm", "smp", "procedural"}
