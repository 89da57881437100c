"""Deal or no deal: the zone of possible agreement among the veto players, and where a deal would land.

A package z gives one position per issue (0–100). Veto player v with ideal positions x_v and saliences s_v
over the issues it can veto, I_v, loses L_v(z) = Σ_{j∈I_v} s_vj |z_j − x_vj| / Σ_{j∈I_v} s_vj. It accepts z
only if L_v(z) ≤ L_v(w) + c_v, where w is its walk-away point (by default the status quo) and c_v what no
deal costs it. The zone of possible agreement is every package all veto players accept that also keeps the
linkages; each acceptance set is convex (a weighted L1 ball), and a linkage "if A then B" splits the zone
into the part where A fails and the part where B holds. Linear programs (scipy's HiGHS) decide every
question here.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ktokovo.core.errors import ParameterError
from ktokovo.core.limits import MAX_SAMPLES
from ktokovo.core.scenario import Scenario


@dataclass(frozen=True)
class _Problem:
    """The veto constraints on 0–100: per veto player the weights a (n_issues,), ideal x and allowance W."""

    players: list[str]
    weights: np.ndarray  # (n_players, n_issues), rows sum to 1 over the player's veto issues
    ideals: np.ndarray  # (n_players, n_issues)
    allowance: np.ndarray  # (n_players,) L_v(w) + c_v
    cases: list[list[tuple[int, float, float]]]  # per linkage case: (issue, low, high) bounds
    away: np.ndarray | None = None  # (n_players, n_issues) the walk-away points w_v, 0–100


def problem(
    scenario: Scenario,
    positions: np.ndarray | None = None,
    saliences: np.ndarray | None = None,
    *,
    status_quo: np.ndarray | None = None,
    costs: np.ndarray | None = None,
    walk_aways: np.ndarray | None = None,
) -> _Problem:
    """The constraints of ``scenario``, optionally with drawn inputs: positions (0–100) and saliences
    (n_actors, n_issues), the status quo (n_issues,, 0–100, NaN where none), each veto's cost of no deal
    (n_vetoes,) and walk-away points (n_vetoes, n_issues, 0–100, NaN where the veto gives none)."""
    unit = scenario.unit_positions() if positions is None else positions
    sal = scenario.saliences if saliences is None else saliences
    names = scenario.issue_names
    players, weights, ideals, allowance, aways = [], [], [], [], []
    for v_index, veto in enumerate(scenario.vetoes):
        i = scenario.actor_index(veto.actor)
        walk = dict(veto.walk_away)
        mask = np.zeros(len(names), dtype=bool)
        for name in veto.issues or names:
            mask[names.index(name)] = True
        mask &= ~np.isnan(unit[i]) & (sal[i] > 0)
        if not mask.any():
            continue
        w = np.where(mask, sal[i], 0.0)
        w = w / w.sum()
        away = np.empty(len(names))
        for j, name in enumerate(names):
            issue = scenario.issues[j]
            if walk_aways is not None and not np.isnan(walk_aways[v_index, j]):
                away[j] = walk_aways[v_index, j]
            elif name in walk:
                away[j] = float(issue.to_unit(walk[name]))
            elif status_quo is not None and not np.isnan(status_quo[j]):
                away[j] = status_quo[j]
            elif issue.status_quo is not None:
                away[j] = float(issue.to_unit(issue.status_quo))
            else:
                away[j] = unit[i, j]
        ideal = np.where(mask, unit[i], 0.0)
        cost = veto.cost if costs is None else float(costs[v_index])
        players.append(veto.actor)
        weights.append(w)
        ideals.append(ideal)
        aways.append(away)
        allowance.append(float(np.sum(w * np.abs(away - ideal))) + cost)
    cases: list[list[tuple[int, float, float]]] = [[]]
    for link in scenario.linkages:
        j_if, j_then = names.index(link.if_issue), names.index(link.then_issue)
        v_if = float(scenario.issues[j_if].to_unit(link.if_value))
        v_then = float(scenario.issues[j_then].to_unit(link.then_value))
        fails = (j_if, v_if, 100.0) if link.if_op == "<=" else (j_if, 0.0, v_if)  # "A fails" (closed, ties)
        holds = (j_then, v_then, 100.0) if link.then_op == ">=" else (j_then, 0.0, v_then)
        cases = [case + [extra] for case in cases for extra in (fails, holds)]
    return _Problem(
        players,
        np.array(weights).reshape(len(players), len(names)),
        np.array(ideals).reshape(len(players), len(names)),
        np.array(allowance),
        cases,
        np.array(aways).reshape(len(players), len(names)),
    )


@dataclass(frozen=True)
class _Solved:
    cost: float
    z: np.ndarray
    duals: np.ndarray  # the players' dual weights: |∂ cost / ∂ W_v| (see _refuted)


def _solve(
    p: _Problem,
    case: list[tuple[int, float, float]],
    objective: str,
    target: np.ndarray | None = None,
    relax: int | None = None,
) -> tuple[float, np.ndarray] | None:
    """:func:`_program`'s optimal cost and z."""
    solved = _program(p, case, objective, target, relax)
    return None if solved is None else (solved.cost, solved.z)


