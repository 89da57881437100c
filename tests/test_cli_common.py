"""What every command shares (ktokovo.cli._common): the one error handler, the extras' messages, and the
executor the draws run on."""

from __future__ import annotations

import importlib.util
import json

import pytest
from typer.testing import CliRunner

from ktokovo.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "extra", "module"),
    [
        (["serve"], "web", "fastapi"),
        (["report", "--no-store"], "report", "jinja2"),
        (["forecast", "--plot", "charts", "--no-store"], "plots", "matplotlib"),
        (["sensitivity", "--samples", "8", "--no-store"], "sensitivity", "SALib"),
        (["forecast", "--samples", "5", "--dask", "tcp://127.0.0.1:1", "--no-store"], "dask", "distributed"),
    ],
)
def test_a_missing_extra_is_named_with_its_install_command(
    args: list[str], extra: str, module: str, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """As on a machine with only README command 1's install: the module is not found. The message keeps its
    brackets (the console would read "[web]" as markup) and nothing is run or written first."""
    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == module else found(name, *a))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"python3 -m pip install 'ktokovo[{extra}]'" in result.output
    assert module in result.output and not (tmp_path / "charts").exists()


def test_bad_input_anywhere_ends_in_one_message_and_exit_2(tmp_path) -> None:
    """The command group's handler catches ktokovo's errors from every command, sub-groups included."""
    for args, words in [
        (["forecast", "-m", "mean", "--rounds", "-1", "--no-store"], "--rounds"),
        (["runs", "show", "7", "--db", str(tmp_path / "runs.sqlite")], "no run 7"),
        (["ledger", "list", str(tmp_path / "none.yaml")], "no such file"),
        (["forecast", "-m", "smp", "-p", "max_turns=2.5", "--no-store"], "must be a whole number in [1, 10000]"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert words in result.output, (args, result.output)


def test_two_worker_processes_from_the_cli_give_the_same_draws() -> None:
    """--workers 2 hands the draws, and the flagship's rounds of offers, to a process pool; every draw has its
    own random stream, so the numbers are those of one process."""
    base = ["forecast", "-m", "mean", "--samples", "40", "--batch-size", "10", "--seed", "2", "--json", "--no-store"]
    one = runner.invoke(app, base)
    two = runner.invoke(app, [*base, "--workers", "2"])
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    assert json.loads(one.output)["samples"] == json.loads(two.output)["samples"]
    for key in ("deal", "outlook"):  # the probability of a deal and the rounds of offers, run in the pool
        assert json.loads(one.output)[key] == json.loads(two.output)[key] is not None
    assert json.loads(one.output)["samples"]["mean"]["draws"] == 40
    bad = runner.invoke(app, [*base, "--workers", "0"])
    assert bad.exit_code == 2 and "--workers" in bad.output and "greater than or equal to 1" in bad.output
