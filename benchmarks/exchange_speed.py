"""How fast is ktokovo's exchange model (equal gain)?

Whole runs of 10 rounds on decide's sample_data and CoP21, in the exact ``reference`` mode (28-digit decimal)
and the ``float`` mode, with the float mode's drift from the reference forecasts; and rounds of a synthetic
50 actors x 20 issues case. Against:

* measured here: a straightforward version of the model's inner step, evaluating every round-1 candidate with
  the weighted mean summed afresh over a copy of the positions for every evaluation (as the package does),
  checked to give the same gains;
* reported for scale in EXCHANGE_SPEC.md §9 (not measured here): the package's own model loop takes
  24.4–29.0 s on CoP21 and 1.6–2.4 s on sample_data (10 rounds, same kind of machine).

    python benchmarks/exchange_speed.py [--synthetic-rounds 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

import ktokovo
from ktokovo.models import exchange

DATA = Path(__file__).parents[1] / "tests" / "data"
PACKAGE_SECONDS = {"sample_data": (1.6, 2.4), "cop21": (24.4, 29.0)}


class _Straightforward(exchange._Round):
    """The inner step without ktokovo's running sums: every weighted mean summed afresh from a copy."""

    def weighted_sum(self, issue: int, placed: dict[int, Any]) -> Any:
        positions = dict(self.x)
        for actor, value in placed.items():
            positions[actor, issue] = value
        total: Any = 0
        for a in self.members[issue]:
            total = total + ((positions[a, issue] * self.s[a, issue]) * self.c[a, issue])
        return total


def inputs(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    scenario = ktokovo.load(path)
    power = np.repeat(scenario.capabilities[:, None], len(scenario.issues), axis=1)
    scales = np.array([issue.scale for issue in scenario.issues])
    return scenario.positions, scenario.saliences / 100.0, power, scales


def inner_step(positions, salience, power, scales) -> tuple[float, float]:
    """Time to build and evaluate every round-1 candidate: ktokovo, then the straightforward version."""
    import decimal

    times, gains = [], []
    for kind in (exchange._Round, _Straightforward):
        with decimal.localcontext(exchange._CONTEXT):
            num = exchange._number("reference")
            n_actors, n_issues = positions.shape
            x, s, c, members = {}, {}, {}, [[] for _ in range(n_issues)]
            for j in range(n_issues):
                lower, upper = num(scales[j, 0]), num(scales[j, 1])
                step = 100 / (upper - lower)
                for a in range(n_actors):
                    if not np.isnan(positions[a, j]):
                        x[a, j] = (num(positions[a, j]) - lower) * step
                        s[a, j], c[a, j] = num(salience[a, j]), num(power[a, j])
                        members[j].append(a)
            denominators = []
            for j in range(n_issues):
                total: Any = 0
                for a in members[j]:
                    total = total + (s[a, j] * c[a, j])
                denominators.append(total)
            start = time.perf_counter()
            pool = kind(x, s, c, members, denominators).candidates(n_actors, n_issues)
            times.append(time.perf_counter() - start)
            gains.append([e.gain for e in pool])
    assert gains[0] == gains[1], "the straightforward inner step disagrees"
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"{'case':12} {'mode':10} {'10 rounds':>10} {'package (reported)':>22} {'drift from reference':>22}")
    for case, file in (("sample_data", "decide_sample_data.txt"), ("cop21", "decide_cop21.csv")):
        data = inputs(DATA / file)
        runs = {}
        for mode in ("reference", "float"):
            start = time.perf_counter()
            runs[mode] = exchange.simulate(*data, rounds=10, arithmetic=mode)
            seconds = time.perf_counter() - start
            low, high = PACKAGE_SECONDS[case]
            drift = np.abs(runs[mode].forecast - runs["reference"].forecast)
            first = next((k for k in range(11) if drift[k].max() > 1e-4), None)
            said = "none" if first is None else f"max {drift.max():.2f}, from round {first}"
            print(f"{case:12} {mode:10} {seconds:9.2f}s {low / seconds:8.0f}–{high / seconds:.0f}x faster  {said:>22}")
        ours, theirs = inner_step(*data)
        print(
            f"{case:12} inner step (round-1 candidates): {ours:.3f}s vs straightforward {theirs:.3f}s "
            f"({theirs / ours:.1f}x), same gains"
        )
    rng = np.random.default_rng(50)
    n, d = 50, 20
    positions = np.round(rng.uniform(0, 100, (n, d)), 1)
    salience = np.round(rng.uniform(0.05, 1, (n, d)), 2)
    power = np.repeat(np.round(rng.uniform(0.1, 1, n), 2)[:, None], d, axis=1)
    scales = np.tile([0.0, 100.0], (d, 1))
    for mode in ("float", "reference"):
        start = time.perf_counter()
        run = exchange.simulate(positions, salience, power, scales, rounds=args.synthetic_rounds, arithmetic=mode)
        seconds = time.perf_counter() - start
        print(
            f"synthetic 50 actors x 20 issues, {mode}: {seconds / args.synthetic_rounds:.1f}s per round "
            f"({run.candidates[0]} candidates, {len(run.exchanges[0])} exchanges in round 1)"
        )


if __name__ == "__main__":
    main()
