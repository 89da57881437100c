"""Voting power: the Shapley–Shubik and Banzhaf indices of a voting rule, with blocs and without.

A rule decides which coalitions win. ktokovo writes every rule as clauses of criteria: a coalition wins if,
in at least one clause, it meets every criterion ``Σ_{i in S} w_i ≥ q`` of that clause. The rules:

- ``weighted``: votes per actor and a quota (at least that many votes);
- ``majority``: more than half of the voters (one vote each);
- ``unanimity``: every voter;
- ``qmv-nice``: the Council's qualified majority under the Nice Treaty (Art. 205 TEC as amended): the
  Nice weights, with the quota of the membership (232 of 321 for EU-25, 255 of 345 for EU-27, 260 of 352
  for EU-28), and a majority of the member states. The 62% population check that a member may ask for is
  left out: ktokovo does not code the Nice-era populations;
- ``qmv-pre-nice``: the weights before Nice, 62 of 87 votes (EU-15) or 88 of 124 (EU-25, May–October 2004);
- ``qmv-lisbon``: the double majority of Art. 16(4) TEU and 238(2) TFEU: at least 55% of the member states
  and members holding at least 65% of the population, or every coalition that leaves fewer than four
  members against (a blocking minority needs four). The populations are the scenario's own.

Only the voters named by the rule vote; other actors (the Commission, the Parliament) have no power in it.
A **bloc** votes as one: its members' votes (and populations, and head counts) are added and the bloc is
one player. Each member of a bloc is shown with the bloc's index.

The indices are computed exactly by enumerating every coalition (Gray code, compiled with numba), which is
fast up to 27 voters (the EU): the Shapley–Shubik index of i is the share of orderings in which i is pivotal,
``Σ_{S ∌ i: S∪{i} wins, S loses} |S|! (n−|S|−1)! / n!``; the Banzhaf index is i's number of swings over the
total of all voters' swings (normalised), and its absolute index the swings over 2^(n−1). No maintained
package computes them: ``powerindices`` and ``power-index-calculator`` on PyPI were last released in 2018 and
2017, and neither takes several criteria.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ktokovo.core.errors import ParameterError, Problem, ScenarioError
from ktokovo.core.scenario import VOTING_RULES, Scenario, Voting

RULES = VOTING_RULES
MAX_VOTERS = 27
"""Voters (players, after blocs) whose coalitions are enumerated: 2^27 coalitions, about a second."""

# Council votes under qualified majority (Art. 205(2) TEC). Before the Nice reweighting: EU-15 as amended in
# 1995, with the new members' transitional votes of the 2003 Act of Accession (Art. 26) from 1 May 2004.
# From 1 November 2004: the Nice weights (Act of Accession 2003, Art. 12; Bulgaria and Romania 2005 Act,
# Croatia 2012 Act).
PRE_NICE = {
    "Germany": 10,
    "France": 10,
    "Italy": 10,
    "United Kingdom": 10,
    "Spain": 8,
    "Belgium": 5,
    "Greece": 5,
    "Netherlands": 5,
    "Portugal": 5,
    "Austria": 4,
    "Sweden": 4,
    "Denmark": 3,
    "Ireland": 3,
    "Finland": 3,
    "Luxembourg": 2,
    "Poland": 8,
    "Czechia": 5,
    "Hungary": 5,
    "Slovakia": 3,
    "Lithuania": 3,
    "Latvia": 3,
    "Slovenia": 3,
    "Estonia": 3,
    "Cyprus": 2,
    "Malta": 2,
}
NICE = {
    "Germany": 29,
    "France": 29,
    "Italy": 29,
    "United Kingdom": 29,
    "Spain": 27,
    "Poland": 27,
    "Romania": 14,
    "Netherlands": 13,
    "Belgium": 12,
    "Czechia": 12,
    "Greece": 12,
    "Hungary": 12,
    "Portugal": 12,
    "Austria": 10,
    "Bulgaria": 10,
    "Sweden": 10,
    "Denmark": 7,
    "Ireland": 7,
    "Lithuania": 7,
    "Slovakia": 7,
    "Finland": 7,
    "Croatia": 7,
    "Cyprus": 4,
    "Estonia": 4,
    "Latvia": 4,
    "Luxembourg": 4,
    "Slovenia": 4,
    "Malta": 3,
}
NICE_QUOTA = {321: 232, 345: 255, 352: 260}
"""Nice quotas by the total of the members' weights: EU-25 (Art. 3 of the Protocol on enlargement as amended
by the 2003 Act of Accession), EU-27 (2005 Act), EU-28 (2012 Act)."""
PRE_NICE_QUOTA = {87: 62, 124: 88}
"""Pre-Nice quotas by total weight: EU-15 (1995), EU-25 from 1 May to 31 October 2004 (2003 Act, Art. 26)."""


@dataclass(frozen=True)
class Game:
    """A simple game: ``players`` (names; a bloc's name joins its members with '+'), ``weights`` (criteria,
    players), ``quotas`` (criteria,), ``clauses`` (criteria,): the clause each criterion belongs to."""

    players: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    weights: np.ndarray
    quotas: np.ndarray
    clauses: np.ndarray

    def player_of(self, actor: str) -> int | None:
        """The player ``actor`` votes as (its bloc, or itself), or None if it has no vote."""
        return next((k for k, members in enumerate(self.members) if actor in members), None)


@dataclass(frozen=True)
class Power:
    """Each player's Shapley–Shubik index, normalised Banzhaf index and absolute Banzhaf index (swings over
    2^(n−1)), in the game's order."""

    game: Game
    shapley: np.ndarray
    banzhaf: np.ndarray
    absolute: np.ndarray

    def of(self, actor: str) -> dict[str, float]:
        """The indices of the player ``actor`` votes in (its bloc's), or zeros if it has no vote."""
        k = self.game.player_of(actor)
        if k is None:
            return {"shapley": 0.0, "banzhaf": 0.0, "absolute": 0.0}
        return {
            "shapley": float(self.shapley[k]),
            "banzhaf": float(self.banzhaf[k]),
            "absolute": float(self.absolute[k]),
        }


