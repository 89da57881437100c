"""Bargaining under incomplete information: will they settle when nobody knows the others' limits?

The zone of agreement (:mod:`ktokovo.analysis.deal`) says whether some package satisfies every veto player
*if everyone's limits were known*. They are not: the scenario's own confidence ranges say how uncertain each
stance is, and a proposer who cannot see the others' walk-away points must trade the chance that an offer is
accepted against what it gains by asking for more. That trade-off is why talks fail although a zone exists
(Fearon 1995, "Rationalist explanations for war", *International Organization* 49(3), the risk-return
trade-off; Powell 1999, *In the Shadow of Power*, ch. 3; Banks 1990, "Equilibrium behavior in crisis
bargaining games", *American Journal of Political Science* 34(3)).

The model. The draws k = 1..K of the uncertain inputs (as for forecast intervals) are the proposer's prior
over the others' types, each equally likely. Veto player v accepts package z in draw k iff

    L_vk(z) ≤ W_vk(t),   L_vk(z) = Σ_j a_vkj |z_j − x_vkj|,   W_vk(t) = L_vk(w_v) + c_v + t·δ_v,

its weighted loss at z against its walk-away point w_v plus the cost of no deal c_v, which grows by δ_v in
every round of delay t = 0, 1, ... (the deal module's constraint, with a cost of delay). The proposer p knows
itself (its inputs are held at their estimates) and, in round t, offers the package that maximises its
expected utility over the draws still open, D_t (Fearon 1995, eq. for the risk-return trade-off):

    EU_t(z) = P_t(z) U_p(z) + (1 − P_t(z)) U_p(no deal, t),
    P_t(z) = |{k ∈ D_t : every other veto player accepts z in draw k}| / |D_t|,
    U_p(z) = −L_p(z),  U_p(no deal, t) = −(L_p(w_p) + c_p + t·δ_p),

or makes no offer when none beats no deal. A rejection is informative: the draws that would have accepted
are struck out, D_{t+1} = D_t minus the acceptors (Bayes' rule over equally likely draws), and the next
round's offer is made against the tougher types left (the screening of Powell 1999, ch. 3, with a myopic
proposer: each round's offer maximises that round's expected utility). The probability of a deal by round t
is the share of all draws settled by then; the expected package is the mean of the accepted packages over
the draws that settle.

The proposer's candidates. P_t is a step function of z, so the proposer's problem is solved over a finite
set of candidates: for each of (at most ``candidates``) open draws spread evenly over D_t, the package the
proposer likes best among those every other veto player accepts in that draw (a linear program), and "no
offer". The best of these is exact for the draws it was built on and a lower bound on the proposer's
optimum otherwise; the module says so rather than pretend to more.

Bounds that hold by construction and are tested: a deal in draw k means some package satisfied every veto
player in draw k (the proposer offers only packages it prefers to no deal), so P(deal by the deadline) never
exceeds the complete-information share (the draws whose zone is not empty at the deadline's costs); with no
uncertainty at all the two are equal; and, in one round, a proposer whose own cost of no deal is higher
never makes an offer that is less likely to be accepted. A responder's higher cost need not raise the
probability: the proposer then asks for more (the risk-return trade-off), which the README shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ktokovo.analysis.deal import _Problem, _solve, problem
from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Scenario
from ktokovo.models.mean import weighted_mean

TOLERANCE = 1e-9
"""A loss within this of an allowance is accepted (points on 0–100), as in the deal module's linear programs."""


@dataclass(frozen=True)
class Offer:
    """One round: the package offered (0–100 per issue; None: no offer beat no deal), the share of the draws
    still open that accept it, and P(deal by this round) over all draws."""

    round: int
    package: np.ndarray | None
    accepted: float
    settled: float


@dataclass(frozen=True)
class Bargaining:
    """``probability``: P(deal by the deadline); ``complete_information``: the share of draws whose zone is not
    empty at the deadline's costs, its upper bound; ``expected_package``: the mean accepted package (0–100)
    over the draws that settle, None if none does."""

    proposer: str
    draws: int
    rounds: int
    offers: tuple[Offer, ...]
    probability: float
    complete_information: float
    expected_package: np.ndarray | None


@dataclass(frozen=True)
class Types:
    """The responders' constraints in every draw, on 0–100: weights and ideals (K, V, n), allowances (K, V) at
    round 0, and each responder's cost of a round of delay (V,); the linkage cases' bounds."""

    weights: np.ndarray
    ideals: np.ndarray
    allowance: np.ndarray
    delay: np.ndarray
    cases: list[list[tuple[int, float, float]]]


@dataclass(frozen=True)
class Proposer:
    """The proposer's own weights and ideal (n,), its loss at no deal in round 0 and its cost of delay;
    ``anchor`` (n,): where its offers sit on issues it does not care about (the compromise model's forecast)."""

    name: str
    weights: np.ndarray
    ideal: np.ndarray
    no_deal: float
    delay: float
    anchor: np.ndarray


