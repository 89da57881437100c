"""Forecasts scored as distributions: PIT by hand, a calibrated forecaster's coverage, and the DEU run."""

from __future__ import annotations

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
