"""What the HTML report shows, computed: each model's forecast and draws, sensitivity, drift and the deal.
:mod:`ktokovo.report.html` renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ktokovo.analysis.outlook import outlook
from ktokovo.analysis.uncertainty import SampleResult
from ktokovo.application.forecast import applicable
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models import MODELS, run


@dataclass(frozen=True)
class Report:
    """What the report shows: every model's result and draws, the first model's sensitivity and drift (None if
    not computed or no ledger), the deal analysis and the forecast that counts no deal (None without veto
    players or draws)."""

    scenario: Scenario
    results: list[ModelResult]
    samples: list[SampleResult] = field(default_factory=list)
    sensitivity: Any = None
    drift: list[Any] | None = None
    drift_model: str = "mean"
    deal: Any = None
    outlook: Any = None

    def on_table(self) -> list[Any] | None:
        """Each issue as a choice among the positions on the table (:func:`ktokovo.evaluation.outofsample.
        table_view`), from the compromise model's forecast; None if ``mean`` did not run."""
        from ktokovo.evaluation.outofsample import on_table_of

        return on_table_of(self.scenario, self.results)


def build_report(
    scenario: Scenario,
    models: list[str] | None = None,
    samples: int = 200,
    seed: int = 0,
    sensitivity: bool = True,
) -> Report:
    """Run what the report shows. ``samples`` draws give every model's intervals, as a forecast does;
    ``sensitivity`` computes the one-at-a-time swings of the first model."""
    from ktokovo.analysis import sensitivity as _sensitivity
    from ktokovo.analysis.drift import drift
    from ktokovo.analysis.uncertainty import sample_forecasts

    if models is None:  # the established models; "procedural" is for EU legislation (see its docstring)
        models = [name for name, model in MODELS.items() if name != "procedural" and model.applies(scenario) is None]
    models = applicable(scenario, models)
    results = [run(scenario, name, seed=seed) for name in models]
    drawn = [sample_forecasts(scenario, name, samples=samples, seed=seed) for name in models] if samples else []
    ranking = _sensitivity.sensitivity(scenario, models[0], sobol_samples=0, seed=seed) if sensitivity else None
    steps = drift(scenario, models[0]) if (scenario.base or scenario).ledger else None
    deal = None
    if scenario.vetoes:
        from ktokovo.analysis import deal as _deal

        deal = _deal.analyse(scenario, {r.model: r.forecast for r in results})
    ahead = outlook(scenario, samples, seed) if scenario.vetoes and samples else None
    return Report(scenario, results, drawn, ranking, steps, models[0], deal, ahead)
