"""Advice for one actor (ktokovo advise): the changes it could make or seek, by hand on the compromise model."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo.analysis.advice import advise
from ktokovo.analysis.gains import gain_rows
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
