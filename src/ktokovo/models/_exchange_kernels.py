"""One round of the exchange model's float mode, compiled with numba (EXCHANGE_SPEC §4.2–4.8).

The same operations, in the same order, as ``exchange._Round`` with ``exact=False`` and the deterministic
tie rule, on arrays instead of objects, so the two give the same bits (``tests/test_exchange_kernels.py``
checks that). What makes it fast besides compilation:

* a candidate's move history is kept as the sum and sign counts of its entries before the last, plus the
  last: the model only appends, replaces the last, and asks for the sum and whether all signs agree;
* a candidate's overrides (§4.8 step 3: another actor's position as this exchange sees it) are a linked
  list per supply issue, in the order they were set, because the float sums are taken in that order;
* the candidate list is kept sorted by gain: after an exchange only the refreshed candidates are taken
  out, sorted, and merged back. Ties keep their order in the list, as the package's stable re-sort does.

Side 0 of a candidate is the package's I (supplies q, demands p), side 1 its J.
"""

from __future__ import annotations

import numba
import numpy as np

from ktokovo.models import _compile_notice

_compile_notice.watch()

jit = numba.njit(cache=True)


@jit
def _ok(x: float, move: float, base_sum: float, base_n: int, base_pos: int, base_neg: int) -> bool:
    """§4.5: is ``move`` (the history's last entry) a valid move from ``x``?"""
    if abs(move) > 100 or abs(move) <= 1e-10:
        return False
    if x + move < 0 or x + move > 100:
        return False
    if base_sum + move > 100:
        return False
    if move < 0 and base_neg == base_n:
        return True
    return move > 0 and base_pos == base_n


# Fields of a candidate's side: floats in ``f[e, side, :]``, integers in ``g[e, side, :]``.
X, X0, D, S, C, SD, M, Y, LAST, BSUM = range(10)
ACTOR, SUP, DEM, BN, BPOS, BNEG, HEAD, TAIL = range(8)


@jit
def find(head: int, actor: int, ov_actor: np.ndarray, ov_next: np.ndarray) -> int:
    node = head
    while node >= 0:
        if ov_actor[node] == actor:
            return node
        node = ov_next[node]
    return -1


@jit
def _append(f: np.ndarray, g: np.ndarray, e: int, side: int, move: float, popped: bool) -> None:
    """History: append ``move``; after a pop the new entry replaces the popped last."""
    if not popped:
        previous = f[e, side, LAST]
        f[e, side, BSUM] = f[e, side, BSUM] + previous
        g[e, side, BN] += 1
        if previous > 0:
            g[e, side, BPOS] += 1
        elif previous < 0:
            g[e, side, BNEG] += 1
    f[e, side, LAST] = move


@jit
def _side_ok(f: np.ndarray, g: np.ndarray, e: int, side: int) -> bool:
    return _ok(f[e, side, X], f[e, side, M], f[e, side, BSUM], g[e, side, BN], g[e, side, BPOS], g[e, side, BNEG])


@jit
def _seen(f, g, e, slot, who, position, s_all, c_all, terms, totals, denominators, ov_actor, ov_value, ov_next):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """N_E on the issue side ``slot`` supplies, as exchange ``e`` sees it, with ``who`` at ``position``."""
    issue = g[e, slot, SUP]
    total = totals[issue]
    found = False
    node = g[e, slot, HEAD]
    while node >= 0:
        a = ov_actor[node]
        v = ov_value[node]
        if a == who:
            v = position
            found = True
        total += (v * s_all[a, issue]) * c_all[a, issue] - terms[a, issue]
        node = ov_next[node]
    if not found:
        total += (position * s_all[who, issue]) * c_all[who, issue] - terms[who, issue]
    den = denominators[issue]
    return total / den if den != 0 else 0.0


