"""One round of the exchange model's reference arithmetic, compiled with numba (EXCHANGE_SPEC §4.2–4.8).

The same 28-digit decimal operations, in the same order, as ``exchange._Round`` with ``exact=True`` and the
deterministic tie rule, on ``_decimal28`` numbers kept in arrays instead of :class:`decimal.Decimal` objects,
so the two give the same values (``tests/test_exchange_kernels.py`` checks every realised exchange and
position against the object version, and ``tests/test_exchange_reference.py`` against decide itself). The
candidate list, the move histories and the refresh are those of the float kernel
(``_exchange_kernels.round_float``); what differs is the arithmetic and the weighted sums, which follow the
reference: from the running sum before the first actor placed elsewhere, term by term in actor order.

One threshold needs care: §4.5's 1e-10 is the binary64 value turned into a decimal exactly, 70 digits long.
A number of 28 digits is at most it exactly when it is at most its 28-digit floor (it cannot lie strictly
between the two), so ``size <= tiny`` and ``gain < tiny`` are ``<= floor`` here.

Arrays of numbers have a last axis of 6 (``_decimal28``'s tuple); rows are addressed as below.
"""

from __future__ import annotations

import numba
import numpy as np

from ktokovo.models import _compile_notice
from ktokovo.models._decimal28 import (
    absolute,
    add,
    add_rows,
    compare,
    div,
    is_zero,
    key,
    mul,
    neg,
    negative,
    positive,
    sub,
)
from ktokovo.models._exchange_kernels import find, grown, refresh_index, touched_by

_compile_notice.watch()

jit = numba.njit(cache=True)

# A side's numbers: rows (e·2 + side)·NF + field of ``f``; its integers in g[e, side, :] as in the float kernel.
X, X0, D, S, C, SD, M, Y, LAST, BSUM = range(10)
NF = 10
ACTOR, SUP, DEM, BN, BPOS, BNEG, HEAD, TAIL = range(8)
# A candidate's numbers: rows e·NK + field of ``k``.
GAIN, RQ, RP, CS0, CS1 = range(5)
NK = 5


@jit
def _ld(a, r):  # type: ignore[no-untyped-def]
    return (a[r, 0], a[r, 1], a[r, 2], a[r, 3], a[r, 4], a[r, 5])


@jit
def _st(a, r, v):  # type: ignore[no-untyped-def]
    a[r, 0], a[r, 1], a[r, 2], a[r, 3], a[r, 4], a[r, 5] = v[0], v[1], v[2], v[3], v[4], v[5]


@jit
def _row(e, side, field):  # type: ignore[no-untyped-def]
    return (e * 2 + side) * NF + field


@jit
def _side_ok(f, g, e, side, tiny, hundred, w):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """§4.5 on the side's move (its last), as ``exchange._Round.ok``."""
    r = _row(e, side, 0)
    move = _ld(f, r + M)
    size = absolute(move)
    if compare(size, hundred, w) > 0 or compare(size, tiny, w) <= 0:
        return False
    moved = _ld(f, r + Y)
    if negative(moved) or compare(moved, hundred, w) > 0:
        return False
    last = _ld(f, r + LAST)
    if compare(add(_ld(f, r + BSUM), last, w), hundred, w) > 0:
        return False
    if negative(last) and g[e, side, BNEG] == g[e, side, BN]:
        return True
    return positive(last) and g[e, side, BPOS] == g[e, side, BN]


@jit
def _append(f, g, e, side, move, popped, w):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """History: append ``move``; after a pop the new entry replaces the popped last."""
    r = _row(e, side, 0)
    if not popped:
        previous = _ld(f, r + LAST)
        _st(f, r + BSUM, add(_ld(f, r + BSUM), previous, w))
        g[e, side, BN] += 1
        if positive(previous):
            g[e, side, BPOS] += 1
        elif negative(previous):
            g[e, side, BNEG] += 1
    _st(f, r + LAST, move)


