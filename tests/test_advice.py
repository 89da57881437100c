"""Advice for one actor (ktokovo advise): the changes it could make or seek, by hand on the compromise model."""

from __future__ import annotations

import dataclasses
import itertools
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo.analysis.advice import advise
from ktokovo.analysis.gains import gain_rows
from ktokovo.application import advice_dict
from ktokovo.cli import app

runner = CliRunner()


def _two() -> ktokovo.Scenario:
    """A at 0 and B at 100 on one issue, equal capabilities and saliences 50, status quo 50."""
    return ktokovo.Scenario(
        name="two",
        actors=(ktokovo.Actor("A"), ktokovo.Actor("B")),
        issues=(ktokovo.Issue("x", status_quo=50.0),),
        capabilities=np.ones(2),
        positions=np.array([[0.0], [100.0]]),
        saliences=np.array([[50.0], [50.0]]),
    )


def test_the_best_change_by_hand() -> None:
    """Under the compromise model the forecast is 50, A's gain 0. Stating salience 100 moves the mean to
    (0·100 + 100·50) / 150 = 33.3: A's gain |50 − 0| − 33.3 = +16.7, the best change. Persuading B to move 10
    toward A moves the mean to 45: +5. Stating a position: A already holds the end of the scale, so any other
    position pulls the forecast away from it."""
    found = advise(_two(), "A", ["mean"])
    assert found.base.tolist() == [0.0]
    best = found.best("mean", 20)
    assert best[0]["kind"] == "salience" and best[0]["after"] == 100.0
    assert best[0]["improvement"]["mean"] == pytest.approx(50 - 100 / 3)
    persuade = next(row for row in best if row["kind"] == "persuade")
    assert (
        persuade["other"] == "B" and persuade["after"] == 90.0 and persuade["improvement"]["mean"] == pytest.approx(5.0)
    )
    assert not any(row["kind"] == "position" for row in best)  # none improves its gain


def test_the_gain_as_things_stand_is_the_forecasts(flagship: ktokovo.Scenario) -> None:
    """The baseline of the advice is the actor's gain in the ordinary forecast (ktokovo.gains), model by model,
    and every candidate's gain is judged by the actor's true preferences (not what it states)."""
    found = advise(flagship, "Ukraine")
    for m, model in enumerate(found.models):
        row = next(r for r in gain_rows(ktokovo.run(flagship, model)) if r["actor"] == "Ukraine")
        assert found.base[m] == pytest.approx(row["gain"])
    k = next(
        k for k, c in enumerate(found.changes) if c.kind == "salience" and c.issue == "territory" and c.after == 70
    )
    changed = flagship.replace(
        saliences=np.where(
            (np.arange(4)[:, None] == flagship.actor_index("Ukraine"))
            & (np.arange(7)[None, :] == flagship.issue_index("territory")),
            70.0,
            flagship.saliences,
        ),
        salience_ranges=None,
    )
    forecast = ktokovo.run(changed, "bdm")
    true = ktokovo.run(flagship, "bdm")
    judged = gain_rows(type(true)(**{**true.__dict__, "forecast": forecast.forecast}))
    assert found.gains[found.models.index("bdm"), k] == pytest.approx(
        next(r["gain"] for r in judged if r["actor"] == "Ukraine")
    )


