"""On-the-table forecasts: the snap worked out by hand, the distance learned out of sample, and the DEU run."""

from __future__ import annotations

import numpy as np

from ktokovo import Actor, Issue, Scenario
from ktokovo.evaluation.backtest import Backtest, Case, apply_scheme, cases_from_deu
from ktokovo.evaluation.ontable import on_table, on_table_sets, snap
from ktokovo.io.deu import read_deu

from .conftest import DATA


def test_snap_by_hand() -> None:
    """On-table values {0, 40, 100}: a forecast of 33 is 7 from 40, so it snaps to 40 with d = 10 and stays
    at 33 with d = 5; 70 is 30 from both 40 and 100 (the first nearest, 40, is taken) and snaps only with
    d ≥ 30; NaN stays NaN."""
    table = [np.array([0.0, 40.0, 100.0])] * 3
    assert list(snap(np.array([33.0, 70.0, 33.0]), table, np.array([10.0, 30.0, 5.0]))) == [40.0, 40.0, 33.0]
    assert np.isnan(snap(np.array([np.nan]), table[:1], np.array([50.0]))[0])


def _case(k: int, positions: list[float], outcome: float, status_quo: float | None = None) -> Case:
    scenario = Scenario(
        name=f"c{k}",
        actors=tuple(Actor(f"a{i}") for i in range(len(positions))),
        issues=(Issue(f"x{k}", status_quo=status_quo, outcome=outcome),),
        capabilities=np.ones(len(positions)),
        positions=np.array(positions)[:, None],
        saliences=np.full((len(positions), 1), 50.0),
    )
    return Case(f"c{k}", f"p{k}", scenario, 0, {})


def test_outcomes_on_the_table_are_found_out_of_sample() -> None:
    """Forty cases, each with positions 0, 30 and 100 and the outcome at 30: the compromise forecast, 43.3, is
    13.3 from 30, so on every training part the distance chosen is the smallest that reaches it (14 on the
    grid of whole points) and every held-out case snaps to the outcome: error 0 against 13.3."""
    cases = [_case(k, [0.0, 30.0, 100.0], 30.0) for k in range(40)]
    forecasts = np.full((40, 1), 130.0 / 3)
    result = Backtest(cases=cases, models=["mean"], predictions=forecasts, bootstrap=10, seed=0, scheme="equal")
    table = on_table(result, folds=5)
    assert table.models == ["mean@table"]
    assert np.allclose(table.predictions[:, 0], 30.0)
    assert table.chosen["mean@table"]["more points"] == [14.0] * 5
    assert table.wins["mean@table"] == {"closer": 40, "further": 0, "same": 0}


def test_the_distance_is_chosen_without_the_held_out_fold() -> None:
    """Changing the outcomes of the cases in one fold's test part changes nothing chosen for that fold (its
    distance comes from the other folds only), though it changes what other folds choose."""
    cases = [_case(k, [0.0, 30.0, 100.0], 30.0 if k % 2 else 43.0) for k in range(40)]
    forecasts = np.full((40, 1), 130.0 / 3)
    base = Backtest(cases=cases, models=["mean"], predictions=forecasts, bootstrap=10, seed=0, scheme="equal")
    first = on_table(base, folds=5)
    proposals = sorted({c.proposal for c in cases})
    fold = (np.random.default_rng(0).permutation(len(proposals)) % 5)[[proposals.index(c.proposal) for c in cases]]
    moved = [_case(k, [0.0, 30.0, 100.0], 30.0) if fold[k] == 0 else c for k, c in enumerate(cases)]
    second = on_table(
        Backtest(cases=moved, models=["mean"], predictions=forecasts, bootstrap=10, seed=0, scheme="equal"), folds=5
    )
    assert second.chosen["mean@table"]["more points"][0] == first.chosen["mean@table"]["more points"][0]


def test_two_point_issues_are_told_apart() -> None:
    """A DEU-like yes-or-no issue (positions 0 and 100, reference point 0) has two on-table values; with a third
    position it has three."""
    sets, two = on_table_sets([_case(0, [0.0, 100.0, 100.0], 0.0, 0.0), _case(1, [0.0, 50.0, 100.0], 0.0, 0.0)])
    assert [list(s) for s in sets] == [[0.0, 100.0], [0.0, 50.0, 100.0]]
    assert list(two) == [True, False]


def test_deu_on_table_scores_out_of_sample() -> None:
    """The DEU sample (tests/data/deu3_train.tsv; Arregui & Perarnaud 2022, CC BY 4.0): every variant has a
    prediction wherever its model has one, and the counts of closer, further and same add up to the issues.
    The weighted median already forecasts an on-table position, so its variant changes nothing."""
    path = DATA / "deu3_train.tsv"
    cases = [apply_scheme(c, "equal") for c in cases_from_deu(read_deu(path.read_bytes(), str(path))[0], "equal")]
    from ktokovo.evaluation.backtest import backtest

    result = backtest(cases, ("mean", "median"), bootstrap=10)
    table = on_table(result)
    assert not np.isnan(table.predictions).any()
    for name, counts in table.wins.items():
        assert sum(counts.values()) == len(cases), name
    assert table.wins["median@table"]["same"] == len(cases)
    assert np.allclose(table.predictions[:, 1], result.predictions[:, 1])


def test_the_cli_prints_the_variants() -> None:
    from typer.testing import CliRunner

    from ktokovo.cli import app

    answer = CliRunner().invoke(app, ["backtest", "deu", str(DATA / "deu3_train.tsv"), "-m", "mean", "--on-table"])
    assert answer.exit_code == 0, answer.output
    assert "mean@table" in answer.output and "closer" in answer.output
    assert "procedural@table" not in answer.output  # only the models asked for