def _program(
    p: _Problem,
    case: list[tuple[int, float, float]],
    objective: str,
    target: np.ndarray | None = None,
    relax: int | None = None,
) -> _Solved | None:
    """One linear program over z (n), t (players × n) and an extra variable e.

    objective "violation": minimise e with L_v(z) − W_v ≤ e for every player (e ≤ 0 means a zone);
    "slack": maximise e with L_v(z) + e ≤ W_v (the most robust package);
    "project": minimise Σ_j |z_j − target_j| within the zone (e stands for nothing);
    ``relax`` = k: player k's constraint is dropped and its violation minimised instead.
    None when the case's bounds contradict each other or the solver fails.
    """
    from scipy.optimize import linprog

    n_players, n = p.weights.shape
    n_t = n_players * n
    extra = n if objective == "project" else 0  # u_j ≥ |z_j − target_j|
    size = n + n_t + 1 + extra
    cost = np.zeros(size)
    e = n + n_t
    if objective == "violation":
        cost[e] = 1.0
    elif objective == "slack":
        cost[e] = -1.0
    else:
        cost[e + 1 :] = 1.0
    rows, rhs, player_rows = [], [], []
    for v in range(n_players):
        for j in range(n):
            if p.weights[v, j] > 0:
                for sign in (1.0, -1.0):  # t_vj ≥ ±(z_j − x_vj)
                    row = np.zeros(size)
                    row[j], row[n + v * n + j] = sign, -1.0
                    rows.append(row)
                    rhs.append(sign * p.ideals[v, j])
        row = np.zeros(size)
        row[n + v * n : n + (v + 1) * n] = p.weights[v]
        player_rows.append(len(rows))
        if relax is not None:
            row[e] = -1.0 if v == relax else 0.0  # only this player may fall short: by e, minimised
        elif objective == "violation":
            row[e] = -1.0
        elif objective == "slack":
            row[e] = 1.0
        rows.append(row)
        rhs.append(p.allowance[v])
    if objective == "project":
        for j in range(n):
            for sign in (1.0, -1.0):
                row = np.zeros(size)
                row[j], row[e + 1 + j] = sign, -1.0
                rows.append(row)
                rhs.append(sign * target[j])  # type: ignore[index]
    low, high = _case_box(case, n)
    if np.any(low > high):
        return None
    box = list(zip(low.tolist(), high.tolist(), strict=True))
    bounds: list[tuple[float | None, float | None]] = [*box, *[(0.0, None)] * n_t, (None, None), *[(0.0, None)] * extra]
    if relax is not None:
        cost = np.zeros(size)
        cost[e] = 1.0
    solved = linprog(
        cost, A_ub=np.array(rows) if rows else None, b_ub=np.array(rhs) if rhs else None, bounds=bounds, method="highs"
    )
    if solved.status != 0:
        return None
    duals = np.abs(np.asarray(solved.ineqlin.marginals)[player_rows])  # HiGHS's ∂(min cost)/∂W_v, ≤ 0
    return _Solved(float(solved.fun), solved.x[:n], duals)


