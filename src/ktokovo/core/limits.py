"""The bounds on how much work one request may ask for, in one place: the CLI states them in its help, the
core and the web refuse what lies outside them with a clear message.

They are far above what a forecast needs (the flagship's models converge in under 100 rounds; 10,000 draws
give a probability to ±1 point) and far below what would exhaust a machine (10⁹ rounds of bdm on the
flagship would allocate 45 GiB for its trajectory)."""

from __future__ import annotations

import os

MAX_ROUNDS = 10_000
MAX_SAMPLES = 1_000_000
MAX_BATCH = 100_000
MAX_SEED = 2**63 - 1
MAX_BOOTSTRAP = 100_000
MAX_HORIZON = 600
"""Months a deal must hold (50 years)."""
MAX_TOP = 1_000
MAX_SOBOL = 2**16
"""Sobol base samples (each costs 2 × factors + 2 model runs)."""
MAX_LIMIT = 100_000


MAX_TABLE_ROWS = 100_000
"""Rows of a scenario table (CSV, xlsx): one per actor and issue. Real negotiations have hundreds; checking
100,000 takes about 4 s."""
MAX_CELLS = 10_000_000
"""Actors × issues of one scenario (its dense tables of positions and saliences)."""


def max_workers() -> int:
    """Local worker processes: at most one per core (more only share the same cores and the memory)."""
    return max(1, os.cpu_count() or 1)
