"""Cold start of ``ktokovo forecast`` (the flagship, every model) against ``python -c "import numpy, pandas"``,
both measured here in fresh processes, best of several runs.

    python benchmarks/cold_start.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time


def best(command: list[str], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ktokovo = shutil.which("ktokovo") or sys.exit("install ktokovo first: python3 -m pip install .")
    baseline = best([sys.executable, "-c", "import numpy, pandas"])
    forecast = best([ktokovo, "forecast"])
    as_json = best([ktokovo, "forecast", "--json"])
    print(f"python -c 'import numpy, pandas': {baseline:.3f} s")
    print(f"ktokovo forecast:                 {forecast:.3f} s  ({forecast / baseline:.2f}x; goal <= 2x)")
    print(f"ktokovo forecast --json:          {as_json:.3f} s  ({as_json / baseline:.2f}x)")


if __name__ == "__main__":
    main()
