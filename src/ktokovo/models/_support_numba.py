"""The O(n³) vote-support kernel of the BDM model, compiled with numba for large cases.

Imported only when a case is large enough to pay for numba's import (see ``bdm.NUMPY_LIMIT``).
Each output row is summed by one thread in a fixed voter order, so results do not depend on the
number of threads.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(parallel=True, cache=True)
def support_matrix(utility: np.ndarray, weight: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """N[a, b] = Σ_k weight[k] · max(0, utility[k, b] − utility[k, a]).

    utility : (n_voters, n_positions), each voter's (normalised distance)^exponent to each position.
    """
    n_voters, n = utility.shape
    out = np.zeros((n, n))
    for a in numba.prange(n):
        row = out[a]
        for k in range(n_voters):
            wk = weight[k]
            if wk == 0.0:
                continue
            base = utility[k, a]
            for b in range(n):
                vote = utility[k, b] - base
                if vote > 0.0:
                    row[b] += wk * vote
    return out
