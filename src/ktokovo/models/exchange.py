"""Stokman's exchange model in its equal-gain form.

Stokman, F.N. & Van Oosten, R. (1994) "The exchange of voting positions: an object-oriented model of
policy networks", in Bueno de Mesquita & Stokman (eds) *European Community Decision Making*, ch. 5;
Van Assen, Stokman & Van Oosten (2003). ktokovo implements ``shared/reference/EXCHANGE_SPEC.md``, which
states exactly what the Python package decide-exchange-model (foarsitter/decide-exchange-model @51dee66)
computes; section numbers below refer to it.

Each round (§4): the forecast on each issue is the salience × power weighted mean of the positions (the
package's "Nash bargaining solution", §1.2). Actors on opposite sides of it on two issues can exchange
voting positions: each moves on the issue it values relatively less, by amounts that give both the same
gain in expected utility (§4.4), capped so the weighted mean never passes the demander's position (§4.6).
The best exchange is realised, every other candidate that shares an actor and issue with it is
re-evaluated (§4.8), and so on until no valid candidate remains. The round's forecast is the weighted mean
of the resulting voting positions (§4.9); each actor keeps part of its shift as its next start position
(§4.10).

Two arithmetic modes:

``arithmetic="reference"`` (default) computes in 28-digit decimal floating point with half-even rounding and
the package's order of operations. Many ties among candidates are decided in the last digit, so only this
reproduces the package exactly (§1.1, §7.1). From :data:`COMPILE_FROM` actors a round runs compiled
(``_exchange_exact``, on the 28-digit decimals of ``_decimal28``), with the same operations in the same order
and so the same numbers as the object version here.

``arithmetic="float"`` runs the same algorithm in binary floating point, updating weighted sums by the
change of the moved actors' terms rather than summing afresh: faster, and an equally defensible model, but
it departs from the reference once a tie is decided by rounding noise (on the shipped cases from round 1 or
2; docs/benchmarks.md gives the measured drift).

``randomized=p`` with p in (0, 1] runs the randomised equal gain (§6.2): in every exchange one side, drawn at
random, takes a random share (up to p) of the surplus over the equal gain, or gives up one, with draws from
the run's seeded ``rng``; candidates are still ranked by the equal gain.

``tie_break="deterministic"`` (default) realises, among exactly equal gains, the candidate earlier in the
list (the package with ``ALLOW_RANDOM = False``); ``tie_break="random"`` follows the package's default random
tie rule (§6.1) with draws from the run's seeded ``rng``.

Mathematically equal gains are common and the last digit orders them, so the package's results depend on
the order in which actors are listed (§7.1). The preset ``decide`` keeps the scenario's order
(``actor_order="as_given"``) and reproduces the package; without a preset ktokovo runs the actors in the
order of their names (``actor_order="by_name"``), so a forecast does not depend on how a file lists them.

ktokovo departures, all where the package fails: an actor-issue with salience 0 takes part in the weighted
mean but in no exchange (the package divides by zero, §7.3); an issue whose saliences and powers are all 0
has the plain mean as its forecast.
"""

from __future__ import annotations

import decimal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import Any, ClassVar

import numpy as np

from ktokovo.models import _why
from ktokovo.models.contract import ActorOrder, JointModel, JointSolution, between, one_of


@dataclass(frozen=True)
class ExchangeParameters(ActorOrder):
    """The arithmetic, the tie rule, the randomised equal gain's p, and the order actors are run in."""

    model: ClassVar[str] = "exchange"
    arithmetic: str = field(default="reference", metadata=one_of("reference", "float"))
    tie_break: str = field(default="deterministic", metadata=one_of("deterministic", "random"))
    randomized: float = field(default=0.0, metadata=between(0.0, 1.0))


PRESETS = {
    "decide": ExchangeParameters(actor_order="as_given"),
    "fast": ExchangeParameters(arithmetic="float"),
}
DEFAULT_ROUNDS = 10


def applies(scenario: Any) -> str | None:
    """Why the model cannot run on ``scenario``, or None if it can."""
    if len(scenario.issues) < 2:
        return "the exchange model needs at least two issues to trade across"
    if np.count_nonzero(scenario.capabilities > 0) < 2:
        return "the exchange model needs at least two actors with capability above 0 to trade"
    return None


_CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)
# §4.10: the package's constants are the binary64 values of 0.4 and 0.1, turned into decimals exactly.
_SALIENCE_WEIGHT = {"reference": Decimal(0.4), "float": 0.4}
_FIXED_WEIGHT = {"reference": Decimal(0.1), "float": 0.1}


