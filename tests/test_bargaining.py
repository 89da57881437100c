"""Bargaining under incomplete information (ktokovo.analysis.bargaining): the bounds its docstring proves, a
case solved on paper, and the DEU unanimity cases run through it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import ktokovo
from ktokovo.analysis import bargaining
from ktokovo.analysis.bargaining import Proposer, Types, bargain, screen, types_of
from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Veto

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def flagship() -> ktokovo.Scenario:
    return ktokovo.load("ukraine-2025")


def test_a_case_solved_on_paper() -> None:
    """One issue; proposer A at 100 walks away to 0 at no cost (its no-deal loss is 100); responder B at 0
    accepts z iff z <= w, its walk-away w being 10, 20, ..., 100 in the ten equally likely draws.

    Round 1: offering z = w_j is accepted in the draws j..10, P = (11 - j)/10, and A's expected utility is
    -100 + P * w_j = -100 + (11 - j) * j; j = 5 and j = 6 tie at -70, and the likelier offer is made: z = 50,
    accepted by 6 draws. Round 2 (the draws w = 10..40 left): -100 + P * w is -90, -85, -85, -90 for
    w = 10, 20, 30, 40; the likelier of the tie, z = 20, is accepted by 3 of the 4. So P(deal by round 2) =
    9/10, every draw has a zone (upper bound 1), and the mean accepted package is (6 * 50 + 3 * 20) / 9 = 40."""
    types = _grid()
    proposer = Proposer("A", np.ones(1), np.array([100.0]), 100.0, 0.0, np.array([50.0]))
    result = screen(types, proposer, rounds=2)
    assert [o.package[0] for o in result.offers] == pytest.approx([50.0, 20.0], abs=1e-9)
    assert [o.accepted for o in result.offers] == pytest.approx([0.6, 0.75], abs=1e-9)
    assert [o.settled for o in result.offers] == pytest.approx([0.6, 0.9], abs=1e-9)
    assert result.probability == pytest.approx(0.9, abs=1e-9)
    assert result.complete_information == 1.0
    assert_allclose(result.expected_package, [40.0], atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("rounds", [1, 3])
def test_the_probability_never_exceeds_the_complete_information_share(
    flagship: ktokovo.Scenario, seed: int, rounds: int
) -> None:
    for proposer in [v.actor for v in flagship.vetoes]:
        for delay in (0.0, 2.0):
            result = bargain(flagship, 200, seed, proposer=proposer, rounds=rounds, delay=delay, candidates=16)
            assert 0.0 <= result.probability <= result.complete_information + 1e-12 <= 1.0 + 1e-12
            settled = [o.settled for o in result.offers]
            assert settled == sorted(settled)  # a deal once made stays made


def test_without_uncertainty_the_probability_is_the_complete_information_share(flagship: ktokovo.Scenario) -> None:
    """Every draw the estimates themselves: a veto proposer who can see the zone offers inside it (1 = 1),
    and with the zone closed there is nothing to offer (0 = 0). Closed: Russia and Ukraine each walk away to
    their own positions at no cost, so each accepts only its own positions, and those differ."""
    unit = flagship.unit_positions()
    own = {
        name: tuple(
            (issue, float(flagship.positions[flagship.actor_index(name), j]))
            for j, issue in enumerate(flagship.issue_names)
        )
        for name in ("Russia", "Ukraine")
    }
    closed = flagship.replace(
        vetoes=tuple(replace(v, walk_away=own[v.actor], cost=0.0) if v.actor in own else v for v in flagship.vetoes)
    )
    for scenario, expected in ((flagship, 1.0), (closed, 0.0)):
        positions = np.repeat(unit[None], 5, axis=0)
        saliences = np.repeat(scenario.saliences[None], 5, axis=0)
        for proposer in [v.actor for v in scenario.vetoes]:
            types, own = types_of(scenario, proposer, positions, saliences)
            result = screen(types, own, rounds=2)
            assert result.probability == result.complete_information == expected, proposer


def _grid(k: int = 10) -> Types:
    walk = 10.0 * np.arange(1, k + 1)
    return Types(np.ones((k, 1, 1)), np.zeros((k, 1, 1)), walk[:, None], np.zeros(1), [[]])


def test_a_proposer_with_more_to_lose_never_offers_less_likely_terms() -> None:
    """One round of the paper case with A's no-deal loss N: offering w_j gives -N + P_j (w_j - 100 + N), and a
    higher N favours the likelier offers. By hand: N = 100 gives z = 50 (P = 0.6, above); N = 150 gives
    0.1 (11 - j) (10 j + 50), largest at j = 3: z = 30, P = 0.8."""
    shares = []
    for no_deal in (100.0, 120.0, 150.0, 200.0, 400.0, 1000.0):
        proposer = Proposer("A", np.ones(1), np.array([100.0]), no_deal, 0.0, np.array([50.0]))
        shares.append(screen(_grid(), proposer).probability)
    assert shares == sorted(shares)
    assert shares[0] == pytest.approx(0.6, abs=1e-9) and shares[2] == pytest.approx(0.8, abs=1e-9)
    assert shares[-1] == 1.0  # with everything to lose, A offers what every draw accepts


def test_bad_arguments_are_refused(flagship: ktokovo.Scenario) -> None:
    with pytest.raises(ParameterError, match="unknown proposer 'Nobody'"):
        bargain(flagship, 10, proposer="Nobody")
    with pytest.raises(ParameterError, match="rounds of offers must be a whole number from 1 to 100"):
        bargain(flagship, 10, rounds=0)
    with pytest.raises(ParameterError, match="the cost of delay must be a number >= 0"):
        bargain(flagship, 10, delay=-1.0)
    with pytest.raises(ParameterError, match="samples must be a whole number >= 1"):
        bargain(flagship, 0)
    with pytest.raises(ParameterError, match="names no veto players"):
        bargain(ktokovo.load("ec-emissions-1994"), 10)


def test_the_deu_unanimity_cases_run_through_it() -> None:
    """Every issue of the DEU III sample decided by unanimity, each member state a veto player walking away to
    the reference point (as ``backtest --veto-unanimity`` does); 40 draws each. DEU data: Thomson et al.,
    CC BY 4.0 (tests/data/README.md)."""
    from ktokovo.io.deu import read_deu

    cases, _ = read_deu((DATA / "deu3_train.tsv").read_bytes(), "deu3_train.tsv")
    ran = 0
    for case in cases:
        issue = case.scenario.issues[0]
        if case.voting_rule != "Unan" or issue.status_quo is None:
            continue
        states = [a for a in case.scenario.actor_names if a not in ("Commission", "Parliament")]
        scenario = case.scenario.replace(vetoes=tuple(Veto(a, issues=(issue.name,)) for a in states))
        result = bargaining.bargain(scenario, 40, 0, candidates=8)
        assert 0.0 <= result.probability <= result.complete_information <= 1.0
        ran += 1
    assert ran >= 10  # the sample's unanimity issues with a reference point
