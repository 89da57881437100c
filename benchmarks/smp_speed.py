"""How fast is ktokovo's SMP (KTAB's Spatial Model of Politics)?

For each KTAB case: turns to the stop rule, time of a whole run (best of several; kernels warm, compiled or,
below smp.COMPILE_FROM actors, plain Python), peak memory of a process that runs it, and growth with the number
of actors. The baseline, measured here: a straightforward pure-Python evaluation of the model's inner step,
every actor's expected gain from challenging every other (SMP_SPEC §4.1, N³ per turn), checked equal to
ktokovo's. KTAB's own C++ times (issue 16: 70–78 s for a080, a160 unfinished after 25 minutes) are context
for the README, not a baseline, and are not printed here.

    python benchmarks/smp_speed.py [--reference-dir ../shared/reference/ktab]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import ktokovo
from ktokovo.models import _jit, _smp_kernels, smp

kernels = _jit.compiled(_smp_kernels)

CASES = [
    "dummyData_3Dim.csv",
    "dummyData_6Dim.csv",
    "SOE-Policy.csv",
    "SOE-Competitive.csv",
    "dummyData-a040.csv",
    "dummyData-a080.csv",
    "dummyData-a160.csv",
]


def baseline_gains(perspective: np.ndarray, total: np.ndarray, c: np.ndarray) -> list[list[tuple[float, float]]]:
    """E(i, i, i, j) for every pair, in plain Python (Prop voting, SemiCommit; SMP_SPEC §4.1)."""
    n = len(c)
    out = []
    for i in range(n):
        u = perspective[i].tolist()
        row = []
        for j in range(n):
            if j == i:
                row.append((0.0, 0.0))
                continue
            a_i = total[i] * c[i] * (u[i][i] - u[i][j])
            a_j = total[j] * c[j] * (u[j][i] - u[j][j])
            big_a = 1e-10 + max(a_i, 0.0) + max(a_j, 0.0)
            big_b = 1e-10 + max(-a_i, 0.0) + max(-a_j, 0.0)
            s_ij, s_ji = big_a, big_b
            for m in range(n):
                if m in (i, j):
                    continue
                ui, uj, un = u[m][i], u[m][j], u[m][m]
                weight = total[m] * c[m]
                e = weight * (ui - uj)
                top = big_a + max(e, 0.0)
                pi = top / (top + big_b + max(-e, 0.0))
                with_i = pi * (2 * ui + un) + (1 - pi) * (3 * uj)
                with_j = pi * (3 * ui) + (1 - pi) * (2 * uj + un)
                t = weight * (with_i - with_j)
                s_ij += max(t, 0.0)
                s_ji += max(-t, 0.0)
            p = s_ij / (s_ij + s_ji)
            win, lose, sq = 2 * u[i][i], 2 * u[i][j], u[i][i] + u[i][j]
            row.append((p, (1 - total[j]) * win + total[j] * (p * win + (1 - p) * lose) - sq))
        out.append(row)
    return out


def measure(path: Path) -> dict[str, float]:
    scenario = ktokovo.load(path)
    x, s, c = scenario.positions / 100.0, scenario.saliences / 100.0, scenario.capabilities
    smp.simulate(x, s, c)  # compile / warm
    times = []
    for _ in range(3 if len(c) <= 80 else 1):
        start = time.perf_counter()
        run = smp.simulate(x, s, c)
        times.append(time.perf_counter() - start)
    _, perspective, _ = kernels.assess(x, x.copy(), s, c, 2, 0, 0, 1, 1)
    total = s.sum(axis=1)
    kernels.challenge_matrix(perspective, total, c, 2, 1)
    start = time.perf_counter()
    prob, gain = kernels.challenge_matrix(perspective, total, c, 2, 1)
    ours_step = time.perf_counter() - start
    ours = np.stack([prob, gain], axis=-1)
    start = time.perf_counter()
    theirs = baseline_gains(perspective, total, c)
    base_step = time.perf_counter() - start
    gap = float(np.max(np.abs(np.array(ours) - np.array(theirs))))
    assert gap < 1e-9, f"baseline and kernel disagree by {gap}"
    return {
        "actors": len(c),
        "dims": x.shape[1],
        "turns": len(run.changes),
        "seconds": min(times),
        "step_ours": ours_step,
        "step_baseline": base_step,
        "step_gap": gap,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-dir", type=Path, default=Path(__file__).parents[1] / "../shared/reference/ktab")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # child process: one case, with its peak memory
        import resource

        result = measure(Path(args.one))
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    print(f"{'case':22} {'actors':>6} {'turns':>5} {'run':>9} {'inner step vs baseline':>24} {'peak MB':>8}")
    for name in CASES:
        output = subprocess.run(
            [sys.executable, __file__, "--one", str(args.reference_dir / name)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        r = json.loads(output)
        print(
            f"{name:22} {r['actors']:6d} {r['turns']:5d} {r['seconds']:8.3f}s "
            f"{r['step_baseline'] / r['step_ours']:10.0f}x ({r['step_baseline']:.2f}s) {r['peak_mb']:8.0f}"
        )


if __name__ == "__main__":
    main()
