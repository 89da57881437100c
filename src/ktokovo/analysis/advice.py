"""Advice for one actor: which change would improve its outcome, and by how much, under each model.

The actor's outcome is its salience-weighted gain (:mod:`ktokovo.analysis.gains`): how many points (on 0–100)
nearer its own position the forecast lands than the status quo, weighted by how much it cares about each
issue. The gain is always judged by the actor's **true** positions and saliences, the scenario's. A change
of what the actor *states* is a strategy; its preferences stay what they are.

The changes tried:

- **its own position** on each issue it holds, stated anywhere on a grid of the 0–100 scale
  (``POSITION_STEP`` apart). The size of the change is the distance from its true position;
- **its own salience** on each issue, stated anywhere on a grid of 0–100 (``SALIENCE_STEP`` apart). The
  size is the difference from its true salience;
- **another actor persuaded** to move ``persuade`` points (default 10) toward the actor's position on an
  issue, or all the way if it is nearer. The size is the points moved;
- with ``power`` (the capabilities are the voting power of the scenario's ``voting:`` rule,
  :func:`ktokovo.analysis.power.as_capabilities`), **a bloc**: joining each bloc the actor is not in,
  forming a bloc of two with each voter outside every bloc, or leaving its own. A bloc changes every actor's
  voting power, so every capability changes; the size is the change in the actor's own (×100). Without
  ``power`` the models read the scenario's capabilities, which no bloc moves, so no bloc is tried.

Every candidate is one more set of inputs for the models' batched solvers, the same ones that compute the
forecast intervals (:func:`ktokovo.analysis.uncertainty.evaluate`). A model with a batched solver (mean,
median, nash, bdm) runs every candidate in one call; the others (smp, exchange, procedural) run them one by
one, in chunks on an ``executor`` when one is given (worker processes, a Dask cluster).

With veto players, :func:`no_deal` scores the best candidates once more in **the forecast that counts no deal**
(:func:`ktokovo.analysis.outlook.outlook`): the rounds of offers over draws of the inputs, each draw ending in
the agreed package or, without a deal, where the issue stays. The actor's gain is then its expected gain
over those draws, so a change that makes a deal less likely pays for it. It costs one outlook per change (a
few seconds each), so it is asked for, and scores the ``top`` candidates of the models' ranking. A changed
input is drawn with the default spread around its new value (its range described the old one).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ktokovo.analysis.gains import weighted_gains
from ktokovo.analysis.uncertainty import Draws, evaluate, rule_ranges
from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Scenario
from ktokovo.models.registry import get
from ktokovo.models.runner import resolve_parameters

CHUNKS = 8
"""How many pieces the candidates of a model without a batched solver are cut into on an executor."""
POSITION_STEP = 5.0
SALIENCE_STEP = 10.0
ADVICE_MODELS = ("mean", "median", "nash", "bdm")


@dataclass(frozen=True)
class Change:
    """One candidate: ``kind`` (position, salience, persuade, bloc), the ``issue``, the ``other`` actor
    persuaded (None for the actor's own inputs), the value ``before`` and ``after`` (on the issue's scale for
    positions, 0–100 for saliences, the actor's voting power ×100 for a bloc), and its ``size`` (points on
    0–100). A bloc change names the move in ``issue`` ("join A+B", "form B", "leave A+B") and carries the
    blocs it leads to in ``blocs``."""

    kind: str
    issue: str
    other: str | None
    before: float
    after: float
    size: float
    blocs: tuple[tuple[str, ...], ...] | None = None

    def label(self, actor: str) -> str:
        if self.kind == "persuade":
            return f"persuade {self.other} to move {self.size:g} toward {actor} on {self.issue}"
        if self.kind == "bloc":
            verb, _, whom = self.issue.partition(" ")
            what = {"join": f"join the bloc {whom}", "form": f"form a bloc with {whom}", "leave": f"leave {whom}"}
            return f"{what[verb]} (power {self.before:.1f} → {self.after:.1f})"
        return f"state {self.kind} {self.after:g} on {self.issue} (true {self.before:g})"


@dataclass(frozen=True)
class Advice:
    """``changes`` tried; ``gains`` (models, changes) the actor's salience-weighted gain under each; ``base``
    (models,) its gain as the scenario stands; ``power`` the voting-power index the capabilities are (None:
    the scenario's own)."""

    scenario: Scenario
    actor: str
    models: tuple[str, ...]
    changes: tuple[Change, ...]
    gains: np.ndarray
    base: np.ndarray
    power: str | None = None

    def best(self, model: str | None = None, top: int = 10) -> list[dict[str, Any]]:
        """The changes that improve the actor's gain most, under ``model`` (None: on average over the models),
        each with its improvement under every model. Only changes that improve it are listed."""
        improvement = self.gains - self.base[:, None]
        return [
            {
                "change": self.changes[k].label(self.actor),
                "kind": self.changes[k].kind,
                "issue": self.changes[k].issue,
                "other": self.changes[k].other,
                "before": self.changes[k].before,
                "after": self.changes[k].after,
                "size": self.changes[k].size,
                "improvement": {m: float(improvement[i, k]) for i, m in enumerate(self.models)},
                "mean_improvement": float(improvement[:, k].mean()),
            }
            for k in self.order(model, top)
        ]

    def order(self, model: str | None = None, top: int = 10) -> list[int]:
        """The indices of the ``top`` changes that improve the actor's gain most (as :meth:`best` lists them)."""
        improvement = self.gains - self.base[:, None]
        key = improvement.mean(axis=0) if model is None else improvement[self.models.index(model)]
        return [int(k) for k in np.argsort(-key, kind="stable") if key[k] > 1e-9][:top]


def _grid(step: float) -> np.ndarray:
    return np.arange(0.0, 100.0 + 1e-9, step)


def candidates(scenario: Scenario, actor: str, persuade: float = 10.0) -> list[tuple[Change, str, int, int, float]]:
    """Each candidate with how to apply it: (change, input kind, actor index, issue index, new value on 0–100)."""
    if not 0 < persuade <= 100:
        raise ParameterError(f"persuade must be more than 0 and at most 100 points, not {persuade!r}")
    a = scenario.actor_index(actor)
    unit = scenario.unit_positions()
    out: list[tuple[Change, str, int, int, float]] = []
    for j, issue in enumerate(scenario.issues):
        own = unit[a, j]
        if np.isnan(own):
            continue
        for value in _grid(POSITION_STEP):
            if abs(value - own) > 1e-9:
                before, after = float(scenario.positions[a, j]), float(issue.from_unit(value))
                out.append(
                    (Change("position", issue.name, None, before, after, abs(value - own)), "position", a, j, value)
                )
        for value in _grid(SALIENCE_STEP):
            if abs(value - scenario.saliences[a, j]) > 1e-9:
                before = float(scenario.saliences[a, j])
                out.append(
                    (Change("salience", issue.name, None, before, value, abs(value - before)), "salience", a, j, value)
                )
        for b, other in enumerate(scenario.actors):
            theirs = unit[b, j]
            if b == a or np.isnan(theirs) or abs(theirs - own) < 1e-9:
                continue
            moved = min(persuade, abs(own - theirs))
            value = theirs + np.sign(own - theirs) * moved
            change = Change(
                "persuade",
                issue.name,
                other.name,
                float(scenario.positions[b, j]),
                float(issue.from_unit(value)),
                moved,
            )
            out.append((change, "position", b, j, float(value)))
    return out


def bloc_candidates(scenario: Scenario, actor: str, index: str) -> list[tuple[Change, np.ndarray]]:
    """Each bloc move open to ``actor`` under the scenario's voting rule (module docstring), with the
    capabilities (voting power ×100 under ``index``) it leads to. ``scenario``'s own capabilities are already
    that power as its blocs stand (as :func:`advise` makes them)."""
    from dataclasses import replace

    from ktokovo.analysis.power import as_capabilities, game

    voting = scenario.voting
    if voting is None:
        raise ParameterError(f"{scenario.name} declares no voting rule (voting:): no voting power to advise on")
    blocs = [tuple(b) for b in voting.blocs]
    own = next((b for b in blocs if actor in b), None)
    without = [tuple(m for m in b if m != actor) for b in blocs]
    voters = game(scenario, blocs=False).players
    if actor not in voters:
        return []
    inside = {m for b in blocs for m in b}
    moves: list[tuple[str, list[tuple[str, ...]]]] = []
    for k, bloc in enumerate(blocs):
        if bloc != own:
            moves.append((f"join {'+'.join(bloc)}", [r for i, r in enumerate(without) if i != k] + [(*bloc, actor)]))
    outside = [other for other in voters if other != actor and other not in inside]
    moves += [(f"form {other}", [*without, (actor, other)]) for other in outside]
    if own is not None:
        moves.append((f"leave {'+'.join(own)}", without))
    a = scenario.actor_index(actor)
    now = scenario.capabilities[a]
    out = []
    for name, groups in moves:
        kept = tuple(g for g in groups if len(g) > 1)
        capabilities = as_capabilities(scenario, index, replace(voting, blocs=kept)).capabilities
        after = float(capabilities[a])
        out.append((Change("bloc", name, None, float(now), after, abs(after - now), kept), capabilities))
    return out


def _draws(
    scenario: Scenario,
    applied: Sequence[tuple[Change, str, int, int, float]],
    blocs: Sequence[tuple[Change, np.ndarray]] = (),
) -> Draws:
    """The scenario's inputs once per candidate (and first as it stands), each candidate's change applied:
    the input changes, then the bloc moves' capabilities."""
    k = len(applied) + len(blocs) + 1
    unit = scenario.unit_positions()
    capabilities = np.tile(scenario.capabilities, (k, 1))
    positions = np.tile(unit, (k, 1, 1))
    saliences = np.tile(np.where(np.isnan(unit), 0.0, scenario.saliences), (k, 1, 1))
    for row, (_, kind, a, j, value) in enumerate(applied, start=1):
        (positions if kind == "position" else saliences)[row, a, j] = value
    for row, (_, powers) in enumerate(blocs, start=len(applied) + 1):
        capabilities[row] = powers
    status_quo = np.array([np.nan if i.status_quo is None else float(i.to_unit(i.status_quo)) for i in scenario.issues])
    rules = rule_ranges(scenario)
    return Draws(
        np.arange(k),
        capabilities,
        positions,
        saliences,
        np.tile(status_quo, (k, 1)),
        np.tile(rules["cost"][1], (k, 1)),
        np.tile(rules["walk_away"][1], (k, 1, 1)),
    )


def advise(
    scenario: Scenario,
    actor: str,
    models: Sequence[str] = ADVICE_MODELS,
    *,
    persuade: float = 10.0,
    rounds: int | None = None,
    seed: int = 0,
    power: str | None = None,
    executor: Executor | None = None,
) -> Advice:
    """Try every candidate change (module docstring) under each model; the actor's gain under each. With
    ``power`` ("shapley" or "banzhaf") the capabilities are the voting power of the scenario's rule, and the
    bloc moves are tried too."""
    blocs: list[tuple[Change, np.ndarray]] = []
    if power is not None:
        from ktokovo.analysis.power import as_capabilities

        scenario = as_capabilities(scenario, power)
        blocs = bloc_candidates(scenario, actor, power)
    applied = candidates(scenario, actor, persuade)
    draws = _draws(scenario, applied, blocs)
    a = scenario.actor_index(actor)
    gains = np.empty((len(models), len(applied) + len(blocs) + 1))
    for m, model in enumerate(models):
        settings = resolve_parameters(model, None, {})
        if executor is None or get(model).solve_batch is not None:
            forecasts = evaluate(scenario, model, settings, rounds, draws, seed)
        else:
            k = len(draws.indices)
            step = -(-k // CHUNKS)
            parts = [
                executor.submit(evaluate, scenario, model, settings, rounds, draws.rows(slice(lo, lo + step)), seed)
                for lo in range(0, k, step)
            ]
            forecasts = np.concatenate([part.result() for part in parts])
        gains[m] = weighted_gains(scenario, a, forecasts)
    changes = (*(c for c, *_ in applied), *(c for c, _ in blocs))
    return Advice(scenario, actor, tuple(models), changes, gains[:, 1:], gains[:, 0], power)


def _changed(scenario: Scenario, change: Change, actor: str, power: str | None = None) -> Scenario:
    """The scenario with the candidate applied for ``actor`` (the changed input's range dropped: it described
    the old value); a bloc move changes the voting rule's blocs and so the capabilities (``power``)."""
    if change.kind == "bloc":
        from dataclasses import replace

        from ktokovo.analysis.power import as_capabilities

        if power is None or scenario.voting is None or change.blocs is None:
            raise ParameterError("a bloc move needs the voting power as capabilities (power=shapley or banzhaf)")
        voting = replace(scenario.voting, blocs=change.blocs)
        return as_capabilities(scenario.replace(voting=voting), power)
    who = scenario.actor_index(change.other if change.kind == "persuade" and change.other else actor)
    j = scenario.issue_index(change.issue)
    if change.kind == "salience":
        saliences = scenario.saliences.copy()
        saliences[who, j] = change.after
        ranges = scenario.salience_ranges.copy()
        ranges[who, j] = np.nan
        return scenario.replace(saliences=saliences, salience_ranges=ranges)
    positions = scenario.positions.copy()
    positions[who, j] = change.after
    ranges = scenario.position_ranges.copy()
    ranges[who, j] = np.nan
    return scenario.replace(positions=positions, position_ranges=ranges)


def expected_gain(scenario: Scenario, actor: str, outcomes: np.ndarray) -> float:
    """The actor's salience-weighted gain averaged over outcome draws (K, n_issues; own scale), judged by its
    true preferences, ``scenario``'s."""
    return float(weighted_gains(scenario, scenario.actor_index(actor), outcomes).mean())


def no_deal(found: Advice, top: int = 5, samples: int = 200, seed: int = 0) -> dict[str, Any]:
    """The best ``top`` candidates (by the models' mean improvement) scored in the forecast that counts no
    deal: the actor's expected gain and the probability of a deal, as the scenario stands and with each."""
    from ktokovo.analysis.outlook import outlook

    scenario = found.scenario
    if not scenario.vetoes:
        raise ParameterError(f"{scenario.name} names no veto players: the forecast that counts no deal needs them")
    base = outlook(scenario, samples, seed)
    rows: list[dict[str, Any]] = []
    for k in found.order(None, top):
        change = found.changes[k]
        ahead = outlook(_changed(scenario, change, found.actor, found.power), samples, seed)
        gain = expected_gain(scenario, found.actor, ahead.outcomes)
        rows.append({"change": change.label(found.actor), "expected_gain": gain, "probability": ahead.probability[0]})
    now = expected_gain(scenario, found.actor, base.outcomes)
    for row in rows:
        row["improvement"] = row["expected_gain"] - now
    rows.sort(key=lambda row: -row["improvement"])
    return {"samples": samples, "expected_gain_now": now, "probability_now": base.probability[0], "changes": rows}
