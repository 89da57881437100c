"""Voting power (ktokovo power): Shapley–Shubik and Banzhaf indices by hand, against a published case, and the
two counting methods against each other and against a brute-force count from the definitions."""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo.analysis import _power_kernel as kernel
from ktokovo.analysis.power import NICE, as_capabilities, game, indices, power
from ktokovo.cli import app
from ktokovo.core.scenario import Voting

EEC = Path(__file__).parent.parent / "docs" / "examples" / "eec-1958.yaml"
runner = CliRunner()


def _voters(names: str | list[str], voting: Voting) -> ktokovo.Scenario:
    """The actors ``names`` (letters of a string, or a list) on one issue, deciding by ``voting``."""
    names = list(names)
    n = len(names)
    return ktokovo.Scenario(
        name="vote",
        actors=tuple(ktokovo.Actor(a) for a in names),
        issues=(ktokovo.Issue("x"),),
        capabilities=np.ones(n),
        positions=np.linspace(0, 100, n)[:, None],
        saliences=np.full((n, 1), 50.0),
        voting=voting,
    )


def _brute(weights: np.ndarray, quotas: np.ndarray, clauses: np.ndarray) -> tuple[list[Fraction], list[int]]:
    """Shapley–Shubik over all n! orderings (the pivot of each) and Banzhaf swings over all coalitions,
    straight from the definitions."""
    n = weights.shape[1]

    def wins(members: set[int]) -> bool:
        sums = weights[:, sorted(members)].sum(axis=1) if members else np.zeros(len(quotas))
        return any(all(sums[c] >= quotas[c] for c in range(len(quotas)) if clauses[c] == k) for k in set(clauses))

    pivots = [0] * n
    for order in itertools.permutations(range(n)):
        seen: set[int] = set()
        for player in order:
            seen.add(player)
            if wins(seen):
                pivots[player] += 1
                break
    swings = [
        sum(
            wins({*s, i}) and not wins(set(s)) for k in range(n) for s in itertools.combinations(set(range(n)) - {i}, k)
        )
        for i in range(n)
    ]
    return [Fraction(p, math.factorial(n)) for p in pivots], swings


def test_a_small_weighted_game_by_hand() -> None:
    """[3; 2, 1, 1]: A is pivotal in 4 of the 6 orderings, B and C in 1 each: Shapley–Shubik 2/3, 1/6, 1/6.
    A swings in {B}, {C}, {B, C}; B only in {A}; C only in {A}: Banzhaf 3/5, 1/5, 1/5, absolute 3/4, 1/4, 1/4."""
    found = power(_voters("ABC", Voting("weighted", weights=(("A", 2), ("B", 1), ("C", 1)), quota=3)))
    np.testing.assert_allclose(found.shapley, [2 / 3, 1 / 6, 1 / 6])
    np.testing.assert_allclose(found.banzhaf, [3 / 5, 1 / 5, 1 / 5])
    np.testing.assert_allclose(found.absolute, [3 / 4, 1 / 4, 1 / 4])


def test_a_bloc_votes_as_one() -> None:
    """B and C together weigh 2, as A does, and the quota 3 needs both: each player 1/2, and B and C are shown
    with their bloc's index."""
    rule = Voting("weighted", weights=(("A", 2), ("B", 1), ("C", 1)), quota=3, blocs=(("B", "C"),))
    found = power(_voters("ABC", rule))
    assert found.game.players == ("B+C", "A")
    assert found.of("B")["shapley"] == found.of("C")["shapley"] == found.of("A")["shapley"] == 0.5


