"""How fast is ktokovo's BDM model? Time per run against a straightforward per-dyad pure-Python
implementation of the same equations (written here as the baseline, and checked to give the same
positions), on the emission case and on synthetic scenarios of 10, 17, 50, 200 and 1000 actors
(one issue, 10 rounds).

The baseline follows the structure of the public pure-Python ports (BDM_SPEC.md §6.5): every probability
recomputes the all-pairs denominator and every actor recomputes the security levels it needs, so its
cost grows like n^5 per round. ktokovo computes each matrix once per round.

Above bdm.NUMPY_LIMIT actors (200 and 1000 here) the pure-Python baseline would take hours, so the baseline
there is ktokovo's earlier compiled kernel for the vote sums, the direct O(n³) sum over voters (parallel,
written here), against the O(n² log n) kernel it now uses; both whole runs in CPU seconds (all threads), and
their trajectories compared.

    python benchmarks/bdm_speed.py            # baseline at 10 and 17 actors (about a minute)
    python benchmarks/bdm_speed.py --quick    # baseline for 2 rounds only, scaled to 10
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from ktokovo.models import _support_numba, bdm


@numba.njit(parallel=True, cache=True)
def cubic_support(x: np.ndarray, utility: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The direct vote sums N[a, b] = Σ_k w_k max(0, u_kb − u_ka), one row a thread: O(n³)."""
    n = utility.shape[0]
    out = np.zeros((n, n))
    for a in numba.prange(n):
        for k in range(n):
            if weight[k] == 0.0:
                continue
            for b in range(n):
                vote = utility[k, b] - utility[k, a]
                if vote > 0.0:
                    out[a, b] += weight[k] * vote
    return out


def cpu_run(kernel, x, c, s, preset):  # type: ignore[no-untyped-def]
    """CPU seconds (all threads) of a 10-round run with ``kernel`` as the compiled vote sums."""
    saved = _support_numba.support_matrix
    _support_numba.support_matrix = kernel
    try:
        bdm.simulate(x, c, s, rounds=1, parameters=preset)  # compiled or loaded outside the timing
        start = time.process_time()
        path, _ = bdm.simulate(x, c, s, rounds=10, parameters=preset)
        return time.process_time() - start, path
    finally:
        _support_numba.support_matrix = saved


# -- the baseline: straightforward per-dyad pure Python ---------------------------------------------------


def baseline(x0: list[float], c: list[float], s: list[float], rounds: int) -> list[list[float]]:
    n = len(x0)
    span = max(x0) - min(x0)
    w = [c[k] * s[k] for k in range(n)]

    def vote(k: int, a: float, b: float, x: list[float], r: list[float]) -> float:
        return w[k] * ((abs(x[k] - b) / span) ** r[k] - (abs(x[k] - a) / span) ** r[k])

    def probability(i: int, j: int, x: list[float], r: list[float]) -> float:
        if x[i] == x[j]:
            return 0.0
        support = sum(max(0.0, vote(k, x[i], x[j], x, r)) for k in range(n))
        total = sum(abs(vote(k, x[p], x[q], x, r)) for k in range(n) for p in range(n) for q in range(n))
        return support / total

    def expected(a: int, b: int, rho: float, prob: float, x: list[float]) -> float:
        d = abs(x[a] - x[b]) / span
        success = 2 - 4 * (0.5 - 0.5 * d) ** rho
        failure = 2 - 4 * (0.5 + 0.5 * d) ** rho
        return s[b] * (prob * success + (1 - prob) * failure) + (1 - s[b]) * success - (2 - 4 * 0.5**rho)

    x = list(x0)
    path = [list(x)]
    for _ in range(rounds):
        ones = [1.0] * n
        security = [
            sum(expected(j, i, 1.0, probability(j, i, x, ones), x) for j in range(n) if j != i) for i in range(n)
        ]
        high, low = max(security), min(security)
        if high == low:
            r = ones
        else:
            big = [(2 * v - high - low) / (high - low) for v in security]
            r = [(1 - b / 3) / (1 + b / 3) for b in big]
        new = list(x)
        for i in range(n):
            best_confront, best_compromise = None, None
            for j in range(n):
                if j == i or x[j] == x[i]:
                    continue
                a = expected(i, j, r[i], probability(i, j, x, r), x)
                b = expected(j, i, r[i], probability(j, i, x, r), x)
                if b > a > 0:
                    key = abs(x[i] - x[j])
                    if best_confront is None or key < best_confront[0]:
                        best_confront = (key, x[j])
                elif a < 0 < b and b > abs(a):
                    key = (abs(a) * x[i] + abs(b) * x[j]) / (abs(a) + abs(b))
                    if best_compromise is None or key < best_compromise[0]:
                        best_compromise = (key, x[i] + (x[j] - x[i]) * abs(a / b))
            if best_confront is not None:
                new[i] = best_confront[1]
            elif best_compromise is not None:
                new[i] = best_compromise[1]
        x = new
        path.append(list(x))
    return path