def screen(types: Types, proposer: Proposer, rounds: int = 1, candidates: int = 48) -> Bargaining:
    """Run the rounds of offers (see the module's docstring) against the draws in ``types``."""
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= 100:
        raise ParameterError(f"rounds of offers must be a whole number from 1 to 100, not {rounds!r}")
    if isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 1:
        raise ParameterError(f"candidates must be a whole number >= 1, not {candidates!r}")
    k_draws = types.weights.shape[0]
    open_draws = np.ones(k_draws, dtype=bool)
    accepted_sum = np.zeros(types.weights.shape[2])
    settled = 0
    offers = []
    found: list[np.ndarray] = []
    for t in range(rounds):
        allowance = types.allowance + t * types.delay[None, :]
        no_deal = -(proposer.no_deal + t * proposer.delay)
        indices = np.flatnonzero(open_draws)
        if len(indices) == 0:
            break
        pool = _candidates(types, proposer, allowance, indices, candidates)
        found.extend(pool)
        best, share, accept = None, 0.0, np.zeros(k_draws, dtype=bool)
        if pool:
            packages = np.array(pool)
            accepts = _accepts(types, allowance, packages)[:, indices]  # (C, |D_t|)
            shares = accepts.mean(axis=1)
            utility = -np.sum(proposer.weights[None, :] * np.abs(packages - proposer.ideal[None, :]), axis=1)
            expected = shares * utility + (1.0 - shares) * no_deal
            top = expected.max()
            if top >= no_deal - 1e-12:  # "no offer" gives no_deal for certain; an offer must do as well
                tied = np.flatnonzero(expected >= top - 1e-12)
                c = int(tied[np.argmax(shares[tied])])  # among equals, the likelier offer; then the first
                if shares[c] > 0:
                    best, share = packages[c], float(shares[c])
                    accept[indices] = accepts[c]
        if best is not None:
            accepted_sum += best * accept.sum()
            settled += int(accept.sum())
            open_draws &= ~accept
        offers.append(Offer(t, best, share, settled / k_draws))
    final_allowance = types.allowance + (rounds - 1) * types.delay[None, :]
    final_no_deal = proposer.no_deal + (rounds - 1) * proposer.delay
    upper = _complete_information(types, proposer, final_allowance, final_no_deal, found)
    return Bargaining(
        proposer.name,
        k_draws,
        rounds,
        tuple(offers),
        settled / k_draws,
        upper,
        accepted_sum / settled if settled else None,
    )


def _accepts(types: Types, allowance: np.ndarray, packages: np.ndarray) -> np.ndarray:
    """(C, K): whether every responder accepts each package in each draw."""
    gaps = np.abs(packages[:, None, None, :] - types.ideals[None, :, :, :])  # (C, K, V, n)
    loss = np.einsum("kvn,ckvn->ckv", types.weights, gaps)
    return np.all(loss <= allowance[None, :, :] + TOLERANCE, axis=2)


def _draw_problem(types: Types, allowance: np.ndarray, k: int) -> _Problem:
    players = [f"v{v}" for v in range(types.weights.shape[1])]
    return _Problem(players, types.weights[k], types.ideals[k], allowance[k], types.cases)


def _best_for_proposer(types: Types, proposer: Proposer, allowance: np.ndarray, k: int) -> np.ndarray | None:
    """The package the proposer likes best among those every responder accepts in draw k (None: no such)."""
    p = _draw_problem(types, allowance, k)
    # On an issue the proposer does not care about, a package is pulled (with a weight of 1e-6) towards the
    # anchor, so that the offer there is not whatever vertex the solver stops at.
    free = proposer.weights <= 0
    target = np.where(free, proposer.anchor, proposer.ideal)
    weights = np.where(free, 1e-6, proposer.weights)
    solved = [
        r
        for r in (_solve(p, case, "project", target=target, target_weights=weights) for case in p.cases)
        if r is not None
    ]
    return min(solved, key=lambda r: r[0])[1] if solved else None


def _candidates(
    types: Types, proposer: Proposer, allowance: np.ndarray, indices: np.ndarray, most: int
) -> list[np.ndarray]:
    chosen = indices[np.unique(np.linspace(0, len(indices) - 1, min(most, len(indices))).round().astype(int))]
    pool: list[np.ndarray] = []
    for k in chosen:
        z = _best_for_proposer(types, proposer, allowance, int(k))
        if z is not None and not any(np.allclose(z, q, rtol=0, atol=1e-9) for q in pool):
            pool.append(np.clip(z, 0.0, 100.0))
    return pool


def _complete_information(
    types: Types, proposer: Proposer, allowance: np.ndarray, no_deal: float, known: list[np.ndarray]
) -> float:
    """The share of draws in which some package satisfies every responder and the proposer (at its estimates).
    A draw that accepts a package already found needs no linear program."""
    k_draws = types.weights.shape[0]
    zone = np.zeros(k_draws, dtype=bool)
    if known:
        packages = np.array(known)
        mine = np.sum(proposer.weights[None, :] * np.abs(packages - proposer.ideal[None, :]), axis=1)
        fine = mine <= no_deal + TOLERANCE
        if fine.any():
            zone |= _accepts(types, allowance, packages[fine]).any(axis=0)
    for k in np.flatnonzero(~zone):
        p = _draw_problem(types, allowance, int(k))
        p = _Problem(
            [*p.players, proposer.name],
            np.vstack([p.weights, proposer.weights]),
            np.vstack([p.ideals, proposer.ideal]),
            np.append(p.allowance, no_deal),
            p.cases,
        )
        zone[k] = any(
            found is not None and found[0] <= TOLERANCE for found in (_solve(p, case, "violation") for case in p.cases)
        )
    return float(zone.mean())


