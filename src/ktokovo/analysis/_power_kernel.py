"""The counting behind :mod:`ktokovo.analysis.power`: for every player i and size s, how many coalitions S of
the other players with |S| = s lose without i and win with it (i swings in S).

Two exact methods:

- generating functions (Brams & Affuso 1976; Bilbao et al. 2002) when the rule is one clause of at most two
  criteria with whole-number weights (weighted votes, majority, unanimity, the Nice and pre-Nice qualified
  majorities): the number of coalitions of the others by (first criterion's total, second criterion's
  total, size), built player by player; polynomial in the weights;
- enumeration of all 2^n coalitions otherwise (Lisbon's double majority, with populations): a table of
  which coalitions win, filled in Gray-code order, then each player's swings read from it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


def counts_by_weight(game: Any) -> bool:
    """Whether the game's swings are counted by generating functions (one clause, at most two criteria, whole
    weights) rather than by enumerating its coalitions."""
    weights = game.weights
    whole = bool(np.all(weights == np.round(weights)) and np.all(weights >= 0))
    return bool(int(game.clauses.max()) == 0 and len(weights) <= 2 and whole)


def swings_by_size(game: Any) -> np.ndarray:
    """(n, n) int64: entry [i, s] counts the coalitions of size s of the others in which player i swings."""
    weights, quotas, clauses = game.weights, game.quotas, game.clauses
    if counts_by_weight(game):
        rows = np.vstack([weights, np.zeros((2 - len(weights), weights.shape[1]))]).astype(np.int64)
        needs = np.concatenate([quotas, np.zeros(2 - len(quotas))])
        return _by_generating_functions(rows, np.ceil(needs - 1e-9).astype(np.int64))
    n_clauses = int(clauses.max()) + 1
    return _by_enumeration(weights.astype(np.float64), quotas.astype(np.float64), clauses.astype(np.int64), n_clauses)


@njit(cache=True)
def _by_generating_functions(weights: np.ndarray, needs: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    n = weights.shape[1]
    top_a = weights[0].sum()
    top_b = weights[1].sum()
    out = np.zeros((n, n), dtype=np.int64)
    for i in range(n):
        # count[a, b, s]: coalitions of the players other than i with totals a, b and size s.
        count = np.zeros((top_a + 1, top_b + 1, n), dtype=np.int64)
        count[0, 0, 0] = 1
        used_a = 0
        used_b = 0
        size = 0
        for j in range(n):
            if j == i:
                continue
            wa, wb = weights[0, j], weights[1, j]
            for a in range(used_a, -1, -1):
                for b in range(used_b, -1, -1):
                    for s in range(size, -1, -1):
                        c = count[a, b, s]
                        if c:
                            count[a + wa, b + wb, s + 1] += c
            used_a += wa
            used_b += wb
            size += 1
        wa, wb = weights[0, i], weights[1, i]
        for a in range(used_a + 1):
            for b in range(used_b + 1):
                loses = a < needs[0] or b < needs[1]
                wins = a + wa >= needs[0] and b + wb >= needs[1]
                if loses and wins:
                    for s in range(n):
                        out[i, s] += count[a, b, s]
    return out


@njit(cache=True)
def _by_enumeration(
    weights: np.ndarray, quotas: np.ndarray, clauses: np.ndarray, n_clauses: int
) -> np.ndarray:  # pragma: no cover - compiled
    m, n = weights.shape
    total = 1 << n
    win = np.zeros(total, dtype=np.uint8)
    sums = np.zeros(m)
    # Gray code: coalition g(k) = k ^ (k >> 1) differs from g(k - 1) in the lowest set bit of k.
    for k in range(total):
        g = k ^ (k >> 1)
        if k > 0:
            bit = 0
            while not (k >> bit) & 1:
                bit += 1
            sign = 1.0 if (g >> bit) & 1 else -1.0
            for c in range(m):
                sums[c] += sign * weights[c, bit]
        for clause in range(n_clauses):
            met = True
            for c in range(m):
                if clauses[c] == clause and sums[c] < quotas[c] - 1e-9 * max(1.0, abs(quotas[c])):
                    met = False
                    break
            if met:
                win[g] = 1
                break
    bits = np.zeros(1 << 16, dtype=np.int64)
    for v in range(1 << 16):
        bits[v] = bits[v >> 1] + (v & 1)
    out = np.zeros((n, n), dtype=np.int64)
    for i in range(n):
        low = 1 << i
        for high in range(1 << (n - 1 - i)):
            base = high << (i + 1)
            for part in range(low):
                s = base | part
                if win[s | low] and not win[s]:
                    out[i, bits[s & 0xFFFF] + bits[s >> 16]] += 1
    return out
