"""Forecasts scored as distributions: PIT by hand, a calibrated forecaster's coverage, and the DEU run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ktokovo.evaluation.backtest import backtest, cases_from_deu
from ktokovo.evaluation.distributions import calibrate, pit
from ktokovo.evaluation.scores import crps
from ktokovo.io.deu import read_deu

from .conftest import DATA


def test_pit_by_hand() -> None:
    """Draws 10, 20, 20, 30: y = 20 has one draw below and two equal, so F(y) = 1/4 + 2/4 / 2 = 0.5; y = 5
    gives 0 and y = 35 gives 1."""
    draws = np.array([10.0, 20.0, 20.0, 30.0])
    assert pit(draws, 20.0) == 0.5 and pit(draws, 5.0) == 0.0 and pit(draws, 35.0) == 1.0


def test_a_calibrated_forecaster_has_flat_pit_and_nominal_coverage() -> None:
    """Outcomes drawn from the very distribution forecast (normal, sd 10): the PIT values are uniform and the
    50/80/95% intervals cover about 50/80/95% of 4,000 outcomes (binomial sd under 1 point), and the mean
    CRPS matches the closed form for a normal forecast of a normal outcome with the same σ: σ/√π = 5.64
    (from Gneiting & Raftery 2007, eq. 5 for the normal, averaged over the outcome)."""
    rng = np.random.default_rng(0)
    sample = rng.normal(50.0, 10.0, 4000)
    outcomes = rng.normal(50.0, 10.0, 4000)
    values = np.array([pit(sample, y) for y in outcomes])
    counts = np.histogram(values, bins=10, range=(0, 1))[0]
    assert np.all(np.abs(counts - 400) < 4 * np.sqrt(400 * 0.9))
    for level in (0.5, 0.8, 0.95):
        low, high = np.quantile(sample, [(1 - level) / 2, (1 + level) / 2])
        assert np.mean((outcomes >= low) & (outcomes <= high)) == pytest.approx(level, abs=0.03)
    mean_crps = np.mean([crps(sample, y) for y in outcomes[:500]])
    assert mean_crps == pytest.approx(10.0 / np.sqrt(np.pi), rel=0.05)


def test_deu_predictive_distributions() -> None:
    """Forty DEU cases (tests/data/deu3_train.tsv; Arregui & Perarnaud 2022, CC BY 4.0), 50 draws each: every
    case forecast is scored, the coverage and PIT counts are consistent, one case's CRPS recomputed from the
    core's own draws is the same, and a model without a batch engine is left out with the reason."""
    from ktokovo.analysis.uncertainty import sample_forecasts

    path = DATA / "deu3_train.tsv"
    cases = cases_from_deu(read_deu(path.read_bytes(), str(path))[0], "equal")[:40]
    result = backtest(cases, ("mean", "bdm", "smp"), bootstrap=10)
    calibration, skipped = calibrate(result, draws=50)
    assert [c.model for c in calibration] == ["mean", "bdm"]
    assert list(skipped) == ["smp"]
    for c in calibration:
        m = result.models.index(c.model)
        assert c.n == int(np.sum(~np.isnan(result.predictions[:, m]))) == sum(c.pit)
        assert 0 <= c.coverage["50%"] <= c.coverage["80%"] <= c.coverage["95%"] <= 1
        assert all(row["crps"] >= 0 for row in c.rows)
    first = cases[0]
    draws = sample_forecasts(first.scenario, "mean", samples=50, seed=0).forecasts[:, first.issue]
    assert calibration[0].rows[0]["crps"] == pytest.approx(crps(draws, first.outcome))
    assert calibration[0].reference == pytest.approx(float(np.mean(result.errors[:, 0])))


