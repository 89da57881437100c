"""The collective-decision models, one module each.

Every model module has ``PARAMETERS`` (names and defaults), ``PRESETS`` (named parameter sets),
``STATIC`` (True when the model has no rounds) and ``solve(position, capability, salience, status_quo,
*, rounds, rng, **parameters)`` for one issue on the 0–100 scale, returning the per-round positions,
the forecast and the weighted mean of the final positions. Models that take every issue at once
(``JOINT = True``) have ``solve_joint(scenario, *, rounds, rng, **parameters)`` instead, returning the
trajectory (rounds + 1, n_actors, n_issues), the forecast and the mean (n_issues,), all on 0–100.
"""

from __future__ import annotations

from types import ModuleType

from ktokovo.models import bdm, exchange, mean, median, nash, procedural, smp

MODELS: dict[str, ModuleType] = {
    "mean": mean,
    "median": median,
    "nash": nash,
    "bdm": bdm,
    "smp": smp,
    "exchange": exchange,
    "procedural": procedural,
}
"""The models by name, in the order ktokovo shows them."""

DESCRIPTIONS = {
    "mean": "compromise model: capability × salience weighted mean",
    "median": "weighted median (Condorcet winner in one dimension)",
    "nash": "generalised Nash bargaining solution, status quo as disagreement point",
    "bdm": "Bueno de Mesquita's expected-utility challenge model (Scholz et al. 2011)",
    "smp": "KTAB's Spatial Model of Politics: all issues at once, probabilistic Condorcet elections",
    "exchange": "Stokman's exchange model (equal gain): actors trade positions across pairs of issues",
    "procedural": "compromise model with the EU institutions' roles and the voting rule (tuned on DEU III)",
}

__all__ = ["DESCRIPTIONS", "MODELS"]