@dataclass(eq=False)
class _Side:
    """One actor's half of a candidate exchange (§4.3)."""

    actor: int
    sup: int  # the issue it moves on
    dem: int  # the issue it demands
    x: Any  # current supply position
    x0: Any  # round-start supply position
    d: Any  # its own round-start position on the demand issue
    s: Any  # salience on sup
    c: Any  # power on sup
    s_dem: Any  # salience on dem
    m: Any = 0
    y: Any = 0
    # The moves evaluated so far (§4.5 needs their sum, summed in order, and whether all signs agree): the sum
    # and sign counts of the entries before the last, and the last. The model only appends, drops the last
    # (always to append again) and replaces the last, so this keeps every answer the list would give.
    before_sum: Any = 0
    before_n: int = 0
    before_positive: int = 0
    before_negative: int = 0
    last: Any = None
    dropped: bool = False

    def append(self, move: Any) -> None:
        if self.last is not None and not self.dropped:
            self.before_sum = self.before_sum + self.last
            self.before_n += 1
            self.before_positive += self.last > 0
            self.before_negative += self.last < 0
        self.last, self.dropped = move, False

    def drop_last(self) -> None:
        self.dropped = True


@dataclass(eq=False)
class _Candidate:
    i: _Side  # supplies q, demands p
    j: _Side  # supplies p, demands q
    gain: Any = 0
    valid: bool = False
    override: dict[int, dict[int, Any]] = field(default_factory=dict)
    # The salience ratios of the equal gain (§4.4) and each side's c·s, fixed for the round: computed once,
    # the same operations as inline (a product's rounding does not depend on the factors' order).
    ratio_q: Any = field(init=False)  # (s_j + s_i,dem) / (s_j,dem + s_i): r_q from r_p
    ratio_p: Any = field(init=False)  # (s_i + s_j,dem) / (s_i,dem + s_j): r_p from r_q
    cs_i: Any = field(init=False)
    cs_j: Any = field(init=False)

    def __post_init__(self) -> None:
        i, j = self.i, self.j
        self.ratio_q = (j.s + i.s_dem) / (j.s_dem + i.s)
        self.ratio_p = (i.s + j.s_dem) / (i.s_dem + j.s)
        self.cs_i, self.cs_j = i.c * i.s, j.c * j.s