@jit
def _cap(f, g, gain, e, a, b, s_all, c_all, terms, totals, denominators, ov_actor, ov_value, ov_next):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """§4.6: cap the exchange so the weighted mean on A's supply issue does not pass B's position there."""
    issue = g[e, a, SUP]
    target = f[e, b, D]
    who = g[e, a, ACTOR]
    n0 = _seen(f, g, e, a, who, f[e, a, X], s_all, c_all, terms, totals, denominators, ov_actor, ov_value, ov_next)
    n1 = _seen(f, g, e, a, who, f[e, a, Y], s_all, c_all, terms, totals, denominators, ov_actor, ov_value, ov_next)
    if (target - n0 >= 0 and target - n1 >= 0) or (target - n0 <= 0 and target - n1 <= 0):
        return
    own = find(g[e, a, HEAD], who, ov_actor, ov_next)
    v_a = ov_value[own] if own >= 0 else f[e, a, X]
    weighted = totals[issue]
    weighted += (v_a * s_all[who, issue]) * c_all[who, issue] - terms[who, issue]
    node = g[e, a, HEAD]
    while node >= 0:
        other = ov_actor[node]
        if other != who:
            weighted += (ov_value[node] * s_all[other, issue]) * c_all[other, issue] - terms[other, issue]
        node = ov_next[node]
    den = denominators[issue]
    s_a, c_a, sd_a = f[e, a, S], f[e, a, C], f[e, a, SD]
    s_b, c_b, sd_b = f[e, b, S], f[e, b, C], f[e, b, SD]
    delta = abs(((target * den) - weighted) / (s_a * c_a))
    r_a = ((delta * s_a) * c_a) / den
    r_b = ((s_a + sd_b) / (sd_a + s_b)) * r_a
    m_b = abs((r_b * denominators[g[e, b, SUP]]) / (c_b * s_b))
    m_a = delta
    if f[e, b, X] > f[e, a, D]:
        m_b = -m_b
    if f[e, a, X] > f[e, b, D]:
        m_a = -m_a
    f[e, b, LAST] = m_b
    f[e, a, LAST] = m_a
    f[e, b, M] = m_b
    f[e, a, M] = m_a
    f[e, b, Y] = f[e, b, X] + m_b
    f[e, a, Y] = f[e, a, X] + m_a
    gain[e] = abs((r_b * s_b) - (r_a * sd_b))


@jit
def _evaluate(
    f, g, gain, valid, e, popped0, popped1, s_all, c_all, terms, totals, denominators, ov_actor, ov_value, ov_next
):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """§4.4: the equal-gain moves of both sides, their validity (§4.5) and the cap (§4.6)."""
    d_p, d_q = denominators[g[e, 1, SUP]], denominators[g[e, 0, SUP]]
    s_i, c_i, sd_i = f[e, 0, S], f[e, 0, C], f[e, 0, SD]
    s_j, c_j, sd_j = f[e, 1, S], f[e, 1, C], f[e, 1, SD]
    dist_j = abs(f[e, 0, D] - f[e, 1, X])
    dist_i = abs(f[e, 1, D] - f[e, 0, X])
    r_p = ((dist_j * s_j) * c_j) / d_p
    r_q = ((s_j + sd_i) / (sd_j + s_i)) * r_p
    m_i = (r_q * d_q) / (c_i * s_i)
    m_j = dist_j
    if m_i > dist_i:
        r_q = ((dist_i * s_i) * c_i) / d_q
        r_p = ((s_i + sd_j) / (sd_i + s_j)) * r_q
        m_i = dist_i
        m_j = (r_p * d_p) / (c_j * s_j)
    if f[e, 0, X] > f[e, 1, D]:
        m_i = -m_i
    if f[e, 1, X] > f[e, 0, D]:
        m_j = -m_j
    _append(f, g, e, 0, m_i, popped0)
    _append(f, g, e, 1, m_j, popped1)
    f[e, 0, M] = m_i
    f[e, 1, M] = m_j
    f[e, 0, Y] = f[e, 0, X] + m_i
    f[e, 1, Y] = f[e, 1, X] + m_j
    gain[e] = abs((r_q * s_i) - (r_p * sd_i))
    ok = _side_ok(f, g, e, 0) and _side_ok(f, g, e, 1)
    if gain[e] < 1e-10:
        ok = False
    if ok:
        _cap(f, g, gain, e, 0, 1, s_all, c_all, terms, totals, denominators, ov_actor, ov_value, ov_next)
        _cap(f, g, gain, e, 1, 0, s_all, c_all, terms, totals, denominators, ov_actor, ov_value, ov_next)
        ok = _side_ok(f, g, e, 0) and _side_ok(f, g, e, 1)
    valid[e] = ok