def bargain(
    scenario: Scenario,
    samples: int = 1000,
    seed: int = 0,
    *,
    proposer: str | None = None,
    rounds: int = 1,
    delay: float = 0.0,
    candidates: int = 48,
) -> Bargaining:
    """The rounds of offers on ``samples`` draws of the scenario's uncertain inputs (the draws of forecast
    intervals, seeded the same way); ``proposer`` defaults to :func:`default_proposer`, ``delay`` is every
    actor's cost of a round without a deal (points, as the costs of no deal)."""
    from ktokovo.analysis.uncertainty import draw_inputs

    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ParameterError(f"samples must be a whole number >= 1, not {samples!r}")
    name = default_proposer(scenario) if proposer is None else proposer
    draws = draw_inputs(scenario, np.arange(samples), seed)
    types, own = types_of(scenario, name, draws.positions, draws.saliences, delay)
    return screen(types, own, rounds, candidates)


def default_proposer(scenario: Scenario) -> str:
    """The veto player with the most capability (the first listed among equals): whoever can block a deal and
    carries the most weight makes the offers unless the user names another proposer."""
    if not scenario.vetoes:
        raise ParameterError(f"{scenario.name} names no veto players: there is nobody to accept an offer")
    names = [v.actor for v in scenario.vetoes]
    capability = [float(scenario.capabilities[scenario.actor_index(n)]) for n in names]
    return names[int(np.argmax(capability))]


def types_of(
    scenario: Scenario,
    proposer: str,
    positions: np.ndarray,
    saliences: np.ndarray,
    delay: float = 0.0,
) -> tuple[Types, Proposer]:
    """The responders' constraints in each draw (``positions``, ``saliences``: (K, n_actors, n_issues) on
    0–100) and the proposer at its estimates; ``delay``: every actor's cost of a round without a deal."""
    if proposer not in scenario.actor_names:
        raise ParameterError(f"unknown proposer {proposer!r}; actors: {', '.join(scenario.actor_names)}")
    if not np.isfinite(delay) or delay < 0:
        raise ParameterError(f"the cost of delay must be a number >= 0, not {delay!r}")
    responders = [v.actor for v in scenario.vetoes if v.actor != proposer]
    n = len(scenario.issues)
    k_draws = len(positions)
    weights = np.zeros((k_draws, len(responders), n))
    ideals = np.zeros((k_draws, len(responders), n))
    allowance = np.full((k_draws, len(responders)), np.inf)  # a responder with nothing at stake never blocks
    cases: list[list[tuple[int, float, float]]] = problem(scenario).cases
    for k in range(k_draws):
        drawn = problem(scenario, positions=positions[k], saliences=saliences[k])
        for v, name in enumerate(responders):
            if name in drawn.players:
                row = drawn.players.index(name)
                weights[k, v], ideals[k, v], allowance[k, v] = (
                    drawn.weights[row],
                    drawn.ideals[row],
                    drawn.allowance[row],
                )
    own = _proposer(scenario, proposer, delay)
    return Types(weights, ideals, allowance, np.full(len(responders), delay), cases), own


def _proposer(scenario: Scenario, name: str, delay: float) -> Proposer:
    """The proposer at its estimates. Its utility counts every issue it takes a position on, weighted by its
    saliences (it chooses among whole packages); its no-deal point is its walk-away point (the status quo where
    its veto gives none, or where it has no veto) and its cost of no deal is its veto's (0 without one)."""
    i = scenario.actor_index(name)
    unit = scenario.unit_positions()[i]
    mask = ~np.isnan(unit) & (scenario.saliences[i] > 0)
    if not mask.any():
        raise ParameterError(f"the proposer {name!r} takes no position with any salience")
    weights = np.where(mask, scenario.saliences[i], 0.0)
    weights = weights / weights.sum()
    ideal = np.where(mask, unit, 0.0)
    veto = next((v for v in scenario.vetoes if v.actor == name), None)
    walk = dict(veto.walk_away) if veto is not None else {}
    away = np.array(
        [
            ideal[j] if (value := walk.get(issue.name, issue.status_quo)) is None else float(issue.to_unit(value))
            for j, issue in enumerate(scenario.issues)
        ]
    )
    cost = veto.cost if veto is not None else 0.0
    everyone = scenario.unit_positions()
    anchor = np.array(
        [
            weighted_mean(everyone[present, j], scenario.capabilities[present], scenario.saliences[present, j])
            if (present := ~np.isnan(everyone[:, j])).any()
            else 50.0
            for j in range(len(scenario.issues))
        ]
    )
    return Proposer(name, weights, ideal, float(np.sum(weights * np.abs(away - ideal))) + cost, delay, anchor)
