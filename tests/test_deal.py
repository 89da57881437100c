"""Deal or no deal: the zone of possible agreement, blocking constraints, settlements inside the zone, what it
would take, and the probability of a deal."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ktokovo
from ktokovo import Actor, Issue, Scenario
from ktokovo.analysis.deal import analyse, deal_probability, has_zone, problem
from ktokovo.cli import app
from ktokovo.core.scenario import Linkage, Veto


def _two(walk_a: float | None = None, walk_b: float | None = None, cost: float = 0.0, **extra: object) -> Scenario:
    """A at 0 and B at 100 on one issue with status quo 50; C (60) cares but holds no veto."""
    return Scenario(
        name="two",
        actors=(Actor("A"), Actor("B"), Actor("C")),
        issues=(Issue("x", status_quo=50.0),),
        capabilities=np.ones(3),
        positions=np.array([[0.0], [100.0], [60.0]]),
        saliences=np.full((3, 1), 50.0),
        vetoes=(
            Veto("A", cost=cost, walk_away=() if walk_a is None else (("x", walk_a),)),
            Veto("B", cost=cost, walk_away=() if walk_b is None else (("x", walk_b),)),
        ),
        **extra,
    )


def test_open_zone_by_hand() -> None:
    """Costs of 10: A accepts z ≤ 60 (|z − 0| ≤ |50 − 0| + 10), B accepts z ≥ 40. The compromise model's 53.33 is
    inside and stays; the Nash bargaining solution over the zone maximises log(60 − z) + log(z − 40): z = 50.
    A's slack at 53.33 is 60 − 53.33 = 6.67, B's 13.33."""
    analysis = analyse(_two(cost=10.0), {"mean": np.array([160 / 3])})
    assert analysis.zone
    assert analysis.settlements["mean"][0] == pytest.approx(160 / 3)
    assert analysis.settlements["nash over the zone"][0] == pytest.approx(50.0, abs=1e-3)
    assert analysis.slack["mean"] == pytest.approx({"A": 60 - 160 / 3, "B": 160 / 3 - 40})


def test_forecast_outside_the_zone_is_brought_in() -> None:
    """Without costs the zone is the single point 50 (A: z ≤ 50, B: z ≥ 50); a forecast of 80 lands on 50."""
    analysis = analyse(_two(), {"median": np.array([80.0])})
    assert analysis.zone and analysis.settlements["median"][0] == pytest.approx(50.0)


def test_closed_zone_by_hand() -> None:
    """A walks away to 30 (accepts z ≤ 30), B to 70 (z ≥ 70): no deal. At the closest package, 50, each is
    short by 20. With B satisfied (z ≥ 70) A needs 40 more cost of no deal; or A's ideal must move to 50 (it
    then accepts |z − 50| ≤ 20, reaching 70): a move of 50 points."""
    analysis = analyse(_two(walk_a=30.0, walk_b=70.0))
    assert not analysis.zone
    assert [(row["actor"], round(row["shortfall"], 6)) for row in analysis.blocking] == [("A", 20.0), ("B", 20.0)]
    changes = {row["change"]: row["size"] for row in analysis.would_take}
    assert changes["A: cost of no deal +40.0"] == pytest.approx(40.0)
    assert changes["A: position on x to 50"] == pytest.approx(50.0, abs=1e-4)


def test_a_linkage_that_closes_the_zone() -> None:
    """Two issues with status quo 50. A (ideal 0, 0; cost 20) accepts packages whose mean distance from it is at
    most 50 + 20 = 70; B (ideal 100, 100; walks away to 80, 80; cost 10) at most 20 + 10 = 30 from it. So x + y
    must be exactly 140: (70, 70) is a deal. Linked as 'x >= 30 only with y <= 20', a deal needs x < 30 (then
    B wants y ≥ 110) or y ≤ 20 (then B wants x ≥ 120): the linkage closes the zone."""
    base = Scenario(
        name="linked",
        actors=(Actor("A"), Actor("B")),
        issues=(Issue("x", status_quo=50.0), Issue("y", status_quo=50.0)),
        capabilities=np.ones(2),
        positions=np.array([[0.0, 0.0], [100.0, 100.0]]),
        saliences=np.full((2, 2), 50.0),
        vetoes=(Veto("A", cost=20.0), Veto("B", cost=10.0, walk_away=(("x", 80.0), ("y", 80.0)))),
    )
    assert has_zone(problem(base))
    linked = base.replace(linkages=(Linkage("x", ">=", 30.0, "y", "<=", 20.0),))
    assert not has_zone(problem(linked))


@st.composite
def vetoed(draw: st.DrawFn) -> Scenario:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, m = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    return Scenario(
        name="random",
        actors=tuple(Actor(f"a{i}") for i in range(n)),
        issues=tuple(Issue(f"i{j}", status_quo=float(rng.uniform(0, 100))) for j in range(m)),
        capabilities=np.ones(n),
        positions=rng.uniform(0, 100, (n, m)),
        saliences=rng.uniform(5, 100, (n, m)),
        vetoes=tuple(
            Veto(
                f"a{i}",
                cost=float(rng.uniform(0, 5)),
                walk_away=tuple((f"i{j}", float(rng.uniform(0, 100))) for j in range(m)),
            )
            for i in range(n - 1)
        ),
    )


@settings(max_examples=40, deadline=None)
@given(scenario=vetoed())
def test_adding_a_veto_player_never_opens_a_zone(scenario: Scenario) -> None:
    last = scenario.actor_names[-1]
    wider = scenario.replace(vetoes=(*scenario.vetoes, Veto(last, cost=0.0)))
    assert has_zone(problem(wider)) <= has_zone(problem(scenario))


@settings(max_examples=40, deadline=None)
@given(scenario=vetoed(), extra=st.floats(0.0, 30.0))
def test_a_worse_walk_away_never_closes_a_zone(scenario: Scenario, extra: float) -> None:
    """Raising a veto player's cost of no deal lowers the value of walking away: the zone can only grow."""
    first, *rest = scenario.vetoes
    worse = scenario.replace(vetoes=(Veto(first.actor, cost=first.cost + extra, walk_away=first.walk_away), *rest))
    assert has_zone(problem(scenario)) <= has_zone(problem(worse))