@jit
def _groups(group, x_start, s_all, has, nbs, p, q):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """§4.2: each actor's side of the weighted means on issues p and q (0–3), or -1 if it is not on both
    with a salience above 0."""
    for a in range(x_start.shape[0]):
        if has[a, p] and has[a, q] and s_all[a, p] != 0 and s_all[a, q] != 0:
            group[a] = int(x_start[a, p] <= nbs[p]) + 2 * int(x_start[a, q] <= nbs[q])
        else:
            group[a] = -1


@jit
def round_float(x_start, s_all, c_all, has, denominators, totals, terms):  # type: ignore[no-untyped-def]  # noqa: PLR0912, PLR0915
    """Generate, evaluate and realise one round's candidates (§4.2–4.8) on round-start positions ``x_start``
    (n_actors, n_issues; 0–100; ``has`` says where there is one). ``totals`` are each issue's Σ (x·s)·c summed
    in actor order and ``terms`` the (x·s)·c of each participant.

    Returns the candidates' float and integer side fields and gains, and the indices of the realised
    candidates in the order they were realised."""
    n_actors, n_issues = x_start.shape
    nbs = np.zeros(n_issues)
    for i in range(n_issues):
        nbs[i] = totals[i] / denominators[i] if denominators[i] != 0 else 0.0
    # -- §4.2: count, then fill, the candidates -----------------------------------------------------
    group = np.empty(n_actors, np.int64)
    n = 0
    for p in range(n_issues):
        for q in range(p + 1, n_issues):
            _groups(group, x_start, s_all, has, nbs, p, q)
            sizes = np.zeros(4, np.int64)
            for a in range(n_actors):
                if group[a] >= 0:
                    sizes[group[a]] += 1
            n += sizes[0] * sizes[3] + sizes[1] * sizes[2]
    f = np.zeros((n, 2, 10))
    g = np.zeros((n, 2, 8), np.int64)
    g[:, :, HEAD] = -1
    g[:, :, TAIL] = -1
    gain = np.zeros(n)
    valid = np.zeros(n, np.bool_)
    capacity = max(16, n)
    ov_actor = np.empty(capacity, np.int64)
    ov_value = np.empty(capacity)
    ov_next = np.empty(capacity, np.int64)
    ov_used = 0
    e = 0
    for p in range(n_issues):
        for q in range(p + 1, n_issues):
            _groups(group, x_start, s_all, has, nbs, p, q)
            for first, second in ((0, 3), (1, 2)):
                for a in range(n_actors):
                    if group[a] != first:
                        continue
                    for b in range(n_actors):
                        if group[b] != second:
                            continue
                        if s_all[a, p] / s_all[a, q] < s_all[b, p] / s_all[b, q]:
                            alpha, beta = b, a
                        else:
                            alpha, beta = a, b
                        for side, who, supply, demand in ((0, alpha, q, p), (1, beta, p, q)):
                            g[e, side, ACTOR], g[e, side, SUP], g[e, side, DEM] = who, supply, demand
                            f[e, side, X] = x_start[who, supply]
                            f[e, side, X0] = x_start[who, supply]
                            f[e, side, D] = x_start[who, demand]
                            f[e, side, S] = s_all[who, supply]
                            f[e, side, C] = c_all[who, supply]
                            f[e, side, SD] = s_all[who, demand]
                        e += 1
    for e in range(n):
        # The first evaluation appends to an empty history: nothing comes before its last entry.
        _evaluate(
            f, g, gain, valid, e, True, True, s_all, c_all, terms, totals, denominators, ov_actor, ov_value, ov_next
        )
    # -- §4.7–4.8: who is refreshed by a realised exchange -----------------------------------------
    supply_start, supply_list, demand_start, demand_list = refresh_index(g, n, n_actors, n_issues)

    order = np.argsort(-gain, kind="mergesort")  # stable: equal gains keep the generation order
    kept = 0
    for e in order:
        if valid[e]:
            order[kept] = e
            kept += 1
    order = order[:kept].copy()
    position = np.full(n, -1, np.int64)
    for rank in range(kept):
        position[order[rank]] = rank
    stamp = np.full(n, -1, np.int64)
    touched = np.empty(n, np.int64)
    realised = np.empty(n, np.int64)
    n_realised = 0
    while order.size > 0:
        r = order[0]
        valid[r] = False
        realised[n_realised] = r
        n_touched = touched_by(
            r, g, valid, stamp, n_realised, touched, supply_start, supply_list, demand_start, demand_list, n_issues
        )
        for t in range(n_touched):
            e = touched[t]
            # §4.8 steps 1–2: a side that supplies what a realised side supplied starts from its new position.
            matched = np.zeros(2, np.bool_)
            for side in range(2):
                for rs in range(2):
                    if g[e, side, ACTOR] == g[r, rs, ACTOR] and g[e, side, SUP] == g[r, rs, SUP]:
                        f[e, side, X] = f[r, rs, Y]
                        matched[side] = True
                        break
            redo = matched[0] or matched[1]
            popped0 = redo and not matched[0]
            popped1 = redo and not matched[1]
            # §4.8 step 3: the mover's new position is how this exchange sees the demander's issue.
            for mover in range(2):
                demander = 1 - mover
                hit = False
                for side in range(2):
                    if g[r, demander, ACTOR] == g[e, side, ACTOR] and g[r, demander, DEM] == g[e, side, DEM]:
                        hit = True
                if not hit:
                    continue
                slot = 0 if g[e, 0, SUP] == g[r, mover, SUP] else 1
                who = g[r, mover, ACTOR]
                node = find(g[e, slot, HEAD], who, ov_actor, ov_next)
                if node < 0:
                    if ov_used == ov_actor.size:
                        ov_actor = grown(ov_actor, ov_used)
                        ov_value = grown(ov_value, ov_used)
                        ov_next = grown(ov_next, ov_used)
                    node = ov_used
                    ov_used += 1
                    ov_actor[node] = who
                    ov_value[node] = f[r, mover, Y]
                    ov_next[node] = -1
                    if g[e, slot, TAIL] >= 0:
                        ov_next[g[e, slot, TAIL]] = node
                    else:
                        g[e, slot, HEAD] = node
                    g[e, slot, TAIL] = node
                else:
                    u = ov_value[node]
                    moved_to = f[r, mover, Y]
                    ov_value[node] = min(u, moved_to) if f[r, mover, X0] <= u else max(u, moved_to)
                if not redo:
                    popped0 = popped1 = True
                    redo = True
            if redo:
                _evaluate(
                    f,
                    g,
                    gain,
                    valid,
                    e,
                    popped0,
                    popped1,
                    s_all,
                    c_all,
                    terms,
                    totals,
                    denominators,
                    ov_actor,
                    ov_value,
                    ov_next,
                )
        order = _resorted(order, touched[:n_touched], valid, gain, position, stamp, n_realised)
        for rank in range(order.size):
            position[order[rank]] = rank
        n_realised += 1
    return f, g, gain, realised[:n_realised].copy()


