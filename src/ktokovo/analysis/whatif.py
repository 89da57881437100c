"""What-ifs: a scenario with some inputs changed or some actors dropped (the original is left as it was)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

import numpy as np

from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Scenario, Shock, shock_target


def _parse_value(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"{where}: the value {text!r} is not a number") from None
    if not np.isfinite(value):
        raise ParameterError(f"{where}: the value must be finite")
    return value


def _target(scenario: Scenario, key: str) -> tuple[str, int | None, int | None]:
    """(field, actor index, issue index) of ``ACTOR.capability``, ``ACTOR.ISSUE.position``,
    ``ACTOR.ISSUE.salience`` or ``ISSUE.status_quo``."""
    if key.endswith(".status_quo"):
        head = key[: -len(".status_quo")]
        if head in scenario.issue_names:
            return "status_quo", None, scenario.issue_names.index(head)
        raise ParameterError(f"{key}: unknown issue {head!r}; issues: {', '.join(scenario.issue_names)}")
    kind, actor, issue = shock_target(scenario, key)
    if kind is None and key.endswith(".capability"):
        raise ParameterError(
            f"{key}: unknown actor {key[: -len('.capability')]!r}; actors: {', '.join(scenario.actor_names)}"
        )
    if kind is None:
        raise ParameterError(
            f"{key}: expected ACTOR.capability, ACTOR.ISSUE.position, ACTOR.ISSUE.salience or "
            f"ISSUE.status_quo with a known actor and issue (actors: {', '.join(scenario.actor_names)})"
        )
    return kind, actor, issue


def parse_sets(items: Iterable[str]) -> dict[str, float]:
    """``["Russia.capability=60", ...]`` to ``{"Russia.capability": 60.0, ...}``."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"a change is written NAME=VALUE, for example Russia.capability=60, not {item!r}")
        out[key.strip()] = _parse_value(value.strip(), item)
    return out


def what_if(scenario: Scenario, set: Mapping[str, float] | None = None, drop: Iterable[str] = ()) -> Scenario:
    """A copy of ``scenario`` with inputs changed and actors dropped.

    Parameters
    ----------
    set : new values by name: ``"Russia.capability"``, ``"Ukraine.crimea.position"`` (on the issue's own scale),
        ``"Ukraine.crimea.salience"`` (0–100), ``"crimea.status_quo"``. A changed estimate loses its confidence
        range, since the range was about the old value.
    drop : actors to leave out.

    Examples
    --------
    >>> import ktokovo
    >>> sc = ktokovo.what_if(ktokovo.load("ukraine-2025"), set={"Russia.capability": 60}, drop=["European allies"])
    >>> sc.actor_names
    ('United States', 'Russia', 'Ukraine')
    """
    caps = scenario.capabilities.copy()
    positions = scenario.positions.copy()
    saliences = scenario.saliences.copy()
    cap_ranges = scenario.capability_ranges.copy()
    pos_ranges = scenario.position_ranges.copy()
    sal_ranges = scenario.salience_ranges.copy()
    issues = list(scenario.issues)
    for key, value in (set or {}).items():
        name, i, j = _target(scenario, key)
        if name == "capability":
            if value < 0:
                raise ParameterError(f"{key}: a capability must be >= 0, not {value:g}")
            caps[i], cap_ranges[i] = value, np.nan
        elif name == "salience":
            if not 0 <= value <= 100:
                raise ParameterError(f"{key}: a salience must lie in 0–100, not {value:g}")
            saliences[i, j], sal_ranges[i, j] = value, np.nan
        else:
            assert j is not None  # position and status quo name an issue
            issue = issues[j]
            low, high = issue.scale
            if not low <= value <= high:
                raise ParameterError(f"{key}: {value:g} is off the issue's scale {low:g}–{high:g}")
            if name == "position":
                positions[i, j], pos_ranges[i, j] = value, np.nan
            else:
                issues[j] = replace(issue, status_quo=value, status_quo_range=None)
    keep = np.ones(len(scenario.actors), dtype=bool)
    for actor in drop:
        if actor not in scenario.actor_names:
            raise ParameterError(f"cannot drop {actor!r}: no such actor; actors: {', '.join(scenario.actor_names)}")
        keep[scenario.actor_names.index(actor)] = False
    if not keep.any():
        raise ParameterError("cannot drop every actor")
    dropped = {scenario.actor_names[i] for i in np.flatnonzero(~keep)}
    # A scenario with a ledger keeps its inputs before the ledger (``base``); the what-if changes those too, so
    # that the scenario saved and loaded again, or seen as of another date, still has them.
    base = what_if(scenario.base, set, drop) if scenario.base is not None else None
    return scenario.replace(
        base=base,
        actors=tuple(a for a, k in zip(scenario.actors, keep, strict=True) if k),
        issues=tuple(issues),
        capabilities=caps[keep],
        positions=positions[keep],
        saliences=saliences[keep],
        capability_ranges=cap_ranges[keep],
        position_ranges=pos_ranges[keep],
        salience_ranges=sal_ranges[keep],
        vetoes=tuple(v for v in scenario.vetoes if v.actor not in dropped),
        shocks=tuple(
            s for s in scenario.shocks if not any(s.target == d or s.target.startswith(d + ".") for d in dropped)
        ),
        sources={
            k: v
            for k, v in scenario.sources.items()
            if k.split("/")[1] not in dropped or k.startswith(("status_quo/", "outcome/"))
        },
    )


def parse_shock(text: str) -> Shock:
    """``ROUND:ACTOR.capability=60``, ``ROUND:ACTOR.ISSUE.position*0.5``, ``ROUND:-ACTOR`` (leaves) or
    ``ROUND:+ACTOR`` (enters)."""
    head, sep, rest = text.partition(":")
    example = "3:United States.us-support.position=0, 3:Russia.capability*0.5, 3:-European allies or 3:+China"
    if not sep or not re.fullmatch(r"[0-9]+", head.strip()) or not rest.strip():
        raise ParameterError(f"a shock is written ROUND:CHANGE, for example {example}; not {text!r}")
    round_ = int(head)
    rest = rest.strip()
    if rest[0] in "+-" and "=" not in rest and "*" not in rest:
        return Shock(round=round_, kind="enter" if rest[0] == "+" else "leave", target=rest[1:].strip())
    for symbol, kind in (("=", "set"), ("*", "scale")):
        if symbol in rest:
            target, _, value = rest.rpartition(symbol)
            return Shock(round=round_, kind=kind, target=target.strip(), value=_parse_value(value.strip(), text))
    raise ParameterError(f"a shock is written ROUND:CHANGE, for example {example}; not {text!r}")


def with_shocks(scenario: Scenario, shocks: Iterable[Shock]) -> Scenario:
    """The scenario with more shocks (checked against its actors and issues)."""
    from ktokovo.core.errors import ScenarioError

    try:
        return scenario.replace(shocks=(*scenario.shocks, *shocks))
    except ScenarioError as error:
        raise ParameterError("; ".join(f"{p.field}: {p.message} (found {p.value!r})" for p in error.problems)) from None