def losses(p: _Problem, z: np.ndarray) -> np.ndarray:
    return np.sum(p.weights * np.abs(z[None, :] - p.ideals), axis=1)


def has_zone(p: _Problem) -> bool:
    if not p.players:
        return True
    for case in p.cases:
        found = _solve(p, case, "violation")
        if found is not None and found[0] <= 1e-9:
            return True
    return False


@dataclass(frozen=True)
class DealAnalysis:
    """zone: whether any package satisfies every veto player and the linkages. blocking: per veto player its
    shortfall at the package that comes closest (points; > 0 blocks) and the issues that weigh most in it.
    settlement: per model, its forecast brought into the zone (own scale), and "nash" the Nash bargaining
    solution over the zone. slack: per settlement and veto player, how far it is from walking away (points)."""

    scenario: Scenario
    zone: bool
    blocking: list[dict[str, Any]]
    settlements: dict[str, np.ndarray]
    slack: dict[str, dict[str, float]]
    would_take: list[dict[str, Any]]


def _closest(p: _Problem) -> tuple[float, np.ndarray]:
    found = [r for r in (_solve(p, case, "violation") for case in p.cases) if r is not None]
    return min(found, key=lambda r: r[0]) if found else (np.inf, np.full(p.weights.shape[1], 50.0))


def project(p: _Problem, target: np.ndarray) -> np.ndarray | None:
    """The package in the zone nearest ``target`` (sum of absolute differences, 0–100), or None if none."""
    return _project(p, target)


def _project(p: _Problem, target: np.ndarray) -> np.ndarray | None:
    found = [r for r in (_solve(p, case, "project", target=target) for case in p.cases) if r is not None]
    return min(found, key=lambda r: r[0])[1] if found else None


def _nash(p: _Problem) -> np.ndarray | None:
    """Maximise Σ_v log(W_v − L_v(z)) over the zone, started from the most robust package."""
    from scipy.optimize import minimize

    starts = [r for r in (_solve(p, case, "slack") for case in p.cases) if r is not None and -r[0] >= -1e-9]
    if not starts:
        return None
    best = None
    for case, (_, z0) in zip(p.cases, starts, strict=False):
        low, high = _case_box(case, len(z0))
        bounds = list(zip(low.tolist(), high.tolist(), strict=True))

        def objective(z: np.ndarray) -> float:
            # A veto player with no room at all (slack 0 everywhere in the zone) holds its issues in place; the
            # small floor keeps its term finite so the others' surplus still decides.
            slack = p.allowance - losses(p, z)
            return np.inf if np.any(slack < -1e-9) else -float(np.sum(np.log(np.maximum(slack, 0.0) + 1e-6)))

        found = minimize(
            objective, z0, method="Nelder-Mead", bounds=bounds, options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 4000}
        )
        if best is None or found.fun < best.fun:
            best = found
    return None if best is None else best.x


