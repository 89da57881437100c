"""Why each actor moved, round by round, in the models that run in rounds (bdm, smp, exchange).

The explanation is what the model's own run recorded (:mod:`ktokovo.models._why`), not a second
computation. The run is the ordinary one: :func:`explain` runs the model once with recording on, and its
positions are the result's.

- ``bdm``: in each round and on each issue, the offer the actor accepted, from whom, and the expected
  utilities behind it. A **confrontation** is accepted when the proposer's expected utility of challenging
  the actor exceeds the actor's own of challenging the proposer, and both are positive: the actor takes the
  proposer's position. A **compromise** is accepted when the actor expects to lose and the proposer
  expects to gain more than the actor loses: the actor moves part of the way. A **capitulation** is
  accepted when the actor's expected loss is larger than the proposer's gain: it takes the proposer's
  position. With none of these, it holds its position.
- ``smp``: in each turn, the bargain the actor accepted (between which initiator and receiver) and its
  probability in the actor's election among the bargains it was offered, and whom it challenged itself,
  with its estimated chance of winning and its expected gain (KTAB's "Chosen bargain" and "most
  advantageous target").
- ``exchange``: every trade the actor made: with whom, on which issues, from where to where, and the gain
  each side expects (the same for both under equal gain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ktokovo.core.errors import ParameterError, Problem, ScenarioError
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models import _why
from ktokovo.models.runner import run

EXPLAINED = ("bdm", "smp", "exchange")


@dataclass(frozen=True)
class Explanation:
    """The run (``result``) and, for ``actor`` (and ``issue`` if given), one row per decision: ``round``,
    ``issue`` (None: every issue at once), ``from`` and ``to`` (on the issue's scale; for smp on ``issue``
    or None), ``what`` (confrontation, compromise, capitulation, held, bargain, status quo, trade), ``partner``
    and ``why`` (the numbers behind it)."""

    result: ModelResult
    actor: str
    issue: str | None
    rows: tuple[dict[str, Any], ...]


def explain(
    scenario: Scenario,
    actor: str,
    model: str = "bdm",
    issue: str | None = None,
    **options: Any,
) -> Explanation:
    """Run ``model`` on ``scenario`` (``options``: rounds, preset, seed, parameters) recording why each actor
    moved; return ``actor``'s decisions (on ``issue`` only, if given)."""
    _check(scenario, model)
    who = scenario.actor_index(actor)
    where = None if issue is None else scenario.issue_index(issue)
    with _why.recording() as log:
        result = run(scenario, model, **options)
    return Explanation(result, actor, issue, _rows(scenario, model, log, who, where))


def _check(scenario: Scenario, model: str) -> None:
    if model not in EXPLAINED:
        raise ParameterError(f"explain covers the models that run in rounds ({', '.join(EXPLAINED)}), not {model!r}")
    if scenario.shocks:
        raise ScenarioError(Problem("explain follows runs without shocks; drop the shocks first", field="shocks"))


def explain_all(scenario: Scenario, model: str, **options: Any) -> dict[str, Explanation]:
    """Every actor's explanation from one run of ``model`` (as :func:`explain` gives each)."""
    _check(scenario, model)
    with _why.recording() as log:
        result = run(scenario, model, **options)
    return {
        actor: Explanation(result, actor, None, _rows(scenario, model, log, i, None))
        for i, actor in enumerate(scenario.actor_names)
    }


def _rows(
    scenario: Scenario, model: str, log: list[dict[str, Any]], who: int, where: int | None
) -> tuple[dict[str, Any], ...]:
    names, issues = scenario.actor_names, scenario.issues
    rows: list[dict[str, Any]] = []
    for entry in log:
        if model == "bdm" and entry["actor"] == who and (where is None or entry["issue"] == where):
            rows.append(_bdm_row(entry, names, issues))
        elif model == "smp" and entry["actor"] == who:
            rows.append(_smp_row(entry, names, issues, where))
        elif model == "exchange" and who in (entry["actor_i"], entry["actor_j"]):
            if where is None or where in (entry["supply_i"], entry["supply_j"]):
                rows.append(_exchange_row(entry, who, names, issues))
    return tuple(rows)


