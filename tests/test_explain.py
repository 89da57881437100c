"""Why each actor moved (ktokovo explain): the model's own records, checked against its positions, the BDM
rules by hand, KTAB's turn-1 log of chosen bargains, and decide's list of CoP21 round-1 exchanges."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo.analysis.explain import explain, narrative
from ktokovo.cli import app

from .conftest import DATA
from .test_exchange_reference import NAMES  # decide's spellings of the CoP21 coalitions

runner = CliRunner()


def test_bdm_explains_every_move_with_the_rules(flagship: ktokovo.Scenario) -> None:
    """Every actor, issue and round: the row's positions are the run's; a confrontation or capitulation
    lands on the partner's round-start position (BDM_SPEC §6.2); a compromise moves |own / other| of the way
    (the offer of BDM_SPEC §4.3); a held position does not move."""
    for actor in flagship.actor_names:
        found = explain(flagship, actor, "bdm")
        result, i = found.result, flagship.actor_index(actor)
        assert len(found.rows) == 10 * int((~np.isnan(flagship.positions[i])).sum())
        for row in found.rows:
            j, t = flagship.issue_index(row["issue"]), row["round"]
            assert row["from"] == pytest.approx(result.positions[t - 1, i, j])
            assert row["to"] == pytest.approx(result.positions[t, i, j])
            if row["what"] == "held":
                assert row["from"] == row["to"]
                continue
            partner = result.positions[t - 1, flagship.actor_index(row["partner"]), j]
            if row["what"] in ("confrontation", "capitulation"):
                assert row["to"] == pytest.approx(partner)
            else:
                share = abs(row["why"]["own_expected_utility"] / row["why"]["partner_expected_utility"])
                assert row["to"] == pytest.approx(row["from"] + (partner - row["from"]) * share)


def test_bdm_round_one_on_crimea_by_name(flagship: ktokovo.Scenario) -> None:
    """The flagship's first round on Crimea: the United States (85) takes Ukraine's compromise, and the
    European allies (30) give in to the United States and take its 85 (the run's positions)."""
    rows = {r["round"]: r for r in explain(flagship, "United States", "bdm", "crimea").rows}
    assert rows[1]["what"] == "compromise" and rows[1]["partner"] == "Ukraine"
    allies = {r["round"]: r for r in explain(flagship, "European allies", "bdm", "crimea").rows}
    assert allies[1]["what"] == "confrontation" and allies[1]["partner"] == "United States"
    assert allies[1]["to"] == 85.0


def test_smp_turn_one_bargains_are_ktabs(monkeypatch: pytest.MonkeyPatch) -> None:
    """ref_turn1_detail_dummyData_3Dim.txt: KTAB's 'Chosen bargain ( Deterministic )' of each actor in turn 1,
    as (initiator, receiver) by the ids its log gives each bargain; the explanation names the same pair."""
    dummy = ktokovo.load(DATA / "dummyData_3Dim.csv")
    text = (DATA / "ref_turn1_detail_dummyData_3Dim.txt").read_text()
    first = text.split("Starting Model::run iteration")[1]
    ids = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in re.finditer(r"\[(\d+), (\d+):(\d+)\]", text)}
    chosen = [ids[b] for b in re.findall(r"Chosen bargain \( Deterministic \): (\d+)", first)]
    names = dummy.actor_names
    assert len(chosen) == len(names)
    for k, (i, j) in enumerate(chosen):
        found = explain(dummy, names[k], "smp", preset="ktab", actor_order="as_given")
        turn = next(r for r in found.rows if r["round"] == 1)
        assert (turn["why"]["initiator"], turn["why"]["receiver"]) == (names[i], names[j])
        assert 0 < turn["why"]["probability"] <= 1 and turn["why"]["bargains"] >= 1


def test_exchange_round_one_trades_are_decides() -> None:
    """decide_CoP21_round1_exchanges_reference.csv (its first 36 exchanges, as the exchange reference test
    reads them): the USA's trades among them, in order, with their partner, issues, gain and positions."""
    cop21 = ktokovo.load(DATA / "decide_cop21.csv")
    found = explain(cop21, "USA", "exchange", preset="decide", rounds=1, actor_order="as_given")
    rows = pd.read_csv(DATA / "decide_CoP21_round1_exchanges_reference.csv", sep=";", header=None).iloc[:36]
    issues = {i.replace("_", ""): i for i in cop21.issue_names}
    listed = [r for _, r in rows.iterrows() if "USA" in (r[0], r[2])]
    ours = found.rows[: len(listed)]
    assert len(listed) >= 3
    for row, mine in zip(listed, ours, strict=True):
        usa, other = ((0, 1, 5, 7), (2, 3, 9, 11)) if row[0] == "USA" else ((2, 3, 9, 11), (0, 1, 5, 7))
        assert NAMES.get(mine["partner"], mine["partner"]) == row[other[0]]
        assert mine["issue"] == issues[row[usa[1]]] and mine["why"]["partner_moves_on"] == issues[row[other[1]]]
        assert mine["why"]["gain"] == pytest.approx(row[4], rel=5e-6)
        assert (mine["from"], mine["to"]) == (
            pytest.approx(row[usa[2]], abs=1e-3),
            pytest.approx(row[usa[3]], abs=1e-3),
        )


def test_cli_explain(flagship: ktokovo.Scenario) -> None:
    result = runner.invoke(app, ["explain", "United States", "crimea", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["model"] == "bdm" and len(data["rows"]) == 10 == len(data["narrative"])
    assert data["narrative"][0].startswith("round 1: United States accepted Ukraine's compromise on crimea")
    text = runner.invoke(app, ["explain", "Ukraine", "-m", "smp"], env={"COLUMNS": "120"})
    assert text.exit_code == 0 and "the winner of its election among" in text.output
    for args, message in (
        (["explain", "Ukraine", "-m", "mean"], "explain covers the models that run in rounds"),
        (["explain", "Atlantis"], "unknown actor"),
        (["explain", "Ukraine", "moon"], "unknown issue"),
    ):
        bad = runner.invoke(app, args, env={"COLUMNS": "200"})
        assert bad.exit_code == 2 and message in bad.output, bad.output


def test_recording_changes_nothing(flagship: ktokovo.Scenario) -> None:
    """A run that records why computes exactly what a run that does not computes."""
    for model in ("bdm", "smp", "exchange"):
        plain = ktokovo.run(flagship, model)
        found = explain(flagship, "Russia", model)
        assert found.result.positions.tobytes() == plain.positions.tobytes()
        assert narrative(found)
