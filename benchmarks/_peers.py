"""Peers installed for a benchmark run: each in a throwaway virtual environment, removed when the run ends.

A benchmark that cannot install its peer says so and stops: it never falls back to a number measured
elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).parent

# decide-exchange-model 2025.3.1 declares Python >= 3.12 but runs on 3.11; contourpy 1.4 (through matplotlib)
# needs 3.12 too.
DECIDE = ["decide-exchange-model==2025.3.1", "contourpy<1.4"]


@contextmanager
def decide_python() -> Iterator[Path]:
    """The python of a fresh virtual environment with decide-exchange-model installed."""
    with tempfile.TemporaryDirectory(prefix="ktokovo-peer-") as folder:
        print("installing decide-exchange-model in a throwaway virtual environment ...", flush=True)
        venv.create(folder, with_pip=True)
        python = Path(folder) / "bin" / "python"
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--ignore-requires-python", *DECIDE],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            sys.exit(f"cannot install {' '.join(DECIDE)}, so there is no baseline and no figure:\n{tail}")
        yield python


def decide_loop(python: Path, input_file: Path, rounds: int) -> tuple[float, dict[str, float]]:
    """CPU seconds of decide's model loop over ``rounds`` rounds, and its final weighted means by issue."""
    done = subprocess.run(
        [str(python), str(HERE / "peers" / "decide_loop.py"), str(input_file), str(rounds)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"decide-exchange-model failed on {input_file}:\n{done.stderr[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return float(out["cpu"]), {str(k): float(v) for k, v in out["nbs"].items()}
