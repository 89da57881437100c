"""The kernels of KTAB's Spatial Model of Politics (see ``smp.py`` for the model and its sources).

Plain scalar loops in exactly the order ``shared/reference/SMP_SPEC.md`` gives (sums in ascending index
order from the stated initial values, products left to right), so that results match KTAB to its printed
precision. Enum arguments are the integer indices of SMP_SPEC §1.3. They are plain Python, run as they are on
small cases and compiled by numba on larger ones (``_jit.compiled(_smp_kernels)``; see ``smp.COMPILE_FROM``).
"""

from __future__ import annotations

import math

import numpy as np

from ktokovo.models._jit import kernel as jit

# Enum indices (SMP_SPEC §1.3)
LINEAR, SQUARE, QUARTIC, OCTIC, BINARY = 0, 1, 2, 3, 4
CONDITIONAL, MARKOV_INCENTIVE, MARKOV_UNIFORM = 0, 1, 2
V_BINARY, V_PROPBIN, V_PROP, V_PROPCBC, V_CUBIC, V_ASYMPROSP = 0, 1, 2, 3, 4, 5
ADJ_NONE, ADJ_ONE_THIRD, ADJ_HALF, ADJ_TWO_THIRDS, ADJ_FULL = 0, 1, 2, 3, 4
RANGE_MIN, RANGE_MID, RANGE_MAX = 0, 1, 2
NO_COMMIT, SEMI_COMMIT, FULL_COMMIT = 0, 1, 2
S1P1, S2P2, S2PMAX = 0, 1, 2
INIT_ONLY, INIT_RCVR, PW_COMP = 0, 1, 2


@jit
def vote(rule: int, w: float, ua: float, ub: float) -> float:
    """SMP_SPEC §2.3: the influence an actor of weight w exerts for option a over b."""
    delta = ua - ub
    beta = min(1.0, max(-1.0, delta / 1e-8))
    if rule == V_BINARY:
        return w * beta
    if rule == V_PROPBIN:
        return w * ((1.0 - 0.2) * delta + 0.2 * beta)
    if rule == V_PROP:
        return w * delta
    if rule == V_PROPCBC:
        return w * ((1.0 - 0.5) * delta + 0.5 * delta * delta * delta)
    if rule == V_CUBIC:
        return w * (delta * delta * delta)
    # ASymProsp
    if delta < 0.0:
        return w * delta
    if delta > 0.0:
        return (2.0 * w * delta) / 3.0
    return 0.0


@jit
def coalitions(utility: np.ndarray, weight: np.ndarray, rule: int) -> np.ndarray:
    """SMP_SPEC §2.4. utility: (n_voters, n_options). C[i, j]: strength of the coalition for i over j."""
    n_voters, m = utility.shape
    strength = np.zeros((m, m))
    for i in range(m):
        for j in range(i):
            above = 1e-8
            below = 1e-8
            for k in range(n_voters):
                e = vote(rule, weight[k], utility[k, i], utility[k, j])
                if e > 0.0:
                    above += e
                if e < 0.0:
                    below -= e
            strength[i, j] = above
            strength[j, i] = below
        strength[i, i] = 1e-8
    return strength


@jit
def _transform(s: float, model: int) -> float:
    if model == SQUARE:
        return s * s
    if model == QUARTIC:
        return ((s * s) * s) * s
    if model == OCTIC:
        r = ((s * s) * s) * s
        return r * r
    return s


@jit
def victory(strength: np.ndarray, model: int) -> np.ndarray:
    """SMP_SPEC §2.5: V[i, j], the probability that option i beats option j."""
    m = strength.shape[0]
    prob = np.empty((m, m))
    for i in range(m):
        prob[i, i] = 0.5
        for j in range(i):
            s1 = strength[i, j]
            s2 = strength[j, i]
            if model == BINARY:
                if s1 >= 1.1 * s2:
                    x1, x2 = 1.0, 1e-6
                elif s2 >= 1.1 * s1:
                    x1, x2 = 1e-6, 1.0
                else:
                    r = s1 / (s1 + s2)
                    p = (r * (1.1 + 1.0) - 1.0) / (1.1 - 1.0)
                    x1, x2 = p, 1.0 - p
            else:
                x1 = _transform(s1, model)
                x2 = _transform(s2, model)
            prob[i, j] = x1 / (x1 + x2)
            prob[j, i] = x2 / (x1 + x2)
    return prob


