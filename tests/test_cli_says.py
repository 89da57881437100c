"""A CLI that says what it did: its version, help without Python's types, a line for every what-if, words that
match the signs of the gains, and one number format per kind of quantity (ktokovo.core.numbers)."""

from __future__ import annotations

import math
import re

import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo.cli import app
from ktokovo.cli.forecast import _extremes
from ktokovo.core import numbers

runner = CliRunner()


def test_version_is_one_number_everywhere() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"ktokovo {ktokovo.__version__}"
    # The installed metadata reads the same literal (pyproject.toml: dynamic version from ktokovo.core._version).
    assert version("ktokovo") == ktokovo.__version__


@pytest.mark.parametrize("command", [[], ["forecast"], ["sensitivity"], ["runs", "list"], ["ledger", "add"]])
def test_help_shows_placeholders_not_python_types(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(bool|str|int|float|list\[[a-z]+\]|path)>", result.output, re.I), result.output


def test_a_what_if_says_so_before_anything_else() -> None:
    result = runner.invoke(
        app, ["forecast", "-m", "mean", "--set", "Russia.capability=60", "--drop", "European allies", "--no-store"]
    )
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first == "what if: Russia.capability=60; without European allies (not the scenario as filed)"
    plain = runner.invoke(app, ["forecast", "-m", "mean", "--no-store"])
    assert "what if" not in plain.output
    as_json = runner.invoke(app, ["forecast", "-m", "mean", "--set", "Russia.capability=60", "--json", "--no-store"])
    assert as_json.output.lstrip().startswith("{")


def test_the_words_follow_the_signs() -> None:
    assert _extremes("A", 12.0, "B", -3.0) == "gains most: A (+12.0); loses most: B (-3.0)"
    assert _extremes("A", 12.0, "B", 5.0) == "gains most: A (+12.0); gains least: B (+5.0)"  # nobody loses
    assert _extremes("A", -1.0, "B", -3.0) == "loses least: A (-1.0); loses most: B (-3.0)"  # nobody gains
    assert _extremes("A", 0.04, "B", -0.04) == "loses least: A (0.0); gains least: B (0.0)"  # both round to 0


def test_numbers_have_one_format_per_kind() -> None:
    assert numbers.point(95) == "95.0" and numbers.point(-0.04) == "0.0" and numbers.point(71.65) == "71.7"
    assert numbers.signed(-0.0) == "0.0" and numbers.signed(0.06) == "+0.1" and numbers.signed(-17.74) == "-17.7"
    assert [numbers.share(p) for p in (0.0, 0.004, 0.26, 0.996, 1.0)] == ["0%", "<1%", "26%", ">99%", "100%"]
    assert numbers.index(0.0002739) == "0.00" and numbers.index(-0.0001) == "0.00"
    assert numbers.given(80.0) == "80" and numbers.given(12.5) == "12.5"
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match="not a number to print"):
            numbers.point(bad)
    with pytest.raises(ValueError, match="not a probability"):
        numbers.share(1.2)


def test_forecast_tables_print_one_decimal_and_fit_80_columns() -> None:
    result = runner.invoke(app, ["forecast", "--no-store"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith((" mean ", " median ", " bdm "))]
    assert rows
    for row in rows:
        forecast = row.split("│")[1].strip()
        assert re.fullmatch(r"\d+\.\d", forecast), row
    assert "-0.0" not in result.output


def test_models_fits_80_columns_and_keeps_names_whole() -> None:
    result = runner.invoke(app, ["models"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    words = set(result.output.split())
    for name, model in ktokovo.MODELS.items():
        assert f"{name}:" in words
        assert set(model.defaults().as_dict()) <= words  # no parameter name broken across lines


@pytest.mark.parametrize(
    "command", [["forecast"], ["compare"], ["deal"], ["sensitivity", "-m", "mean", "--samples", "8"], ["show"]]
)
def test_every_line_fits_80_columns(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--no-store"] if command[0] != "show" else command, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