class _Round:
    """One round of the equal-gain model on fixed round-start positions."""

    def __init__(
        self,
        x: dict[tuple[int, int], Any],
        s: dict[tuple[int, int], Any],
        c: dict[tuple[int, int], Any],
        members: list[list[int]],
        denominators: list[Any],
        exact: bool = True,
        randomized: float = 0.0,
        uniform: Callable[[], float] | None = None,
    ):
        self.x, self.s, self.c, self.members, self.denominators = x, s, c, members, denominators
        self.exact = exact
        self.randomized, self.uniform = randomized, uniform
        # The thresholds of §4.5 in the run's own number type: a decimal compares with a float by its exact
        # binary value, so Decimal(1e-10) gives the same answers as 1e-10, without converting it every time.
        number: Callable[[Any], Any] = Decimal if exact else float
        self.tiny, self.zero, self.hundred = number(1e-10), number(0), number(100)
        # Round-start terms (x·s)·c of every participant and their running sums, accumulated left to right
        # from an exact 0 (§1.2). A sum with some actors placed elsewhere starts from the running sum before
        # the first of them and goes on term by term: the same operations in the same order.
        self.index = [{a: k for k, a in enumerate(m)} for m in members]
        self.terms = [[(x[a, i] * s[a, i]) * c[a, i] for a in m] for i, m in enumerate(members)]
        self.prefix = []
        for terms in self.terms:
            running: list[Any] = [0]
            for term in terms:
                running.append(running[-1] + term)
            self.prefix.append(running)

    def weighted_sum(self, issue: int, placed: dict[int, Any]) -> Any:
        """Σ ((x·s)·c) over the issue's participants, with ``placed`` actors at the given positions."""
        index = self.index[issue]
        ks = [index[a] for a in placed if a in index]
        if not ks:
            return self.prefix[issue][-1]
        if not self.exact:  # float mode: adjust the total for the placed actors only, O(placed) not O(members)
            total = self.prefix[issue][-1]
            for a in placed:
                if a in index:
                    total += (placed[a] * self.s[a, issue]) * self.c[a, issue] - self.terms[issue][index[a]]
            return total
        # From the running sum before the first placed actor, term by term in actor order; ``sum`` adds a run
        # of unplaced terms one at a time, left to right, so every addition (and rounding) is the same.
        ks.sort()
        terms = self.terms[issue]
        total = self.prefix[issue][ks[0]]
        previous = ks[0]
        for k in ks:
            total = sum(terms[previous:k], total)
            a = self.members[issue][k]
            total = total + ((placed[a] * self.s[a, issue]) * self.c[a, issue])
            previous = k + 1
        return sum(terms[previous:], total)

    def nbs(self, issue: int, placed: dict[int, Any]) -> Any:
        """N_E(issue; ...): round-start positions with ``placed`` actors replaced (§4.3)."""
        denominator = self.denominators[issue]
        return self.weighted_sum(issue, placed) / denominator if denominator != 0 else 0

    def seen(self, candidate: _Candidate, issue: int, actor: int, position: Any) -> Any:
        placed = dict(candidate.override.get(issue, {}))
        placed[actor] = position
        return self.nbs(issue, placed)

    def seen_twice(self, candidate: _Candidate, issue: int, actor: int, first: Any, second: Any) -> tuple[Any, Any]:
        """``seen`` with ``actor`` at ``first`` and at ``second``: in exact mode one pass, the two sums sharing
        their additions up to the actor's own term (the same operations, in the same order, as two calls)."""
        if not self.exact:
            return self.seen(candidate, issue, actor, first), self.seen(candidate, issue, actor, second)
        denominator = self.denominators[issue]
        index = self.index[issue]
        table = candidate.override.get(issue)
        if denominator == 0:
            return 0, 0
        s, c = self.s[actor, issue], self.c[actor, issue]
        if not table or (len(table) == 1 and actor in table):  # only the actor placed: one term differs
            k = index[actor]
            before, after = self.prefix[issue][k], self.terms[issue][k + 1 :]
            one = sum(after, before + ((first * s) * c))
            return one / denominator, sum(after, before + ((second * s) * c)) / denominator
        ks = sorted([index[a] for a in table if a != actor and a in index] + [index[actor]])
        members, terms, s_all, c_all = self.members[issue], self.terms[issue], self.s, self.c
        total = self.prefix[issue][ks[0]]
        previous = ks[0]
        totals: list[Any] = []
        for k in ks:
            a = members[k]
            if totals:
                totals = [
                    (sum(terms[previous:k], t) + ((table[a] * s_all[a, issue]) * c_all[a, issue])) for t in totals
                ]
            else:
                total = sum(terms[previous:k], total)
                if a == actor:
                    totals = [total + ((first * s) * c), total + ((second * s) * c)]
                else:
                    total = total + ((table[a] * s_all[a, issue]) * c_all[a, issue])
            previous = k + 1
        rest = terms[previous:]
        return sum(rest, totals[0]) / denominator, sum(rest, totals[1]) / denominator

    # -- §4.4–4.6 --------------------------------------------------------------------------------------
    def ok(self, side: _Side, move: Any) -> bool:
        """§4.5 on the side's move, which is its last: ``side.y`` is already ``side.x + move`` (the same
        operation on the same values, wherever a move is set)."""
        size = abs(move)
        if size > self.hundred or size <= self.tiny:
            return False
        moved = side.y
        if moved < self.zero or moved > self.hundred:
            return False
        if side.before_sum + side.last > self.hundred:
            return False
        if side.last < self.zero and side.before_negative == side.before_n:
            return True
        return side.last > self.zero and side.before_positive == side.before_n

    def evaluate(self, e: _Candidate) -> None:
        i, j = e.i, e.j
        d_p, d_q = self.denominators[j.sup], self.denominators[i.sup]
        dist_j = abs(i.d - j.x)
        dist_i = abs(j.d - i.x)
        r_p = ((dist_j * j.s) * j.c) / d_p
        r_q = e.ratio_q * r_p
        m_i = (r_q * d_q) / e.cs_i
        m_j = dist_j
        if m_i > dist_i:
            r_q = ((dist_i * i.s) * i.c) / d_q
            r_p = e.ratio_p * r_q
            m_i = dist_i
            m_j = (r_p * d_p) / e.cs_j
        if i.x > j.d:
            m_i = -m_i
        if j.x > i.d:
            m_j = -m_j
        i.append(m_i)
        j.append(m_j)
        i.m, j.m = m_i, m_j
        i.y, j.y = i.x + m_i, j.x + m_j
        e.gain = abs((r_q * i.s) - (r_p * i.s_dem))
        e.valid = self.ok(i, m_i) and self.ok(j, m_j)
        if e.gain < self.tiny:
            e.valid = False
        if e.valid and self.randomized:
            self.randomize(e, (r_p, d_p, dist_j), (r_q, d_q, dist_i))
            return
        if e.valid:
            capped = self.cap(e, i, j)
            capped = self.cap(e, j, i) or capped
            if capped:  # uncapped, the moves are the ones just found valid (the test reads nothing else)
                e.valid = self.ok(i, i.m) and self.ok(j, j.m)

    def randomize(self, e: _Candidate, p_side: tuple[Any, Any, Any], q_side: tuple[Any, Any, Any]) -> None:
        """§6.2, the randomised equal gain: one side, chosen at random, takes a random share of the surplus
        over the equal gain (or gives up a random share of its gain) and moves fully; the other's move follows.
        The ranking gain stays the equal gain. ktokovo's reading where the text is loose: a side's maximum
        utility is what it gains when its partner moves all the way and it gives nothing; the package's
        sign-flip in the capped branch (which moves an actor away from its target) is not copied."""
        assert self.uniform is not None
        u, v, z = self.uniform(), self.uniform(), self.uniform()
        num = type(e.gain)
        i, j = e.i, e.j
        # Full-move shifts: J's on p, I's on q.
        full_j = ((p_side[2] * j.s) * j.c) / p_side[1]
        full_i = ((q_side[2] * i.s) * i.c) / q_side[1]
        x_side, y_side = (i, j) if u < 0.5 else (j, i)
        full_x, full_y = (full_i, full_j) if x_side is i else (full_j, full_i)
        dist_x, dist_y = (q_side[2], p_side[2]) if x_side is i else (p_side[2], q_side[2])
        d_x, d_y = (q_side[1], p_side[1]) if x_side is i else (p_side[1], q_side[1])
        best = full_y * x_side.s_dem
        share = num(self.randomized) * num(z)
        utility = e.gain + share * (best - e.gain) if v < 0.5 else e.gain - share * e.gain
        r_x = full_x
        r_y = (utility + r_x * x_side.s) / x_side.s_dem
        m_y = (r_y * d_y) / (y_side.c * y_side.s)
        m_x = dist_x
        overflow = m_y > dist_y
        if overflow:  # the partner moves fully, X's shift follows from the utility it was dealt
            m_y = dist_y
            r_y = full_y
            r_x = abs((utility - r_y * x_side.s_dem) / x_side.s)
            m_x = (r_x * d_x) / (x_side.c * x_side.s)  # may overshoot X's distance, as in the package
        for side, move in ((x_side, m_x), (y_side, m_y)):
            partner = y_side if side is x_side else x_side
            signed = -move if side.x > partner.d else move
            side.last = signed
            side.m, side.y = signed, side.x + signed
        if not overflow:
            ranking = e.gain
            self.cap(e, i, j)
            self.cap(e, j, i)
            e.gain = ranking  # the ranking keeps the equal gain (§6.2 step 6)
        e.valid = self.ok(i, i.m) and self.ok(j, j.m)

    def cap(self, e: _Candidate, a: _Side, b: _Side) -> bool:
        """§4.6: cap the exchange so the weighted mean on A's supply issue does not pass B's position there;
        whether it changed the exchange."""
        issue = a.sup
        target = b.d
        n0, n1 = self.seen_twice(e, issue, a.actor, a.x, a.y)
        d0, d1, zero = target - n0, target - n1, self.zero
        if (d0 >= zero and d1 >= zero) or (d0 <= zero and d1 <= zero):
            return False
        placed = {a.actor: a.x}
        placed.update(e.override.get(issue, {}))  # overrides after A's own position here (§4.6)
        weighted = self.weighted_sum(issue, placed)
        denominator = self.denominators[issue]
        a_is_i = a is e.i
        delta = abs(((target * denominator) - weighted) / (e.cs_i if a_is_i else e.cs_j))
        r_a = ((delta * a.s) * a.c) / denominator
        r_b = (e.ratio_p if a_is_i else e.ratio_q) * r_a
        m_b = abs((r_b * self.denominators[b.sup]) / (e.cs_j if a_is_i else e.cs_i))
        m_a = delta
        if b.x > a.d:
            m_b = -m_b
        if a.x > b.d:
            m_a = -m_a
        b.last = m_b
        a.last = m_a
        b.m, a.m = m_b, m_a
        b.y, a.y = b.x + m_b, a.x + m_a
        e.gain = abs((r_b * b.s) - (r_a * b.s_dem))
        return True

    # -- §4.8 ----------------------------------------------------------------------------------------
    def refresh(self, e: _Candidate, r: _Candidate) -> None:
        redo = False
        matched = []
        for side in (e.i, e.j):
            if (side.actor, side.sup) == (r.i.actor, r.i.sup):
                side.x = r.i.y
                matched.append(side)
            elif (side.actor, side.sup) == (r.j.actor, r.j.sup):
                side.x = r.j.y
                matched.append(side)
        if matched:
            redo = True
            for side in (e.i, e.j):
                if not any(side is m for m in matched):
                    side.drop_last()
        ei, ej = e.i, e.j
        for mover, demander in ((r.i, r.j), (r.j, r.i)):
            # Case A (mover = R.I): R.J demands R.I's supply issue; case B is the mirror.
            who, dem = demander.actor, demander.dem
            if (who == ei.actor and dem == ei.dem) or (who == ej.actor and dem == ej.dem):
                table = e.override.setdefault(mover.sup, {})
                if mover.actor not in table:
                    table[mover.actor] = mover.y
                else:
                    u = table[mover.actor]
                    table[mover.actor] = min(u, mover.y) if mover.x0 <= u else max(u, mover.y)
                if not redo:
                    e.i.drop_last()
                    e.j.drop_last()
                    redo = True
        if redo:
            self.evaluate(e)

    # -- §4.2–4.7 ------------------------------------------------------------------------------------
    def candidates(self, n_actors: int, n_issues: int) -> list[_Candidate]:
        x, s, c = self.x, self.s, self.c
        nbs = [self.nbs(i, {}) for i in range(n_issues)]
        left = {key: value <= nbs[key[1]] for key, value in x.items()}
        out = []
        for p in range(n_issues):
            for q in range(p + 1, n_issues):
                both = [a for a in range(n_actors) if (a, p) in x and (a, q) in x and s[a, p] != 0 and s[a, q] != 0]
                groups: list[list[int]] = [[], [], [], []]
                for a in both:
                    groups[int(left[a, p]) + 2 * int(left[a, q])].append(a)
                for first, second in ((0, 3), (1, 2)):
                    for a in groups[first]:
                        for b in groups[second]:
                            if s[a, p] / s[a, q] < s[b, p] / s[b, q]:
                                alpha, beta = b, a
                            else:
                                alpha, beta = a, b
                            e = _Candidate(
                                i=_Side(
                                    alpha,
                                    q,
                                    p,
                                    x[alpha, q],
                                    x[alpha, q],
                                    x[alpha, p],
                                    s[alpha, q],
                                    c[alpha, q],
                                    s[alpha, p],
                                ),
                                j=_Side(
                                    beta, p, q, x[beta, p], x[beta, p], x[beta, q], s[beta, p], c[beta, p], s[beta, q]
                                ),
                            )
                            self.evaluate(e)
                            out.append(e)
        return out

    def realise(self, pool: list[_Candidate], draw: Callable[[], float] | None) -> list[_Candidate]:
        """§4.7–4.8: realise the best candidate and refresh the rest until none is left."""
        # A refresh changes only candidates that share a supply or demand (actor, issue) with the realised
        # exchange (§4.8 steps 1–3); the others are left as they are, so only those are visited.
        by_supply: dict[tuple[int, int], list[_Candidate]] = {}
        by_demand: dict[tuple[int, int], list[_Candidate]] = {}
        for e in pool:
            for side in (e.i, e.j):
                by_supply.setdefault((side.actor, side.sup), []).append(e)
                by_demand.setdefault((side.actor, side.dem), []).append(e)
        realised: list[_Candidate] = []
        gain_of = attrgetter("gain")
        while pool:
            pool.sort(key=gain_of, reverse=True)  # stable: equal gains keep their order
            if draw is None:
                # Pop invalid heads until a valid one: they are discarded unrefreshed and the list stays sorted.
                head = next((k for k, e in enumerate(pool) if e.valid), None)
                if head is None:
                    break
                chosen = pool[head]
                pool = pool[head + 1 :]
            else:
                chosen = pool.pop(0)
                if pool and abs(pool[0].gain - chosen.gain) < 1e-20:
                    # §6.1: the package's random tie rule between the top two.
                    if draw() >= 0.5:
                        pool.append(chosen)
                        chosen = pool.pop(0)
                    else:
                        pool.append(pool[0])
                if not chosen.valid:
                    continue
            chosen.valid = False  # realised: a duplicate left by the random tie rule is not realised again
            touched: dict[int, _Candidate] = {}
            for key, table in (
                ((chosen.i.actor, chosen.i.sup), by_supply),
                ((chosen.j.actor, chosen.j.sup), by_supply),
                ((chosen.j.actor, chosen.j.dem), by_demand),
                ((chosen.i.actor, chosen.i.dem), by_demand),
            ):
                for e in table.get(key, ()):
                    if e.valid:
                        touched[id(e)] = e
            for e in touched.values():
                self.refresh(e, chosen)  # an exchange it leaves invalid is dropped for the round
            realised.append(chosen)
            if len(realised) % 32 == 1:  # drop the invalid now and then: they only slow the sort
                pool = [e for e in pool if e.valid]
        return realised


