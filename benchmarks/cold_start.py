"""Cold start, measured here in fresh processes (best of several runs).

1. ``ktokovo forecast`` (the flagship, every model) against ``python -c "import numpy, pandas"``. ``forecast``
   records its run in the run store (``$KTOKOVO_DB``, here a throwaway file); ``--no-store`` shows the cost of
   that.
2. Compiling once per machine: ``ktokovo compare`` (every model) with an empty numba cache (``NUMBA_CACHE_DIR``,
   a throwaway folder: the kernels compile, and the command says so), then again in a new process (the
   kernels load from that cache), against the same comparison run warm in one process (the baseline: nothing
   left to compile, load or import). The new process's own time to run the comparison (imports and
   interpreter start excluded) is given too. On the flagship (4 actors in SMP, below smp.COMPILE_FROM: the
   kernels run as plain Python and numba is never imported) and on KTAB's dummyData-a040 (40 actors: SMP
   compiled).

    python benchmarks/cold_start.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IN_PROCESS = """
import json, sys, time
CASE = sys.argv[1]
t0 = time.perf_counter()
import ktokovo
from ktokovo.application.compare import compare
scenario = ktokovo.load(CASE)
t1 = time.perf_counter()
compare(scenario)
t2 = time.perf_counter()
compare(scenario)
t3 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "first": t2 - t1, "warm": t3 - t2}))
"""


def best(command: list[str], repeats: int = 7, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    os.environ["KTOKOVO_DB"] = str(Path(tempfile.mkdtemp()) / "runs.sqlite")
    ktokovo = shutil.which("ktokovo") or sys.exit("install ktokovo first: python3 -m pip install .")
    baseline = best([sys.executable, "-c", "import numpy, pandas"])
    forecast = best([ktokovo, "forecast"])
    unstored = best([ktokovo, "forecast", "--no-store"])
    as_json = best([ktokovo, "forecast", "--json"])
    print(f"python -c 'import numpy, pandas': {baseline:.3f} s")
    print(f"ktokovo forecast:                 {forecast:.3f} s  ({forecast / baseline:.2f}x)")
    print(f"ktokovo forecast --no-store:      {unstored:.3f} s  ({unstored / baseline:.2f}x)")
    print(f"ktokovo forecast --json:          {as_json:.3f} s  ({as_json / baseline:.2f}x)")

    for case in ("ukraine-2025", str(Path(__file__).parents[1] / "tests" / "data" / "dummyData-a040.csv")):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            command = [ktokovo, "compare", case, "--no-store"]
            start = time.perf_counter()
            first = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            cold = time.perf_counter() - start
            said = "compiling the models, first run only" in first.stderr
            again = best(command, repeats=3, env=env)
            script = [sys.executable, "-c", IN_PROCESS, case]
            inner = [
                json.loads(subprocess.run(script, env=env, capture_output=True, text=True, check=True).stdout)
                for _ in range(3)
            ]
        warm = min(r["warm"] for r in inner)
        fresh = min(r["first"] for r in inner)
        print(f"\nktokovo compare {Path(case).name}")
        print(f"  empty numba cache: {cold:.2f} s (said it was compiling: {said})")
        print(f"  new process, cache warm: {again:.2f} s ({again / warm:.1f}x the warm in-process run)")
        print(
            f"  of which the comparison itself (first in its process): {fresh:.2f} s ({fresh / warm:.1f}x); "
            f"imports {min(r['imports'] for r in inner):.2f} s"
        )
        print(f"  warm in one process (baseline): {warm:.3f} s")


if __name__ == "__main__":
    main()
