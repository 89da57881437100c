"""The BDM model's vote sums for large cases, compiled with numba: O(n² log n) instead of O(n³).

Imported only when a case is large enough to pay for numba's import (see ``bdm.NUMPY_LIMIT``).

N[a, b] = Σ_k w_k max(0, u_kb − u_ka), where voter k's utility loss u_kp grows with its distance |x_k − x_p| to
position p (BDM_SPEC §3.2: a power of the normalised distance). So voter k adds to N[a, b] exactly when it is
nearer a than b, and those voters are a run of the voters sorted by position: the ones below the midpoint
of a and b when x_a < x_b, the ones above it otherwise. With the prefix sums of w_k u_kp over sorted voters for
every position p, each N[a, b] is a difference of two prefix sums at an index found by bisection. Voters with
an exponent of 0 have equal utility for every position and add nothing either way. Rows are computed in
parallel, each with a fixed order of operations, so results do not depend on the number of threads.
"""

from __future__ import annotations

import numba
import numpy as np

from ktokovo.models import _compile_notice

_compile_notice.watch()


@numba.njit(cache=True)
def _nearer(xk: float, xa: float, xb: float) -> bool:
    return abs(xk - xa) < abs(xk - xb)


@numba.njit(parallel=True, cache=True)
def support_matrix(x: np.ndarray, utility: np.ndarray, weight: np.ndarray) -> np.ndarray:  # pragma: no cover
    """N[a, b] = Σ_k weight[k] · max(0, utility[k, b] − utility[k, a]).

    x : (n,) positions, of the voters and of the positions alike. utility : (n_voters, n_positions), a
    non-decreasing function of |x_k − x_p| for each voter k. weight : (n,)."""
    n = x.shape[0]
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    prefix = np.zeros((n, n + 1))  # prefix[p, i] = Σ_{m < i} w_(m) u_(m)p over voters sorted by position
    for p in numba.prange(n):
        total = 0.0
        for m in range(n):
            k = order[m]
            total += weight[k] * utility[k, p]
            prefix[p, m + 1] = total
    out = np.zeros((n, n))
    for a in numba.prange(n):
        xa = x[a]
        for b in range(n):
            xb = x[b]
            if xa == xb:
                continue  # every voter is as near one as the other
            # the first sorted voter nearer the right-hand one of a and b: voters before it are nearer the left
            left, right = (xa, xb) if xa < xb else (xb, xa)
            lo, hi = 0, n
            while lo < hi:
                mid = (lo + hi) // 2
                if _nearer(xs[mid], right, left):
                    hi = mid
                else:
                    lo = mid + 1
            if xa < xb:  # voters nearer a are before index lo (a voter as near both adds 0)
                value = prefix[b, lo] - prefix[a, lo]
            else:
                value = (prefix[b, n] - prefix[b, lo]) - (prefix[a, n] - prefix[a, lo])
            out[a, b] = max(value, 0.0)
    return out