def _weights_of(voting: Voting, scenario: Scenario) -> dict[str, float]:
    named = dict(voting.weights)
    if voting.rule in ("majority", "unanimity"):
        return named or {name: 1.0 for name in scenario.actor_names}
    if voting.rule == "qmv-nice":
        return named or {n: float(NICE[n]) for n in scenario.actor_names if n in NICE}
    if voting.rule == "qmv-pre-nice":
        return named or {n: float(PRE_NICE[n]) for n in scenario.actor_names if n in PRE_NICE}
    if voting.rule == "qmv-lisbon":
        return {name: 1.0 for name, _ in voting.population}
    return named


def game(scenario: Scenario, voting: Voting | None = None, blocs: bool = True) -> Game:
    """The simple game of the scenario's voting rule (or ``voting``), with its blocs unless ``blocs`` is False."""
    voting = voting or scenario.voting
    if voting is None:
        raise ScenarioError(Problem("the scenario declares no voting rule (voting: {rule: ...})", field="voting"))
    if voting.rule not in RULES:
        raise ScenarioError(Problem(f"unknown voting rule; known: {', '.join(RULES)}", field="voting.rule"))
    votes = _weights_of(voting, scenario)
    voters = [name for name in scenario.actor_names if votes.get(name, 0.0) > 0]
    if len(voters) < 2:
        raise ScenarioError(Problem("a voting rule needs at least two actors with a vote", field="voting"))
    population = dict(voting.population)
    groups: list[tuple[str, ...]] = []
    taken: set[str] = set()
    for bloc in voting.blocs if blocs else ():
        inside = tuple(a for a in bloc if a in voters)
        if inside:
            groups.append(inside)
            taken.update(inside)
    groups += [(a,) for a in voters if a not in taken]
    n_members = len(voters)
    vote = np.array([sum(votes[a] for a in g) for g in groups], dtype=float)
    heads = np.array([len(g) for g in groups], dtype=float)
    rows: list[np.ndarray] = []
    quotas: list[float] = []
    clauses: list[int] = []
    total = float(sum(votes[a] for a in voters))
    if voting.rule == "weighted":
        rows, quotas, clauses = [vote], [float(voting.quota or 0.0)], [0]
    elif voting.rule == "majority":
        rows, quotas, clauses = [heads], [float(n_members // 2 + 1)], [0]
    elif voting.rule == "unanimity":
        rows, quotas, clauses = [heads], [float(n_members)], [0]
    elif voting.rule in ("qmv-nice", "qmv-pre-nice"):
        table = NICE_QUOTA if voting.rule == "qmv-nice" else PRE_NICE_QUOTA
        quota = voting.quota if voting.quota is not None else table.get(round(total))
        if quota is None:
            known = ", ".join(f"{q} of {t}" for t, q in table.items())
            raise ScenarioError(
                Problem(
                    f"the members' weights sum to {total:g}; the {voting.rule} quota is known for {known}: give "
                    "voting: {quota: ...} for another membership",
                    field="voting.quota",
                )
            )
        rows, quotas, clauses = [vote], [float(quota)], [0]
        if voting.rule == "qmv-nice":  # and a majority of the member states
            rows.append(heads)
            quotas.append(float(n_members // 2 + 1))
            clauses.append(0)
    else:  # qmv-lisbon
        pop = np.array([sum(population.get(a, 0.0) for a in g) for g in groups], dtype=float)
        everyone = float(sum(population.get(a, 0.0) for a in voters))
        rows = [heads, pop, heads]
        quotas = [math.ceil(0.55 * n_members - 1e-9), 0.65 * everyone, float(n_members - 3)]
        clauses = [0, 0, 1]
    return Game(
        tuple("+".join(g) for g in groups),
        tuple(groups),
        np.array(rows, dtype=float),
        np.array(quotas, dtype=float),
        np.array(clauses, dtype=np.int64),
    )


def indices(played: Game) -> Power:
    """The Shapley–Shubik and Banzhaf indices of ``played`` (module docstring), exactly."""
    from ktokovo.analysis._power_kernel import counts_by_weight, swings_by_size

    n = len(played.players)
    if not counts_by_weight(played) and n > MAX_VOTERS:
        raise ParameterError(
            f"{n} voters under a rule with populations: ktokovo enumerates the coalitions of at most {MAX_VOTERS}"
        )
    by_size = swings_by_size(played)
    # by_size[i, s]: coalitions S of the others with |S| = s in which i swings.
    factor = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])
    shapley = by_size @ factor
    swings = by_size.sum(axis=1).astype(float)
    banzhaf = swings / swings.sum() if swings.sum() > 0 else np.zeros(n)
    return Power(played, shapley, banzhaf, swings / 2 ** (n - 1))


def power(scenario: Scenario, voting: Voting | None = None, blocs: bool = True) -> Power:
    """The indices of the scenario's voting rule (with its blocs unless ``blocs`` is False)."""
    return indices(game(scenario, voting, blocs))


def as_capabilities(scenario: Scenario, index: str = "shapley", voting: Voting | None = None) -> Scenario:
    """The scenario with each actor's capability its voting power (×100) under the rule (or ``voting``):
    a capability scheme for every model. A bloc's index is shared among its members in proportion to their
    votes (equally where the rule counts heads), so that the members together weigh what the bloc weighs in
    a model's weighted sums. Actors without a vote get 0."""
    if index not in ("shapley", "banzhaf"):
        raise ParameterError(f"power as capability is 'shapley' or 'banzhaf', not {index!r}")
    found = power(scenario, voting)
    votes = _weights_of(voting or scenario.voting, scenario)  # type: ignore[arg-type]  # power() checked it
    capabilities = np.zeros(len(scenario.actors))
    for k, members in enumerate(found.game.members):
        share = np.array([votes[a] for a in members]) / sum(votes[a] for a in members)
        for a, part in zip(members, share, strict=True):
            capabilities[scenario.actor_index(a)] = 100.0 * float(getattr(found, index)[k]) * part
    return scenario.replace(capabilities=capabilities, capability_ranges=None)


def to_rows(with_blocs: Power, without: Power | None, scenario: Scenario) -> list[dict[str, Any]]:
    """One row per actor: its votes, its bloc, and its indices with the blocs and without them."""
    rows = []
    for actor in scenario.actor_names:
        k = with_blocs.game.player_of(actor)
        in_bloc = k is not None and len(with_blocs.game.members[k]) > 1
        row: dict[str, Any] = {
            "actor": actor,
            "bloc": with_blocs.game.players[k] if in_bloc and k is not None else None,
            **with_blocs.of(actor),
        }
        if without is not None:
            alone = without.of(actor)
            row.update({f"{k}_alone": v for k, v in alone.items()})
        rows.append(row)
    return rows
