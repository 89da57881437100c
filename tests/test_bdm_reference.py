"""The ``scholz2011`` preset against the reference port's trajectory and the spec's intermediate values.

Sources: tests/data/emission_replication_jmckib_rounds.csv (the port's output, 6 decimals);
shared/reference/BDM_SPEC.md §8.1 (round-1 intermediate values) and §9.2 (paper-reading switches);
Scholz, Calbert & Smith (2011) Table 2 (tests/data/scholz2011_table2_published.csv).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import ktokovo
from ktokovo.models import bdm
from ktokovo.models.median import weighted_median

from .conftest import DATA

ACTORS = ["Netherlands", "Belgium", "Luxembourg", "Germany", "France", "Italy", "UK", "Ireland", "Denmark", "Greece"]


def _inputs(emission: ktokovo.Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return emission.positions[:, 0], emission.capabilities, emission.saliences[:, 0] / 100.0


def test_every_actor_median_and_mean_in_every_round(emission: ktokovo.Scenario) -> None:
    reference = pd.read_csv(DATA / "emission_replication_jmckib_rounds.csv")
    result = ktokovo.run(emission, "bdm", preset="scholz2011", rounds=10)
    positions = result.positions[:, :, 0]
    assert list(emission.actor_names) == ACTORS
    # BDM_SPEC §8: tolerance 1e-6 (the CSV prints 6 decimals).
    assert_allclose(positions, reference[ACTORS].to_numpy(), atol=1e-6, rtol=0)
    x, c, s = _inputs(emission)
    medians = [weighted_median(row, c, s) for row in positions]
    means = [np.sum(c * s * row) / np.sum(c * s) for row in positions]
    assert_allclose(medians, reference["median"], atol=1e-6, rtol=0)
    assert_allclose(means, reference["mean"], atol=1e-6, rtol=0)
    assert result.forecast[0] == pytest.approx(reference["median"].iloc[-1], abs=1e-6)
    assert result.mean[0] == pytest.approx(reference["mean"].iloc[-1], abs=1e-6)


def test_published_table2_within_a_tenth_except_round_2_median(emission: ktokovo.Scenario) -> None:
    """Table 2 of Scholz et al. (2011), Q = 1. Round 2's median is 9.61 here and in the port but 9.9 in the
    paper (BDM_SPEC §7, last paragraph): the one cell that differs by more than 0.1."""
    table = pd.read_csv(DATA / "scholz2011_table2_published.csv")
    positions = ktokovo.run(emission, "bdm", rounds=8).positions[:, :, 0]
    x, c, s = _inputs(emission)
    for _, row in table.iterrows():
        t = int(row["round"])
        median = weighted_median(positions[t], c, s)
        mean = np.sum(c * s * positions[t]) / np.sum(c * s)
        assert abs(mean - row["mean"]) <= 0.1 + 1e-9
        if t == 2:
            assert median == pytest.approx(9.610859, abs=1e-6)
            assert abs(median - row["median"]) > 0.1
        else:
            assert abs(median - row["median"]) <= 0.1 + 1e-9


def test_round_one_intermediate_values(emission: ktokovo.Scenario) -> None:
    """BDM_SPEC §8.1."""
    x, c, s = _inputs(emission)
    w = c * s
    span = x.max() - x.min()
    assert span == 6
    params = bdm.BDMParameters()
    median = weighted_median(x, w, np.ones_like(w))
    exponent = bdm.risk_exponents(x, s, w, span, median, params)
    assert_allclose(
        exponent, [1.405653, 0.754196, 0.508864, 1.405653, 1.046524, 1.046524, 1.964898, 0.5, 2.0, 1.112125], atol=1e-6
    )
    prob = bdm.probability_matrix(x, w, exponent, span, "all_pairs")
    be, lu, fr = 1, 2, 4
    assert prob[be, fr] == pytest.approx(0.007313873, abs=1e-9)
    assert prob[fr, be] == pytest.approx(0.004582576, abs=1e-9)
    assert prob[lu, be] == pytest.approx(0.003147746, abs=1e-9)
    assert prob[be, lu] == pytest.approx(0.008984912, abs=1e-9)
    new, _ = bdm.step(x, s, w, span, params)
    # Moves in round 1: BE compromises with FR, LU loses a confrontation to BE, IE to LU.
    assert new[be] == pytest.approx(8.415932315, abs=1e-9)
    assert new[lu] == 7.0 and new[7] == 4.0
    unchanged = [i for i in range(10) if i not in (be, lu, 7)]
    assert np.array_equal(new[unchanged], x[unchanged])


def test_linear_votes_and_unit_exponents_give_the_all_pairs_denominator(emission: ktokovo.Scenario) -> None:
    """BDM_SPEC §8.1: D with all exponents 1 is 28.233; P = N / D, so D = N[a, b] / P[a, b]."""
    x, c, s = _inputs(emission)
    w = c * s
    ones = np.ones(10)
    prob = bdm.probability_matrix(x, w, ones, 6.0, "all_pairs")
    utility = np.abs(x[:, None] - x[None, :]) / 6.0
    support = np.einsum("k,kab->ab", w, np.maximum(utility[:, None, :] - utility[:, :, None], 0))
    assert support[1, 4] / prob[1, 4] == pytest.approx(28.233, abs=1e-9)


# BDM_SPEC §9.2: the median by round for each paper-reading switch (2 decimals).
SWITCHES = [
    ({}, "7.00 8.42 9.61 9.96 9.96 9.96 7.47 8.82 9.67 9.67 7.00"),
    ({"capitulation": True}, "7.00 8.42 9.61 9.96 9.96 9.96 7.47 8.82 9.67 9.67 7.00"),
    ({"vote_exponent": False}, "7.00 8.43 9.62 9.96 9.96 9.96 7.52 8.87 9.70 9.70 7.00"),
    ({"compromise_choice": "least_move"}, "7.00 8.42 9.61 9.96 10 10 10 10 8.18 9.30 9.88"),
    ({"opponent_exponent": "proposer"}, "7.00 8.78 9.80 9.97 10 10 10 10 10 10 10"),
    ({"denominator": "pair"}, "7 7 7 7 7 7 7 7 7 7 7"),
    ({"q": 0.5}, "7 10 10 7 7 7 7 7 7 7 7"),
]


@pytest.mark.parametrize(("switch", "expected"), SWITCHES)
def test_each_paper_reading_switch(emission: ktokovo.Scenario, switch: dict[str, object], expected: str) -> None:
    positions = ktokovo.run(emission, "bdm", rounds=10, **switch).positions[:, :, 0]
    x, c, s = _inputs(emission)
    medians = [weighted_median(row, c, s) for row in positions]
    assert_allclose(medians, [float(v) for v in expected.split()], atol=0.006)


@pytest.mark.parametrize(("q", "expected"), [(1.0, "7 7 7 7 7 7 7 7 7 7 7"), (0.5, "7 7 10 4 4 4 4 4 4 4 4")])
def test_literal_preset(emission: ktokovo.Scenario, q: float, expected: str) -> None:
    """BDM_SPEC §9.2, 'full literal preset': consensus at 7 (Q = 1) or 4 (Q = 0.5); means 7.39, 7.52, 7.89,
    7.16 then 7 for Q = 1."""
    result = ktokovo.run(emission, "bdm", preset="scholz2011_literal", rounds=10, q=q)
    positions = result.positions[:, :, 0]
    x, c, s = _inputs(emission)
    assert_allclose([weighted_median(row, c, s) for row in positions], [float(v) for v in expected.split()])
    if q == 1.0:
        means = [np.sum(c * s * row) / np.sum(c * s) for row in positions[:5]]
        assert_allclose(means, [7.39, 7.52, 7.89, 7.16, 7.0], atol=0.005)
        assert np.all(positions[4:] == 7.0)


@pytest.mark.parametrize("seed", range(6))
def test_numba_kernel_matches_numpy(seed: int) -> None:
    """The compiled O(n² log n) kernel used above NUMPY_LIMIT actors gives the O(n³) sums of the definition
    Σ_k w_k max(0, u_kb − u_ka), for utilities that are powers of the normalised distance (per-voter exponents,
    0 among them), with tied positions and voters exactly at a midpoint, to rounding."""
    from ktokovo.models._support_numba import support_matrix

    rng = np.random.default_rng(seed)
    n = 40
    x = rng.choice([0.0, 10.0, 20.0, 25.0, 30.0, 50.0, 75.0, 100.0], n) if seed % 2 else rng.uniform(0, 100, n)
    exponent = rng.choice([0.0, 0.5, 1.0, 2.0], n)
    utility = (np.abs(x[:, None] - x[None, :]) / 100.0) ** exponent[:, None]
    weight = rng.random(n)
    weight[rng.random(n) < 0.1] = 0.0
    expected = np.einsum("k,kab->ab", weight, np.maximum(utility[:, None, :] - utility[:, :, None], 0))
    got = support_matrix(x, utility, weight)
    assert np.all(got >= 0)
    assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_large_case_runs_through_the_compiled_kernel() -> None:
    """Above NUMPY_LIMIT actors the same model runs via numba; its trajectory equals the numpy path's."""
    rng = np.random.default_rng(3)
    n = bdm.NUMPY_LIMIT + 10
    x = np.round(rng.uniform(0, 100, n), 2)
    c = rng.uniform(0.01, 1, n)
    s = rng.uniform(0.05, 1, n)
    compiled, _ = bdm.simulate(x, c, s, rounds=2)
    old = bdm.NUMPY_LIMIT
    try:
        bdm.NUMPY_LIMIT = 10**6
        plain, _ = bdm.simulate(x, c, s, rounds=2)
    finally:
        bdm.NUMPY_LIMIT = old
    assert_allclose(compiled, plain, atol=1e-9)