@jit
def refresh_index(g, n, n_actors, n_issues):  # type: ignore[no-untyped-def]
    """Which candidates a realised exchange refreshes (§4.8 steps 1–3): for each (actor, issue) key, the
    candidates with a side supplying on it (``supply_list[supply_start[key]:supply_start[key + 1]]``) and
    demanding it (the same with ``demand_``)."""
    keys = n_actors * n_issues
    supply_start = np.zeros(keys + 1, np.int64)
    demand_start = np.zeros(keys + 1, np.int64)
    for e in range(n):
        for side in range(2):
            supply_start[g[e, side, ACTOR] * n_issues + g[e, side, SUP] + 1] += 1
            demand_start[g[e, side, ACTOR] * n_issues + g[e, side, DEM] + 1] += 1
    for key in range(keys):
        supply_start[key + 1] += supply_start[key]
        demand_start[key + 1] += demand_start[key]
    supply_list = np.empty(2 * n, np.int64)
    demand_list = np.empty(2 * n, np.int64)
    supply_fill = supply_start[:-1].copy()
    demand_fill = demand_start[:-1].copy()
    for e in range(n):
        for side in range(2):
            key = g[e, side, ACTOR] * n_issues + g[e, side, SUP]
            supply_list[supply_fill[key]] = e
            supply_fill[key] += 1
            key = g[e, side, ACTOR] * n_issues + g[e, side, DEM]
            demand_list[demand_fill[key]] = e
            demand_fill[key] += 1
    return supply_start, supply_list, demand_start, demand_list


