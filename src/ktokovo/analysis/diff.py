"""Two scenarios side by side: which inputs differ, and how the forecasts and gains shift."""

from __future__ import annotations

from typing import Any

import numpy as np

from ktokovo.analysis.gains import gain_rows
from ktokovo.core.errors import ParameterError
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario


def input_differences(a: Scenario, b: Scenario) -> list[dict[str, Any]]:
    """Every input that differs between ``a`` and ``b``: rows of (input, a, b); actors present in only one
    scenario are listed as such."""
    rows: list[dict[str, Any]] = []
    for name in a.actor_names:
        if name not in b.actor_names:
            rows.append({"input": f"{name}", "a": "present", "b": "absent"})
    for name in b.actor_names:
        if name not in a.actor_names:
            rows.append({"input": f"{name}", "a": "absent", "b": "present"})
    for issue_a in a.issues:
        issue_b = b.issues[b.issue_index(issue_a.name)]
        if issue_a.status_quo != issue_b.status_quo:
            rows.append({"input": f"{issue_a.name}.status_quo", "a": issue_a.status_quo, "b": issue_b.status_quo})
    for name in a.actor_names:
        if name not in b.actor_names:
            continue
        i, k = a.actor_index(name), b.actor_index(name)
        if a.capabilities[i] != b.capabilities[k]:
            rows.append({"input": f"{name}.capability", "a": float(a.capabilities[i]), "b": float(b.capabilities[k])})
        for j, issue in enumerate(a.issues):
            m = b.issue_index(issue.name)
            for kind, left, right in (
                ("position", a.positions[i, j], b.positions[k, m]),
                ("salience", a.saliences[i, j], b.saliences[k, m]),
            ):
                if not (left == right or (np.isnan(left) and np.isnan(right))):
                    rows.append(
                        {
                            "input": f"{name}.{issue.name}.{kind}",
                            "a": None if np.isnan(left) else float(left),
                            "b": None if np.isnan(right) else float(right),
                        }
                    )
    return rows


def check_comparable(a: Scenario, b: Scenario) -> None:
    if sorted(a.issue_names) != sorted(b.issue_names):
        raise ParameterError(
            "the two scenarios must have the same issues to be compared; "
            f"only in the first: {sorted(set(a.issue_names) - set(b.issue_names))}, "
            f"only in the second: {sorted(set(b.issue_names) - set(a.issue_names))}"
        )


def forecast_shifts(a: ModelResult, b: ModelResult) -> list[dict[str, Any]]:
    """Per issue (in ``a``'s order): the forecast under each scenario and the shift from a to b."""
    rows = []
    for j, issue in enumerate(a.scenario.issues):
        other = float(b.forecast[b.scenario.issue_index(issue.name)])
        rows.append({"issue": issue.name, "a": float(a.forecast[j]), "b": other, "shift": other - float(a.forecast[j])})
    return rows


def gain_shifts(a: ModelResult, b: ModelResult) -> list[dict[str, Any]]:
    """Per actor: its salience-weighted gain under each scenario (None where absent) and the change."""
    gains_a = {row["actor"]: row["gain"] for row in gain_rows(a)}
    gains_b = {row["actor"]: row["gain"] for row in gain_rows(b)}
    names = list(a.scenario.actor_names) + [n for n in b.scenario.actor_names if n not in gains_a]
    return [
        {
            "actor": name,
            "a": gains_a.get(name),
            "b": gains_b.get(name),
            "change": None if name not in gains_a or name not in gains_b else gains_b[name] - gains_a[name],
        }
        for name in names
    ]
