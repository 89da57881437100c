"""The compiled kernels say when they compile, and only then (numba's on-disk cache serves later processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ktokovo.cli import _common
from ktokovo.models import _compile_notice

SCRIPT = """
import numpy as np
from ktokovo.models import _compile_notice
_compile_notice.on_compile(lambda message: print("NOTICE:", message))
from ktokovo.models._support_numba import support_matrix
x = np.array([0.0, 40.0, 100.0])
print(support_matrix(x, np.abs(x[:, None] - x[None, :]) / 100.0, np.ones(3)).sum())
"""


def test_the_notice_comes_with_a_compilation_and_not_with_a_cache_load(tmp_path: Path) -> None:
    """Two processes with the same empty numba cache: the first compiles (and says so), the second loads the
    kernel from the cache (and says nothing); both compute the same sums. By hand, for voters at 0, 40 and 100
    with utilities |x_k − x_p| / 100 and weight 1, Σ_ab N[a, b] is each voter's sum of its utility gaps over
    the three pairs: 0.4 + 1 + 0.6, 0.4 + 0.2 + 0.6 and 0.4 + 1 + 0.6, so 5.2."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    outputs = [
        subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    ]
    assert outputs[0].startswith(f"NOTICE: {_compile_notice.MESSAGE}\n")
    assert "NOTICE" not in outputs[1]
    assert outputs[0].splitlines()[-1] == outputs[1].splitlines()[-1]
    assert abs(float(outputs[1].splitlines()[-1]) - 5.2) < 1e-12
    assert any(tmp_path.rglob("*.nbi"))  # the cache is where NUMBA_CACHE_DIR says


def test_every_command_shows_the_notice_on_stderr() -> None:
    _compile_notice.on_compile(None)
    _common._note_start()  # the app's callback, run before every command
    assert _compile_notice._state["notice"] is not None
