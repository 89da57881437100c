"""How fast is the probability of a deal? The flagship's share of draws with a zone of agreement, computed by
``deal_probability`` (packages found in one draw checked against the rest at once; chunks on an executor)
against the baseline measured in the same run: one linear program per draw (``has_zone`` on each draw's
constraints), checked to give the same answer. Then the same with two worker processes, and the time of the
rounds of offers when nobody knows the others' limits (the flagship's own talks). Last, the whole sampled
forecast (what ``ktokovo forecast --samples N`` computes) on the flagship against the same scenario without
its veto players, both measured here (wall seconds, best of the repeats, alternated), in one process and on
two worker processes: the cost of the deal lead and the forecast that counts no deal.

    python benchmarks/deal_speed.py [--draws 1000] [--seed 0] [--forecast-samples 10000] [--repeats 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import ktokovo
from ktokovo.analysis.deal import deal_probability, has_zone, problem
from ktokovo.analysis.outlook import outlook
from ktokovo.analysis.uncertainty import draw_inputs
from ktokovo.application.forecast import forecast
from ktokovo.core.scenario import Talks, Veto


def baseline(scenario: ktokovo.Scenario, draws: int, seed: int) -> tuple[float, float]:
    """One linear program per draw, as the probability was computed before: (share, seconds)."""
    start = time.perf_counter()
    inputs = draw_inputs(scenario, np.arange(draws), seed)
    hits = [has_zone(problem(scenario, **inputs.problem_inputs(k))) for k in range(draws)]
    return float(np.mean(hits)), time.perf_counter() - start


def timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--forecast-samples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    flagship = ktokovo.load("ukraine-2025")
    # A case where about half the draws have no zone (so most draws need their own program): two veto
    # players on one issue whose drawn walk-aways meet only sometimes.
    harder = ktokovo.Scenario(
        name="half",
        actors=(ktokovo.Actor("A"), ktokovo.Actor("B")),
        issues=(ktokovo.Issue("x", status_quo=50.0),),
        capabilities=np.ones(2),
        positions=np.array([[0.0], [100.0]]),
        saliences=np.full((2, 1), 50.0),
        vetoes=(
            Veto("A", walk_away=(("x", 45.0),), walk_away_ranges=(("x", 25.0, 65.0),)),
            Veto("B", walk_away=(("x", 55.0),), walk_away_ranges=(("x", 35.0, 75.0),)),
        ),
    )
    deal_probability(flagship, 10, args.seed)  # imports and first calls outside the timing
    print(f"probability of a deal with complete information, {args.draws} draws, seed {args.seed}")
    for name, scenario in (("flagship", flagship), ("two players, half the draws without a zone", harder)):
        (share, _, _), fast = timed(deal_probability, scenario, args.draws, args.seed)
        slow_share, slow = baseline(scenario, args.draws, args.seed)
        assert share == slow_share, (share, slow_share)
        with ProcessPoolExecutor(max_workers=2) as pool:
            pool.submit(int).result()  # start the workers outside the timing
            (two, _, _), parallel = timed(deal_probability, scenario, args.draws, args.seed, executor=pool)
        assert two == share
        print(
            f"  {name}: share {share:.3f}; one program per draw {slow:.2f} s; ktokovo {fast:.2f} s "
            f"({slow / fast:.1f}x); 2 workers {parallel:.2f} s ({slow / parallel:.1f}x)"
        )
    ahead, seconds = timed(outlook, flagship, args.draws, args.seed)
    print(
        f"rounds of offers when nobody knows the others' limits (flagship, {flagship.talks.rounds} rounds, "
        f"{args.draws} draws): probability {ahead.probability[0]:.3f} in {seconds:.2f} s"
    )
    without = dataclasses.replace(flagship, vetoes=(), talks=Talks())
    samples = args.forecast_samples
    print(f"forecast --samples {samples}, flagship with and without its veto players (wall s, best of {args.repeats})")
    for workers in (1, 2):
        pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
        if pool is not None:
            pool.submit(int).result()
        times: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(args.repeats):
            for key, scenario in (("with", flagship), ("without", without)):
                _, seconds = timed(forecast, scenario, samples=samples, seed=args.seed, executor=pool)
                times[key].append(seconds)
        if pool is not None:
            pool.shutdown()
        best = {key: min(values) for key, values in times.items()}
        print(
            f"  {workers} worker(s): with {best['with']:.2f} s, without {best['without']:.2f} s, "
            f"ratio {best['with'] / best['without']:.2f}"
        )


if __name__ == "__main__":
    main()