@jit
def _sums(f, g, e, slot, who, first, second, two, tables, ov_actor, ov_value, ov_next, w, ks, nodes):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """Σ ((x·s)·c) over the participants of the issue side ``slot`` supplies, with this exchange's overrides
    there (§4.8 step 3) and ``who`` at ``first`` (and, if ``two``, at ``second``): the reference's segmented
    sum, from the running sum before the first placed actor, term by term in actor order."""
    xs, ss, cs, member, terms, prefix, count = tables
    issue = g[e, slot, SUP]
    n_placed = 0
    node = g[e, slot, HEAD]
    while node >= 0:
        a = ov_actor[node]
        if a != who:
            ks[n_placed] = member[a, issue]
            nodes[n_placed] = node
            n_placed += 1
        node = ov_next[node]
    ks[n_placed] = member[who, issue]
    nodes[n_placed] = -1
    n_placed += 1
    for i in range(1, n_placed):  # insertion sort by place in the issue's actor order (a few entries)
        kk, nn = ks[i], nodes[i]
        j = i - 1
        while j >= 0 and ks[j] > kk:
            ks[j + 1], nodes[j + 1] = ks[j], nodes[j]
            j -= 1
        ks[j + 1], nodes[j + 1] = kk, nn
    width = prefix.shape[0] // count.shape[0]
    base = issue * (width - 1)
    n_issues = count.shape[0]
    total = _ld(prefix, issue * width + ks[0])
    t1 = total
    t2 = total
    split = False
    previous = ks[0]
    for idx in range(n_placed):
        k = ks[idx]
        if split:
            t1 = add_rows(t1, terms, base + previous, base + k, w)
            if two:
                t2 = add_rows(t2, terms, base + previous, base + k, w)
        else:
            total = add_rows(total, terms, base + previous, base + k, w)
        node = nodes[idx]
        if node < 0:
            s_w, c_w = _ld(ss, who * n_issues + issue), _ld(cs, who * n_issues + issue)
            t1 = add(total, mul(mul(first, s_w, w), c_w, w), w)
            if two:
                t2 = add(total, mul(mul(second, s_w, w), c_w, w), w)
            split = True
        else:
            a = ov_actor[node]
            term = mul(mul(_ld(ov_value, node), _ld(ss, a * n_issues + issue), w), _ld(cs, a * n_issues + issue), w)
            if split:
                t1 = add(t1, term, w)
                if two:
                    t2 = add(t2, term, w)
            else:
                total = add(total, term, w)
        previous = k + 1
    t1 = add_rows(t1, terms, base + previous, base + count[issue], w)
    if two:
        t2 = add_rows(t2, terms, base + previous, base + count[issue], w)
    return t1, t2


@jit
def _cap(f, k, g, e, a, b, dens, consts, tables, ov_actor, ov_value, ov_next, w, ks, nodes):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """§4.6, as ``exchange._Round.cap``: whether it changed the exchange."""
    zero = consts[0]
    issue = g[e, a, SUP]
    ra, rb = _row(e, a, 0), _row(e, b, 0)
    target = _ld(f, rb + D)
    who = g[e, a, ACTOR]
    den = _ld(dens, issue)
    x_a = _ld(f, ra + X)
    if is_zero(den):
        n0 = zero
        n1 = zero
    else:
        s1, s2 = _sums(f, g, e, a, who, x_a, _ld(f, ra + Y), True, tables, ov_actor, ov_value, ov_next, w, ks, nodes)
        n0, n1 = div(s1, den, w), div(s2, den, w)
    d0, d1 = sub(target, n0, w), sub(target, n1, w)
    if (not negative(d0) and not negative(d1)) or (not positive(d0) and not positive(d1)):
        return False
    own = find(g[e, a, HEAD], who, ov_actor, ov_next)
    v_a = _ld(ov_value, own) if own >= 0 else x_a
    weighted, _unused = _sums(f, g, e, a, who, v_a, v_a, False, tables, ov_actor, ov_value, ov_next, w, ks, nodes)
    cs_a = _ld(k, e * NK + (CS0 if a == 0 else CS1))
    cs_b = _ld(k, e * NK + (CS1 if a == 0 else CS0))
    ratio = _ld(k, e * NK + (RP if a == 0 else RQ))
    s_a, c_a = _ld(f, ra + S), _ld(f, ra + C)
    s_b, sd_b = _ld(f, rb + S), _ld(f, rb + SD)
    delta = absolute(div(sub(mul(target, den, w), weighted, w), cs_a, w))
    r_a = div(mul(mul(delta, s_a, w), c_a, w), den, w)
    r_b = mul(ratio, r_a, w)
    m_b = absolute(div(mul(r_b, _ld(dens, g[e, b, SUP]), w), cs_b, w))
    m_a = delta
    x_b = _ld(f, rb + X)
    if compare(x_b, _ld(f, ra + D), w) > 0:
        m_b = neg(m_b)
    if compare(x_a, target, w) > 0:
        m_a = neg(m_a)
    _st(f, rb + LAST, m_b)
    _st(f, ra + LAST, m_a)
    _st(f, rb + M, m_b)
    _st(f, ra + M, m_a)
    _st(f, rb + Y, add(x_b, m_b, w))
    _st(f, ra + Y, add(x_a, m_a, w))
    _st(k, e * NK + GAIN, absolute(sub(mul(r_b, s_b, w), mul(r_a, sd_b, w), w)))
    return True