def test_deal_probability_interval() -> None:
    share, low, high = deal_probability(_two(cost=10.0), 50, seed=1)
    assert share == 1.0 and low < 1.0 and high == pytest.approx(1.0)
    share, low, high = deal_probability(_two(walk_a=20.0, walk_b=80.0), 50, seed=1)
    assert share == 0.0 and low == 0.0 and 0 < high < 0.1


def test_flagship_vetoes_cite_their_sources(flagship: ktokovo.Scenario) -> None:
    assert {v.actor for v in flagship.vetoes} == {"Russia", "Ukraine", "European allies", "United States"}
    assert all(v.source is not None for v in flagship.vetoes) and flagship.linkages


def test_yaml_round_trip_and_errors(flagship: ktokovo.Scenario, tmp_path) -> None:
    assert ktokovo.load(ktokovo.save(flagship, tmp_path / "talks.yaml")) == flagship
    result = CliRunner().invoke(app, ["convert", "ukraine-2025", str(tmp_path / "talks.xlsx")])
    assert result.exit_code == 0 and "kept only in YAML" in result.output
    assert ktokovo.load(tmp_path / "talks.xlsx").vetoes == ()
    with pytest.raises(ktokovo.ScenarioError, match="unknown actor"):
        flagship.replace(vetoes=(Veto("Atlantis"),))


