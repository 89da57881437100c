"""Bargaining under incomplete information: cases solved on paper, the bounds the module promises, the
ranges on the rules, and the DEU unanimity cases."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import ktokovo
from ktokovo import Actor, Issue, Scenario
from ktokovo.analysis.bargaining import Proposer, Types, bargain, complete_share, screen
from ktokovo.analysis.deal import Stacked, has_zone, problem, stacked, zones
from ktokovo.analysis.durability import durability
from ktokovo.analysis.outlook import outlook
from ktokovo.analysis.uncertainty import draw_inputs
from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Talks, Veto

DATA = Path(__file__).parent / "data"


def _grid_types(costs_a: np.ndarray, costs_b: np.ndarray) -> Types:
    """One issue, two responders A and B with ideal 0 and walk-away 0: A accepts z iff z ≤ c_A, B iff z ≤ c_B.
    One draw per pair (c_A, c_B) of the grid, all equally likely."""
    a, b = np.meshgrid(costs_a, costs_b, indexing="ij")
    k = a.size
    return Types(
        weights=np.ones((k, 2, 1)),
        ideals=np.zeros((k, 2, 1)),
        allowance=np.stack([a.ravel(), b.ravel()], axis=1),
        delay=np.zeros(2),
        cases=[[]],
    )


def _proposer_at_100(cost: float = 0.0, delay: float = 0.0) -> Proposer:
    """Ideal 100, walk-away 0: its gain over no deal from offering z is G(z) = 100 + cost − (100 − z)."""
    return Proposer("P", np.ones(1), np.array([100.0]), 100.0 + cost, delay, np.array([50.0]))


def test_two_responders_with_uniform_walk_aways_solved_on_paper() -> None:
    """c_A, c_B each uniform on {10, 20, ..., 100}, independent: 100 equally likely draws. An offer z = 10m is
    accepted by both with P = ((11 − m)/10)², and the proposer gains G = 10m, so P·G = 10m(11 − m)²/100:
    10, 16.2, 19.2, 19.6, 18 for m = 1..5, then falling. The best offer is 40, accepted in 49 draws. After a
    rejection, 51 draws are left (those with c_A < 40 or c_B < 40); against them z = 30 is accepted in 64 − 49
    = 15, z = 20 in 81 − 49 = 32, z = 10 in all 51: P·G = 450/51, 640/51, 510/51, so the second offer is 20
    and P(deal by round 2) = (49 + 32)/100 = 0.81."""
    grid = np.arange(10.0, 101.0, 10.0)
    result = screen(_grid_types(grid, grid), _proposer_at_100(), rounds=2, belief=None)
    first, second = result.offers
    assert first.package == pytest.approx([40.0], abs=1e-9)
    assert first.accepted == pytest.approx(0.49, abs=1e-12)
    assert second.package == pytest.approx([20.0], abs=1e-9)
    assert second.accepted == pytest.approx(32 / 51, abs=1e-12)
    assert result.probability == pytest.approx(0.81, abs=1e-12)
    # The mean accepted package: 49 draws at 40 and 32 at 20.
    assert result.expected_package == pytest.approx([(49 * 40 + 32 * 20) / 81], abs=1e-9)
    assert result.proven


def test_a_cost_of_delay_is_counted_in_the_next_round() -> None:
    """As above with a cost of delay of 10 for A, B and the proposer. Round 2 (t = 1): the 51 draws left
    accept z iff z ≤ c + 10 for both, and the proposer gains G = 10m + 10 from z = 10m. z = 40 is then
    accepted where c_A, c_B ≥ 30 and not both ≥ 40: 64 − 49 = 15 draws, G = 50; z = 30: 81 − 49 = 32, G = 40;
    z = 20: 51, G = 30. P·G = 750/51, 1280/51, 1530/51: the offer is 20, accepted in all 51 draws."""
    grid = np.arange(10.0, 101.0, 10.0)
    types = dataclasses.replace(_grid_types(grid, grid), delay=np.full(2, 10.0))
    result = screen(types, _proposer_at_100(delay=10.0), rounds=2, belief=None)
    assert result.offers[1].package == pytest.approx([20.0], abs=1e-9)
    assert result.offers[1].accepted == pytest.approx(1.0)
    assert result.probability == pytest.approx(1.0)


def test_probability_never_exceeds_the_complete_information_share() -> None:
    """The flagship with each veto player proposing, over 3 rounds: a deal in a draw needs a package every
    veto player accepts in it, so the share settled is at most the share with a zone (the module's bound)."""
    scenario = ktokovo.load("ukraine-2025").replace(talks=Talks(rounds=3))
    for result in bargain(scenario, 120, seed=5, belief=12):
        assert 0.0 <= result.probability <= result.complete_information + 1e-12
        assert np.all(np.diff([o.settled for o in result.offers]) >= 0)


def _certain(scenario: Scenario) -> Scenario:
    """Every input's confidence range shut to its estimate: draws then all equal the estimates."""
    zero = np.stack([scenario.positions, scenario.positions], axis=-1)
    sal = np.stack([scenario.saliences, scenario.saliences], axis=-1)
    caps = np.stack([scenario.capabilities, scenario.capabilities], axis=-1)
    issues = tuple(dataclasses.replace(i, status_quo_range=None) for i in scenario.issues)
    vetoes = tuple(dataclasses.replace(v, cost_range=None, walk_away_ranges=()) for v in scenario.vetoes)
    return scenario.replace(
        position_ranges=zero, salience_ranges=sal, capability_ranges=caps, issues=issues, vetoes=vetoes
    )


def test_equal_to_the_complete_information_share_without_uncertainty() -> None:
    """With every range zero all draws are the estimates, the proposer sees the truth and offers a package
    inside the zone whenever there is one: the two probabilities are equal (1 for the flagship's estimates,
    whose zone is open; 0 when Russia's walk-away on territory closes it)."""
    flagship = _certain(ktokovo.load("ukraine-2025"))
    for proposer in ("United States", "Russia"):
        (result,) = bargain(flagship, 5, proposer=proposer)
        assert result.probability == result.complete_information == 1.0
    russia = next(v for v in flagship.vetoes if v.actor == "Russia")
    closed = flagship.replace(
        vetoes=tuple(
            dataclasses.replace(v, walk_away=(("territory", 100.0),), cost=40.0) if v is russia else v
            for v in flagship.vetoes
        )
    )
    (result,) = bargain(closed, 5, proposer="United States")
    assert result.probability == result.complete_information


def test_a_proposer_with_a_higher_cost_of_no_deal_is_never_less_likely_to_settle() -> None:
    """Revealed preference (module docstring): on the same draws, raising the proposer's own cost of no deal
    never lowers the share that accepts its offer. The grid case (where the offer falls from 40 towards the
    responders as the cost grows) and the flagship with the United States proposing."""
    grid = np.arange(10.0, 101.0, 10.0)
    shares = [
        screen(_grid_types(grid, grid), _proposer_at_100(cost), belief=None).probability for cost in (0, 10, 30, 80)
    ]
    assert shares == sorted(shares) and shares[-1] > shares[0]
    flagship = ktokovo.load("ukraine-2025")
    us = next(v for v in flagship.vetoes if v.actor == "United States")
    shares = []
    for cost in (0.0, 5.0, 20.0):
        scenario = flagship.replace(
            vetoes=tuple(dataclasses.replace(v, cost=cost) if v is us else v for v in flagship.vetoes)
        )
        (result,) = bargain(scenario, 30, seed=2, proposer="United States", belief=None)
        shares.append(result.probability)
    assert shares == sorted(shares)


def test_the_stacked_zone_check_agrees_with_one_program_per_draw() -> None:
    """zones() skips programs for draws that accept a package found before; its answer must equal has_zone on
    every draw, here on a two-player case where about half the draws have a zone (walk-aways 45 and 55, drawn
    from 25–65 and 35–75, cost 0: a zone needs A's and B's drawn limits to meet)."""
    scenario = Scenario(
        name="half",
        actors=(Actor("A"), Actor("B")),
        issues=(Issue("x", status_quo=50.0),),
        capabilities=np.ones(2),
        positions=np.array([[0.0], [100.0]]),
        saliences=np.full((2, 1), 50.0),
        vetoes=(
            Veto("A", walk_away=(("x", 45.0),), walk_away_ranges=(("x", 25.0, 65.0),)),
            Veto("B", walk_away=(("x", 55.0),), walk_away_ranges=(("x", 35.0, 75.0),)),
        ),
    )
    draws = draw_inputs(scenario, np.arange(200), 4)
    one_by_one = np.array([has_zone(problem(scenario, **draws.problem_inputs(k))) for k in range(200)])
    assert 0.2 < one_by_one.mean() < 0.8
    rules = stacked(scenario, draws)
    assert np.array_equal(zones(rules.weights, rules.ideals, rules.allowance, problem(scenario).cases), one_by_one)


def test_ranges_on_the_rules_are_drawn() -> None:
    """A walk-away point with a range [25, 65] around 45 is drawn from the triangular distribution (mode 45):
    every draw inside the range, the mean near (25 + 45 + 65)/3 = 45; a cost's range likewise. Without a
    range the rule stays at its estimate in every draw."""
    base = ktokovo.load("ukraine-2025")
    russia = base.vetoes[0]
    ranged = dataclasses.replace(
        russia, cost=5.0, cost_range=(0.0, 20.0), walk_away_ranges=(("territory", 60.0, 95.0),)
    )
    scenario = base.replace(vetoes=(ranged, *base.vetoes[1:]))
    draws = draw_inputs(scenario, np.arange(4000), 0)
    j = scenario.issue_names.index("territory")
    walk = draws.walk_aways[:, 0, j]
    assert walk.min() >= 60.0 and walk.max() <= 95.0
    assert walk.mean() == pytest.approx((60 + 80 + 95) / 3, abs=0.5)
    assert draws.costs[:, 0].mean() == pytest.approx((0 + 5 + 20) / 3, abs=0.3)
    assert np.all(draws.costs[:, 2] == base.vetoes[2].cost)  # the European allies' cost has no range
    # The stances' draws do not move when a rule gets a range (the rules' uniforms come last).
    plain = draw_inputs(base, np.arange(50), 0)
    assert np.array_equal(plain.positions, draw_inputs(scenario, np.arange(50), 0).positions)


def test_rule_ranges_round_trip_through_yaml_and_are_checked() -> None:
    base = ktokovo.load("ukraine-2025")
    ranged = dataclasses.replace(
        base.vetoes[0], cost_range=(2.0, 15.0), walk_away_ranges=(("territory", 70.0, 90.0),), delay=1.0
    )
    scenario = base.replace(vetoes=(ranged, *base.vetoes[1:]), talks=Talks("United States", 3, (("territory", 85.0),)))
    again = ktokovo.loads(ktokovo.dumps(scenario, "yaml"), format="yaml")
    assert again.vetoes == scenario.vetoes and again.talks == scenario.talks
    with pytest.raises(ktokovo.ScenarioError, match="must hold 80"):
        base.replace(vetoes=(dataclasses.replace(base.vetoes[0], walk_away_ranges=(("territory", 10.0, 20.0),)),))
    with pytest.raises(ktokovo.ScenarioError, match="unknown actor"):
        base.replace(talks=Talks("Atlantis"))


def test_bad_arguments_are_refused() -> None:
    grid = np.arange(10.0, 101.0, 10.0)
    with pytest.raises(ParameterError, match="rounds"):
        screen(_grid_types(grid, grid), _proposer_at_100(), rounds=0)
    with pytest.raises(ParameterError, match="belief"):
        screen(_grid_types(grid, grid), _proposer_at_100(), belief=0)
    with pytest.raises(ParameterError, match="unknown proposer"):
        bargain(ktokovo.load("ukraine-2025"), 5, proposer="Atlantis")


def test_deu_unanimity_cases_run_through_it() -> None:
    """Every unanimity issue of the DEU sample (each member state a veto player on it) runs through two rounds
    without error, and obeys the bound. DEU III data: Thomson et al. (2012), CC BY 4.0; see tests/data."""
    from ktokovo.evaluation.backtest import cases_from_deu, unanimity_scenario
    from ktokovo.io.deu import read_deu

    path = DATA / "deu3_train.tsv"
    deu_cases, _ = read_deu(path.read_bytes(), str(path))
    cases = [c for c in cases_from_deu(deu_cases, "equal") if unanimity_scenario(c) is not None]
    assert cases
    for case in cases:
        scenario = unanimity_scenario(case)
        assert scenario is not None
        # The Commission proposes (the EU's agenda setter) where it took a position; else each state in turn.
        setter = "Commission" if "Commission" in scenario.actor_names else None
        for result in bargain(scenario.replace(talks=Talks(setter, rounds=2)), 20, seed=1, belief=10):
            assert 0.0 <= result.probability <= result.complete_information + 1e-12


def test_complete_share_counts_the_proposer_itself() -> None:
    """A proposer whose no-deal loss is 0 (walk-away at its ideal, no cost) accepts only its ideal, 100, which
    no responder accepts: no deal is possible even with complete information."""
    grid = np.arange(10.0, 101.0, 10.0)
    types = _grid_types(grid[:-1], grid[:-1])
    stubborn = Proposer("P", np.ones(1), np.array([100.0]), 0.0, 0.0, np.array([50.0]))
    assert complete_share(types, stubborn, types.allowance, 0.0) == 0.0
    assert screen(types, stubborn, belief=None).probability == 0.0


def _one_player_rules(cost: float = 10.0) -> tuple[Scenario, Stacked]:
    """One issue, veto player A at 0 with walk-away 50 and ``cost`` (allowance 50 + cost)."""
    scenario = Scenario(
        name="one",
        actors=(Actor("A"), Actor("B")),
        issues=(Issue("x", status_quo=50.0),),
        capabilities=np.ones(2),
        positions=np.array([[0.0], [100.0]]),
        saliences=np.full((2, 1), 50.0),
        vetoes=(Veto("A", cost=cost),),
    )
    rules = Stacked(np.ones((1, 1, 1)), np.zeros((1, 1, 1)), np.array([[50.0 + cost]]), np.full((1, 1, 1), 50.0))
    return scenario, rules


def test_a_deal_holds_for_ever_without_drift() -> None:
    scenario, rules = _one_player_rules()
    held = durability(scenario, rules, np.array([[40.0]]), np.array([0]), horizon=24)
    assert np.all(held.survival == 1.0) and held.breakers == {"A": 0.0}


def test_a_cost_trend_breaks_the_deal_in_the_month_worked_out_by_hand() -> None:
    """Slack 20 at signing (allowance 60, loss 40); the cost falls by 3 a month, so the slack is 20 − 3m: still
    ≥ 0 at m = 6 (2), negative at m = 7 (−1). A walks away in month 7."""
    scenario, rules = _one_player_rules()
    scenario = scenario.replace(vetoes=(dataclasses.replace(scenario.vetoes[0], cost_trend=-3.0),))
    held = durability(scenario, rules, np.array([[40.0]]), np.array([0]), horizon=12)
    assert list(held.survival) == [1.0] * 7 + [0.0] * 6
    assert held.breakers == {"A": 1.0}


def test_more_drift_never_makes_a_deal_last_longer() -> None:
    """Cost 5, deal at 40: A's slack is 5 + |50 − x| − |40 − x|, which turns negative once its ideal x drifts
    past 47.5 (by hand). Its wishes drift by σ points a month: with 2,000 paths (one settled draw repeated),
    a larger σ gives a survival curve at or below the smaller one's (up to sampling noise), every curve falls
    month by month, and with σ = 1 reaching 47.5 from 0 in a year (47.5/√12 ≈ 14 standard deviations) does
    not happen."""
    scenario, one = _one_player_rules(5.0)
    rules = Stacked(*(np.repeat(a, 2000, axis=0) for a in (one.weights, one.ideals, one.allowance, one.away)))
    curves = []
    for sd in (1.0, 5.0, 20.0):
        drifting = scenario.replace(vetoes=(dataclasses.replace(scenario.vetoes[0], drift=(("x", sd),)),))
        held = durability(drifting, rules, np.full((2000, 1), 40.0), np.zeros(2000, dtype=int), horizon=12, seed=3)
        assert np.all(np.diff(held.survival) <= 0)
        curves.append(held.survival)
    assert np.all(curves[1] <= curves[0] + 0.02) and np.all(curves[2] <= curves[1] + 0.02)
    assert curves[0][-1] == 1.0 and curves[2][-1] < 0.9


def test_the_forecast_that_counts_no_deal_by_hand() -> None:
    """A (at 0, walks away to 30) and B (at 100, walks away to 70) with no uncertainty: no zone, no deal in
    any draw, so every issue ends up without a deal: at the status quo (50), or where talks.no_deal says
    (65). An issue with neither gets no number at all (never NaN). With the walk-aways open (status quo 50 for
    both, cost 10) every draw settles and the expected outcome is the package agreed."""
    closed = _certain(
        Scenario(
            name="closed",
            actors=(Actor("A"), Actor("B")),
            issues=(Issue("x", status_quo=50.0), Issue("y")),
            capabilities=np.ones(2),
            positions=np.array([[0.0, 10.0], [100.0, 90.0]]),
            saliences=np.array([[50.0, 0.0], [50.0, 0.0]]),
            vetoes=(
                Veto("A", issues=("x",), walk_away=(("x", 30.0),)),
                Veto("B", issues=("x",), walk_away=(("x", 70.0),)),
            ),
        )
    )
    ahead = outlook(closed, 20, seed=1)
    assert ahead.probability[0] == 0.0 and ahead.durability.paths == 0
    x, y = ahead.issue_rows()
    assert x["expected"] == x["median"] == x["low95"] == x["high95"] == 50.0
    assert y["expected"] is None
    moved = outlook(closed.replace(talks=Talks(no_deal=(("x", 65.0),))), 20, seed=1)
    assert moved.issue_rows()[0]["expected"] == 65.0
    opened = closed.replace(
        vetoes=(Veto("A", issues=("x",), cost=10.0), Veto("B", issues=("x",), cost=10.0)), talks=Talks(rounds=2)
    )
    ahead = outlook(opened, 20, seed=1)
    assert ahead.probability[0] == 1.0
    assert ahead.issue_rows()[0]["expected"] == pytest.approx(float(ahead.settlement[0]))  # type: ignore[index]
    assert 40.0 - 1e-6 <= ahead.settlement[0] <= 60.0 + 1e-6  # type: ignore[index]  # the zone is [40, 60]


def test_a_forecast_runs_the_rounds_of_offers_alongside_its_draws_with_the_same_result() -> None:
    """Without an executor, ``application.forecast`` bargains on a thread while the draws run; the outlook is
    the one :func:`outlook` computes alone on the same draws and seed, and the thread is gone afterwards."""
    import threading

    from ktokovo.application.forecast import forecast

    flagship = ktokovo.load("ukraine-2025")
    result = forecast(flagship, ["mean"], samples=40, seed=3)
    alone = outlook(flagship, 40, seed=3)
    assert result.outlook is not None
    assert result.outlook.to_dict() == alone.to_dict()
    assert not any(t.name.startswith("offers") for t in threading.enumerate())
