"""Every forecaster scored out of sample: scores by hand, nothing learned from a held-out case, the discrete
choice model's estimator, the mechanisms' distributions, the splits, the CLI and the run store."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

import ktokovo
from ktokovo.evaluation import outofsample as oos
from ktokovo.evaluation.backtest import backtest, cases_from_deu
from ktokovo.io.deu import read_deu

from .conftest import DATA


@pytest.fixture(scope="module")
def sample() -> oos.Sample:
    """The first 60 issues of the shipped DEU sample (tests/data/deu3_train.tsv; Arregui & Perarnaud 2022,
    CC BY 4.0), equal capabilities."""
    path = DATA / "deu3_train.tsv"
    cases = cases_from_deu(read_deu(path.read_bytes(), str(path))[0], "equal")[:60]
    return oos.Sample.of(backtest(cases, ("mean", "bdm", "smp", "procedural"), bootstrap=10))


def test_scores_of_a_distribution_by_hand() -> None:
    """Mass 0.75 at 40 and 0.25 at 60, outcome 40:
    - median 40, so the error is 0;
    - CRPS = 0.25·20 − (2·0.75·0.25·20)/2 = 1.25;
    - log score: the outcome's bin (37.5–42.5) holds 0.75, so −ln(0.99·0.75 + 0.01/21);
    - PIT = F(40−) + F({40})/2 = 0 + 0.375; the 50% interval [40, 60] holds 40."""
    d = oos.Distribution(np.array([40.0, 60.0]), np.array([0.75, 0.25]))
    found = d.scores(40.0)
    assert found["error"] == 0.0
    assert found["crps"] == pytest.approx(1.25)
    assert found["log"] == pytest.approx(-np.log(0.99 * 0.75 + 0.01 / 21))
    assert found["pit"] == pytest.approx(0.375)
    assert found["in50"] == 1.0
    # a point forecast: its CRPS is its absolute error; a miss by more than a bin scores −ln(0.01/21)
    miss = oos.Distribution.point(70.0).scores(40.0)
    assert miss["crps"] == miss["error"] == 30.0
    assert miss["log"] == pytest.approx(-np.log(0.01 / 21))


def test_the_discrete_choice_estimator_recovers_known_coefficients() -> None:
    """2,000 synthetic choices among 4 candidates with standard normal features, drawn from a conditional logit
    with β = (1.5, −1, 0.5, 0, 0, 0, 0, 0): the penalised estimate (ridge 1, negligible against 2,000 cases)
    is within 0.15 of β on every coefficient: about three of the asymptotic standard errors, 0.033–0.051 here
    (the inverse of the log-likelihood's Hessian at the estimate, computed on these data)."""
    rng = np.random.default_rng(4)
    n, c, p = 2000, 4, len(oos.FEATURES)
    beta = np.array([1.5, -1.0, 0.5, 0, 0, 0, 0, 0])
    features = rng.normal(size=(n, c, p))
    utility = features @ beta + rng.gumbel(size=(n, c))
    data = oos._Choices(np.zeros((n, c)), features, np.ones((n, c), dtype=bool), utility.argmax(axis=1))
    found = oos.fit_choice(data, np.arange(n))
    assert np.max(np.abs(found - beta)) < 0.15


def test_nothing_is_learned_from_a_held_out_case(sample: oos.Sample) -> None:
    """Split by date: changing the outcome of a case of the later half moves no forecast of that half, for
    every forecaster that learns (the procedural model's weights, the on-the-table distance, the discrete choice
    model), since each is fitted on the earlier half only when that half is tested."""
    fold = oos.assignments(sample, "date")[0]
    k = int(np.flatnonzero(fold == 1)[0])
    changed = replace(
        sample, outcomes=np.where(np.arange(len(sample.outcomes)) == k, 100.0 - sample.outcomes, sample.outcomes)
    )
    for make in (oos.procedural, oos.choice, lambda s: oos.table(s, oos.procedural(s))):
        before = make(sample).fit(np.flatnonzero(fold == 0))[0]
        after = make(changed).fit(np.flatnonzero(fold == 0))[0]
        for r in np.flatnonzero(fold == 1):
            assert before(int(r)).median() == after(int(r)).median()  # type: ignore[union-attr]


def test_the_splits_hold_whole_proposals(sample: oos.Sample) -> None:
    """Folds: every proposal's issues in one fold, 5 folds, and a different assignment in each repeat. Date:
    every proposal of the later half is at least as late as every one of the earlier half."""
    plans = oos.assignments(sample, "folds", repeats=2)
    for fold in plans:
        assert set(fold) == set(range(5))
        for p in range(len(sample.proposals)):
            assert len(set(fold[sample.proposal == p])) == 1
    assert not np.array_equal(plans[0], plans[1])
    (halves,) = oos.assignments(sample, "date")
    dates = [c.introduced for c in sample.cases]
    assert max(d for d, h in zip(dates, halves, strict=True) if h == 0) <= min(
        d for d, h in zip(dates, halves, strict=True) if h == 1
    )


def test_the_ratios_are_sums_over_the_same_cases(sample: oos.Sample) -> None:
    """The compromise model's own ratio is 1 with a zero-width interval; every other ratio is its per-issue
    sum over the compromise model's on the same issues (recomputed from the rows), inside its interval."""
    scores = oos.evaluate(sample, oos.forecasters(sample), "folds", repeats=2, bootstrap=200)
    mean = next(s for s in scores if s.name == "mean")
    assert mean.mae_ratio == (1.0, 1.0, 1.0)
    for s in scores:
        errors = np.array([r["error"] for r in s.rows])
        crpss = np.array([r["crps"] for r in s.rows])
        base = np.array([r["compromise_error"] for r in s.rows])
        assert s.mae_ratio[0] == pytest.approx(errors.sum() / base.sum())
        assert s.crps_ratio[0] == pytest.approx(crpss.sum() / base.sum())
        assert s.mae_ratio[1] <= s.mae_ratio[0] + 1e-12 and s.mae_ratio[0] <= s.mae_ratio[2] + 1e-12
        assert np.all(crpss >= -1e-9)
        if s.kind in ("point", "on the table", "refit in the training folds"):  # a point's CRPS is its error
            assert crpss == pytest.approx(errors)
        assert sum(s.pit) == s.n and 0 <= s.coverage["50%"] <= s.coverage["80%"] <= s.coverage["95%"] <= 1


def test_smp_mechanism_weights_give_its_reported_mean(emission: ktokovo.Scenario) -> None:
    """SMP's outcome weights are its last round's winning probabilities over unique positions (SMP_SPEC §8):
    they sum to 1 and the weighted final positions are the model's reported mean."""
    result = ktokovo.run(emission, "smp")
    assert result.weights is not None and result.weights.sum() == pytest.approx(1.0)
    assert float(result.weights @ result.positions[-1, :, 0]) == pytest.approx(float(result.mean[0]))
    assert ktokovo.run(emission, "bdm").weights is None


def test_the_cli_scores_out_of_sample_and_stores_the_backtest(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The first 40 issue rows of the DEU sample: --crossval --json gives both splits for every forecaster,
    --per-issue writes a row per split, forecaster and issue, and the stored backtest holds the same rows
    plus the in-sample ones; --per-issue without --crossval is refused."""
    import csv

    from typer.testing import CliRunner

    from ktokovo.cli import app

    lines = (DATA / "deu3_train.tsv").read_text(encoding="utf-8").splitlines()
    small = tmp_path / "deu_small.tsv"
    small.write_text("\n".join(lines[:41]) + "\n", encoding="utf-8")
    db = str(tmp_path / "runs.db")
    per = tmp_path / "per.csv"
    args = ["backtest", "deu", str(small), "-m", "mean", "-m", "bdm", "--bootstrap", "20", "--db", db]
    answer = CliRunner().invoke(app, [*args, "--crossval", "--repeats", "1", "--json", "--per-issue", str(per)])
    assert answer.exit_code == 0, answer.output
    found = json.loads(answer.output)["out_of_sample"]
    names = {(s["forecaster"], s["split"]) for s in found["scores"]}
    for name in ("mean", "bdm", "mean@table", "bdm@table", "bdm~mechanism", "choice"):
        assert {(name, "folds"), (name, "date")} <= names
    with per.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert len(written) == sum(s["n"] for s in found["scores"])
    listed = CliRunner().invoke(app, ["runs", "backtests", "--db", db, "--json"])
    (stored,) = json.loads(listed.output)
    table = json.loads(CliRunner().invoke(app, ["runs", "backtests", str(stored["id"]), "--db", db, "--json"]).output)
    in_sample = [r for r in table if r["split"] == "in-sample"]
    assert len(table) - len(in_sample) == len(written)
    assert {r["forecaster"] for r in in_sample} == {"mean", "bdm", "status_quo"}
    refused = CliRunner().invoke(app, [*args, "--per-issue", str(per)])
    assert refused.exit_code != 0 and "--crossval" in refused.output
    # rows 1-4 of the file are the four issues of one proposal: nothing to hold out
    one = tmp_path / "deu_one.tsv"
    one.write_text("\n".join(lines[:5]) + "\n", encoding="utf-8")
    refused = CliRunner().invoke(app, ["backtest", "deu", str(one), "-m", "mean", "--crossval", "--no-store"])
    assert refused.exit_code == 2 and "at least 5 proposals" in refused.output and "from 1" in refused.output
    refused = CliRunner().invoke(app, [*args, "--crossval", "--repeats", "0"])
    assert refused.exit_code == 2 and "repeats" in refused.output


def test_the_shipped_fits_and_records_are_recomputed() -> None:
    """FITTED_RIDGE, FITTED_CHOICE, FITTED_DISTANCE and OUT_OF_SAMPLE are what the whole shipped DEU sample
    gives (equal capabilities, seed 0, 3 repeats of 5 folds), to their printed precision."""
    from ktokovo.evaluation.ontable import best_distance

    path = DATA / "deu3_train.tsv"
    cases = cases_from_deu(read_deu(path.read_bytes(), str(path))[0], "equal")
    whole = oos.Sample.of(backtest(cases, ("mean",), bootstrap=10))
    every = np.arange(len(cases))
    data = oos._choices(whole)
    ridge = oos.choose_ridge(data, every, whole.proposal, whole.outcomes)
    assert ridge == oos.FITTED_RIDGE
    beta = oos.fit_choice(data, every, ridge)
    assert beta == pytest.approx(np.array(oos.FITTED_CHOICE), abs=1e-4)
    f = whole.forecasts["mean"]
    assert (
        best_distance(f, whole.outcomes, whole.sets, every[whole.two]),
        best_distance(f, whole.outcomes, whole.sets, every[~whole.two]),
    ) == oos.FITTED_DISTANCE
    found = {
        s.name: (s.mae, s.crps)
        for s in oos.evaluate(whole, [oos.table(whole, oos.point(whole, "mean")), oos.choice(whole)], "folds")
    }
    for name, (mae, score) in oos.OUT_OF_SAMPLE.items():
        assert found[name] == pytest.approx((mae, score), abs=0.05)


def test_the_flagship_seen_on_the_table(flagship: ktokovo.Scenario) -> None:
    """Each issue of the flagship: the probabilities of the positions on the table and off it sum to 1, the
    reference point is named among the holders, the 80% interval holds the median, and the compromise
    forecast's on-table variant is one of the positions or the forecast itself; the JSON carries it."""
    from ktokovo.application import forecast

    result = forecast(flagship, ["mean", "bdm"])
    views = result.on_table()
    assert views is not None and len(views) == len(flagship.issues)
    mean = result.results[0].forecast
    for j, view in enumerate(views):
        assert sum(p for _, _, p in view.positions) + view.off_table == pytest.approx(1.0)
        assert any("status quo" in holders for _, holders, _ in view.positions)
        assert view.low <= view.median <= view.high
        assert view.snapped in {v for v, _, _ in view.positions} | {float(mean[j])}
    shown = result.to_dict()["on_table"]
    assert [v["issue"] for v in shown["issues"]] == list(flagship.issue_names)
    assert shown["deu_record"]["choice"] == {
        "mae": oos.OUT_OF_SAMPLE["choice"][0],
        "crps": oos.OUT_OF_SAMPLE["choice"][1],
    }
    assert forecast(flagship, ["bdm"]).on_table() is None