def test_the_eec_council_of_1958() -> None:
    """Felsenthal & Machover (1998), The Measurement of Voting Power, the EEC Council 1958–72 (weights 4, 4, 4,
    2, 2, 1, quota 12): Shapley–Shubik 14/60 for France, Germany, Italy, 9/60 for Belgium and the Netherlands,
    0 for Luxembourg; Banzhaf 5/21, 3/21 and 0."""
    result = runner.invoke(app, ["power", str(EEC), "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["actor"]: row for row in json.loads(result.output)["actors"]}
    for big in ("France", "Germany", "Italy"):
        assert rows[big]["shapley"] == pytest.approx(14 / 60) and rows[big]["banzhaf"] == pytest.approx(5 / 21)
    for middle in ("Belgium", "Netherlands"):
        assert rows[middle]["shapley"] == pytest.approx(9 / 60) and rows[middle]["banzhaf"] == pytest.approx(3 / 21)
    assert rows["Luxembourg"]["shapley"] == rows["Luxembourg"]["banzhaf"] == 0.0


@pytest.mark.parametrize("seed", range(6))
def test_both_counting_methods_match_the_definitions(seed: int) -> None:
    """Random games of 5–7 players, one clause of two whole-number criteria: generating functions,
    enumeration and the brute force of the definitions agree exactly."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 8))
    weights = rng.integers(0, 9, size=(2, n)).astype(float)
    quotas = np.array([weights[0].sum() * rng.uniform(0.4, 0.8), rng.integers(1, n)]).round()
    clauses = np.zeros(2, dtype=np.int64)
    by_functions = kernel._by_generating_functions(weights.astype(np.int64), quotas.astype(np.int64))
    by_enumeration = kernel._by_enumeration(weights, quotas, clauses, 1)
    assert np.array_equal(by_functions, by_enumeration)
    shapley, swings = _brute(weights, quotas, clauses)
    assert by_enumeration.sum(axis=1).tolist() == swings
    factor = [Fraction(math.factorial(s) * math.factorial(n - s - 1), math.factorial(n)) for s in range(n)]
    assert [sum(int(c) * f for c, f in zip(row, factor, strict=True)) for row in by_enumeration] == shapley


def test_lisbons_double_majority_by_enumeration_matches_the_definitions() -> None:
    """Seven members with populations: 55% of the members (4) and 65% of the population, or all but three
    (4 or more members: here the same head count, so the population criterion decides)."""
    people = (("A", 40.0), ("B", 25.0), ("C", 12.0), ("D", 9.0), ("E", 7.0), ("F", 5.0), ("G", 2.0))
    played = game(_voters("ABCDEFG", Voting("qmv-lisbon", population=people)))
    shapley, swings = _brute(played.weights, played.quotas, played.clauses)
    found = indices(played)
    np.testing.assert_allclose(found.shapley, [float(s) for s in shapley])
    np.testing.assert_allclose(found.banzhaf, np.array(swings) / sum(swings))


def test_the_nice_council_of_27() -> None:
    """EU-27 under Nice (255 of 345 and 14 states): the four largest equal; the index never falls as the
    weight rises; the Shapley–Shubik indices sum to 1. Generating functions and enumeration agree on all 2^27
    coalitions."""
    members = [n for n in NICE if n != "Croatia"]
    scenario = _voters(members, Voting("qmv-nice"))
    played = game(scenario)
    assert played.quotas.tolist() == [255.0, 14.0]
    found = indices(played)
    assert found.shapley.sum() == pytest.approx(1.0)
    big = [found.of(n)["shapley"] for n in ("Germany", "France", "Italy", "United Kingdom")]
    assert max(big) - min(big) < 1e-12
    order = np.argsort([NICE[n] for n in played.players], kind="stable")
    assert np.all(np.diff(found.banzhaf[order]) >= -1e-12)
    enumerated = kernel._by_enumeration(played.weights, played.quotas, played.clauses, 1)
    by_functions = kernel._by_generating_functions(played.weights.astype(np.int64), played.quotas.astype(np.int64))
    assert np.array_equal(enumerated, by_functions)


def test_unanimity_majority_and_power_as_capabilities() -> None:
    assert power(_voters("ABCD", Voting("unanimity"))).shapley.tolist() == [0.25] * 4
    assert power(_voters("ABC", Voting("majority"))).banzhaf.tolist() == pytest.approx([1 / 3] * 3)
    eec = ktokovo.load(str(EEC))
    as_power = as_capabilities(eec, "shapley")
    assert as_power.capabilities.tolist() == pytest.approx([100 * 14 / 60] * 3 + [100 * 9 / 60] * 2 + [0.0])


def test_voting_rules_round_trip_and_bad_ones_are_refused(tmp_path: Path) -> None:
    eec = ktokovo.load(str(EEC))
    blocs = eec.replace(voting=Voting("weighted", eec.voting.weights, 12.0, blocs=(("Belgium", "Netherlands"),)))
    ktokovo.save(blocs, tmp_path / "eec.yaml")
    assert ktokovo.load(str(tmp_path / "eec.yaml")).voting == blocs.voting
    text = EEC.read_text(encoding="utf-8")
    for broken, message in (
        (text.replace("quota: 12", "quota: 40"), "a weighted rule needs a quota above 0 and at most the 17 votes"),
        (text.replace("Luxembourg: 1}", "Monaco: 1}"), "unknown actor"),
        (text.replace("rule: weighted", "rule: plurality"), "unknown voting rule"),
        (text.replace("  quota: 12\n", "  quota: twelve\n"), "voting is {rule: NAME"),
        (text.replace("  quota: 12\n", "  quota: 12\n  blocs:\n"), "voting is {rule: NAME"),  # null, not none
    ):
        path = tmp_path / "bad.yaml"
        path.write_text(broken, encoding="utf-8")
        result = runner.invoke(app, ["power", str(path)], env={"COLUMNS": "200"})
        assert result.exit_code == 2 and message in result.output and "bad.yaml" in result.output, result.output
    none = runner.invoke(app, ["power", "ukraine-2025"], env={"COLUMNS": "200"})
    assert none.exit_code == 2 and "declares no voting rule" in none.output


def test_forecast_with_power_as_capabilities_says_so() -> None:
    result = runner.invoke(app, ["forecast", str(EEC), "-m", "mean", "--power", "shapley", "--json", "--no-store"])
    assert result.exit_code == 0, result.output
    eec = as_capabilities(ktokovo.load(str(EEC)), "shapley")
    expected = ktokovo.run(eec, "mean").forecast[0]
    assert json.loads(result.output)["models"]["mean"]["issues"]["tariff"]["forecast"] == pytest.approx(expected)
    text = runner.invoke(app, ["forecast", str(EEC), "-m", "mean", "--power", "banzhaf", "--no-store"])
    assert text.output.startswith("what if: capabilities = banzhaf voting power × 100")