def test_the_spread_is_chosen_inside_the_training_folds() -> None:
    """Forty DEU cases, 30 draws, two candidate spreads: each fold's choice is the spread with the lower CRPS
    on the other folds, the held-out CRPS is the chosen spread's CRPS on each held-out case (recomputed here
    from calibrate on that spread), and the ratio is that CRPS over the compromise model's MAE on the same
    cases."""
    from ktokovo.evaluation.distributions import validate_spread

    path = DATA / "deu3_train.tsv"
    cases = cases_from_deu(read_deu(path.read_bytes(), str(path))[0], "equal")[:40]
    result = backtest(cases, ("mean", "bdm"), bootstrap=10)
    spreads = (10.0, 40.0)
    found = validate_spread(result, "bdm", 30, spreads=spreads, bootstrap=50)
    assert set(found.chosen) <= set(spreads) and len(found.chosen) == 5
    per = {
        s: np.array([r["crps"] for r in calibrate(result, 30, spread={"position": s}, models=("bdm",))[0][0].rows])
        for s in spreads
    }
    # the same folds as the module's (proposals permuted with the seed), each held-out case scored with its
    # fold's choice
    proposals, index = np.unique([c.proposal for c in cases], return_inverse=True)
    fold = (np.random.default_rng(0).permutation(len(proposals)) % 5)[index]
    held = np.array([per[found.chosen[fold[k]]][k] for k in range(len(cases))])
    assert found.crps == pytest.approx(held.mean())
    for k, spread in enumerate(found.chosen):  # each choice is the best on the other folds
        train = fold != k
        assert per[spread][train].mean() == min(per[s][train].mean() for s in spreads)
    assert found.ratio == pytest.approx(found.crps / found.reference)
    assert found.reference == pytest.approx(float(np.mean(result.errors[:, 0])))
    assert found.low <= found.ratio <= found.high


def test_the_split_by_date_trains_on_one_half_and_tests_on_the_other() -> None:
    """Split by date: the proposals sorted by their DEU intro date, the earlier half one fold and the later
    the other; each fold's spread is the better one on the other half, scored on its own half."""
    from ktokovo.evaluation.distributions import spread_scores, validate_spread

    path = DATA / "deu3_train.tsv"
    cases = cases_from_deu(read_deu(path.read_bytes(), str(path))[0], "equal")[:40]
    assert all(c.introduced is not None for c in cases)
    result = backtest(cases, ("mean", "bdm"), bootstrap=10)
    spreads = (10.0, 40.0)
    scores = spread_scores(result, "bdm", 30, spreads)
    found = validate_spread(result, "bdm", 30, spreads=spreads, bootstrap=50, split="date", scores=scores)
    dates = {c.proposal: c.introduced for c in cases}
    order = sorted(dates, key=lambda p: (dates[p], p))
    later = np.array([c.proposal in set(order[len(order) // 2 :]) for c in cases])
    assert found.folds == 2 and len(found.chosen) == 2
    for k, half in enumerate((~later, later)):
        best = spreads[int(np.argmin(scores[:, ~half].mean(axis=1)))]
        assert found.chosen[k] == best
    held = np.where(later, scores[spreads.index(found.chosen[1])], scores[spreads.index(found.chosen[0])])
    assert found.crps == pytest.approx(held.mean())


def test_the_cli_prints_distributions_and_both_splits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The first 30 issue rows of the DEU sample, 20 draws: the spread validated by proposal and by date for
    both models (in the JSON), the calibration table printed, and --spread-cv without --distributions
    refused."""
    from typer.testing import CliRunner

    from ktokovo.cli import app

    lines = (DATA / "deu3_train.tsv").read_text(encoding="utf-8").splitlines()
    small = tmp_path / "deu_small.tsv"
    small.write_text("\n".join(lines[:31]) + "\n", encoding="utf-8")
    args = ["backtest", "deu", str(small), "-m", "mean", "-m", "bdm", "--bootstrap", "20"]
    answer = CliRunner().invoke(app, [*args, "--distributions", "20", "--spread-cv", "--json"])
    assert answer.exit_code == 0, answer.output
    found = json.loads(answer.output)["distributions"]
    assert [m["model"] for m in found["models"]] == ["mean", "bdm"]
    assert [(v["model"], v["split"]) for v in found["spread_validation"]] == [
        ("mean", "proposal"),
        ("mean", "date"),
        ("bdm", "proposal"),
        ("bdm", "date"),
    ]
    printed = CliRunner().invoke(app, [*args, "--distributions", "20"])
    assert "Predictive distributions" in printed.output and "PIT histogram" in printed.output
    refused = CliRunner().invoke(app, [*args, "--spread-cv"])
    assert refused.exit_code != 0 and "--distributions" in refused.output
