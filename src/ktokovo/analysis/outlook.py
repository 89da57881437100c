"""The forecast that counts "no deal": will they settle, where each issue ends up either way, and whether a
deal would hold.

Each draw k of the inputs (the draws of forecast intervals) is bargained over (:mod:`.bargaining`) with the
proposer recognised in draw k (the scenario's, or the veto players in turn: draw k gets the (k mod R)-th of
R), and either settles or not. Issue j then ends up at

    Y_kj = z_kj   if draw k settles (z_k: the package accepted in draw k, on the issue's own scale),
    Y_kj = N_kj   otherwise (N: ``talks.no_deal`` where the scenario says where the issue drifts without a
                  deal, else the drawn status quo),

so the Y_k are draws of the mixture P·(settlement) + (1 − P)·(no deal), P the share that settles. Its mean
is the expected outcome, its quantiles the median and the 80% and 95% intervals. The settlement is the
bargained package, which every veto player accepts in that draw; the models' forecasts stay what they were,
where the talks land if they settle by the models' own logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ktokovo.analysis import bargaining
from ktokovo.analysis.deal import Stacked, probability_dict, problem, stacked, wilson
from ktokovo.analysis.durability import Durability, durability
from ktokovo.analysis.uncertainty import Draws, draw_inputs
from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Scenario


@dataclass(frozen=True)
class Outlook:
    """``probability``: the share of draws that settle (each with its recognised proposer) and its 95% Wilson
    interval; ``by_round``: P(deal by round t); ``complete_information``: the share of draws with a zone (its
    upper bound); ``proposers``: each proposer's own rounds; ``outcomes`` (K, n): the mixture's draws on each
    issue's own scale (NaN on an issue with neither a no-deal outcome nor a status quo); ``no_deal_points``
    (K, n): where each issue ends up without a deal; ``settlement``: the
    expected package if they settle (own scale), None if no draw settles; ``durability``: whether that deal
    holds."""

    scenario: Scenario
    probability: tuple[float, float, float]
    by_round: tuple[float, ...]
    complete_information: float
    proposers: tuple[bargaining.Bargaining, ...]
    outcomes: np.ndarray
    no_deal_points: np.ndarray
    settlement: np.ndarray | None
    durability: Durability
    draws: int

    def issue_rows(self) -> list[dict[str, Any]]:
        """Per issue: the expected outcome, the median, the 80% and 95% intervals (own scale) and the words of
        the labelled point nearest the expected outcome; None values where the issue has no no-deal outcome."""
        rows: list[dict[str, Any]] = []
        for j, issue in enumerate(self.scenario.issues):
            values = self.outcomes[:, j]
            if np.isnan(values).any():
                rows.append({"issue": issue.name, "expected": None, "reason": "no status quo or no_deal outcome"})
                continue
            q = np.quantile(values, [0.025, 0.1, 0.5, 0.9, 0.975])
            mean = float(values.mean())
            rows.append(
                {
                    "issue": issue.name,
                    "expected": mean,
                    "median": float(q[2]),
                    "low80": float(q[1]),
                    "high80": float(q[3]),
                    "low95": float(q[0]),
                    "high95": float(q[4]),
                    "nearest": issue.nearest_label(mean),
                    "no_deal": float(np.median(self.no_deal_points[:, j])),
                    "settlement": None if self.settlement is None else float(self.settlement[j]),
                }
            )
        return rows

    def lead(self) -> str:
        """The probability of a deal in one sentence, as the CLI and the report print it."""
        share, low, high = self.probability
        rounds = "; ".join(f"by round {t + 1}: {p:.0%}" for t, p in enumerate(self.by_round))
        return (
            f"Probability of a deal: {share:.0%} (95% interval {low:.0%}–{high:.0%}, {self.draws} draws; {rounds}). "
            f"{', '.join(b.proposer for b in self.proposers)} making the offers without knowing the others' "
            f"limits; if the offers were made knowing them, {self.complete_information:.0%}."
        )

    def holds(self) -> str:
        """Whether a deal would hold, in one sentence."""
        held = self.durability
        if not held.paths:
            return "No draw settles, so there is no deal to follow."
        first = max(held.breakers, key=lambda k: held.breakers[k])
        walks = f"; {first} walks away first most often." if held.breakers[first] > 0 else "."
        return f"{held.holds:.0%} of the deals made still hold after {held.horizon} months{walks}"

    def to_dict(self) -> dict[str, Any]:
        names = self.scenario.issue_names
        return {
            "draws": self.draws,
            "probability": probability_dict(self.probability, self.draws),
            "by_round": list(self.by_round),
            "complete_information": self.complete_information,
            "proposers": [
                {
                    "proposer": b.proposer,
                    "probability": b.probability,
                    "by_round": [o.settled for o in b.offers],
                    "offers": [
                        None if o.package is None else dict(zip(names, map(float, self._own(o.package)), strict=True))
                        for o in b.offers
                    ],
                    "belief": b.belief,
                    "proven": b.proven,
                }
                for b in self.proposers
            ],
            "issues": self.issue_rows(),
            "settlement": None
            if self.settlement is None
            else dict(zip(names, map(float, self.settlement), strict=True)),
            "durability": {
                "horizon_months": self.durability.horizon,
                "holds": self.durability.holds,
                "survival": [float(x) for x in self.durability.survival],
                "breakers": self.durability.breakers,
                "paths": self.durability.paths,
            },
        }

    def _own(self, unit: np.ndarray) -> np.ndarray:
        return np.array([float(i.from_unit(v)) for i, v in zip(self.scenario.issues, unit, strict=True)])


def no_deal_points(scenario: Scenario, draws: Draws) -> np.ndarray:
    """(K, n) where each issue ends up without a deal, on its own scale: ``talks.no_deal``, else the drawn
    status quo, else NaN."""
    given = dict(scenario.talks.no_deal)
    out = np.empty((len(draws.indices), len(scenario.issues)))
    for j, issue in enumerate(scenario.issues):
        if issue.name in given:
            out[:, j] = given[issue.name]
        else:
            out[:, j] = issue.from_unit(draws.status_quo[:, j])
    return out


def outlook(
    scenario: Scenario,
    samples: int,
    seed: int = 0,
    *,
    horizon: int = 12,
    belief: int | None = bargaining.BELIEF,
) -> Outlook:
    """The outlook over ``samples`` draws of the inputs, drawn with ``seed`` as for forecast intervals."""
    k_draws = samples
    if isinstance(k_draws, bool) or not isinstance(k_draws, int) or k_draws < 1:
        raise ParameterError("the forecast that counts no deal needs draws of the inputs (samples >= 1)")
    names = bargaining.proposers(scenario)
    draws = draw_inputs(scenario, np.arange(k_draws), seed)
    rules = stacked(scenario, draws)
    n = len(scenario.issues)
    settled = np.full(k_draws, -1)
    packages = np.full((k_draws, n), np.nan)
    runs = []
    for r, name in enumerate(names):
        mine = np.arange(r, k_draws, len(names))
        if len(mine) == 0:
            continue
        types, offering = bargaining.types_of_rules(scenario, name, rules, mine)
        result = bargaining.screen(types, offering, scenario.talks.rounds, belief)
        runs.append(result)
        settled[mine], packages[mine] = result.settled, result.packages
    done = settled >= 0
    by_round = tuple(float(np.mean(done & (settled <= t))) for t in range(scenario.talks.rounds))
    upper = sum(b.complete_information * b.draws for b in runs) / k_draws
    none = no_deal_points(scenario, draws)
    own = np.empty_like(packages)
    for j, issue in enumerate(scenario.issues):
        own[:, j] = issue.from_unit(packages[:, j])
    outcomes = np.where(done[:, None], own, none)
    settlement = own[done].mean(axis=0) if done.any() else None
    held = durability(scenario, _proposers_known(scenario, rules, names, k_draws), packages, settled, horizon, seed)
    return Outlook(
        scenario,
        wilson(float(done.mean()), k_draws),
        by_round,
        upper,
        tuple(runs),
        outcomes,
        none,
        settlement,
        held,
        k_draws,
    )


def _proposers_known(scenario: Scenario, rules: Stacked, names: list[str], k_draws: int) -> Stacked:
    """``rules`` with each draw's proposer (a veto player) at its estimates, as it bargained: it knows itself,
    so its own slack at signing is what it weighed."""
    known = problem(scenario)
    weights, ideals, allowance, away = (a.copy() for a in (rules.weights, rules.ideals, rules.allowance, rules.away))
    order = [v.actor for v in scenario.vetoes]
    for r, name in enumerate(names):
        if name not in known.players:
            continue
        v, row = order.index(name), known.players.index(name)
        mine = np.arange(r, k_draws, len(names))
        weights[mine, v], ideals[mine, v], allowance[mine, v] = (
            known.weights[row],
            known.ideals[row],
            known.allowance[row],
        )
        away[mine, v] = known.away[row]  # type: ignore[index]
    return Stacked(weights, ideals, allowance, away)
