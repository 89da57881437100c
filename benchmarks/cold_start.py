"""Cold start of ``ktokovo forecast`` (the flagship, every model) against ``python -c "import numpy, pandas"``,
both measured here in fresh processes, best of several runs. ``forecast`` records its run in the run store
(``$KTOKOVO_DB``, here a throwaway file); ``--no-store`` shows the cost of that.

    python benchmarks/cold_start.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def best(command: list[str], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    print(f"ktokovo forecast:                 {forecast:.3f} s  ({forecast / baseline:.2f}x; goal <= 2x)")
    print(f"ktokovo forecast --no-store:      {unstored:.3f} s  ({unstored / baseline:.2f}x)")
    print(f"ktokovo forecast --json:          {as_json:.3f} s  ({as_json / baseline:.2f}x)")


if __name__ == "__main__":
    main()
