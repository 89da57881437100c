"""Will a deal hold? The chance that a settlement survives a horizon while the parties' wishes and costs move.

A settlement z holds while every veto player still prefers it to walking away. At signing, player v's slack
is S_v(0) = W_v − L_v(z) ≥ 0 (the deal module's constraint, with the cost of the rounds it took to settle).
After it, month by month m = 1..H:

    x_vj(m) = x_vj(m − 1) + ε_vjm,   ε_vjm ~ N(0, σ_vj²)   (its wishes drift: ``drift.positions``),
    c_v(m) = c_v + τ_v m                                  (its cost of going back: ``drift.cost``),
    S_v(m) = L_v(w_v; x_v(m)) + c_v(m) − L_v(z; x_v(m)),

with σ in points of the issue's own scale per month (mapped to 0–100) and positions kept on 0–100. The deal
breaks in the first month some S_v(m) < 0, and that player is the one who walks away. The probability that
it holds for m months is the share of simulated paths unbroken at m, one path per settled draw of the
inputs (so a draw's own limits and package start its path). With no drift and no trend every deal holds.

This is a reduced form of the commitment problem in settlements (Fearon 1995, "Rationalist explanations for
war", *International Organization* 49(3), on shifting power; Powell 2006, "War as a commitment problem",
*International Organization* 60(1)): a deal lasts while each side's value of the deal stays above its
value of reneging, and breaks when a shift makes reneging worth more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ktokovo.analysis.deal import Stacked
from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Scenario


@dataclass(frozen=True)
class Durability:
    """``survival`` (H + 1,): the share of settled paths whose deal still holds after m = 0..H months;
    ``breakers``: per veto player, the share of paths in which it walks away first; ``paths``: how many
    settled draws were followed."""

    horizon: int
    survival: np.ndarray
    breakers: dict[str, float]
    paths: int

    @property
    def holds(self) -> float:
        """The probability that a deal, once made, still holds at the horizon."""
        return float(self.survival[-1])


def durability(
    scenario: Scenario,
    rules: Stacked,
    packages: np.ndarray,
    settled_round: np.ndarray,
    horizon: int = 12,
    seed: int = 0,
) -> Durability:
    """Follow each settled draw's package (``packages`` (K, n) on 0–100, NaN rows where no deal;
    ``settled_round`` (K,): the round it settled in, −1 for none) for ``horizon`` months, the veto players'
    constraints in ``rules`` (the same draws)."""
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 0 <= horizon <= 600:
        raise ParameterError(f"the horizon must be a whole number of months from 0 to 600, not {horizon!r}")
    done = np.flatnonzero(settled_round >= 0)
    names = [v.actor for v in scenario.vetoes]
    survival = np.ones(horizon + 1)
    if len(done) == 0:
        return Durability(horizon, survival, dict.fromkeys(names, 0.0), 0)
    n = len(scenario.issues)
    sd = np.zeros((len(names), n))
    trend = np.array([v.cost_trend for v in scenario.vetoes])
    delay = np.array([v.delay for v in scenario.vetoes])
    for v, veto in enumerate(scenario.vetoes):
        for name, value in veto.drift:
            j = scenario.issue_names.index(name)
            low, high = scenario.issues[j].scale
            sd[v, j] = value * 100.0 / abs(high - low)
    weights, ideals = rules.weights[done], rules.ideals[done]
    away, allowance = rules.away[done], rules.allowance[done]
    z = packages[done]
    live = np.isfinite(allowance)
    # The cost of no deal at signing: the allowance less the loss at the walk-away point, plus the rounds'
    # cost of delay (the constraint under which the package was accepted).
    cost = np.where(live, allowance - np.einsum("kvn,kvn->kv", weights, np.abs(away - ideals)), 0.0)
    cost = cost + settled_round[done, None] * delay[None, :]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x6475,)))
    position = ideals.copy()
    broken = np.zeros(len(done), dtype=bool)
    first = np.full(len(done), -1)
    for month in range(1, horizon + 1):
        position = np.clip(position + rng.standard_normal(position.shape) * sd[None, :, :], 0.0, 100.0)
        slack = (
            np.einsum("kvn,kvn->kv", weights, np.abs(away - position))
            + cost
            + trend[None, :] * month
            - np.einsum("kvn,kvn->kv", weights, np.abs(z[:, None, :] - position))
        )
        slack = np.where(live, slack, np.inf)
        breaks = ~broken & np.any(slack < -1e-9, axis=1)
        first[breaks] = np.argmin(slack[breaks], axis=1)
        broken |= breaks
        survival[month] = 1.0 - broken.mean()
    breakers = {name: float(np.mean(first == v)) for v, name in enumerate(names)}
    return Durability(horizon, survival, breakers, len(done))