@jit
def pce(strength: np.ndarray, vpm: int, pcem: int) -> np.ndarray:
    """SMP_SPEC §2.6: the probabilistic Condorcet election over the options of a coalition matrix."""
    m = strength.shape[0]
    prob_v = victory(strength, vpm)
    p = np.empty(m)
    if m == 2:
        p[0] = prob_v[0, 1]
        p[1] = prob_v[1, 0]
        return p
    if pcem == CONDITIONAL:
        total = 0.0
        for i in range(m):
            product = 1.0
            for j in range(m):
                product *= prob_v[i, j]
            p[i] = product
        for i in range(m):
            total += p[i]
        for i in range(m):
            p[i] = p[i] / total
        return p
    for i in range(m):
        p[i] = 1.0 / m
    q = np.empty(m)
    change = 1.0
    iterations = 0
    if pcem == MARKOV_UNIFORM:
        while change > 1e-6:
            change = 0.0
            for i in range(m):
                acc = 0.0
                for j in range(m):
                    acc += prob_v[i, j] * (p[i] + p[j])
                q[i] = acc / m
                change = max(change, abs(q[i] - p[i]))
            for i in range(m):
                p[i] = (p[i] + q[i]) / 2.0
            iterations += 1
    else:  # Markov incentive
        incentive = np.empty((m, m))
        for a in range(m):
            for b in range(m):
                incentive[a, b] = strength[a, b] * prob_v[a, b] + (1e-10 if a == b else 0.0)
        chance = np.empty((m, m))
        for b in range(m):
            column = 0.0
            for a in range(m):
                column += incentive[a, b]
            for a in range(m):
                chance[a, b] = incentive[a, b] / column
        while change > 1e-8:
            change = 0.0
            for a in range(m):
                acc = 0.0
                for b in range(m):
                    acc += prob_v[a, b] * (p[a] * chance[b, a] + p[b] * chance[a, b])
                q[a] = acc
                change = max(change, abs(q[a] - p[a]))
            for a in range(m):
                p[a] = (p[a] + q[a]) / 2.0
            iterations += 1
    if iterations >= 1000:
        raise ValueError("the Markov PCE did not converge in 1000 iterations")
    return p


@jit
def scalar_pce(weight: np.ndarray, utility: np.ndarray, rule: int, vpm: int, pcem: int) -> np.ndarray:
    return pce(coalitions(utility, weight, rule), vpm, pcem)


@jit
def distance(ideal: np.ndarray, point: np.ndarray, salience: np.ndarray) -> float:
    """SMP_SPEC §2.1: salience-weighted distance, two accumulators."""
    a = 0.0
    b = 0.0
    for d in range(ideal.shape[0]):
        t = salience[d] * (ideal[d] - point[d])
        a += t * t
        b += salience[d] * salience[d]
    return math.sqrt(a / b)


@jit
def utility_of(delta: float, risk: float) -> float:
    """SMP_SPEC §2.2."""
    if delta <= 1.0:
        return (1.0 - delta) * (1.0 + delta * risk)
    return (1.0 - delta) * (1.0 + risk)


@jit
def estimated_risk(rh: float, ri: float, adjust: int) -> float:
    """SMP_SPEC §3.3: h's estimate of i's risk attitude."""
    if adjust == ADJ_NONE:
        return rh
    if adjust == ADJ_ONE_THIRD:
        return ((2.0 * rh) + ri) / 3.0
    if adjust == ADJ_HALF:
        return (rh + ri) / 2.0
    if adjust == ADJ_TWO_THIRDS:
        return (rh + (2.0 * ri)) / 3.0
    return ri