def _compiled_round(step: _Round, n_actors: int, n_issues: int) -> tuple[int, list[_Candidate]]:
    """One float round by ``_exchange_kernels.round_float``: how many candidates it generated and the realised
    exchanges, as the objects the rest of the round reads."""
    from ktokovo.models import _exchange_kernels as kernels

    x = np.zeros((n_actors, n_issues))
    s = np.zeros((n_actors, n_issues))
    c = np.zeros((n_actors, n_issues))
    terms = np.zeros((n_actors, n_issues))
    has = np.zeros((n_actors, n_issues), dtype=bool)
    for issue, members in enumerate(step.members):
        for k, a in enumerate(members):
            x[a, issue], s[a, issue], c[a, issue] = step.x[a, issue], step.s[a, issue], step.c[a, issue]
            terms[a, issue] = step.terms[issue][k]
            has[a, issue] = True
    totals = np.array([float(prefix[-1]) for prefix in step.prefix])
    denominators = np.array([float(d) for d in step.denominators])
    f, g, gain, realised = kernels.round_float(x, s, c, has, denominators, totals, terms)

    floats, ints = f[realised].tolist(), g[realised].tolist()

    def side(e: int, k: int) -> _Side:
        fields, keys = floats[e][k], ints[e][k]
        return _Side(
            actor=keys[kernels.ACTOR],
            sup=keys[kernels.SUP],
            dem=keys[kernels.DEM],
            x=fields[kernels.X],
            x0=fields[kernels.X0],
            d=fields[kernels.D],
            s=fields[kernels.S],
            c=fields[kernels.C],
            s_dem=fields[kernels.SD],
            m=fields[kernels.M],
            y=fields[kernels.Y],
        )

    gains = gain[realised].tolist()
    chosen = [_Candidate(i=side(k, 0), j=side(k, 1), gain=gains[k], valid=False) for k in range(len(realised))]
    return len(gain), chosen


