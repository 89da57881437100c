"""Forecast intervals: the draws, the batch engine and its equality across batch sizes, processes and Dask."""

from __future__ import annotations

import numpy as np
import pytest

import ktokovo
from ktokovo import ParameterError
from ktokovo.analysis.uncertainty import DEFAULT_SPREAD, draw_inputs, input_ranges

BATCHED = ["mean", "median", "nash", "bdm"]


@pytest.mark.parametrize("model", BATCHED)
def test_any_batch_size_gives_the_same_numbers(flagship: ktokovo.Scenario, model: str) -> None:
    whole = ktokovo.sample_forecasts(flagship, model, samples=60, seed=4)
    for batch_size in (1, 7, 60):
        again = ktokovo.sample_forecasts(flagship, model, samples=60, seed=4, batch_size=batch_size)
        assert again.forecasts.tobytes() == whole.forecasts.tobytes()


def test_joint_models_draw_by_draw(flagship: ktokovo.Scenario) -> None:
    first = ktokovo.sample_forecasts(flagship, "smp", samples=6, seed=2, batch_size=4)
    second = ktokovo.sample_forecasts(flagship, "smp", samples=6, seed=2, batch_size=1)
    assert first.forecasts.tobytes() == second.forecasts.tobytes()
    assert np.all(np.isfinite(first.forecasts))


def test_two_worker_processes_give_the_same_numbers(flagship: ktokovo.Scenario) -> None:
    from concurrent.futures import ProcessPoolExecutor

    serial = ktokovo.sample_forecasts(flagship, "bdm", samples=40, seed=9, batch_size=10)
    with ProcessPoolExecutor(max_workers=2) as pool:
        parallel = ktokovo.sample_forecasts(flagship, "bdm", samples=40, seed=9, batch_size=10, executor=pool)
    assert parallel.forecasts.tobytes() == serial.forecasts.tobytes()


def test_a_dask_cluster_gives_the_same_numbers(flagship: ktokovo.Scenario) -> None:
    """A LocalCluster of two worker processes on 127.0.0.1, started and stopped by this test."""
    distributed = pytest.importorskip("distributed")
    serial = ktokovo.sample_forecasts(flagship, "bdm", samples=30, seed=11, batch_size=10)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster.scheduler_address) as client,
    ):
        remote = ktokovo.sample_forecasts(
            flagship, "bdm", samples=30, seed=11, batch_size=10, executor=client.get_executor()
        )
    assert remote.forecasts.tobytes() == serial.forecasts.tobytes()


def test_without_spread_every_draw_is_the_point_forecast(flagship: ktokovo.Scenario) -> None:
    """A scenario whose estimates have no ranges, run with zero default spread, has nothing uncertain."""
    bare = flagship.replace(
        capability_ranges=None,
        position_ranges=None,
        salience_ranges=None,
        issues=tuple(i.__class__(**{**vars(i), "status_quo_range": None}) for i in flagship.issues),
    )
    zero = {"position": 0.0, "salience": 0.0, "capability": 0.0}
    for model in BATCHED:
        sampled = ktokovo.sample_forecasts(bare, model, samples=5, seed=1, spread=zero)
        np.testing.assert_allclose(sampled.forecasts, np.tile(ktokovo.run(bare, model).forecast, (5, 1)), atol=1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_draws_follow_the_triangular_distribution(flagship: ktokovo.Scenario, seed: int) -> None:
    """Over 4000 draws, each capability's mean is near (low + mode + high) / 3, the triangular mean, and every
    draw lies in its range. Tolerance: 4 standard errors (sd of a triangular ≤ width / sqrt(24))."""
    draws = draw_inputs(flagship, np.arange(4000), seed)
    low, mode, high = input_ranges(flagship)["capability"]
    assert np.all((draws.capabilities >= low) & (draws.capabilities <= high))
    tolerance = 4 * (high - low) / np.sqrt(24) / np.sqrt(4000)
    assert np.all(np.abs(draws.capabilities.mean(axis=0) - (low + mode + high) / 3) < tolerance)


def test_default_spread_applies_where_no_range_is_given() -> None:
    scenario = ktokovo.load("ec-emissions-1994")  # no confidence ranges at all
    low, mode, high = input_ranges(scenario)["capability"]
    np.testing.assert_allclose(low, mode * (1 - DEFAULT_SPREAD["capability"]))
    low, mode, high = input_ranges(scenario)["position"]
    np.testing.assert_allclose(high - mode, np.minimum(DEFAULT_SPREAD["position"], 100 - mode))


def test_thresholds_are_shares_of_draws(flagship: ktokovo.Scenario) -> None:
    sampled = ktokovo.sample_forecasts(flagship, "mean", samples=200, seed=3)
    j = flagship.issue_index("crimea")
    assert sampled.probability("crimea>=75") == np.mean(sampled.forecasts[:, j] >= 75)
    assert sampled.probability("crimea < 75") == pytest.approx(1 - sampled.probability("crimea>=75"))
    with pytest.raises(ParameterError, match="unknown issue"):
        sampled.probability("krim>=50")
    with pytest.raises(ParameterError, match="ISSUE>=VALUE"):
        sampled.probability("crimea = 50")


def test_summary_intervals_are_ordered(flagship: ktokovo.Scenario) -> None:
    for row in ktokovo.sample_forecasts(flagship, "bdm", samples=300, seed=5).summary_rows():
        assert row["low95"] <= row["low80"] <= row["median"] <= row["high80"] <= row["high95"]


def test_a_stopped_run_keeps_the_finished_draws(flagship: ktokovo.Scenario) -> None:
    """The progress callback stops the work by returning False (the CLI does so on Ctrl-C)."""

    def interrupt_after_first(done: int) -> bool:
        return done < 10

    result = ktokovo.sample_forecasts(
        flagship, "mean", samples=50, seed=1, batch_size=10, progress=interrupt_after_first
    )
    assert result.interrupted and len(result.forecasts) == 10
    full = ktokovo.sample_forecasts(flagship, "mean", samples=50, seed=1, batch_size=10)
    assert result.forecasts.tobytes() == full.forecasts[:10].tobytes()


def test_bad_requests(flagship: ktokovo.Scenario) -> None:
    with pytest.raises(ParameterError, match="samples"):
        ktokovo.sample_forecasts(flagship, "mean", samples=0)
    with pytest.raises(ParameterError, match="unknown model"):
        ktokovo.sample_forecasts(flagship, "bmd", samples=5)