@jit
def assess(
    x: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    rule: int,
    vpm: int,
    pcem: int,
    big_r_range: int,
    big_r_adjust: int,
):
    """SMP_SPEC §3.2–3.3. Returns (R (n,), perspective utilities U[h, i, j] (n, n, n), risk-neutral U0)."""
    n = x.shape[0]
    delta = np.empty((n, n))
    neutral = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            delta[i, j] = distance(y[i], x[j], s[i])
            neutral[i, j] = utility_of(delta[i, j], 0.0)
    p = scalar_pce(c, neutral, rule, vpm, pcem)
    pmin = p.min()
    pmax = p.max()
    risk = np.zeros(n)
    if pmax > pmin:  # KTAB divides by zero when pmax = pmin; ktokovo takes everyone as risk-neutral there
        for i in range(n):
            if big_r_range == RANGE_MIN:
                risk[i] = (p[i] - pmin) / (pmax - pmin)
            elif big_r_range == RANGE_MID:
                risk[i] = (3.0 * p[i] - (pmax + 2.0 * pmin)) / (2.0 * (pmax - pmin))
            else:
                risk[i] = (2.0 * p[i] - (pmax + pmin)) / (pmax - pmin)
    perspective = np.empty((n, n, n))
    for h in range(n):
        for i in range(n):
            r_hat = estimated_risk(risk[h], risk[i], big_r_adjust)
            for j in range(n):
                perspective[h, i, j] = utility_of(delta[i, j], r_hat)
    return risk, perspective, neutral


@jit
def challenge(u: np.ndarray, k: int, i: int, j: int, total_salience: np.ndarray, c: np.ndarray, rule: int, commit: int):
    """SMP_SPEC §4.1: with u = U^h, h's estimate (P, G) of the effect on k of i challenging j."""
    n = u.shape[0]
    status_quo = u[k, i] + u[k, j]
    win = u[k, i] + u[k, i]
    lose = u[k, j] + u[k, j]
    a_i = vote(rule, total_salience[i] * c[i], u[i, i], u[i, j])
    a_j = vote(rule, total_salience[j] * c[j], u[j, i], u[j, j])
    big_a = 1e-10
    big_b = 1e-10
    big_a += max(a_i, 0.0)
    big_b += max(-a_i, 0.0)
    big_a += max(a_j, 0.0)
    big_b += max(-a_j, 0.0)
    s_ij = big_a
    s_ji = big_b
    for m in range(n):
        if m == i or m == j:
            continue
        ui = u[m, i]
        uj = u[m, j]
        un = u[m, m]
        weight = total_salience[m] * c[m]
        e = vote(rule, weight, ui, uj)
        top = big_a + max(e, 0.0)
        pi = top / (top + (big_b + max(-e, 0.0)))
        pi2 = 1.0 - pi
        if commit == SEMI_COMMIT:
            c1, c2, c3, c4 = (ui + ui) + un, (uj + uj) + uj, (ui + ui) + ui, (uj + uj) + un
        elif commit == FULL_COMMIT:
            c1, c2, c3, c4 = (ui + ui) + ui, (uj + uj) + uj, (ui + ui) + ui, (uj + uj) + uj
        else:
            c1, c2, c3, c4 = (ui + ui) + un, (uj + uj) + un, (ui + ui) + un, (uj + uj) + un
        with_i = (pi * c1) + (pi2 * c2)
        with_j = (pi * c3) + (pi2 * c4)
        t = vote(rule, weight, with_i, with_j)
        s_ij += max(t, 0.0)
        s_ji += max(-t, 0.0)
    p = s_ij / (s_ij + s_ji)
    p2 = s_ji / (s_ij + s_ji)
    contest = p * win + p2 * lose
    sigma = total_salience[j]
    chlg = (1.0 - sigma) * win + sigma * contest
    return p, chlg - status_quo


@jit
def challenge_matrix(perspective: np.ndarray, total_salience: np.ndarray, c: np.ndarray, rule: int, commit: int):
    """(P, G)[i, j] = E(i, i, i, j): each actor's own estimate of challenging each other (§4.2's inputs)."""
    n = perspective.shape[0]
    prob = np.zeros((n, n))
    gain = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if j != i:
                prob[i, j], gain[i, j] = challenge(perspective[i], i, i, j, total_salience, c, rule, commit)
    return prob, gain


@jit
def _round4(v: float) -> float:
    return math.floor(0.5 + 10000.0 * v) / 10000.0