COMPILE_FROM = 10
"""The reference arithmetic runs compiled (``_exchange_exact``) on cases with this many actors or more; smaller
ones run the object version, which finishes before numba would have started (its start-up costs about a
second per process, benchmarks/cold_start.py), until a process has spent PLAIN_BUDGET seconds on it (many
runs: draws, advice); from then on it compiles too. The two give the same numbers
(tests/test_exchange_kernels.py)."""
PLAIN_BUDGET = 1.0
_plain_seconds = [0.0]


def _exact_round(step: _Round, n_actors: int, n_issues: int) -> tuple[int, list[_Candidate]]:
    """One reference round by ``_exchange_exact.round_exact``: how many candidates it generated and the
    realised exchanges, as the objects (with :class:`~decimal.Decimal` numbers) the rest of the round reads."""
    from ktokovo.models import _decimal28 as d28
    from ktokovo.models import _exchange_exact as kernels

    cells = n_actors * n_issues
    xs = np.zeros((cells, 6), np.int64)
    ss = np.zeros((cells, 6), np.int64)
    cs = np.zeros((cells, 6), np.int64)
    has = np.zeros((n_actors, n_issues), dtype=bool)
    member = np.full((n_actors, n_issues), -1, np.int64)
    width = max(1, max(len(m) for m in step.members))
    terms = np.zeros((n_issues * width, 6), np.int64)
    prefix = np.zeros((n_issues * (width + 1), 6), np.int64)
    count = np.array([len(m) for m in step.members], np.int64)
    for issue, members in enumerate(step.members):
        for k, a in enumerate(members):
            row = a * n_issues + issue
            xs[row], ss[row], cs[row] = (
                d28.pack(step.x[a, issue]),
                d28.pack(step.s[a, issue]),
                d28.pack(step.c[a, issue]),
            )
            has[a, issue] = True
            member[a, issue] = k
            terms[issue * width + k] = d28.pack(step.terms[issue][k])
        for k, running in enumerate(step.prefix[issue]):
            prefix[issue * (width + 1) + k] = d28.pack(running)
    dens = np.array([d28.pack(d) for d in step.denominators], np.int64).reshape(n_issues, 6)
    consts = np.array([d28.ZERO, d28.floor28(Decimal(1e-10)), d28.pack(100)], np.int64)
    f, k_numbers, g, realised = kernels.round_exact(xs, ss, cs, has, member, terms, prefix, count, dens, consts)

    number = d28.unpack

    rows = {e: f[e * 2 * kernels.NF : (e + 1) * 2 * kernels.NF].tolist() for e in realised.tolist()}

    def side(e: int, which: int) -> _Side:
        numbers = rows[e][which * kernels.NF : (which + 1) * kernels.NF]
        keys = g[e, which].tolist()
        return _Side(
            actor=keys[kernels.ACTOR],
            sup=keys[kernels.SUP],
            dem=keys[kernels.DEM],
            x=number(numbers[kernels.X]),
            x0=number(numbers[kernels.X0]),
            d=number(numbers[kernels.D]),
            s=number(numbers[kernels.S]),
            c=number(numbers[kernels.C]),
            s_dem=number(numbers[kernels.SD]),
            m=number(numbers[kernels.M]),
            y=number(numbers[kernels.Y]),
        )

    chosen = [
        _Candidate(
            i=side(e, 0), j=side(e, 1), gain=number(k_numbers[e * kernels.NK + kernels.GAIN].tolist()), valid=False
        )
        for e in realised.tolist()
    ]
    return len(g), chosen