@jit
def touched_by(r, g, valid, stamp, step, touched, supply_start, supply_list, demand_start, demand_list, n_issues):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """The valid candidates realised exchange ``r`` refreshes, each once, into ``touched`` (stamped with
    ``step``); how many."""
    n_touched = 0
    for which in range(4):
        if which < 2:
            key = g[r, which, ACTOR] * n_issues + g[r, which, SUP]
            lo, hi = supply_start[key], supply_start[key + 1]
        else:
            side = 3 - which
            key = g[r, side, ACTOR] * n_issues + g[r, side, DEM]
            lo, hi = demand_start[key], demand_start[key + 1]
        for t in range(lo, hi):
            e = supply_list[t] if which < 2 else demand_list[t]
            if valid[e] and stamp[e] != step:
                stamp[e] = step
                touched[n_touched] = e
                n_touched += 1
    return n_touched


@jit
def grown(array: np.ndarray, used: int) -> np.ndarray:
    out = np.empty(2 * array.size, array.dtype)
    out[:used] = array[:used]
    return out


@jit
def _resorted(order, touched, valid, gain, position, stamp, step):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """The list after realising ``order[0]``, sorted by gain: the untouched keep their order; the refreshed
    that are still valid are merged back, ties by their place in the list before (what a stable sort of the
    whole list gives); the invalid are dropped (they would never be realised)."""
    moved = np.empty(touched.size, np.int64)
    n_moved = 0
    for e in touched:
        if valid[e]:
            moved[n_moved] = e
            n_moved += 1
    moved = moved[:n_moved]
    if n_moved > 1:
        moved = moved[np.argsort(position[moved], kind="mergesort")]
        moved = moved[np.argsort(-gain[moved], kind="mergesort")]
    out = np.empty(order.size - 1 + n_moved, np.int64)
    a = 1
    b = 0
    o = 0
    while a < order.size or b < n_moved:
        if a < order.size and (stamp[order[a]] == step or not valid[order[a]]):
            a += 1
            continue
        if b < n_moved and (
            a >= order.size
            or gain[moved[b]] > gain[order[a]]
            or (gain[moved[b]] == gain[order[a]] and position[moved[b]] < position[order[a]])
        ):
            out[o] = moved[b]
            b += 1
        else:
            out[o] = order[a]
            a += 1
        o += 1
    return out[:o]