def test_cli_advise() -> None:
    result = runner.invoke(app, ["advise", "Ukraine", "--json", "--top", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["models"] == ["mean", "median", "nash", "bdm"] and data["tried"] > 200
    assert len(data["best"]) == 3 and all(row["mean_improvement"] > 0 for row in data["best"])
    text = runner.invoke(app, ["advise", "Ukraine"], env={"COLUMNS": "120"})
    assert text.exit_code == 0 and "The best changes" in text.output
    bad = runner.invoke(app, ["advise", "Atlantis"], env={"COLUMNS": "200"})
    assert bad.exit_code == 2 and "unknown actor" in bad.output


def test_the_best_changes_counting_no_deal(flagship: ktokovo.Scenario) -> None:
    """The actor's expected gain over the outlook's outcome draws (package if they settle, the no-deal point
    if not), as things stand and with each of the top changes, recomputed here from outlook() itself."""
    from ktokovo.analysis.advice import _changed, expected_gain, no_deal
    from ktokovo.analysis.outlook import outlook

    found = advise(flagship, "Ukraine", ["mean", "bdm"])
    counted = no_deal(found, top=1, samples=40, seed=3)
    base = outlook(flagship, 40, 3)
    assert counted["expected_gain_now"] == pytest.approx(expected_gain(flagship, "Ukraine", base.outcomes))
    assert counted["probability_now"] == base.probability[0]
    (row,) = counted["changes"]
    change = next(c for c in found.changes if c.label("Ukraine") == row["change"])
    ahead = outlook(_changed(flagship, change, "Ukraine"), 40, 3)
    assert row["expected_gain"] == pytest.approx(expected_gain(flagship, "Ukraine", ahead.outcomes))
    assert row["improvement"] == pytest.approx(row["expected_gain"] - counted["expected_gain_now"])
    with pytest.raises(ktokovo.ParameterError, match="names no veto players"):
        no_deal(advise(_two(), "A", ["mean"]))


EEC = Path(__file__).parent.parent / "docs" / "examples" / "eec-1958.yaml"


def _shapley_by_orders(votes: dict[str, int], quota: int) -> dict[str, Fraction]:
    """Shapley–Shubik from its definition: the share of the n! orders in which each player is pivotal."""
    pivotal = dict.fromkeys(votes, 0)
    orders = list(itertools.permutations(votes))
    for order in orders:
        total = 0
        for player in order:
            total += votes[player]
            if total >= quota:
                pivotal[player] += 1
                break
    return {player: Fraction(count, len(orders)) for player, count in pivotal.items()}


def test_a_bloc_by_hand() -> None:
    """EEC-1958 (Treaty of Rome, Art. 148(2): France, Germany, Italy 4 votes, Belgium and the Netherlands 2,
    Luxembourg 1; 12 needed). Luxembourg forming a bloc with France makes a player of 5 votes; over the 120
    orders of the five players the bloc is pivotal in 28 (7/30, as France alone was: 14/60), Germany and
    Italy 7/30, Belgium and the Netherlands 3/20. Shared by votes, Luxembourg's capability becomes
    100 · 7/30 · 1/5 = 4.67 (from 0: it never decides alone) and France's 18.67. The advice's gain for the move
    is Luxembourg's gain in the compromise forecast run with exactly those capabilities."""
    eec = ktokovo.load(str(EEC))
    indices = _shapley_by_orders({"F+L": 5, "G": 4, "I": 4, "B": 2, "N": 2}, 12)
    assert indices["F+L"] == Fraction(7, 30) and indices["B"] == Fraction(3, 20)
    found = advise(eec, "Luxembourg", ["mean"], power="shapley")
    k = next(k for k, c in enumerate(found.changes) if c.kind == "bloc" and c.issue == "form France")
    change = found.changes[k]
    assert change.before == 0.0 and change.after == pytest.approx(100 * 7 / 30 / 5)
    assert change.label("Luxembourg") == "form a bloc with France (power 0.0 → 4.7)"
    expected = np.array(
        [100 * float(share) for share in (indices["F+L"] * Fraction(4, 5), indices["G"], indices["I"])]
        + [100 * float(indices["B"])] * 2
        + [100 * float(indices["F+L"] / 5)]
    )
    changed = eec.replace(capabilities=expected, capability_ranges=None)
    gain = next(r["gain"] for r in gain_rows(ktokovo.run(changed, "mean")) if r["actor"] == "Luxembourg")
    assert found.gains[0, k] == pytest.approx(gain)
    # The bloc moves open to each actor, with a bloc declared: join it, form one with a voter outside it, or
    # leave one's own; without voting power as capabilities no bloc is tried (no capability would move).
    with_bloc = eec.replace(voting=dataclasses.replace(eec.voting, blocs=(("Belgium", "Netherlands"),)))
    moves = {c.issue for c in advise(with_bloc, "Luxembourg", ["mean"], power="shapley").changes if c.kind == "bloc"}
    assert moves == {"join Belgium+Netherlands", "form France", "form Germany", "form Italy"}
    moves = {c.issue for c in advise(with_bloc, "Belgium", ["mean"], power="banzhaf").changes if c.kind == "bloc"}
    assert moves == {"leave Belgium+Netherlands", "form France", "form Germany", "form Italy", "form Luxembourg"}
    assert not any(c.kind == "bloc" for c in advise(eec, "Luxembourg", ["mean"]).changes)


def test_cli_and_api_advise_with_blocs(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from ktokovo.io.yaml_format import scenario_to_data
    from ktokovo.web import create_app

    result = runner.invoke(app, ["advise", "Luxembourg", "-s", str(EEC), "--power", "shapley", "-m", "mean", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["power"] == "shapley" and any(row["kind"] == "bloc" for row in data["best"])
    text = runner.invoke(app, ["advise", "Luxembourg", "-s", str(EEC), "--power", "shapley", "-m", "mean"])
    assert text.output.startswith("what if: capabilities = shapley voting power × 100")
    assert "form a bloc with France" in text.output
    none = runner.invoke(app, ["advise", "Ukraine", "--power", "shapley"], env={"COLUMNS": "200"})
    assert none.exit_code != 0 and "declares no voting rule" in none.output
    with TestClient(create_app(db=str(tmp_path / "runs.sqlite"), workers=1), base_url="http://127.0.0.1") as client:
        scenario = {"data": scenario_to_data(ktokovo.load(str(EEC)))}
        answer = client.post(
            "/api/advise", json={"scenario": scenario, "actor": "Luxembourg", "models": ["mean"], "power": "shapley"}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["best"] == data["best"]


def test_advice_on_an_executor_is_the_same() -> None:
    """Models without a batched solver run the candidates in chunks on an executor: each draw keeps its index
    (and so its random stream), so the gains equal the serial run's, to the bit."""
    from concurrent.futures import ThreadPoolExecutor

    eec = ktokovo.load(str(EEC))
    serial = advise(eec, "France", ["smp", "procedural"])
    with ThreadPoolExecutor(2) as pool:
        chunked = advise(eec, "France", ["smp", "procedural"], executor=pool)
    assert np.array_equal(serial.gains, chunked.gains) and np.array_equal(serial.base, chunked.base)
    result = runner.invoke(app, ["advise", "France", "-s", str(EEC), "-m", "smp", "--workers", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["best"] == advice_dict(advise(eec, "France", ["smp"]), 8)["best"]