@dataclass(frozen=True)
class ExchangeRun:
    """A whole run, normalised to 0–100.

    voting : (rounds + 1, n_actors, n_issues) round 0 = the input, round k = round k's voting positions (NaN:
    no position). forecast : (rounds + 1, n_issues) the weighted mean (NBS) of each row of ``voting``.
    exchanges : per round, the realised exchanges as dicts (actors, supply issues, gain, start, move, vote).
    candidates : per round, how many candidate exchanges were generated (§4.2).
    next_start : (n_actors, n_issues) the start positions the next round would take (§4.10).
    """

    voting: np.ndarray
    forecast: np.ndarray
    exchanges: list[list[dict[str, Any]]]
    candidates: list[int]
    next_start: np.ndarray


def simulate(
    position_text: np.ndarray,
    salience: np.ndarray,
    power: np.ndarray,
    scales: np.ndarray,
    *,
    rounds: int = DEFAULT_ROUNDS,
    arithmetic: str = "reference",
    tie_break: str = "deterministic",
    randomized: float = 0.0,
    rng: np.random.Generator | None = None,
) -> ExchangeRun:
    """Run the equal-gain model.

    Parameters
    ----------
    position_text : (n_actors, n_issues) positions on each issue's own scale, NaN where none.
    salience : (n_actors, n_issues) on [0, 1]. power : (n_actors, n_issues).
    scales : (n_issues, 2) each issue's (lower, upper).
    All numbers are turned into decimals through their shortest text form (15 significant digits), as the
    package reads them from its input file. ``randomized`` is p of the randomised equal gain (§6.2; 0: off).
    """
    if arithmetic == "reference":
        with decimal.localcontext(_CONTEXT):
            return _simulate(position_text, salience, power, scales, rounds, arithmetic, tie_break, randomized, rng)
    return _simulate(position_text, salience, power, scales, rounds, arithmetic, tie_break, randomized, rng)


