"""Bargaining under incomplete information: will they settle when nobody knows the others' limits?

The zone of agreement (:mod:`ktokovo.analysis.deal`) says whether some package satisfies every veto player
*if everyone's limits were known*. They are not: the scenario's own confidence ranges say how uncertain each
stance and rule is, and a proposer who cannot see the others' walk-away points must trade the chance that an
offer is accepted against what it gains by asking for more. That trade-off is why talks fail although a
zone exists (Fearon 1995, "Rationalist explanations for war", *International Organization* 49(3): 379–414,
the risk-return trade-off; Powell 1999, *In the Shadow of Power*, Princeton, ch. 3; Banks 1990,
"Equilibrium behavior in crisis bargaining games", *American Journal of Political Science* 34(3): 599–614).

The model. The draws k = 1..K of the uncertain inputs (as for forecast intervals) are the proposer's prior
over the others' types, each equally likely. Veto player v accepts package z in draw k iff

    L_vk(z) ≤ W_vk(t),   L_vk(z) = Σ_j a_vkj |z_j − x_vkj|,   W_vk(t) = L_vk(w_vk) + c_vk + t·δ_v,

its salience-weighted loss at z against its loss at its walk-away point w plus its cost of no deal c, which
grows by δ_v in every round of delay t = 0, 1, ... (the deal module's constraint, with a cost of delay), and
z keeps the linkages. The proposer p knows itself (its inputs are held at their estimates) and, in round t,
offers the package that maximises its expected utility over the draws still open, D_t:

    EU_t(z) = P_t(z) U_p(z) + (1 − P_t(z)) U_p(no deal, t),
    P_t(z) = |{k ∈ D_t : every other veto player accepts z in draw k}| / |D_t|,
    U_p(z) = −L_p(z),  U_p(no deal, t) = −W_p(t),

so it maximises P_t(z) · G_t(z) with G_t(z) = W_p(t) − L_p(z), its gain over no deal, among the packages
with G_t(z) ≥ 0 (Fearon's proposer, in many dimensions and with many responders). The probability of a deal
in that round is the chosen package's P_t.

A rejection is informative: the draws that would have accepted are struck out, D_{t+1} = D_t minus the
acceptors (Bayes' rule over equally likely draws), and the next round's offer is made against the tougher
types left (the screening of Powell 1999, ch. 3, with a myopic proposer: each round's offer maximises that
round's expected utility). The talks end without a deal after the last round (the deadline). The
probability of a deal by round t is the share of all draws settled by then; the expected package is the
mean of the accepted packages over the draws that settle.

The proposer's problem, a maximum over packages of a step function times a concave one, is solved exactly
as a mixed-integer linear program (HiGHS through :func:`scipy.optimize.milp`): a binary y_k per draw, "draw
k accepts", with every responder's constraint imposed when y_k = 1 (big-M, M the largest loss possible on
0–100 less the allowance), a linkage's two cases as one more binary, and the product P·G linearised by
g_k ≤ G(z), g_k ≤ W_p y_k, maximising Σ_k g_k. Among offers of equal expected utility the likelier one is
taken (a second program), so that a proposer who stands to gain nothing still makes the offer most likely
to close; the acceptors' set is then re-solved for the proposer's best package in it, placed, on issues the
proposer is indifferent about, nearest the compromise model's forecast.

The program grows hard fast (on the flagship, one offer against 20, 40, 60 and 100 draws takes about 0.7,
2, 5 and 35 s), so the proposer optimises each offer on a sample of ``belief`` of the open draws, spread
evenly (:data:`BELIEF`; the sample average approximation of a stochastic program, which converges to the
true optimum as the sample grows: Shapiro, Dentcheva & Ruszczyński 2009, *Lectures on Stochastic
Programming*, ch. 5), while the offer's acceptance, the probability and the Bayesian update are counted on
every open draw. ``belief=None`` optimises on all of them.

Properties, tested: a deal in draw k means some package satisfied every veto player (and the proposer) in
draw k, so P(deal by the deadline) never exceeds the complete-information share (:func:`complete_share`);
with no uncertainty the two are equal; in a round, a proposer whose own cost of no deal is higher never
makes an offer less likely to be accepted (revealed preference: if z₁ is best at cost c and z₂ at c' > c,
P₁(G₁+c) ≥ P₂(G₂+c) and P₂(G₂+c') ≥ P₁(G₁+c') add up to (P₂ − P₁)(c' − c) ≥ 0). A responder's higher cost
need not raise the probability: the proposer then asks for more (the risk-return trade-off).

The proposer. The scenario's ``talks.proposer`` (an agenda setter or mediator) makes every offer; where it
names none, each veto player is the proposer with equal chance (equal recognition, as in Baron & Ferejohn
1989, "Bargaining in legislatures", *APSR* 83(4)), and the probability is the mean over them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ktokovo.analysis.deal import Stacked, accepted, problem, stacked, zones

if TYPE_CHECKING:
    from scipy.optimize import OptimizeResult
from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Scenario
from ktokovo.models.mean import weighted_mean

BELIEF = 30
"""How many of the open draws the proposer optimises an offer on (the sample average approximation; the
offer's acceptance is then counted on every open draw)."""

TIME_LIMIT = 20.0
"""Seconds the solver may spend on one offer; past it the best offer found is taken, and marked unproven."""

TOLERANCE = 1e-6
"""A loss within this of an allowance is accepted (points on 0–100): the mixed-integer solver meets its
constraints to about 1e-7, so a package it places exactly on a responder's limit must count as accepted."""


@dataclass(frozen=True)
class Offer:
    """One round: the package offered (0–100 per issue; None: no offer, nothing is accepted), the share of
    the draws still open that accept it, and P(deal by this round) over all draws."""

    round: int
    package: np.ndarray | None
    accepted: float
    settled: float


@dataclass(frozen=True)
class Bargaining:
    """One proposer's rounds. ``probability``: P(deal by the deadline); ``complete_information``: the share of
    draws in which some package satisfies every veto player and the proposer at the deadline's costs, its
    upper bound; ``expected_package``: the mean accepted package (0–100) over the draws that settle (None if
    none does); ``settled``: per draw, the round it settled in (−1: no deal); ``packages``: (K, n) the package
    each draw settled on (NaN where none); ``belief``: how many open draws each offer was optimised on (None:
    all); ``proven``: whether every offer was proven optimal on them (False: a solver's time limit was hit)."""

    proposer: str
    draws: int
    rounds: int
    offers: tuple[Offer, ...]
    probability: float
    complete_information: float
    expected_package: np.ndarray | None
    settled: np.ndarray
    packages: np.ndarray
    belief: int | None = None
    proven: bool = True


@dataclass(frozen=True)
class Types:
    """The responders' constraints in every draw, on 0–100: weights and ideals (K, V, n), allowances (K, V) at
    round 0 (inf: the responder has nothing at stake and accepts anything), each responder's cost of a round
    of delay (V,), and the linkage cases' bounds."""

    weights: np.ndarray
    ideals: np.ndarray
    allowance: np.ndarray
    delay: np.ndarray
    cases: list[list[tuple[int, float, float]]]


@dataclass(frozen=True)
class Proposer:
    """The proposer at its estimates: weights and ideal (n,), its allowance W_p at round 0 (its loss at no
    deal), its cost of a round of delay, and ``anchor`` (n,): where its offers sit on issues it does not care
    about (the compromise model's forecast)."""

    name: str
    weights: np.ndarray
    ideal: np.ndarray
    no_deal: float
    delay: float
    anchor: np.ndarray


def screen(types: Types, proposer: Proposer, rounds: int = 1, belief: int | None = BELIEF) -> Bargaining:
    """Run the rounds of offers (see the module's docstring) against the draws in ``types``; the proposer
    optimises each offer on at most ``belief`` of the open draws, spread evenly (None: on all of them)."""
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= 50:
        raise ParameterError(f"rounds of offers must be a whole number from 1 to 50, not {rounds!r}")
    if belief is not None and (isinstance(belief, bool) or not isinstance(belief, int) or belief < 1):
        raise ParameterError(f"the proposer's belief must be a whole number of draws >= 1, not {belief!r}")
    k_draws, _, n = types.weights.shape
    open_draws = np.ones(k_draws, dtype=bool)
    settled = np.full(k_draws, -1)
    packages = np.full((k_draws, n), np.nan)
    offers = []
    proven = True
    for t in range(rounds):
        allowance = types.allowance + t * types.delay[None, :]
        gain_cap = proposer.no_deal + t * proposer.delay
        indices = np.flatnonzero(open_draws)
        if len(indices) == 0:
            offers.append(Offer(t, None, 0.0, float((settled >= 0).mean())))
            continue
        sample = indices if belief is None or len(indices) <= belief else indices[_spread(len(indices), belief)]
        best, exact = _best_offer(types, proposer, sample, allowance[sample], gain_cap)
        proven &= exact
        share = 0.0
        if best is not None:
            accept = np.zeros(k_draws, dtype=bool)
            accept[indices] = accepts(types, allowance[indices], best, indices)
            share = float(accept[indices].mean())
            settled[accept] = t
            packages[accept] = best
            open_draws &= ~accept
        offers.append(Offer(t, best, share, float((settled >= 0).mean())))
    final = rounds - 1
    upper = complete_share(
        types, proposer, types.allowance + final * types.delay[None, :], proposer.no_deal + final * proposer.delay
    )
    done = settled >= 0
    return Bargaining(
        proposer.name,
        k_draws,
        rounds,
        tuple(offers),
        float(done.mean()),
        upper,
        packages[done].mean(axis=0) if done.any() else None,
        settled,
        packages,
        belief,
        proven,
    )


def _spread(size: int, most: int) -> np.ndarray:
    """``most`` positions out of ``size``, spread evenly (the first and the last included)."""
    return np.unique(np.linspace(0, size - 1, most).round().astype(int))


def accepts(types: Types, allowance: np.ndarray, z: np.ndarray, indices: np.ndarray | None = None) -> np.ndarray:
    """Whether every responder accepts package z in each draw (``indices`` of ``types``; allowance rows match)."""
    rows = slice(None) if indices is None else indices
    return accepted(types.weights[rows], types.ideals[rows], allowance, types.cases, z, TOLERANCE)


def _best_offer(
    types: Types, proposer: Proposer, indices: np.ndarray, allowance: np.ndarray, gain_cap: float
) -> tuple[np.ndarray | None, bool]:
    """The proposer's best package against the draws ``indices`` (``allowance`` (D, V): their rows at this
    round): the exact maximiser of P·G (module docstring), the likelier among equals, or None if no package it
    weakly prefers to no deal is accepted in any of them; and whether the solver proved it optimal."""
    program = _Program(types, proposer, indices, allowance, gain_cap)
    first = program.solve("gain")
    if first is None:
        return None, True
    exact = first.status == 0
    value = -first.fun
    # Among packages worth as much (to the solver's precision), the one accepted in the most draws; when
    # nothing can be gained, the likeliest package the proposer still weakly prefers to no deal.
    second = program.solve("acceptance", gain_floor=value - 1e-7 * max(1.0, value))
    x = first.x if second is None else second.x
    accepted = accepts(types, allowance, x[: program.n], indices)
    if not accepted.any():
        return None, exact
    fixed = program.solve("own", accepted=accepted)
    if fixed is None:  # x itself meets the acceptors' constraints, so only the solver can have failed here
        return np.clip(x[: program.n], 0.0, 100.0), exact
    placed = program.solve("anchor", accepted=accepted, own_floor=-fixed.fun - 1e-9)
    z = (fixed if placed is None else placed).x[: program.n]
    return np.clip(z, 0.0, 100.0), exact


class _Program:
    """The proposer's mixed-integer program over the open draws, built once per round and solved with the
    objectives :func:`_best_offer` needs. Variables, in order: z (n), u (n) the proposer's |z − x_p|, q (n)
    |z − anchor|, G its gain over no deal, y (D) binary "draw accepts", g (D) the gain counted in draw d, λ
    (one binary per linkage: 0 its condition fails, 1 its consequence holds), t one per (draw, responder,
    issue) weighed: |z_j − x_dvj|."""

    def __init__(
        self, types: Types, proposer: Proposer, indices: np.ndarray, allowance: np.ndarray, gain_cap: float
    ) -> None:
        from scipy.sparse import coo_array

        n = types.weights.shape[2]
        d_open = len(indices)
        weights, ideals = types.weights[indices], types.ideals[indices]
        links = _links(types.cases)
        self.n, self.d_open = n, d_open
        z, u, q, gain = 0, n, 2 * n, 3 * n
        y = gain + 1
        g = y + d_open
        lam = g + d_open
        t0 = lam + len(links)
        finite = np.isfinite(allowance)
        worst = np.einsum("dvn,dvn->dv", weights, np.maximum(ideals, 100.0 - ideals))
        binding = finite & (worst > allowance + TOLERANCE)  # responders that reject something in that draw
        active = (weights > 0) & binding[:, :, None]
        d_idx, v_idx, j_idx = np.nonzero(active)
        n_t = len(d_idx)
        t_idx = t0 + np.arange(n_t)
        self.size = t0 + n_t
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        rhs: list[np.ndarray] = []
        count = 0

        def add(r: np.ndarray, c: np.ndarray, v: np.ndarray, b: np.ndarray, n_rows: int) -> None:
            nonlocal count
            rows.append(r + count)
            cols.append(c)
            vals.append(v)
            rhs.append(b)
            count += n_rows

        x_t = ideals[d_idx, v_idx, j_idx]
        e = np.arange(n_t)
        for sign in (1.0, -1.0):  # ±(z_j − x) − t ≤ 0
            add(np.r_[e, e], np.r_[z + j_idx, t_idx], np.r_[np.full(n_t, sign), -np.ones(n_t)], sign * x_t, n_t)
        # Σ_j a t + M y ≤ W + M for each binding (draw, responder): enforced when y = 1.
        pairs = np.flatnonzero(binding.ravel())
        pair_of = np.full(binding.size, -1)
        pair_of[pairs] = np.arange(len(pairs))
        row_t = pair_of[d_idx * binding.shape[1] + v_idx]
        big = (worst - allowance).ravel()[pairs]
        add(
            np.r_[row_t, np.arange(len(pairs))],
            np.r_[t_idx, y + pairs // binding.shape[1]],
            np.r_[weights[d_idx, v_idx, j_idx], big],
            allowance.ravel()[pairs] + big,
            len(pairs),
        )
        mine = np.flatnonzero(proposer.weights > 0)
        m = np.arange(len(mine))
        for sign in (1.0, -1.0):  # ±(z_j − x_p) − u_j ≤ 0
            add(
                np.r_[m, m],
                np.r_[z + mine, u + mine],
                np.r_[np.full(len(mine), sign), -np.ones(len(mine))],
                sign * proposer.ideal[mine],
                len(mine),
            )
        every = np.arange(n)
        for sign in (1.0, -1.0):  # ±(z_j − anchor_j) − q_j ≤ 0
            add(
                np.r_[every, every],
                np.r_[z + every, q + every],
                np.r_[np.full(n, sign), -np.ones(n)],
                sign * proposer.anchor,
                n,
            )
        # G + Σ w u ≤ W_p: G is at most the proposer's gain over no deal.
        add(
            np.zeros(len(mine) + 1, dtype=int),
            np.r_[gain, u + mine],
            np.r_[1.0, proposer.weights[mine]],
            np.array([gain_cap]),
            1,
        )
        opened = np.arange(d_open)
        add(
            np.r_[opened, opened],
            np.r_[g + opened, np.full(d_open, gain)],
            np.r_[np.ones(d_open), -np.ones(d_open)],
            np.zeros(d_open),
            d_open,
        )  # g ≤ G
        add(
            np.r_[opened, opened],
            np.r_[g + opened, y + opened],
            np.r_[np.ones(d_open), np.full(d_open, -gain_cap)],
            np.zeros(d_open),
            d_open,
        )  # g ≤ W_p y
        for k, ((j_fail, low_fail, high_fail), (j_hold, low_hold, high_hold)) in enumerate(links):
            # λ = 0: z_if within the "fails" interval; λ = 1: z_then within the "holds" interval (big-M 100).
            add(np.array([0, 0]), np.array([z + j_fail, lam + k]), np.array([-1.0, -100.0]), np.array([-low_fail]), 1)
            add(np.array([0, 0]), np.array([z + j_fail, lam + k]), np.array([1.0, -100.0]), np.array([high_fail]), 1)
            add(
                np.array([0, 0]),
                np.array([z + j_hold, lam + k]),
                np.array([-1.0, 100.0]),
                np.array([100.0 - low_hold]),
                1,
            )
            add(
                np.array([0, 0]),
                np.array([z + j_hold, lam + k]),
                np.array([1.0, 100.0]),
                np.array([high_hold + 100.0]),
                1,
            )
        self.matrix = coo_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(count, self.size)
        ).tocsr()
        self.rhs = np.concatenate(rhs)
        self.slots = {"z": z, "u": u, "q": q, "gain": gain, "y": y, "g": g, "lam": lam}
        self.n_links = len(links)
        self.gain_cap = gain_cap
        self.own = (mine, proposer.weights[mine])

    def solve(
        self,
        objective: str,
        *,
        gain_floor: float | None = None,
        accepted: np.ndarray | None = None,
        own_floor: float | None = None,
    ) -> OptimizeResult | None:
        """objective "gain": maximise Σ g / D (= P·G); "acceptance": maximise Σ y with Σ g / D ≥ ``gain_floor``;
        "own": maximise G with the draws in ``accepted`` fixed to accept (and the others free to reject);
        "anchor": minimise Σ q with G ≥ ``own_floor`` and those draws fixed."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        s = self.slots
        n, d_open = self.n, self.d_open
        cost = np.zeros(self.size)
        low = np.zeros(self.size)
        high = np.full(self.size, np.inf)
        high[s["z"] : s["z"] + n] = 100.0
        high[s["gain"]] = self.gain_cap
        high[s["y"] : s["y"] + d_open] = 1.0
        high[s["g"] : s["g"] + d_open] = self.gain_cap
        high[s["lam"] : s["lam"] + self.n_links] = 1.0
        integrality = np.zeros(self.size)
        integrality[s["y"] : s["y"] + d_open] = 1
        integrality[s["lam"] : s["lam"] + self.n_links] = 1
        constraints = [LinearConstraint(self.matrix, -np.inf, self.rhs)]
        if objective == "gain":
            cost[s["g"] : s["g"] + d_open] = -1.0 / d_open
        elif objective == "acceptance":
            cost[s["y"] : s["y"] + d_open] = -1.0
            row = np.zeros(self.size)
            row[s["g"] : s["g"] + d_open] = 1.0 / d_open
            constraints.append(LinearConstraint(row[None, :], max(gain_floor or 0.0, 0.0), np.inf))
        else:
            assert accepted is not None
            low[s["y"] : s["y"] + d_open] = accepted.astype(float)
            high[s["y"] : s["y"] + d_open] = accepted.astype(float)
            if objective == "own":
                cost[s["gain"]] = -1.0
            else:
                cost[s["q"] : s["q"] + n] = 1.0
                low[s["gain"]] = min(max(own_floor or 0.0, 0.0), self.gain_cap)
        solved = milp(
            cost,
            integrality=integrality,
            bounds=Bounds(low, high),
            constraints=constraints,
            options={"mip_rel_gap": 1e-9, "time_limit": TIME_LIMIT},
        )
        # status 1: the time limit, with a feasible point found (x is None when none was).
        return solved if solved.status == 0 or (solved.status == 1 and solved.x is not None) else None


def _links(
    cases: list[list[tuple[int, float, float]]],
) -> list[tuple[tuple[int, float, float], tuple[int, float, float]]]:
    """Each linkage's two cases, (its condition fails, its consequence holds), from the deal module's product
    of cases (the first case takes every "fails", the last every "holds")."""
    if not cases or not cases[0]:
        return []
    return list(zip(cases[0], cases[-1], strict=True))


def complete_share(types: Types, proposer: Proposer, allowance: np.ndarray, no_deal: float) -> float:
    """The share of draws in which some package satisfies every responder and the proposer (at its
    estimates, G ≥ 0): the probability of a deal if the proposer could see the draw."""
    k_draws = types.weights.shape[0]
    weights = np.concatenate(
        [types.weights, np.broadcast_to(proposer.weights, (k_draws, 1, len(proposer.weights)))], axis=1
    )
    ideals = np.concatenate([types.ideals, np.broadcast_to(proposer.ideal, (k_draws, 1, len(proposer.ideal)))], axis=1)
    allowances = np.concatenate([allowance, np.full((k_draws, 1), no_deal)], axis=1)
    # the same tolerance as the offers' acceptance, so that the bound holds draw by draw
    return float(zones(weights, ideals, allowances, types.cases, TOLERANCE).mean())


def proposers(scenario: Scenario) -> list[str]:
    """Who makes the offers: the scenario's ``talks.proposer``, or else each veto player (equal chance)."""
    if not scenario.vetoes:
        raise ParameterError(f"{scenario.name} names no veto players: there is nobody to accept an offer")
    if scenario.talks.proposer is not None:
        return [scenario.talks.proposer]
    return [v.actor for v in scenario.vetoes]


def types_of(scenario: Scenario, proposer: str, draws: Any) -> tuple[Types, Proposer]:
    """The responders' constraints in each of ``draws`` (:class:`ktokovo.analysis.uncertainty.Draws`) and
    the proposer at its estimates."""
    return types_of_rules(scenario, proposer, stacked(scenario, draws))


def types_of_rules(
    scenario: Scenario, proposer: str, rules: Stacked, rows: np.ndarray | None = None
) -> tuple[Types, Proposer]:
    """As :func:`types_of`, from the veto players' stacked constraints (``rows``: the draws to keep)."""
    if proposer not in scenario.actor_names:
        raise ParameterError(f"unknown proposer {proposer!r}; actors: {', '.join(scenario.actor_names)}")
    keep = [v for v, veto in enumerate(scenario.vetoes) if veto.actor != proposer]
    picked = slice(None) if rows is None else rows
    delay = np.array([scenario.vetoes[v].delay for v in keep])
    types = Types(
        rules.weights[picked][:, keep],
        rules.ideals[picked][:, keep],
        rules.allowance[picked][:, keep],
        delay,
        problem(scenario).cases,
    )
    return types, _proposer(scenario, proposer)


def _proposer(scenario: Scenario, name: str) -> Proposer:
    """The proposer at its estimates. Its utility counts every issue it takes a position on, weighted by its
    saliences (it chooses among whole packages); its no-deal point is its walk-away point (the status quo where
    its veto gives none, or where it has no veto), its cost of no deal and of delay its veto's (0 without)."""
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
    everyone = scenario.unit_positions()
    anchor = np.array(
        [
            weighted_mean(everyone[present, j], scenario.capabilities[present], scenario.saliences[present, j])
            if (present := ~np.isnan(everyone[:, j]) & (scenario.saliences[:, j] > 0)).any()
            else 50.0
            for j in range(len(scenario.issues))
        ]
    )
    cost = veto.cost if veto is not None else 0.0
    delay = veto.delay if veto is not None else 0.0
    return Proposer(name, weights, ideal, float(np.sum(weights * np.abs(away - ideal))) + cost, delay, anchor)


def bargain(
    scenario: Scenario, samples: int = 1000, seed: int = 0, *, proposer: str | None = None, belief: int | None = BELIEF
) -> list[Bargaining]:
    """The rounds of offers (``scenario.talks.rounds``) of each proposer (:func:`proposers`, or the one named)
    on ``samples`` draws of the scenario's uncertain inputs, the draws of forecast intervals seeded the same
    way."""
    from ktokovo.analysis.uncertainty import draw_inputs

    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ParameterError(f"samples must be a whole number >= 1, not {samples!r}")
    draws = draw_inputs(scenario, np.arange(samples), seed)
    out = []
    for name in [proposer] if proposer is not None else proposers(scenario):
        types, own = types_of(scenario, name, draws)
        out.append(screen(types, own, scenario.talks.rounds, belief))
    return out