@jit
def _evaluate(
    f, k, g, keys, valid, e, popped0, popped1, dens, consts, tables, ov_actor, ov_value, ov_next, w, ks, nodes
):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """§4.4–4.6, as ``exchange._Round.evaluate``."""
    tiny, hundred = consts[1], consts[2]
    r0, r1 = _row(e, 0, 0), _row(e, 1, 0)
    d_p, d_q = _ld(dens, g[e, 1, SUP]), _ld(dens, g[e, 0, SUP])
    x_i, d_i, s_i, c_i, sd_i = _ld(f, r0 + X), _ld(f, r0 + D), _ld(f, r0 + S), _ld(f, r0 + C), _ld(f, r0 + SD)
    x_j, d_j, s_j, c_j = _ld(f, r1 + X), _ld(f, r1 + D), _ld(f, r1 + S), _ld(f, r1 + C)
    dist_j = absolute(sub(d_i, x_j, w))
    dist_i = absolute(sub(d_j, x_i, w))
    r_p = div(mul(mul(dist_j, s_j, w), c_j, w), d_p, w)
    r_q = mul(_ld(k, e * NK + RQ), r_p, w)
    m_i = div(mul(r_q, d_q, w), _ld(k, e * NK + CS0), w)
    m_j = dist_j
    if compare(m_i, dist_i, w) > 0:
        r_q = div(mul(mul(dist_i, s_i, w), c_i, w), d_q, w)
        r_p = mul(_ld(k, e * NK + RP), r_q, w)
        m_i = dist_i
        m_j = div(mul(r_p, d_p, w), _ld(k, e * NK + CS1), w)
    if compare(x_i, d_j, w) > 0:
        m_i = neg(m_i)
    if compare(x_j, d_i, w) > 0:
        m_j = neg(m_j)
    _append(f, g, e, 0, m_i, popped0, w)
    _append(f, g, e, 1, m_j, popped1, w)
    _st(f, r0 + M, m_i)
    _st(f, r1 + M, m_j)
    _st(f, r0 + Y, add(x_i, m_i, w))
    _st(f, r1 + Y, add(x_j, m_j, w))
    gain = absolute(sub(mul(r_q, s_i, w), mul(r_p, sd_i, w), w))
    _st(k, e * NK + GAIN, gain)
    ok = _side_ok(f, g, e, 0, tiny, hundred, w) and _side_ok(f, g, e, 1, tiny, hundred, w)
    if compare(gain, tiny, w) <= 0:
        ok = False
    if ok:
        capped = _cap(f, k, g, e, 0, 1, dens, consts, tables, ov_actor, ov_value, ov_next, w, ks, nodes)
        capped = _cap(f, k, g, e, 1, 0, dens, consts, tables, ov_actor, ov_value, ov_next, w, ks, nodes) or capped
        if capped:
            ok = _side_ok(f, g, e, 0, tiny, hundred, w) and _side_ok(f, g, e, 1, tiny, hundred, w)
    valid[e] = ok
    hi, lo = key(_ld(k, e * NK + GAIN))
    keys[e, 0] = hi
    keys[e, 1] = lo


@jit
def _groups(group, xs, ss, has, nbs, p, q, w):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """§4.2: each actor's side of the weighted means on issues p and q (0–3), or -1."""
    n_issues = has.shape[1]
    for a in range(has.shape[0]):
        if (
            has[a, p]
            and has[a, q]
            and not is_zero(_ld(ss, a * n_issues + p))
            and not is_zero(_ld(ss, a * n_issues + q))
        ):
            left_p = compare(_ld(xs, a * n_issues + p), _ld(nbs, p), w) <= 0
            left_q = compare(_ld(xs, a * n_issues + q), _ld(nbs, q), w) <= 0
            group[a] = int(left_p) + 2 * int(left_q)
        else:
            group[a] = -1


@jit
def _above(keys, a, b):  # type: ignore[no-untyped-def]
    """Whether candidate a's gain is greater than b's."""
    return keys[a, 0] > keys[b, 0] or (keys[a, 0] == keys[b, 0] and keys[a, 1] > keys[b, 1])