def _number(arithmetic: str) -> Callable[[float], Any]:
    if arithmetic == "reference":
        return lambda v: Decimal(format(float(v), ".15g"))
    return float


def _simulate(
    position_text: np.ndarray,
    salience: np.ndarray,
    power: np.ndarray,
    scales: np.ndarray,
    rounds: int,
    arithmetic: str,
    tie_break: str,
    randomized: float,
    rng: np.random.Generator | None,
    compile_float: bool = True,
    compile_exact: bool | None = None,
) -> ExchangeRun:
    num = _number(arithmetic)
    n_actors, n_issues = position_text.shape
    x: dict[tuple[int, int], Any] = {}
    s: dict[tuple[int, int], Any] = {}
    c: dict[tuple[int, int], Any] = {}
    members: list[list[int]] = [[] for _ in range(n_issues)]
    for j in range(n_issues):
        lower, upper = num(scales[j, 0]), num(scales[j, 1])
        step = 100 / (upper - lower) if upper != lower else 0  # §2.5
        for a in range(n_actors):
            if np.isnan(position_text[a, j]):
                continue
            x[a, j] = (num(position_text[a, j]) - lower) * step
            s[a, j] = num(salience[a, j])
            c[a, j] = num(power[a, j])
            members[j].append(a)
    denominators: list[Any] = []
    for j in range(n_issues):
        total: Any = 0
        for a in members[j]:
            total = total + (s[a, j] * c[a, j])
        denominators.append(total)
    generator = rng if rng is not None else np.random.default_rng(0)
    draw = (lambda: float(generator.random())) if tie_break == "random" else None

    def forecast_of(positions: dict[tuple[int, int], Any]) -> list[float]:
        out = []
        sums = _Round(positions, s, c, members, denominators)
        for j in range(n_issues):
            if denominators[j] != 0:
                out.append(float(sums.nbs(j, {})))
            else:
                out.append(float(np.mean([float(positions[a, j]) for a in members[j]])))
        return out

    def as_array(positions: dict[tuple[int, int], Any]) -> np.ndarray:
        out = np.full((n_actors, n_issues), np.nan)
        for (a, j), value in positions.items():
            out[a, j] = float(value)
        return out

    voting = [as_array(x)]
    forecasts = [forecast_of(x)]
    log: list[list[dict[str, Any]]] = []
    generated: list[int] = []
    salience_weight, fixed_weight = _SALIENCE_WEIGHT[arithmetic], _FIXED_WEIGHT[arithmetic]
    # The float mode with the deterministic tie rule runs compiled (the same operations in the same order).
    compiled = arithmetic == "float" and tie_break == "deterministic" and not randomized and compile_float
    # The reference arithmetic too, where it pays (COMPILE_FROM), or as ``compile_exact`` says.
    exact_kernel = arithmetic == "reference" and tie_break == "deterministic" and not randomized
    if compile_exact is None:
        exact_kernel &= n_actors >= COMPILE_FROM or _plain_seconds[0] >= PLAIN_BUDGET
    else:
        exact_kernel &= compile_exact
    for _ in range(rounds):
        step_round = _Round(
            x,
            s,
            c,
            members,
            denominators,
            exact=arithmetic == "reference",
            randomized=randomized,
            uniform=lambda: float(generator.random()),
        )
        if compiled:
            count, realised = _compiled_round(step_round, n_actors, n_issues)
            generated.append(count)
        elif exact_kernel:
            count, realised = _exact_round(step_round, n_actors, n_issues)
            generated.append(count)
        else:
            started = time.perf_counter()
            pool = step_round.candidates(n_actors, n_issues)
            generated.append(len(pool))
            realised = step_round.realise(pool, draw)
            if arithmetic == "reference":
                _plain_seconds[0] += time.perf_counter() - started
        vote = dict(x)
        for r in realised:
            vote[r.i.actor, r.i.sup] = r.i.y
            vote[r.j.actor, r.j.sup] = r.j.y
        voting.append(as_array(vote))
        forecasts.append(forecast_of(vote))
        log.append(
            [
                {
                    "actor_i": r.i.actor,
                    "supply_i": r.i.sup,
                    "actor_j": r.j.actor,
                    "supply_j": r.j.sup,
                    "gain": r.gain,
                    "start_i": r.i.x,
                    "move_i": r.i.m,
                    "vote_i": r.i.y,
                    "start_j": r.j.x,
                    "move_j": r.j.m,
                    "vote_j": r.j.y,
                }
                for r in realised
            ]
        )
        following = dict(x)
        for r in realised:
            for side in (r.i, r.j):
                w = (1 - side.s) * salience_weight
                following[side.actor, side.sup] = ((w * side.y) + (fixed_weight * side.y)) + (
                    ((1 - w) - fixed_weight) * side.x0
                )
        x = following
    return ExchangeRun(
        voting=np.array(voting),
        forecast=np.array(forecasts),
        exchanges=log,
        candidates=generated,
        next_start=as_array(x),
    )


