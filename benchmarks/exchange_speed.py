"""How fast is ktokovo's exchange model (equal gain) against decide-exchange-model, measured in this run?

The peer is installed in a throwaway virtual environment (``_peers.py``). Each repeat times, one after the
other: decide's own model loop (built from the input file, deterministic tie rule, no observers, only the
rounds timed), ktokovo's exact mode (``--preset decide``: 28-digit decimal, the package's order; compiled from
10 actors, ``exchange.COMPILE_FROM``) and its float mode (compiled). The first call of each compiled kernel
(which loads it from numba's cache, or compiles it once per machine) is timed separately, before the repeats.
CPU seconds (``time.process_time``), so a loaded machine moves the figures less; min and median over the
repeats, and ratios decide / ktokovo. sample_data (5 actors) runs the exact mode's object version, as a
ktokovo run of it does.

Cases: decide's sample_data and CoP21 (tests/data), 10 rounds; and a synthetic 50 actors x 20 issues, whose
round is timed for ktokovo in both modes and, once, for decide (``--synthetic-rounds``).

    python benchmarks/exchange_speed.py [--repeats 3] [--synthetic-rounds 1] [--no-synthetic-peer]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import _peers  # noqa: E402
import ktokovo  # noqa: E402
from ktokovo.core.scenario import Actor, Issue, Scenario  # noqa: E402
from ktokovo.io._tables import write_decide  # noqa: E402
from ktokovo.models import exchange  # noqa: E402

DATA = Path(__file__).parents[1] / "tests" / "data"
CASES = {"sample_data": DATA / "decide_sample_data.txt", "cop21": DATA / "decide_cop21.csv"}


def arrays(scenario: Scenario) -> tuple[np.ndarray, ...]:
    power = np.repeat(scenario.capabilities[:, None], len(scenario.issues), axis=1)
    scales = np.array([issue.scale for issue in scenario.issues])
    return scenario.positions, scenario.saliences / 100.0, power, scales


def ours(data: tuple[np.ndarray, ...], arithmetic: str, rounds: int) -> tuple[float, exchange.ExchangeRun]:
    start = time.process_time()
    run = exchange.simulate(*data, rounds=rounds, arithmetic=arithmetic)
    return time.process_time() - start, run


def synthetic(n: int = 50, d: int = 20, seed: int = 50) -> Scenario:
    rng = np.random.default_rng(seed)
    return Scenario(
        name="synthetic",
        actors=tuple(Actor(f"a{k}") for k in range(n)),
        issues=tuple(Issue(f"i{k}") for k in range(d)),
        capabilities=np.round(rng.uniform(0.1, 1, n), 2),
        positions=np.round(rng.uniform(0, 100, (n, d)), 1),
        saliences=np.round(rng.uniform(5, 100, (n, d)), 0),
    )


def spread(values: list[float]) -> str:
    return f"{min(values):7.3f} {statistics.median(values):7.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--synthetic-rounds", type=int, default=1)
    parser.add_argument("--no-synthetic-peer", action="store_true", help="skip decide on the synthetic case")
    args = parser.parse_args()
    with _peers.decide_python() as python, tempfile.TemporaryDirectory() as folder:
        for mode, case in (("float", "sample_data"), ("reference", "cop21")):
            start = time.perf_counter()
            ours(arrays(ktokovo.load(CASES[case])), mode, 1)
            print(
                f"ktokovo {mode} mode, first call in this process (loads or compiles the kernel): "
                f"{time.perf_counter() - start:.2f} s wall"
            )
        print()
        print("CPU seconds, min and median of", args.repeats, "alternated repeats; ratio = decide / ktokovo")
        print(
            f"{'case':12} {'decide loop':>15} {'ktokovo exact':>15} {'ktokovo float':>15} "
            f"{'exact ratio':>13} {'float ratio':>13}  agreement with decide"
        )
        for case, path in CASES.items():
            scenario = ktokovo.load(path)
            data = arrays(scenario)
            times: dict[str, list[float]] = {"decide": [], "reference": [], "float": []}
            for _ in range(args.repeats):
                cpu, nbs = _peers.decide_loop(python, path, 10)
                times["decide"].append(cpu)
                for mode in ("reference", "float"):
                    cpu, run = ours(data, mode, 10)
                    times[mode].append(cpu)
                    if mode == "reference":
                        exact = run
                    else:
                        fast = run
            names = scenario.issue_names
            gap = max(abs(nbs[name] - value) for name, value in zip(names, exact.forecast[-1], strict=True))
            decide_median = statistics.median(times["decide"])
            ratio = {
                m: f"{min(times['decide']) / min(times[m]):5.1f} {decide_median / statistics.median(times[m]):5.1f}"
                for m in ("reference", "float")
            }
            print(
                f"{case:12} {spread(times['decide']):>15} {spread(times['reference']):>15} "
                f"{spread(times['float']):>15} {ratio['reference']:>13} {ratio['float']:>13}  "
                f"exact mode's final forecasts within {gap:.1e}"
            )
            drift = np.abs(fast.forecast - exact.forecast)
            first = next((k for k in range(len(drift)) if drift[k].max() > 1e-4), None)
            said = "none" if first is None else f"at most {drift.max():.1f} points, from round {first}"
            print(f"{'':12} float mode's drift from the exact mode's forecasts: {said}")
        scenario = synthetic()
        data = arrays(scenario)
        rounds = args.synthetic_rounds
        line = f"\nsynthetic 50 actors x 20 issues, {rounds} round(s):"
        for mode in ("float", "reference"):
            cpu, run = ours(data, mode, rounds)
            line += f" ktokovo {mode} {cpu / rounds:.2f} s a round;"
        line += f" {run.candidates[0]} candidates, {len(run.exchanges[0])} exchanges in round 1"
        if not args.no_synthetic_peer:
            file = Path(folder) / "synthetic.txt"
            file.write_text(write_decide(scenario))
            cpu, _ = _peers.decide_loop(python, file, rounds)
            line += f"; decide {cpu / rounds:.2f} s a round"
        print(line)


if __name__ == "__main__":
    main()