def _bdm_row(entry: dict[str, Any], names: tuple[str, ...], issues: tuple[Any, ...]) -> dict[str, Any]:
    scale = issues[entry["issue"]]
    kind, partner = entry["kind"], entry["partner"]
    return {
        "round": entry["round"],
        "issue": scale.name,
        "from": float(scale.from_unit(entry["from"])),
        "to": float(scale.from_unit(entry["to"])),
        "what": kind or "held",
        "partner": None if partner is None else names[partner],
        "why": {}
        if kind is None
        else {"own_expected_utility": entry["own"], "partner_expected_utility": entry["other"]},
    }


def _smp_row(
    entry: dict[str, Any], names: tuple[str, ...], issues: tuple[Any, ...], where: int | None
) -> dict[str, Any]:
    initiator, receiver = entry["initiator"], entry["receiver"]
    kept = initiator == receiver
    partner = None if kept else names[receiver if entry["actor"] == initiator else initiator]
    row: dict[str, Any] = {
        "round": entry["round"],
        "issue": None if where is None else issues[where].name,
        "from": None if where is None else float(issues[where].from_unit(entry["from"][where])),
        "to": None if where is None else float(issues[where].from_unit(entry["to"][where])),
        "what": "status quo" if kept else "bargain",
        "partner": partner,
        "why": {
            "initiator": names[initiator],
            "receiver": names[receiver],
            "probability": entry["probability"],
            "bargains": entry["bargains"],
            "challenged": None if entry["target"] is None else names[entry["target"]],
            "challenge_probability": entry["target_probability"],
            "challenge_gain": entry["target_gain"],
        },
    }
    if where is None:
        row["moves"] = {
            issue.name: [float(issue.from_unit(a)), float(issue.from_unit(b))]
            for issue, a, b in zip(issues, entry["from"], entry["to"], strict=True)
        }
    return row


def _exchange_row(entry: dict[str, Any], who: int, names: tuple[str, ...], issues: tuple[Any, ...]) -> dict[str, Any]:
    mine, theirs = ("i", "j") if entry["actor_i"] == who else ("j", "i")
    return {
        "round": entry["round"],
        "issue": issues[entry[f"supply_{mine}"]].name,
        "from": entry[f"start_{mine}"],
        "to": entry[f"vote_{mine}"],
        "what": "trade",
        "partner": names[entry[f"actor_{theirs}"]],
        "why": {
            "order": entry["order"],
            "partner_moves_on": issues[entry[f"supply_{theirs}"]].name,
            "partner_from": entry[f"start_{theirs}"],
            "partner_to": entry[f"vote_{theirs}"],
            "gain": entry["gain"],
        },
    }


def narrative(explanation: Explanation) -> list[str]:
    """One sentence per row, in the order of the run."""
    out = []
    for row in explanation.rows:
        why, what, partner = row["why"], row["what"], row["partner"]
        where = f" on {row['issue']}" if row["issue"] else ""
        moved = "" if row["from"] is None else f" from {row['from']:.1f} to {row['to']:.1f}"
        if what == "held":
            text = f"held its position{where} ({row['from']:.1f}): no offer it had to accept"
        elif what in ("confrontation", "capitulation"):
            text = (
                f"{'gave in to' if what == 'confrontation' else 'capitulated to'} {partner}{where}{moved} "
                f"({partner}'s expected utility of challenging it {why['partner_expected_utility']:+.3f}, its own "
                f"of challenging {partner} {why['own_expected_utility']:+.3f})"
            )
        elif what == "compromise":
            text = (
                f"accepted {partner}'s compromise{where}{moved} (it expected to lose "
                f"{why['own_expected_utility']:+.3f} in a challenge; {partner} expected "
                f"{why['partner_expected_utility']:+.3f})"
            )
        elif what == "trade":
            text = (
                f"traded with {partner}: moved{where}{moved}, {partner} on {why['partner_moves_on']} from "
                f"{why['partner_from']:.1f} to {why['partner_to']:.1f} (gain {why['gain']:.3f} each)"
            )
        else:
            chose = (
                f"kept the status quo{where}"
                if what == "status quo"
                else f"accepted the bargain of {why['initiator']} with {why['receiver']}{where}{moved}"
            )
            text = (
                f"{chose}, the winner of its election among {why['bargains']} bargain(s) with probability "
                f"{why['probability']:.2f}"
            )
            if why["challenged"]:
                text += (
                    f"; it challenged {why['challenged']} (chance {why['challenge_probability']:.2f}, "
                    f"expected gain {why['challenge_gain']:+.3f})"
                )
        out.append(f"round {row['round']}: {explanation.actor} {text}")
    return out
