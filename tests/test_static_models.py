"""The compromise model, the weighted median and Nash bargaining, against hand computations and published
numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

import ktokovo
from ktokovo.models.mean import weighted_mean
from ktokovo.models.median import weighted_median
from ktokovo.models.nash import nash_bargaining

from .conftest import DATA


def test_emission_case_mean_and_median(emission: ktokovo.Scenario) -> None:
    """MODELS.md §4.1 / §2.4: mean 7.390 and median 7 on the emission case."""
    assert ktokovo.run(emission, "mean").forecast[0] == pytest.approx(7.390, abs=5e-4)
    assert ktokovo.run(emission, "median").forecast[0] == 7.0


def test_decide_unit_cases() -> None:
    """decide-exchange-model's own unit tests (MODELS.md §4.1): (0,1,1),(100,1,1),(100,1,1) gives 200/3;
    actors at 0 (salience 10) and 100 (salience 60) give 85 5/7."""
    assert weighted_mean(np.array([0.0, 100, 100]), np.ones(3), np.ones(3)) == pytest.approx(200 / 3)
    assert weighted_mean(np.array([0.0, 100]), np.ones(2), np.array([10.0, 60])) == pytest.approx(85 + 5 / 7)


@pytest.mark.parametrize("case", ["sample_data", "cop21"])
def test_weighted_mean_is_decides_initial_nbs(case: str) -> None:
    """Column nbs_0 of equalgain_reference_nbs_*.csv is the capability × salience weighted mean on the
    issue's scale normalised to 0–100 (MODELS.md §4.1), printed to 4 decimals (so half a unit in the
    last place, plus a hair for a value such as 57.96875 printed as 57.9688)."""
    source = {"sample_data": "decide_sample_data.txt", "cop21": "decide_cop21.csv"}[case]
    scenario = ktokovo.load(DATA / source)
    reference = pd.read_csv(DATA / f"equalgain_reference_nbs_{case}.csv", comment="#").set_index("issue")
    result = ktokovo.run(scenario, "mean")
    for issue, value in zip(scenario.issues, result.forecast, strict=True):
        assert issue.to_unit(value) == pytest.approx(reference.loc[issue.name, "nbs_0"], abs=5e-5 + 1e-9)


def test_median_exact_half_takes_the_lower_position() -> None:
    # Weights 1 and 1: the cumulative weight reaches exactly half at the first position.
    assert weighted_median(np.array([10.0, 90.0]), np.ones(2), np.ones(2)) == 10.0
    # 1 + 2 of 6 at 30 is exactly half; ties with 70, lower wins.
    assert weighted_median(np.array([70.0, 10.0, 30.0]), np.ones(3), np.array([3.0, 1.0, 2.0])) == 30.0


def test_nash_linear_closed_form() -> None:
    """Actors at 0 (weight 3) and 60 (weight 1), status quo 100, linear utilities: on the feasible interval
    (20, 60) the objective is 3 log(100 − v) + log(v − 20), maximised at v = (100·1 + 20·3)/4 = 40."""
    value = nash_bargaining(np.array([0.0, 60.0]), np.array([3.0, 1.0]), np.ones(2), 100.0, utility="linear")
    assert value == pytest.approx(40.0, abs=1e-9)


def test_nash_quadratic_against_a_root_finder() -> None:
    """The same case with quadratic utilities and equal weights: the first-order condition
    −2v/(100² − v²) − 2(v − 60)/(40² − (v − 60)²) = 0, solved independently with scipy's brentq."""

    def condition(v: float) -> float:
        return -2 * v / (100**2 - v**2) - 2 * (v - 60) / (40**2 - (v - 60) ** 2)

    expected = brentq(condition, 20 + 1e-9, 60 - 1e-9, xtol=1e-14)
    value = nash_bargaining(np.array([0.0, 60.0]), np.ones(2), np.ones(2), 100.0)
    assert value == pytest.approx(expected, abs=1e-9)


def test_nash_symmetric_case_is_the_midpoint() -> None:
    assert nash_bargaining(np.array([0.0, 100.0]), np.ones(2), np.ones(2)) == pytest.approx(50.0, abs=1e-9)


def test_nash_without_a_mutually_better_outcome_is_the_status_quo() -> None:
    # Actors on both sides of the status quo: any move hurts one of them.
    assert nash_bargaining(np.array([0.0, 100.0]), np.ones(2), np.ones(2), 50.0) == 50.0