# -- cases -------------------------------------------------------------------------------------------------

EMISSION = (  # BDM (1994) / Scholz et al. (2011) Table 1
    [4, 7, 4, 4, 10, 10, 10, 7, 4, 7],
    [0.08, 0.08, 0.03, 0.16, 0.16, 0.16, 0.16, 0.05, 0.05, 0.08],
    [0.8, 0.4, 0.2, 0.8, 0.6, 0.6, 0.9, 0.1, 1.0, 0.7],
)


def synthetic(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The synthetic draw of BDM_SPEC.md §10: positions U[0, 100] (2 dp), capabilities U[0.01, 1] (4 dp),
    saliences U[5, 100] (1 dp) / 100, from default_rng(n)."""
    rng = np.random.default_rng(n)
    return (
        np.round(rng.uniform(0, 100, n), 2),
        np.round(rng.uniform(0.01, 1, n), 4),
        np.round(rng.uniform(5, 100, n), 1) / 100,
    )


def best_of(repeats: int, function, *args, **kwargs) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="run the baseline for 2 rounds and scale to 10")
    args = parser.parse_args()
    preset = bdm.PRESETS["scholz2011"]
    rounds = 10
    bdm.simulate(np.array([1.0, 2.0, 3.0]), np.ones(3), np.ones(3) / 2, rounds=1)  # warm up numpy
    cases = [("emission (10 actors)", tuple(np.asarray(v, dtype=float) for v in EMISSION))]
    cases += [(f"synthetic {n} actors", synthetic(n)) for n in (10, 17, 50, 200, 1000)]
    print(f"{'case':24} {'ktokovo':>12} {'baseline':>12} {'ratio':>10}  check")
    for name, (x, c, s) in cases:
        n = len(x)
        if n > bdm.NUMPY_LIMIT:
            fast, path = cpu_run(_support_numba.support_matrix, x, c, s, preset)
            slow, cubic_path = cpu_run(cubic_support, x, c, s, preset)
            gap = np.max(np.abs(path - cubic_path))
            print(
                f"{name:24} {fast:10.2f}s {slow:11.2f}s {slow / fast:9.1f}x  CPU seconds, baseline the O(n³) "
                f"kernel; same positions (max |diff| {gap:.1e})"
            )
            continue
        repeats = 5 if n <= 50 else 1
        ours, (path, _) = best_of(repeats, bdm.simulate, x, c, s, rounds=rounds, parameters=preset)
        if n <= 17:
            base_rounds = 2 if args.quick else rounds
            theirs, base_path = best_of(1, baseline, x.tolist(), c.tolist(), s.tolist(), base_rounds)
            theirs *= rounds / base_rounds
            gap = np.max(np.abs(np.array(base_path) - path[: base_rounds + 1]))
            check = f"same positions (max |diff| {gap:.1e})"
            assert gap < 1e-9, "the baseline and ktokovo disagree"
            print(f"{name:24} {ours * 1e3:10.2f}ms {theirs:11.2f}s {theirs / ours:9.0f}x  {check}")
        else:
            print(f"{name:24} {ours * 1e3:10.2f}ms {'—':>12} {'—':>10}  (baseline would take hours)")


if __name__ == "__main__":
    main()