@jit
def _sorted_by_gain(indices, keys):  # type: ignore[no-untyped-def]
    """``indices`` in descending order of gain, ties in their given order (a stable sort)."""
    if indices.size < 2:
        return indices
    out = indices[np.argsort(-keys[indices, 1], kind="mergesort")]
    return out[np.argsort(-keys[out, 0], kind="mergesort")]


@jit
def round_exact(xs, ss, cs, has, member, terms, prefix, count, dens, consts):  # type: ignore[no-untyped-def]  # noqa: PLR0912, PLR0913, PLR0915
    """Generate, evaluate and realise one round's candidates (§4.2–4.8) in the reference arithmetic.

    ``xs``, ``ss``, ``cs``: (n_actors·n_issues, 6) round-start positions (0–100), saliences and powers;
    ``has`` (n_actors, n_issues): whether there is one; ``member``: each participant's place in its issue's
    actor order (-1: none); ``terms`` (n_issues·width, 6): the (x·s)·c of each issue's participants in that
    order, ``prefix`` (n_issues·(width + 1), 6) their running sums from 0, ``count`` how many each issue has;
    ``dens`` (n_issues, 6) Σ s·c; ``consts`` (3, 6): 0, the 28-digit floor of §4.5's 1e-10, and 100.

    Returns the candidates' side numbers, integers and candidate numbers, and the realised candidates'
    indices in the order they were realised."""
    n_actors, n_issues = has.shape
    w = np.zeros(64, np.int64)
    width = prefix.shape[0] // n_issues
    nbs = np.zeros((n_issues, 6), np.int64)
    for i in range(n_issues):
        den = _ld(dens, i)
        if not is_zero(den):
            _st(nbs, i, div(_ld(prefix, i * width + count[i]), den, w))
    tables = (xs, ss, cs, member, terms, prefix, count)
    consts_t = (_ld(consts, 0), _ld(consts, 1), _ld(consts, 2))
    # -- §4.2: count, then fill, the candidates -----------------------------------------------------
    group = np.empty(n_actors, np.int64)
    n = 0
    for p in range(n_issues):
        for q in range(p + 1, n_issues):
            _groups(group, xs, ss, has, nbs, p, q, w)
            sizes = np.zeros(4, np.int64)
            for a in range(n_actors):
                if group[a] >= 0:
                    sizes[group[a]] += 1
            n += sizes[0] * sizes[3] + sizes[1] * sizes[2]
    f = np.zeros((n * 2 * NF, 6), np.int64)
    k = np.zeros((n * NK, 6), np.int64)
    g = np.zeros((n, 2, 8), np.int64)
    g[:, :, HEAD] = -1
    g[:, :, TAIL] = -1
    keys = np.zeros((n, 2), np.int64)
    valid = np.zeros(n, np.bool_)
    capacity = max(16, n)
    ov_actor = np.empty(capacity, np.int64)
    ov_value = np.empty((capacity, 6), np.int64)
    ov_next = np.empty(capacity, np.int64)
    ov_used = 0
    ks = np.empty(n_actors + 1, np.int64)
    nodes = np.empty(n_actors + 1, np.int64)
    e = 0
    for p in range(n_issues):
        for q in range(p + 1, n_issues):
            _groups(group, xs, ss, has, nbs, p, q, w)
            for first, second in ((0, 3), (1, 2)):
                for a in range(n_actors):
                    if group[a] != first:
                        continue
                    for b in range(n_actors):
                        if group[b] != second:
                            continue
                        ratio_a = div(_ld(ss, a * n_issues + p), _ld(ss, a * n_issues + q), w)
                        ratio_b = div(_ld(ss, b * n_issues + p), _ld(ss, b * n_issues + q), w)
                        if compare(ratio_a, ratio_b, w) < 0:
                            alpha, beta = b, a
                        else:
                            alpha, beta = a, b
                        for side, who, supply, demand in ((0, alpha, q, p), (1, beta, p, q)):
                            g[e, side, ACTOR], g[e, side, SUP], g[e, side, DEM] = who, supply, demand
                            r = _row(e, side, 0)
                            _st(f, r + X, _ld(xs, who * n_issues + supply))
                            _st(f, r + X0, _ld(xs, who * n_issues + supply))
                            _st(f, r + D, _ld(xs, who * n_issues + demand))
                            _st(f, r + S, _ld(ss, who * n_issues + supply))
                            _st(f, r + C, _ld(cs, who * n_issues + supply))
                            _st(f, r + SD, _ld(ss, who * n_issues + demand))
                        r0, r1 = _row(e, 0, 0), _row(e, 1, 0)
                        s_i, sd_i, c_i = _ld(f, r0 + S), _ld(f, r0 + SD), _ld(f, r0 + C)
                        s_j, sd_j, c_j = _ld(f, r1 + S), _ld(f, r1 + SD), _ld(f, r1 + C)
                        _st(k, e * NK + RQ, div(add(s_j, sd_i, w), add(sd_j, s_i, w), w))
                        _st(k, e * NK + RP, div(add(s_i, sd_j, w), add(sd_i, s_j, w), w))
                        _st(k, e * NK + CS0, mul(c_i, s_i, w))
                        _st(k, e * NK + CS1, mul(c_j, s_j, w))
                        # The first evaluation appends to an empty history: nothing comes before its last.
                        _evaluate(
                            f,
                            k,
                            g,
                            keys,
                            valid,
                            e,
                            True,
                            True,
                            dens,
                            consts_t,
                            tables,
                            ov_actor,
                            ov_value,
                            ov_next,
                            w,
                            ks,
                            nodes,
                        )
                        e += 1
    # -- §4.7–4.8: who is refreshed by a realised exchange -----------------------------------------
    supply_start, supply_list, demand_start, demand_list = refresh_index(g, n, n_actors, n_issues)

    order = _sorted_by_gain(np.arange(n), keys)  # stable: equal gains keep the generation order
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
            matched0 = matched1 = False
            for side in range(2):
                for rs in range(2):
                    if g[e, side, ACTOR] == g[r, rs, ACTOR] and g[e, side, SUP] == g[r, rs, SUP]:
                        _st(f, _row(e, side, X), _ld(f, _row(r, rs, Y)))
                        if side == 0:
                            matched0 = True
                        else:
                            matched1 = True
                        break
            redo = matched0 or matched1
            popped0 = redo and not matched0
            popped1 = redo and not matched1
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
                moved_to = _ld(f, _row(r, mover, Y))
                if node < 0:
                    if ov_used == ov_actor.size:
                        ov_actor = grown(ov_actor, ov_used)
                        ov_value = _grown_rows(ov_value, ov_used)
                        ov_next = grown(ov_next, ov_used)
                    node = ov_used
                    ov_used += 1
                    ov_actor[node] = who
                    _st(ov_value, node, moved_to)
                    ov_next[node] = -1
                    if g[e, slot, TAIL] >= 0:
                        ov_next[g[e, slot, TAIL]] = node
                    else:
                        g[e, slot, HEAD] = node
                    g[e, slot, TAIL] = node
                else:
                    u = _ld(ov_value, node)
                    if compare(_ld(f, _row(r, mover, X0)), u, w) <= 0:  # min(u, moved_to): u unless below it
                        if compare(moved_to, u, w) < 0:
                            _st(ov_value, node, moved_to)
                    elif compare(moved_to, u, w) > 0:  # max(u, moved_to)
                        _st(ov_value, node, moved_to)
                if not redo:
                    popped0 = popped1 = True
                    redo = True
            if redo:
                _evaluate(
                    f,
                    k,
                    g,
                    keys,
                    valid,
                    e,
                    popped0,
                    popped1,
                    dens,
                    consts_t,
                    tables,
                    ov_actor,
                    ov_value,
                    ov_next,
                    w,
                    ks,
                    nodes,
                )
        order = _resorted(order, touched[:n_touched], valid, keys, position, stamp, n_realised)
        for rank in range(order.size):
            position[order[rank]] = rank
        n_realised += 1
    return f, k, g, realised[:n_realised].copy()


@jit
def _grown_rows(array, used):  # type: ignore[no-untyped-def]
    out = np.empty((2 * array.shape[0], array.shape[1]), array.dtype)
    out[:used] = array[:used]
    return out


@jit
def _resorted(order, touched, valid, keys, position, stamp, step):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """The float kernel's merge (``_exchange_kernels._resorted``) with gains compared by their exact keys."""
    moved = np.empty(touched.size, np.int64)
    n_moved = 0
    for e in touched:
        if valid[e]:
            moved[n_moved] = e
            n_moved += 1
    moved = moved[:n_moved]
    if n_moved > 1:
        moved = moved[np.argsort(position[moved], kind="mergesort")]
        moved = _sorted_by_gain(moved, keys)
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
            or _above(keys, moved[b], order[a])
            or (
                keys[moved[b], 0] == keys[order[a], 0]
                and keys[moved[b], 1] == keys[order[a], 1]
                and position[moved[b]] < position[order[a]]
            )
        ):
            out[o] = moved[b]
            b += 1
        else:
            out[o] = order[a]
            a += 1
        o += 1
    return out[:o]