def analyse(scenario: Scenario, forecasts: dict[str, np.ndarray] | None = None) -> DealAnalysis:
    """The zone, the blocking constraints, each forecast brought into the zone (``forecasts``: model name to
    forecasts on each issue's own scale), the Nash bargaining solution over the zone, and what it would take
    to open a closed zone."""
    p = problem(scenario)
    issues = scenario.issues
    to_unit = lambda values: np.array([float(i.to_unit(v)) for i, v in zip(issues, values, strict=True)])  # noqa: E731
    from_unit = lambda values: np.array([float(i.from_unit(v)) for i, v in zip(issues, values, strict=True)])  # noqa: E731
    zone = has_zone(p)
    blocking: list[dict[str, Any]] = []
    settlements: dict[str, np.ndarray] = {}
    slack: dict[str, dict[str, float]] = {}
    would_take: list[dict[str, Any]] = []
    if not zone:
        _, z = _closest(p)
        shortfall = losses(p, z) - p.allowance
        for v, player in enumerate(p.players):
            contributions = p.weights[v] * np.abs(z - p.ideals[v])
            top = np.argsort(-contributions)[:3]
            blocking.append(
                {
                    "actor": player,
                    "shortfall": float(shortfall[v]),
                    "issues": [scenario.issue_names[j] for j in top if contributions[j] > 1e-9],
                }
            )
        blocking.sort(key=lambda row: -row["shortfall"])
        would_take = what_it_would_take(scenario, p)
    else:
        for name, values in (forecasts or {}).items():
            projected = _project(p, to_unit(values))
            if projected is not None:
                settlements[name] = from_unit(projected)
        nash = _nash(p) if p.players else None
        if nash is not None:
            settlements["nash over the zone"] = from_unit(nash)
        for name, values in settlements.items():
            left = p.allowance - losses(p, to_unit(values))
            slack[name] = {player: float(left[v]) for v, player in enumerate(p.players)}
    return DealAnalysis(scenario, zone, blocking, settlements, slack, would_take)


def _inside(p: _Problem, z: np.ndarray) -> bool:
    """Whether package z (0–100) is in the zone: every veto player accepts it and some linkage case holds."""
    return bool(accepted(p.weights[None], p.ideals[None], p.allowance[None], p.cases, z)[0])


def accepted(
    weights: np.ndarray,
    ideals: np.ndarray,
    allowance: np.ndarray,
    cases: list[list[tuple[int, float, float]]],
    z: np.ndarray,
    tolerance: float = 1e-9,
) -> np.ndarray:
    """(K,) whether package z (0–100) is accepted in each of K stacked draws (weights, ideals (K, V, n),
    allowances (K, V; inf: accepts anything)): every player's loss within its allowance (to ``tolerance``
    points) and some linkage case kept."""
    loss = np.einsum("kvn,kvn->kv", weights, np.abs(z[None, None, :] - ideals))
    fine = np.all(loss <= allowance + tolerance, axis=1)
    return fine & any(all(low - 1e-9 <= z[j] <= high + 1e-9 for j, low, high in case) for case in cases)


def summary(scenario: Scenario, forecast: np.ndarray) -> tuple[bool, dict[str, Any] | None]:
    """The cheap part of :func:`analyse`, for a one-line lead: whether a zone exists and then the veto player
    closest to walking away once ``forecast`` (own scale) is brought into it, or else the worst blocker.

    A package known to lie in the zone (the forecast itself, or the status quo) settles the first question
    without a linear program, so the lead needs no solver in that case; the closest player is then given only
    if the forecast itself is inside."""
    p = problem(scenario)
    target = np.array([float(i.to_unit(v)) for i, v in zip(scenario.issues, forecast, strict=True)])
    status_quo = np.array(
        [
            float(i.to_unit(i.status_quo)) if i.status_quo is not None else target[j]
            for j, i in enumerate(scenario.issues)
        ]
    )
    for candidate in (target, status_quo):
        if p.players and _inside(p, candidate):
            if candidate is not target:
                return True, None
            left = p.allowance - losses(p, target)
            v = int(np.argmin(left))
            return True, {"actor": p.players[v], "slack": float(left[v])}
    if has_zone(p):
        inside = _project(p, np.array([float(i.to_unit(v)) for i, v in zip(scenario.issues, forecast, strict=True)]))
        if inside is None or not p.players:
            return True, None
        left = p.allowance - losses(p, inside)
        v = int(np.argmin(left))
        return True, {"actor": p.players[v], "slack": float(left[v])}
    _, z = _closest(p)
    shortfall = losses(p, z) - p.allowance
    v = int(np.argmax(shortfall))
    contributions = p.weights[v] * np.abs(z - p.ideals[v])
    issues = [scenario.issue_names[j] for j in np.argsort(-contributions)[:3] if contributions[j] > 1e-9]
    return False, {"actor": p.players[v], "shortfall": float(shortfall[v]), "issues": issues}


