"""ktokovo diff: two scenarios' forecasts, differing inputs, and gains side by side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo.analysis.diff import input_differences
from ktokovo.cli import app


def test_input_differences(flagship: ktokovo.Scenario) -> None:
    changed = ktokovo.what_if(
        flagship, set={"Russia.capability": 50, "Ukraine.crimea.position": 30}, drop=["European allies"]
    )
    rows = {row["input"]: (row["a"], row["b"]) for row in input_differences(flagship, changed)}
    assert rows == {
        "European allies": ("present", "absent"),
        "Russia.capability": (80.0, 50.0),
        "Ukraine.crimea.position": (15.0, 30.0),
    }
    assert input_differences(flagship, flagship) == []


def test_cli_diff(tmp_path: Path, flagship: ktokovo.Scenario) -> None:
    a = ktokovo.save(flagship, tmp_path / "a.yaml")
    b = ktokovo.save(ktokovo.what_if(flagship, set={"Russia.capability": 50}), tmp_path / "b.yaml")
    runner = CliRunner()
    result = runner.invoke(app, ["diff", str(a), str(b), "-m", "mean", "--json", "--plot", str(tmp_path / "charts")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    crimea = next(row for row in data["forecasts"] if row["issue"] == "crimea")
    expected_b = ktokovo.run(ktokovo.load(b), "mean").forecast[flagship.issue_index("crimea")]
    assert crimea["b"] == pytest.approx(expected_b) and crimea["shift"] == pytest.approx(crimea["b"] - crimea["a"])
    assert data["inputs"] == [{"input": "Russia.capability", "a": 80.0, "b": 50.0}]
    assert (tmp_path / "charts" / "diff-crimea.png").stat().st_size > 10_000
    other = runner.invoke(app, ["diff", str(a), "ec-emissions-1994"])
    assert other.exit_code == 2 and "same issues" in other.output
