"""``ktokovo panel``: several experts' files of one negotiation combined into one scenario, how far they agree,
and how far each expert's version moves each model's forecast from the panel's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ktokovo.analysis.panel import Disagreement, agreement, aligned, combine, disagreements
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models.runner import run

PANEL_MODELS = ("mean", "median", "bdm")


@dataclass(frozen=True)
class PanelReport:
    """``scenario``: the panel's; ``experts`` their aligned scenarios, named by ``labels``; ``alpha``
    Krippendorff's alpha per kind of input; ``spread`` the inputs they disagree on most; ``panel`` and
    ``each`` the models' results on the panel and on every expert's version."""

    scenario: Scenario
    labels: tuple[str, ...]
    experts: tuple[Scenario, ...]
    alpha: dict[str, float | None]
    spread: tuple[Disagreement, ...]
    panel: tuple[ModelResult, ...]
    each: tuple[tuple[ModelResult, ...], ...]

    def shifts(self) -> list[dict[str, Any]]:
        """Per expert and model: how far its version's forecast lies from the panel's, per issue (on the
        issue's scale, expert minus panel) and as the mean absolute shift on 0–100."""
        rows = []
        for label, results in zip(self.labels, self.each, strict=True):
            for theirs, ours in zip(results, self.panel, strict=True):
                by_issue = {
                    issue.name: float(theirs.forecast[j] - ours.forecast[j])
                    for j, issue in enumerate(self.scenario.issues)
                }
                unit = [
                    float(issue.to_unit(theirs.forecast[j]) - issue.to_unit(ours.forecast[j]))
                    for j, issue in enumerate(self.scenario.issues)
                ]
                rows.append(
                    {
                        "expert": label,
                        "model": ours.model,
                        "mean_abs_shift": float(np.mean(np.abs(unit))),
                        "largest": max(by_issue, key=lambda name: abs(by_issue[name])),
                        "by_issue": by_issue,
                    }
                )
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ktokovo panel --json``."""
        return to_jsonable(
            {
                "scenario": self.scenario.name,
                "experts": list(self.labels),
                "alpha": self.alpha,
                "disagreements": [
                    {
                        "input": d.input,
                        "kind": d.kind,
                        "spread": d.spread,
                        "values": dict(zip(self.labels, d.values, strict=True)),
                    }
                    for d in self.spread
                ],
                "forecasts": {
                    result.model: {
                        issue.name: float(result.forecast[j]) for j, issue in enumerate(self.scenario.issues)
                    }
                    for result in self.panel
                },
                "shifts": self.shifts(),
            }
        )


def panel(
    scenarios: Sequence[Scenario],
    labels: Sequence[str],
    models: Sequence[str] = PANEL_MODELS,
    *,
    name: str | None = None,
    top: int = 10,
    seed: int = 0,
) -> PanelReport:
    """Combine the experts' scenarios (:func:`ktokovo.analysis.panel.combine`), measure their agreement, and
    run ``models`` on the panel and on each expert's version."""
    experts = aligned(scenarios, labels)
    combined = combine(experts, labels, name)
    ours = tuple(run(combined, model, seed=seed) for model in models)
    each = tuple(tuple(run(expert, model, seed=seed) for model in models) for expert in experts)
    return PanelReport(
        combined,
        tuple(labels),
        tuple(experts),
        agreement(experts, labels),
        tuple(disagreements(experts, labels, top)),
        ours,
        each,
    )