def what_it_would_take(scenario: Scenario, p: _Problem | None = None) -> list[dict[str, Any]]:
    """The smallest single changes that open a closed zone, smallest first: a veto player's cost of no deal
    rising (the change needed when every other veto player is satisfied), or its position on one issue moving
    toward the closest package (found by bisection)."""
    p = problem(scenario) if p is None else p
    out: list[dict[str, Any]] = []
    for v, player in enumerate(p.players):
        needed = [r[0] for r in (_solve(p, case, "violation", relax=v) for case in p.cases) if r is not None]
        if needed and min(needed) > 0:
            out.append(
                {
                    "change": f"{player}: cost of no deal +{min(needed):.1f}",
                    "size": float(min(needed)),
                    "actor": player,
                    "input": "cost",
                }
            )
    _, z = _closest(p)
    unit = scenario.unit_positions()
    for veto in scenario.vetoes:
        i = scenario.actor_index(veto.actor)
        for name in veto.issues or scenario.issue_names:
            j = scenario.issue_names.index(name)
            if np.isnan(unit[i, j]) or abs(z[j] - unit[i, j]) < 1e-9:
                continue
            start, goal = unit[i, j], z[j]

            def opens(fraction: float, i: int = i, j: int = j, start: float = start, goal: float = goal) -> bool:
                moved = unit.copy()
                moved[i, j] = start + fraction * (goal - start)
                return has_zone(problem(scenario, positions=moved))

            if not opens(1.0):
                continue
            low, high = 0.0, 1.0
            for _ in range(20):
                middle = (low + high) / 2
                low, high = (low, middle) if opens(middle) else (middle, high)
            issue = scenario.issues[j]
            moved_to = float(issue.from_unit(start + high * (goal - start)))
            size = abs(high * (goal - start))
            out.append(
                {
                    "change": f"{veto.actor}: position on {name} to {moved_to:.3g}",
                    "size": float(size),
                    "actor": veto.actor,
                    "input": f"{name}.position",
                }
            )
    return sorted(out, key=lambda row: row["size"])


def zones(
    weights: np.ndarray,
    ideals: np.ndarray,
    allowance: np.ndarray,
    cases: list[list[tuple[int, float, float]]],
    tolerance: float = 1e-9,
) -> np.ndarray:
    """(K,) whether draw k's zone is not empty, for constraints stacked over draws: weights and ideals (K, V,
    n), allowances (K, V; inf: that player accepts anything), linkage cases shared by all draws; a package
    within ``tolerance`` points of every allowance counts as accepted.

    Draws are solved in waves of up to ``WAVE`` at once, one linear program per linkage case whose blocks are
    the draws (a draw's most robust package, the largest slack e with L_v(z) + e ≤ W_v for every player, does
    not depend on the others'). Every package found inside some draw's zone is then checked against all the
    draws not yet decided, and when a draw has no zone its program's dual weights are a proof that may hold
    for other draws too (:func:`_refuted`); a draw settled either way needs no program of its own. The answer is
    the same as solving every draw (``has_zone``); only the work differs."""
    k_draws, n_players, n = weights.shape
    finite = np.isfinite(allowance)
    # A draw in which no veto player has anything at stake has every package in its zone (as has_zone says).
    zone = ~finite.any(axis=1)
    decided = zone.copy()
    live = [case for case in cases if not _contradictory(case)]
    while not decided.all():
        wave = np.flatnonzero(~decided)[:WAVE]
        solved = [_slack_programs(weights[wave], ideals[wave], allowance[wave], case) for case in live]
        for b, k in enumerate(wave):
            if decided[k]:
                continue
            decided[k] = True
            slack = max((result[0][b] for result in solved), default=-np.inf)
            rest = np.flatnonzero(~decided)
            if slack >= -tolerance:
                zone[k] = True
                for result in solved:
                    if len(rest) and result[0][b] >= -tolerance:
                        z = np.clip(result[1][b], 0.0, 100.0)
                        hit = accepted(weights[rest], ideals[rest], allowance[rest], cases, z, tolerance)
                        zone[rest[hit]] = True
                        decided[rest[hit]] = True
                        rest = np.flatnonzero(~decided)
                continue
            if np.isnan(slack):  # a solver failure: decided without a proof to share
                raise RuntimeError("HiGHS failed on the zone of agreement of a draw")
            # No zone in draw k: its dual weights in each case's program prove it, and may prove it for others.
            empty = np.ones(len(rest), dtype=bool)
            for case, result in zip(live, solved, strict=True):
                mu = result[2][b]
                if not mu.sum() > 0:
                    empty[:] = False
                    break
                empty &= _refuted(weights[rest], ideals[rest], allowance[rest], case, mu / mu.sum(), tolerance)
            decided[rest[empty]] = True
    return zone


