"""The compiled rounds against the object version they replace: the float round
(``_exchange_kernels.round_float``) and the reference arithmetic's (``_exchange_exact.round_exact``, 28-digit
decimals in ``_decimal28``).

Each runs the same operations in the same order as the object version, so they must agree exactly: every
voting position, every realised exchange (actors, issues, gain, start, move, vote) and every candidate count,
on the shipped decide cases and on random cases built to have many exactly equal gains (few distinct
positions and saliences), which is where a difference in tie order or in a last digit would show."""

from __future__ import annotations

import decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ktokovo
from ktokovo.models import exchange

from .conftest import DATA


def _both(data: tuple[np.ndarray, ...], rounds: int = 10) -> tuple[exchange.ExchangeRun, exchange.ExchangeRun]:
    python = exchange._simulate(*data, rounds, "float", "deterministic", 0.0, None, compile_float=False)
    compiled = exchange._simulate(*data, rounds, "float", "deterministic", 0.0, None)
    return python, compiled


def _both_exact(data: tuple[np.ndarray, ...], rounds: int = 10) -> tuple[exchange.ExchangeRun, ...]:
    with decimal.localcontext(exchange._CONTEXT):
        python = exchange._simulate(*data, rounds, "reference", "deterministic", 0.0, None, compile_exact=False)
        compiled = exchange._simulate(*data, rounds, "reference", "deterministic", 0.0, None, compile_exact=True)
    return python, compiled


def _assert_same(python: exchange.ExchangeRun, compiled: exchange.ExchangeRun) -> None:
    assert np.array_equal(python.voting, compiled.voting, equal_nan=True)
    assert np.array_equal(python.next_start, compiled.next_start, equal_nan=True)
    assert python.candidates == compiled.candidates
    assert python.exchanges == compiled.exchanges


def test_the_decide_cases_to_the_bit() -> None:
    for file in ("decide_sample_data.txt", "decide_cop21.csv"):
        scenario = ktokovo.load(DATA / file)
        power = np.repeat(scenario.capabilities[:, None], len(scenario.issues), axis=1)
        scales = np.array([issue.scale for issue in scenario.issues])
        python, compiled = _both((scenario.positions, scenario.saliences / 100.0, power, scales))
        _assert_same(python, compiled)
        assert sum(len(r) for r in compiled.exchanges) > 100  # a real workout: the runs trade


@st.composite
def _cases(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    n = draw(st.integers(2, 12))
    d = draw(st.integers(2, 5))
    values = st.sampled_from([0.0, 10.0, 25.0, 50.0, 60.0, 75.0, 100.0])
    positions = np.array(draw(st.lists(st.lists(values, min_size=d, max_size=d), min_size=n, max_size=n)))
    missing = np.array(draw(st.lists(st.lists(st.booleans(), min_size=d, max_size=d), min_size=n, max_size=n)))
    positions[missing & (np.arange(n)[:, None] >= 2)] = np.nan  # a few actors without a position somewhere
    saliences = np.array(
        draw(st.lists(st.lists(st.sampled_from([0.0, 0.2, 0.5, 1.0]), min_size=d, max_size=d), min_size=n, max_size=n))
    )
    power = np.repeat(np.array(draw(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=n, max_size=n)))[:, None], d, 1)
    return positions, saliences, power, np.tile([0.0, 100.0], (d, 1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_cases())
def test_random_cases_full_of_ties_to_the_bit(data: tuple[np.ndarray, ...]) -> None:
    _assert_same(*_both(data, rounds=4))


def test_the_model_uses_the_compiled_round_in_float_mode() -> None:
    """The preset ``fast`` goes through the kernel: with the object version's methods disabled the run still
    completes."""
    scenario = ktokovo.load(DATA / "decide_sample_data.txt")
    power = np.repeat(scenario.capabilities[:, None], len(scenario.issues), axis=1)
    scales = np.array([issue.scale for issue in scenario.issues])
    original = exchange._Round.candidates
    try:
        exchange._Round.candidates = None  # type: ignore[assignment]
        run = exchange.simulate(scenario.positions, scenario.saliences / 100.0, power, scales, arithmetic="float")
    finally:
        exchange._Round.candidates = original  # type: ignore[method-assign]
    assert run.candidates[0] == 240  # round 1 of the sample: 240 candidates (decide's own tests, EXCHANGE_SPEC §8)


def test_the_reference_arithmetic_compiled_on_the_decide_cases() -> None:
    for file in ("decide_sample_data.txt", "decide_cop21.csv"):
        scenario = ktokovo.load(DATA / file)
        power = np.repeat(scenario.capabilities[:, None], len(scenario.issues), axis=1)
        scales = np.array([issue.scale for issue in scenario.issues])
        python, compiled = _both_exact((scenario.positions, scenario.saliences / 100.0, power, scales))
        _assert_same(python, compiled)
        assert sum(len(r) for r in compiled.exchanges) > 100


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_cases())
def test_random_cases_full_of_ties_in_the_reference_arithmetic(data: tuple[np.ndarray, ...]) -> None:
    _assert_same(*_both_exact(data, rounds=3))


def test_the_model_compiles_the_reference_arithmetic_from_ten_actors() -> None:
    """CoP21 (15 actors, at least ``COMPILE_FROM``) goes through the kernel by default: with the object version's
    methods disabled the run still completes."""
    assert exchange.COMPILE_FROM == 10
    scenario = ktokovo.load(DATA / "decide_cop21.csv")
    power = np.repeat(scenario.capabilities[:, None], len(scenario.issues), axis=1)
    scales = np.array([issue.scale for issue in scenario.issues])
    original = exchange._Round.candidates
    try:
        exchange._Round.candidates = None  # type: ignore[assignment]
        run = exchange.simulate(scenario.positions, scenario.saliences / 100.0, power, scales, rounds=1)
    finally:
        exchange._Round.candidates = original  # type: ignore[method-assign]
    assert run.candidates[0] == 2094  # the object version's count on round 1 (the test above checks they agree)