def test_consensus_does_not_divide_by_zero() -> None:
    """BDM_SPEC §6.4: once every actor holds one position the port crashes; ktokovo repeats the consensus."""
    path, _ = bdm.simulate(np.array([30.0, 30.0, 30.0]), np.ones(3), np.full(3, 0.5), rounds=3)
    assert np.all(path == 30.0)


def test_synthetic_200_actors_matches_the_specs_independent_implementation() -> None:
    """BDM_SPEC.md §10: the synthetic 200-actor draw (default_rng(200)) gives a final median of 50.458305
    and mean of 51.396021 after 10 rounds in the spec authors' independent implementation (the port is
    too slow to check at this size). This runs through the compiled kernel."""
    from ktokovo.models.mean import weighted_mean

    rng = np.random.default_rng(200)
    x = np.round(rng.uniform(0, 100, 200), 2)
    c = np.round(rng.uniform(0.01, 1, 200), 4)
    s = np.round(rng.uniform(5, 100, 200), 1) / 100
    path, _ = bdm.simulate(x, c, s, rounds=10, parameters=bdm.PRESETS["scholz2011"])
    assert weighted_median(path[-1], c, s) == pytest.approx(50.458305, abs=1e-6)
    assert weighted_mean(path[-1], c, s) == pytest.approx(51.396021, abs=1e-6)