def test_cli_deal_and_forecast_lead() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["deal", "--samples", "50", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["zone"] is True and 0 <= data["probability"]["share"] <= 1
    assert set(data["settlements"]) >= {"mean", "bdm", "nash over the zone"}
    text = runner.invoke(app, ["forecast", "-m", "mean", "--samples", "20"]).output
    assert text.index("Probability of a deal") < text.index("Deal or no deal") < text.index("ceasefire:")
    closed = runner.invoke(
        app,
        ["deal", "--samples", "0", "--set", "Russia.territory.position=100", "--set", "Ukraine.territory.position=0"],
    ).output
    assert "zone" in closed
    none = runner.invoke(app, ["deal", "ec-emissions-1994"])
    assert none.exit_code == 2 and "no veto players" in none.output


@settings(max_examples=40, deadline=None)
@given(scenario=vetoed())
def test_the_quick_lead_agrees_with_the_linear_programs(scenario: Scenario) -> None:
    """forecast's lead decides the zone from known packages when it can; it must agree with the solver."""
    from ktokovo.analysis.deal import summary

    forecast = ktokovo.run(scenario, "mean").forecast
    assert summary(scenario, forecast)[0] == has_zone(problem(scenario))


# -- the zone in many draws at once: the same answer as one program per draw ---------------------------------


def _per_draw(weights: np.ndarray, ideals: np.ndarray, allowance: np.ndarray, cases: list) -> np.ndarray:
    from ktokovo.analysis.deal import _Problem

    out = []
    for k in range(len(allowance)):
        keep = np.isfinite(allowance[k])
        players = [f"v{v}" for v in np.flatnonzero(keep)]
        out.append(has_zone(_Problem(players, weights[k, keep], ideals[k, keep], allowance[k, keep], cases)))
    return np.array(out)


def test_stacked_is_problem_in_every_draw() -> None:
    """The vectorised constraints of 300 flagship draws equal problem() draw by draw, to the bit."""
    from ktokovo.analysis.deal import stacked
    from ktokovo.analysis.uncertainty import draw_inputs

    scenario = ktokovo.load("ukraine-2025")
    draws = draw_inputs(scenario, np.arange(300), 3)
    rules = stacked(scenario, draws)
    names = [v.actor for v in scenario.vetoes]
    for k in range(300):
        drawn = problem(scenario, **draws.problem_inputs(k))
        rows = [names.index(player) for player in drawn.players]
        assert np.array_equal(rules.weights[k, rows], drawn.weights)
        assert np.array_equal(rules.ideals[k, rows], drawn.ideals)
        assert np.array_equal(rules.allowance[k, rows], drawn.allowance)
        assert np.array_equal(rules.away[k, rows], drawn.away)
        assert np.all(np.isinf(np.delete(rules.allowance[k], rows)))


@pytest.mark.parametrize("factor", [1.0, 0.8, 0.6, 0.3])
def test_zones_in_waves_with_shared_proofs_agree_with_one_program_per_draw(factor: float) -> None:
    """400 flagship draws with every allowance scaled by ``factor``: all (1.0), part (0.8, about 38% measured)
    and none (0.6, 0.3) of the draws have a zone, so both shared packages and shared dual proofs of an empty
    zone decide draws; the answer must be has_zone's, draw by draw."""
    from ktokovo.analysis.deal import stacked, zones
    from ktokovo.analysis.uncertainty import draw_inputs

    scenario = ktokovo.load("ukraine-2025")
    rules = stacked(scenario, draw_inputs(scenario, np.arange(400), 0))
    allowance = rules.allowance * factor
    cases = problem(scenario).cases
    fast = zones(rules.weights, rules.ideals, allowance, cases)
    assert np.array_equal(fast, _per_draw(rules.weights, rules.ideals, allowance, cases))
    if factor == 0.8:
        assert 0.1 < fast.mean() < 0.9  # the mixed case really is mixed


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    players=st.integers(1, 4),
    issues=st.integers(1, 4),
    absent=st.floats(0.0, 0.5),
    scale=st.floats(0.05, 1.5),
)
def test_zones_agree_with_one_program_per_draw_on_random_constraints(
    seed: int, players: int, issues: int, absent: float, scale: float
) -> None:
    """Random weights, ideals and allowances for 60 draws, some players absent (allowance inf) in some draws, and
    a linkage case split on issue 0: zones() gives has_zone()'s answer in every draw."""
    from ktokovo.analysis.deal import zones

    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(issues), size=(60, players))
    ideals = rng.uniform(0, 100, (60, players, issues))
    allowance = rng.uniform(0, 40 * scale, (60, players))
    allowance[rng.uniform(size=(60, players)) < absent] = np.inf
    cases = [[(0, 0.0, 40.0)], [(0, 60.0, 100.0)]]
    assert np.array_equal(zones(weights, ideals, allowance, cases), _per_draw(weights, ideals, allowance, cases))