def solve_joint(
    scenario: Any, *, rounds: int | None, rng: np.random.Generator, parameters: ExchangeParameters
) -> JointSolution:
    """All issues at once: the trajectory (rounds + 1, n_actors, n_issues) of voting positions on 0–100, the
    final round's forecast (twice: forecast and weighted mean are the same statistic here), and the start
    positions a further round would take (what a run continues from after a shock)."""
    scales = np.array([issue.scale for issue in scenario.issues], dtype=float)
    # An actor without capability moves no weighted mean and can offer nothing in an exchange (the equal-gain
    # formulas divide by its capability): it takes no part in the trading and keeps its position throughout.
    active = scenario.capabilities > 0
    power = np.repeat(scenario.capabilities[active, None], len(scenario.issues), axis=1)
    run = simulate(
        scenario.positions[active],
        scenario.saliences[active] / 100.0,
        power,
        scales,
        rounds=DEFAULT_ROUNDS if rounds is None else rounds,
        rng=rng,
        arithmetic=parameters.arithmetic,
        tie_break=parameters.tie_break,
        randomized=parameters.randomized,
    )
    if _why.active():
        with _why.scope(actors=np.flatnonzero(active)):
            for t, realised in enumerate(run.exchanges, start=1):
                for order, trade in enumerate(realised, start=1):
                    _why.note(
                        {
                            "model": "exchange",
                            "round": t,
                            "order": order,
                            "actor_i": _why.actor(trade["actor_i"]),
                            "supply_i": trade["supply_i"],
                            "actor_j": _why.actor(trade["actor_j"]),
                            "supply_j": trade["supply_j"],
                            "gain": float(trade["gain"]),
                            "start_i": float(trade["start_i"]),
                            "vote_i": float(trade["vote_i"]),
                            "start_j": float(trade["start_j"]),
                            "vote_j": float(trade["vote_j"]),
                        }
                    )
    if active.all():
        return JointSolution(run.voting, run.forecast[-1], run.forecast[-1], run.next_start)
    unit = scenario.unit_positions()
    voting = np.repeat(unit[None, :, :], len(run.voting), axis=0)
    voting[:, active] = run.voting
    next_start = unit.copy()
    next_start[active] = run.next_start
    return JointSolution(voting, run.forecast[-1], run.forecast[-1], next_start)


MODEL = JointModel(
    name="exchange",
    description="Stokman's exchange model (equal gain): actors trade positions across pairs of issues",
    citation="Stokman & Van Oosten (1994); Van Assen, Stokman & Van Oosten (2003); EXCHANGE_SPEC.md",
    parameters=ExchangeParameters,
    presets=PRESETS,
    rounds=True,
    default_rounds=DEFAULT_ROUNDS,
    applies=applies,
    solve=solve_joint,
)
