"""Shocks: input changes from a given round on, in scenario files and on the command line, honoured by every
model that runs in rounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo import ParameterError, Shock
from ktokovo.analysis.whatif import parse_shock, with_shocks
from ktokovo.cli import app


def test_parse_shocks() -> None:
    assert parse_shock("3:Russia.capability=60") == Shock(3, "set", "Russia.capability", 60.0)
    assert parse_shock("2:United States.us-support.position*0.5") == Shock(
        2, "scale", "United States.us-support.position", 0.5
    )
    assert parse_shock("4:-European allies") == Shock(4, "leave", "European allies")
    assert parse_shock("1:+Russia") == Shock(1, "enter", "Russia")
    for bad in ("Russia.capability=60", "x:Russia.capability=1", "3:", "3:Russia.capability"):
        with pytest.raises(ParameterError):
            parse_shock(bad)


def test_shocks_are_checked(flagship: ktokovo.Scenario) -> None:
    for shock in (
        Shock(0, "set", "Russia.capability", 1.0),
        Shock(2, "set", "Rusia.capability", 1.0),
        Shock(2, "set", "Russia.crimea.position", 300.0),
        Shock(2, "leave", "Atlantis"),
    ):
        with pytest.raises(ParameterError):
            with_shocks(flagship, [shock])


def test_yaml_round_trip_and_csv_refusal(flagship: ktokovo.Scenario, tmp_path: Path) -> None:
    shocked = with_shocks(
        flagship, [parse_shock("3:United States.us-support.position=0"), parse_shock("5:-European allies")]
    )
    again = ktokovo.load(ktokovo.save(shocked, tmp_path / "talks.yaml"))
    assert again == shocked and len(again.shocks) == 2
    table = ktokovo.load(ktokovo.save(shocked, tmp_path / "talks.csv"))  # the table only
    assert table.shocks == () and np.array_equal(table.positions, shocked.positions)


def test_static_models_see_the_inputs_after_every_shock(flagship: ktokovo.Scenario) -> None:
    shocked = with_shocks(flagship, [parse_shock("3:Russia.capability=20"), parse_shock("6:-European allies")])
    direct = ktokovo.what_if(flagship, set={"Russia.capability": 20}, drop=["European allies"])
    for model in ("mean", "median", "nash"):
        np.testing.assert_allclose(ktokovo.run(shocked, model).forecast, ktokovo.run(direct, model).forecast)


@pytest.mark.parametrize("model", ["bdm", "smp", "exchange"])
def test_models_in_rounds_honour_a_shock_from_its_round(flagship: ktokovo.Scenario, model: str) -> None:
    """Before round 4 the shocked run is the plain run; from round 4 the departing actor has no position. (SMP
    may stop by its own rule before the 8 rounds allowed, in each phase.)"""
    plain = ktokovo.run(flagship, model, rounds=8)
    shocked = ktokovo.run(with_shocks(flagship, [parse_shock("4:-European allies")]), model, rounds=8)
    europe = flagship.actor_index("European allies")
    assert shocked.rounds == 8 if model != "smp" else 4 <= shocked.rounds <= 8
    same = min(4, plain.rounds + 1)
    np.testing.assert_allclose(shocked.positions[:same], plain.positions[:same])
    assert np.isnan(shocked.positions[4:, europe]).all()
    assert not np.isnan(shocked.positions[4:, flagship.actor_index("Russia")]).any()


def test_a_shock_after_the_last_round_changes_nothing(flagship: ktokovo.Scenario) -> None:
    plain = ktokovo.run(flagship, "bdm", rounds=5)
    late = ktokovo.run(with_shocks(flagship, [parse_shock("9:Russia.capability=1")]), "bdm", rounds=5)
    assert late.positions.tobytes() == plain.positions.tobytes()


def test_an_actor_entering_later(flagship: ktokovo.Scenario) -> None:
    shocked = ktokovo.run(with_shocks(flagship, [parse_shock("3:+European allies")]), "bdm", rounds=6)
    europe = flagship.actor_index("European allies")
    assert np.isnan(shocked.positions[:3, europe]).all() and not np.isnan(shocked.positions[3:, europe]).any()


def test_cli_shock(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["forecast", "-m", "bdm", "--shock", "3:United States.us-support.position=0", "--plot", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rounds-bdm-us-support.png").stat().st_size > 10_000
    bad = runner.invoke(app, ["forecast", "--shock", "3:Atlantis.capability=1"])
    assert bad.exit_code == 2 and "ACTOR.capability" in bad.output
