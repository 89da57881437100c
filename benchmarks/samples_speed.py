"""How fast are forecast intervals? Draws per second of the flagship with each model on the batch engine,
against calling the single-run path (``ktokovo.run`` on a scenario built from each draw) in the same
process, checked to give the same forecasts; peak memory of a process that runs 10,000 draws; and the
speed-up from one to two worker processes.

    python benchmarks/samples_speed.py [--draws 10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

import ktokovo
from ktokovo.analysis.uncertainty import _scenario_of, draw_inputs


def single_path_rate(scenario: ktokovo.Scenario, model: str, draws: int, seed: int) -> tuple[float, np.ndarray]:
    inputs = draw_inputs(scenario, np.arange(draws), seed)
    start = time.perf_counter()
    out = np.array([ktokovo.run(_scenario_of(scenario, inputs, k), model).forecast for k in range(draws)])
    return draws / (time.perf_counter() - start), out


def child(model: str, draws: int, workers: int) -> dict[str, float]:
    import resource

    scenario = ktokovo.load("ukraine-2025")
    start = time.perf_counter()
    if workers == 1:
        result = ktokovo.sample_forecasts(scenario, model, samples=draws, seed=1, batch_size=500)
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            result = ktokovo.sample_forecasts(scenario, model, samples=draws, seed=1, batch_size=500, executor=pool)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rate": draws / seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "checksum": float(result.forecasts.sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), int(args.child[2]))))
        return
    scenario = ktokovo.load("ukraine-2025")
    ktokovo.sample_forecasts(scenario, "smp", samples=2, seed=0)  # compile SMP's kernels outside the timing

    def run_child(model: str, draws: int, workers: int) -> dict[str, float]:
        output = subprocess.run(
            [sys.executable, __file__, "--child", model, str(draws), str(workers)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return json.loads(output)

    print(f"{'model':9} {'draws':>6} {'batch engine':>16} {'single-run path':>18} {'ratio':>7} {'peak MB':>8}")
    for model, draws, single in (
        ("mean", args.draws, 1000),
        ("median", args.draws, 1000),
        ("nash", args.draws, 1000),
        ("bdm", args.draws, 500),
        ("smp", 1000, 200),
        ("exchange", 100, 50),
    ):
        engine = run_child(model, draws, 1)
        rate, singles = single_path_rate(scenario, model, single, seed=1)
        batch = ktokovo.sample_forecasts(scenario, model, samples=single, seed=1).forecasts
        gap = float(np.max(np.abs(batch - singles)))
        assert gap < 1e-6, f"{model}: batch and single runs differ by {gap}"
        print(
            f"{model:9} {draws:6d} {engine['rate']:11.0f} /s {rate:13.0f} /s {engine['rate'] / rate:6.0f}x "
            f"{engine['peak_mb']:8.0f}"
        )
    one = run_child("bdm", args.draws, 1)
    two = run_child("bdm", args.draws, 2)
    assert one["checksum"] == two["checksum"], "one and two workers disagree"
    print(
        f"bdm, {args.draws} draws: 1 worker {one['seconds']:.1f} s, 2 workers {two['seconds']:.1f} s: "
        f"{one['seconds'] / two['seconds']:.2f}x, identical forecasts"
    )


if __name__ == "__main__":
    main()