@jit
def interpolate(xi: np.ndarray, xj: np.ndarray, si: np.ndarray, sj: np.ndarray, p_i: float, p_j: float, model: int):
    """SMP_SPEC §5.1: the positions (z_i, z_j) proposed to initiator i and receiver j."""
    dims = xi.shape[0]
    zi = np.empty(dims)
    zj = np.empty(dims)
    eps = 1e-6
    for d in range(dims):
        ti = xi[d]
        tj = xj[d]
        if model == S2PMAX:
            d_i = max(0.0, p_j - p_i)
            d_j = max(0.0, p_i - p_j)
            lam_i = d_i * sj[d] * sj[d] / (d_i * sj[d] * sj[d] + eps + (1.0 - d_i) * si[d] * si[d])
            lam_j = d_j * si[d] * si[d] / (d_j * si[d] * si[d] + eps + (1.0 - d_j) * sj[d] * sj[d])
            zi[d] = ti + lam_i * (tj - ti)
            zj[d] = tj + lam_j * (ti - tj)
        else:
            if model == S2P2:
                wi = (si[d] * si[d]) * (p_i * p_i)
                wj = (sj[d] * sj[d]) * (p_j * p_j)
            else:
                wi = si[d] * p_i
                wj = sj[d] * p_j
            zi[d] = _round4(((wi + eps) * ti + wj * tj) / (wi + eps + wj))
            zj[d] = _round4((wi * ti + (eps + wj) * tj) / (wi + eps + wj))
    return zi, zj