WAVE = 32
"""Draws whose programs are solved together in :func:`zones`."""


def _slack_programs(
    weights: np.ndarray, ideals: np.ndarray, allowance: np.ndarray, case: list[tuple[int, float, float]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of B draws (stacked as in :func:`zones`, each with at least one player whose allowance is
    finite), within linkage case ``case``: the largest slack e such that a package z keeps L_v(z) + e ≤ W_v for
    every player, that package, and the players' dual weights (B, V; 0 for a player absent from a draw). One
    linear program over z (n), t (V × n, t_vj ≥ |z_j − x_vj|) and e per draw, solved as one block-diagonal
    program. A draw's slack is NaN if the solver fails."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    k_draws, n_players, n = weights.shape
    size = n + n_players * n + 1
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    values: list[np.ndarray] = []
    rhs: list[np.ndarray] = []
    count = 0
    b_idx, v_idx, j_idx = np.nonzero((weights > 0) & np.isfinite(allowance)[:, :, None])
    for sign in (1.0, -1.0):  # sign·z_j − t_vj ≤ sign·x_vj
        r = count + np.arange(len(b_idx))
        rows += [r, r]
        cols += [b_idx * size + j_idx, b_idx * size + n + v_idx * n + j_idx]
        values += [np.full(len(r), sign), np.full(len(r), -1.0)]
        rhs.append(sign * ideals[b_idx, v_idx, j_idx])
        count += len(r)
    pb, pv = np.nonzero(np.isfinite(allowance))  # Σ_j w_vj t_vj + e ≤ W_v
    player_row = np.full((k_draws, n_players), -1)
    player_row[pb, pv] = count + np.arange(len(pb))
    wb, wv, wj = np.nonzero((weights > 0) & np.isfinite(allowance)[:, :, None])
    rows += [player_row[wb, wv], player_row[pb, pv]]
    cols += [wb * size + n + wv * n + wj, pb * size + size - 1]
    values += [weights[wb, wv, wj], np.ones(len(pb))]
    rhs.append(allowance[pb, pv])
    count += len(pb)
    matrix = coo_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(count, k_draws * size)
    ).tocsr()
    low, high = _case_box(case, n)
    lower = np.tile(np.concatenate([low, np.zeros(n_players * n), [-np.inf]]), k_draws)
    upper = np.tile(np.concatenate([high, np.full(n_players * n, np.inf), [np.inf]]), k_draws)
    cost = np.zeros(k_draws * size)
    cost[size - 1 :: size] = -1.0
    solved = linprog(
        cost, A_ub=matrix, b_ub=np.concatenate(rhs), bounds=np.column_stack([lower, upper]), method="highs"
    )
    if solved.status != 0:
        return np.full(k_draws, np.nan), np.full((k_draws, n), np.nan), np.zeros((k_draws, n_players))
    x = solved.x.reshape(k_draws, size)
    duals = np.zeros((k_draws, n_players))
    duals[pb, pv] = np.abs(np.asarray(solved.ineqlin.marginals)[player_row[pb, pv]])  # |∂ cost / ∂ W_v|
    return x[:, -1], x[:, :n], duals


def _case_box(case: list[tuple[int, float, float]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The bounds (low, high) on each of n issues that a linkage case leaves of 0–100; low > high on an issue
    means the case leaves no value there."""
    low, high = np.zeros(n), np.full(n, 100.0)
    for j, lo, hi in case:
        low[j], high[j] = max(low[j], lo), min(high[j], hi)
    return low, high


def _contradictory(case: list[tuple[int, float, float]]) -> bool:
    """Whether a linkage case's bounds leave no value on some issue (as :func:`_program` finds them)."""
    low, high = _case_box(case, 1 + max((j for j, _, _ in case), default=-1))
    return bool(np.any(low > high))


def _refuted(
    weights: np.ndarray,
    ideals: np.ndarray,
    allowance: np.ndarray,
    case: list[tuple[int, float, float]],
    mu: np.ndarray,
    tolerance: float,
) -> np.ndarray:
    """(K,) whether dual weights ``mu`` (V,, ≥ 0, summing to 1) prove that linkage case ``case`` has no package
    within ``tolerance`` of every allowance, in each of K stacked draws.

    For any such weights, max_z min_v (W_v − L_v(z)) ≤ Σ_v μ_v W_v − min_z Σ_v μ_v L_v(z) (weak duality), and the
    right side is cheap: the sum is separable over issues, each a convex piecewise-linear function of z_j whose
    minimum over the case's bounds lies at a bound or at a player's ideal point. When it is below −tolerance
    (with a margin for rounding), no package is within tolerance: what the draw's own program would find."""
    low, high = _case_box(case, weights.shape[2])
    used = mu > 0
    present = np.all(np.isfinite(allowance[:, used]), axis=1)  # the proof needs every player it weighs
    w = weights[:, used] * mu[used][None, :, None]  # (K, U, n)
    x = ideals[:, used]
    ends = np.broadcast_to(np.stack([low, high]), (len(x), 2, len(low)))
    points = np.concatenate([np.clip(x, low, high), ends], axis=1)  # (K, U + 2, n)
    # each issue's Σ_u w_uj |point − x_uj| at each candidate point, its least value, summed over the issues
    cost = (np.abs(points[:, :, None, :] - x[:, None, :, :]) * w[:, None, :, :]).sum(axis=2)
    least = cost.min(axis=1).sum(axis=1)
    gap = np.where(present, np.where(present[:, None], allowance[:, used], 0.0) @ mu[used] - least, np.inf)
    return gap < -tolerance - 1e-7


@dataclass(frozen=True)
class Stacked:
    """Every veto player's constraints in each of K draws, in the scenario's order of vetoes: weights, ideals
    and walk-away points (K, V, n, on 0–100), allowances (K, V; inf where a player has nothing at stake in a
    draw)."""

    weights: np.ndarray
    ideals: np.ndarray
    allowance: np.ndarray
    away: np.ndarray


def stacked(scenario: Scenario, draws: Any) -> Stacked:
    """The veto players' constraints in each of ``draws`` (:class:`ktokovo.analysis.uncertainty.Draws`): what
    :func:`problem` gives for each draw, computed for all draws at once."""
    k_draws, n_vetoes, n = len(draws.positions), len(scenario.vetoes), len(scenario.issues)
    weights, ideals, away = (np.zeros((k_draws, n_vetoes, n)) for _ in range(3))
    allowance = np.full((k_draws, n_vetoes), np.inf)
    names = scenario.issue_names
    for v, veto in enumerate(scenario.vetoes):
        i = scenario.actor_index(veto.actor)
        unit, sal = draws.positions[:, i, :], draws.saliences[:, i, :]
        allowed = np.zeros(n, dtype=bool)
        for name in veto.issues or names:
            allowed[names.index(name)] = True
        mask = allowed[None, :] & ~np.isnan(unit) & (sal > 0)
        present = mask.any(axis=1)
        w = np.where(mask, sal, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = w / w.sum(axis=1, keepdims=True)
        # The walk-away point, from the last resort up to problem()'s first choice: the player's own position,
        # the issue's status quo, the drawn status quo, the veto's own walk-away, the drawn walk-away.
        walk = dict(veto.walk_away)
        issues = scenario.issues
        issue_quo = np.array([np.nan if e.status_quo is None else float(e.to_unit(e.status_quo)) for e in issues])
        own = np.array([float(e.to_unit(walk[e.name])) if e.name in walk else np.nan for e in issues])
        a = unit
        for layer in (issue_quo[None, :], draws.status_quo, own[None, :], draws.walk_aways[:, v, :]):
            a = np.where(np.isnan(layer), a, layer)
        ideal = np.where(mask, unit, 0.0)
        rows = np.flatnonzero(present)
        weights[rows, v] = w[rows]
        ideals[rows, v] = ideal[rows]
        away[rows, v] = a[rows]
        allowance[rows, v] = np.sum(w[rows] * np.abs(a[rows] - ideal[rows]), axis=1) + draws.costs[rows, v]
    return Stacked(weights, ideals, allowance, away)


def zone_chunk(scenario: Scenario, start: int, stop: int, seed: int) -> tuple[int, np.ndarray]:
    """Draws start..stop−1: whether each one's zone is not empty (a unit of work for an executor)."""
    from ktokovo.analysis.uncertainty import draw_inputs

    draws = draw_inputs(scenario, np.arange(start, stop), seed)
    rules = stacked(scenario, draws)
    return start, zones(rules.weights, rules.ideals, rules.allowance, problem(scenario).cases)


def deal_probability(
    scenario: Scenario,
    samples: int,
    seed: int = 0,
    *,
    executor: Executor | None = None,
    batch_size: int = 2000,
    progress: Callable[[int], bool | None] | None = None,
) -> tuple[float, float, float]:
    """The share of input draws (as for forecast intervals) whose zone is not empty, with a 95% Wilson
    interval. Chunks of ``batch_size`` draws run on ``executor`` (as forecasts' draws do); ``progress`` is
    called with the draws done after each chunk, and returning False stops the work (the share is then that
    of the unbroken run of chunks from the first)."""
    if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= MAX_SAMPLES:
        raise ParameterError(f"samples must be a whole number from 1 to {MAX_SAMPLES:,}, not {samples!r}")
    from ktokovo.analysis.uncertainty import execute, unbroken

    starts = list(range(0, samples, batch_size))
    jobs = [(scenario, a, min(samples, a + batch_size), seed) for a in starts]
    done: dict[int, np.ndarray] = {}
    for start, hits in execute(zone_chunk, jobs, executor):
        done[start] = hits
        if progress is not None and progress(sum(len(h) for h in done.values())) is False:
            break
    kept = unbroken(starts, done)
    hits = np.concatenate(kept) if kept else np.zeros(0, dtype=bool)
    if len(hits) == 0:
        raise ParameterError("the probability of a deal was stopped before any draw finished")
    return wilson(float(hits.mean()), len(hits))


def wilson(share: float, samples: int) -> tuple[float, float, float]:
    """``share`` of ``samples`` with its 95% Wilson score interval."""
    z = 1.959964
    centre = (share + z * z / (2 * samples)) / (1 + z * z / samples)
    half = z * np.sqrt(share * (1 - share) / samples + z * z / (4 * samples * samples)) / (1 + z * z / samples)
    return share, max(0.0, centre - half), min(1.0, centre + half)


def probability_dict(probability: tuple[float, float, float] | None, draws: int) -> dict[str, float] | None:
    """A probability of a deal with its 95% interval, as the JSON gives it (None without draws)."""
    if probability is None:
        return None
    share, low, high = probability
    return {"share": share, "low95": low, "high95": high, "draws": draws}