@jit
def turn(
    x: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    accommodation: np.ndarray,
    risk: np.ndarray,
    perspective: np.ndarray,
    params: np.ndarray,
    draws: np.ndarray,
):
    """One turn (SMP_SPEC §10 steps 2–4, without the new state's assessment).

    params: int array (rule, vpm, pcem, stochastic, adjust, range, commit, interp, bargain model).
    draws: (n,) uniforms for the stochastic transition (unused when deterministic).
    Returns (new positions, new ideals, targets (n,), target probabilities (n,), target gains (n,),
    chosen bargain per actor as (initiator, receiver) (n, 2), the chosen bargain's probability in the actor's
    election among its bargains (n,; 1 where it had one), and how many bargains it chose among (n,)).
    """
    n, dims = x.shape
    rule, vpm, pcem, stochastic = params[0], params[1], params[2], params[3]
    commit, interp, bargain_model = params[6], params[7], params[8]
    total = np.zeros(n)
    for i in range(n):
        acc = 0.0
        for d in range(dims):
            acc += s[i, d]
        total[i] = acc
    # Bargains: index, initiator, receiver, z for the initiator, z for the receiver.
    capacity = 1 + 2 * n
    max_bargains = n * 3
    b_init = np.empty(max_bargains, dtype=np.int64)
    b_recv = np.empty(max_bargains, dtype=np.int64)
    b_zi = np.empty((max_bargains, dims))
    b_zj = np.empty((max_bargains, dims))
    queue = np.empty((n, capacity + 2), dtype=np.int64)
    length = np.zeros(n, dtype=np.int64)
    count = 0
    for k in range(n):  # each queue starts with its owner's status-quo bargain
        b_init[count] = k
        b_recv[count] = k
        b_zi[count] = x[k]
        b_zj[count] = x[k]
        queue[k, 0] = count
        length[k] = 1
        count += 1
    targets = np.full(n, -1, dtype=np.int64)
    target_p = np.zeros(n)
    target_g = np.zeros(n)
    all_p, all_g = challenge_matrix(perspective, total, c, rule, commit)
    for i in range(n):
        best = -1.0
        for j in range(n):  # §4.2: the first j with the largest gain above 1e-5
            if j != i and all_g[i, j] > 1e-5 and all_g[i, j] > best:
                best = all_g[i, j]
                targets[i] = j
                target_p[i] = all_p[i, j]
                target_g[i] = all_g[i, j]
        j = targets[i]
        if j < 0:
            continue
        zi, zj = interpolate(x[i], x[j], s[i], s[j], target_p[i], 1.0 - target_p[i], interp)
        if bargain_model != INIT_ONLY:
            _, g_j = challenge(perspective[j], i, i, j, total, c, rule, commit)
            ri, rj = interpolate(x[i], x[j], s[i], s[j], g_j, 1.0 - g_j, interp)
        else:
            ri, rj = zi, zj
        made = 0
        if bargain_model == PW_COMP:
            w_i = c[i] * total[i]
            w_j = c[i] * total[j]
            for d in range(dims):
                zi[d] = (w_i * zi[d] + w_j * ri[d]) / (w_i + w_j)
                zj[d] = (w_i * zj[d] + w_j * rj[d]) / (w_i + w_j)
        b_init[count] = i
        b_recv[count] = j
        b_zi[count] = zi
        b_zj[count] = zj
        count += 1
        made = 1
        if bargain_model == INIT_RCVR:
            b_init[count] = i
            b_recv[count] = j
            b_zi[count] = ri
            b_zj[count] = rj
            count += 1
            made = 2
        for owner in (i, j):
            for e in range(made):
                queue[owner, length[owner]] = count - made + e
                length[owner] += 1

    new_x = x.copy()
    chosen = np.empty((n, 2), dtype=np.int64)
    chosen_p = np.ones(n)
    among = np.empty(n, dtype=np.int64)
    for k in range(n):
        m = length[k]
        among[k] = m
        value = np.empty((n, m))
        for a in range(n):
            for col in range(m):
                b = queue[k, col]
                e = b_init[b]
                r = b_recv[b]
                acc = 0.0
                if e == r:
                    for other in range(n):
                        acc += perspective[a, a, other]
                else:
                    acc += utility_of(distance(y[a], b_zi[b], s[a]), risk[a])
                    acc += utility_of(distance(y[a], b_zj[b], s[a]), risk[a])
                    for other in range(n):
                        if other != e and other != r:
                            acc += perspective[a, a, other]
                value[a, col] = acc / n
        if m == 1:
            pick = 0
        else:
            p = scalar_pce(c, value, rule, vpm, pcem)
            pick = 0
            if stochastic:
                cumulative = 0.0
                pick = m - 1
                for col in range(m):
                    cumulative += p[col]
                    if cumulative >= draws[k]:
                        pick = col
                        break
            else:
                for col in range(1, m):
                    if p[col] > p[pick]:
                        pick = col
            chosen_p[k] = p[pick]
        b = queue[k, pick]
        chosen[k, 0] = b_init[b]
        chosen[k, 1] = b_recv[b]
        if b_init[b] != b_recv[b]:
            new_x[k] = b_zi[b] if k == b_init[b] else b_zj[b]
    # New ideals (SMP_SPEC §6.3).
    new_y = np.empty_like(y)
    for i in range(n):
        row = 0.0
        for j in range(n):
            row += accommodation[i, j]
        keep = 1.0 - min(1.0, row)
        for d in range(dims):
            acc = 0.0
            for j in range(n):
                acc += accommodation[i, j] * new_x[j, d]
            new_y[i, d] = acc + keep * y[i, d]
    return new_x, new_y, targets, target_p, target_g, chosen, chosen_p, among


@jit
def winning_probabilities(
    x: np.ndarray, c: np.ndarray, perspective: np.ndarray, rule: int, vpm: int, pcem: int
) -> np.ndarray:
    """SMP_SPEC §8 (with §3.1's unique positions): each actor's probability of winning in this state."""
    n, dims = x.shape
    reps = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        found = False
        for r in range(m):
            if _euclid(x[i], x[reps[r]]) < 1e-3:
                found = True
                break
        if not found:
            reps[m] = i
            m += 1
    out = np.empty(n)
    if m == 1:
        out[:] = 1.0
        return out
    utility = np.empty((n, m))
    for i in range(n):
        for r in range(m):
            utility[i, r] = perspective[i, i, reps[r]]
    p = scalar_pce(c, utility, rule, vpm, pcem)
    for i in range(n):
        for r in range(m):
            if _euclid(x[i], x[reps[r]]) < 1e-3:
                out[i] = p[r]
    return out


@jit
def _euclid(a: np.ndarray, b: np.ndarray) -> float:
    acc = 0.0
    for d in range(a.shape[0]):
        acc += (a[d] - b[d]) * (a[d] - b[d])
    return math.sqrt(acc)
