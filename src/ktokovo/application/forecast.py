"""Forecast a negotiation: every chosen model's forecast, intervals from draws of the inputs, the deal lead, and
who gains and who loses. The CLI's ``forecast``, the web's ``/api/forecast`` and its jobs all come here."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ktokovo.analysis import deal as deal_analysis
from ktokovo.analysis.deal import probability_dict
from ktokovo.analysis.gains import gain_rows, pair_rows
from ktokovo.analysis.outlook import Outlook, outlook
from ktokovo.analysis.uncertainty import SampleResult, parse_threshold, sample_forecasts
from ktokovo.core.errors import ParameterError
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.evaluation.outofsample import OUT_OF_SAMPLE, TableView, on_table_of
from ktokovo.models import STANDARD, get, resolve_parameters, run

Progress = Callable[[str, int, int], bool | None]
"""``progress(task, done, total)``: called as work finishes; returning False stops the draws of the current
model (the draws finished so far are kept)."""


@dataclass(frozen=True)
class DealLead:
    """Is there a deal to forecast at all? ``zone``: whether a package satisfies every veto player; ``detail``:
    under the lead model the veto player closest to walking away (``actor``, ``slack``), or, without a zone,
    the worst blocker (``actor``, ``shortfall``, ``issues``); ``probability``: the share of ``draws`` input
    draws with a zone and its 95% interval, or None without draws."""

    model: str
    zone: bool
    detail: dict[str, Any] | None
    probability: tuple[float, float, float] | None = None
    draws: int = 0

    def to_dict(self) -> dict[str, Any]:
        probability = probability_dict(self.probability, self.draws)
        return to_jsonable({"model": self.model, "zone": self.zone, "detail": self.detail, "probability": probability})


@dataclass(frozen=True)
class Forecast:
    """Every model's result on one scenario, in the order asked for (the first is the lead), the draws of the
    inputs if any, the thresholds asked about, and the deal lead when the scenario names veto players."""

    scenario: Scenario
    results: tuple[ModelResult, ...]
    samples: tuple[SampleResult, ...] = ()
    thresholds: tuple[str, ...] = ()
    deal: DealLead | None = None
    seed: int = 0
    outlook: Outlook | None = None

    @property
    def lead(self) -> ModelResult:
        return self.results[0]

    @property
    def models(self) -> list[str]:
        return [r.model for r in self.results]

    @property
    def draws(self) -> int:
        return max((len(s.forecasts) for s in self.samples), default=0)

    def gains(self, model: str) -> list[dict[str, Any]]:
        """Each actor's gain under ``model``, ranked (see :func:`ktokovo.analysis.gains.gain_rows`)."""
        return gain_rows(next(r for r in self.results if r.model == model))

    def interval(self, model: str, issue: int, level: float = 0.95) -> tuple[float, float] | None:
        """The central ``level`` interval of ``model``'s draws on ``issue``, or None without draws."""
        for sample in self.samples:
            if sample.model == model and len(sample.forecasts):
                low, high = np.quantile(sample.forecasts[:, issue], [(1 - level) / 2, (1 + level) / 2])
                return float(low), float(high)
        return None

    def issue_rows(self) -> list[dict[str, Any]]:
        """Per issue: its labels and scale, each model's forecast, 95% interval and nearest labelled point."""
        rows = []
        for j, issue in enumerate(self.scenario.issues):
            intervals = {m: list(i) for m in self.models if (i := self.interval(m, j)) is not None}
            rows.append(
                {
                    "name": issue.name,
                    "question": issue.question,
                    "low_label": issue.low_label,
                    "high_label": issue.high_label,
                    "scale": [float(issue.scale[0]), float(issue.scale[1])],
                    "status_quo": issue.status_quo,
                    "forecasts": {r.model: float(r.forecast[j]) for r in self.results},
                    "intervals": intervals,
                    "nearest": {r.model: issue.nearest_label(float(r.forecast[j])) for r in self.results},
                }
            )
        return rows

    def sample_rows(self) -> dict[str, Any]:
        return {
            s.model: {
                "draws": len(s.forecasts),
                "requested": s.requested,
                "seed": s.seed,
                "issues": {row.pop("issue"): row for row in s.summary_rows()} if len(s.forecasts) else {},
                "thresholds": {text: s.probability(text) for text in self.thresholds} if len(s.forecasts) else {},
            }
            for s in self.samples
        }

    def on_table(self) -> list[TableView] | None:
        """Each issue as a choice among the positions on the table, by the discrete choice model and the
        on-table distance learned on EU legislation (:func:`ktokovo.evaluation.outofsample.table_view`), from
        the compromise model's forecast; None if ``mean`` did not run."""
        return on_table_of(self.scenario, self.results)

    def details(self) -> dict[str, Any] | None:
        """What the run store keeps beyond the models' results and draws: the forecast that counts no deal."""
        return None if self.outlook is None else to_jsonable({"outlook": self.outlook.to_dict()})

    def _repr_html_(self) -> str:
        """In Jupyter: one row per issue, one column per model (one decimal), as ``ktokovo forecast`` prints."""
        import html

        import pandas as pd

        from ktokovo.core.numbers import point

        table = pd.DataFrame(
            {result.model: [point(v) for v in result.forecast] for result in self.results},
            index=pd.Index(self.scenario.issue_names, name="issue"),
        )
        title = html.escape(self.scenario.title or self.scenario.name)
        return f"<h4>{title}: where each model expects the talks to land</h4>" + table.to_html()

    def to_dict(self) -> dict[str, Any]:
        """The JSON that ``ktokovo forecast --json`` prints and ``POST /api/forecast`` answers with."""
        return to_jsonable(
            {
                "scenario": self.scenario.name,
                "title": self.scenario.title,
                "as_of": self.scenario.as_of or None,
                "actors": list(self.scenario.actor_names),
                "seed": self.seed,
                "models": {r.model: r.to_dict() for r in self.results},
                "issues": self.issue_rows(),
                "gains": {r.model: self.gains(r.model) for r in self.results},
                "pairs": {r.model: pair_rows(r) for r in self.results},
                "draws": self.draws,
                "samples": self.sample_rows(),
                "deal": None if self.deal is None else self.deal.to_dict(),
                "outlook": None if self.outlook is None else self.outlook.to_dict(),
                "on_table": None
                if (views := self.on_table()) is None
                else {
                    "deu_record": {name: {"mae": mae, "crps": score} for name, (mae, score) in OUT_OF_SAMPLE.items()},
                    "issues": [v.to_dict() for v in views],
                },
            }
        )


def check_request(
    scenario: Scenario,
    models: Sequence[str],
    preset: str | None,
    parameters: Mapping[str, Any],
    thresholds: Sequence[str] = (),
) -> list[str]:
    """Every name and value checked before any work starts; returns the models, duplicates dropped."""
    if preset is not None and len(models) > 1:
        raise ParameterError("--preset applies to one model: name it with --model")
    if parameters and len(models) > 1:
        raise ParameterError("--param applies to one model: name it with --model")
    for name in models:
        resolve_parameters(name, preset, parameters)
    for text in thresholds:
        parse_threshold(scenario, text)
    return list(dict.fromkeys(models))


def deal_lead(
    scenario: Scenario,
    lead: ModelResult,
    samples: int = 0,
    seed: int = 0,
    executor: Executor | None = None,
    progress: Callable[[int], bool | None] | None = None,
) -> DealLead | None:
    """The deal lead of a forecast (None when the scenario names no veto players)."""
    if not scenario.vetoes:
        return None
    zone, detail = deal_analysis.summary(scenario, lead.forecast)
    probability = (
        deal_analysis.deal_probability(scenario, samples, seed, executor=executor, progress=progress)
        if samples
        else None
    )
    return DealLead(lead.model, zone, detail, probability, samples if probability is not None else 0)


def forecast(
    scenario: Scenario,
    models: Sequence[str] | None = None,
    *,
    preset: str | None = None,
    rounds: int | None = None,
    seed: int = 0,
    parameters: Mapping[str, Any] | None = None,
    samples: int = 0,
    thresholds: Sequence[str] = (),
    batch_size: int = 1000,
    executor: Executor | None = None,
    progress: Progress | None = None,
    horizon: int = 12,
) -> Forecast:
    """Run ``models`` (default :data:`ktokovo.models.STANDARD`) on ``scenario``; with ``samples``, draw the
    inputs that many times for every model's intervals, the probability of a deal, and (with veto players)
    the forecast that counts no deal, with whether a deal holds for ``horizon`` months.

    >>> import ktokovo
    >>> from ktokovo.application import forecast
    >>> result = forecast(ktokovo.load("ec-emissions-1994"), ["mean"])
    >>> round(result.to_dict()["issues"][0]["forecasts"]["mean"], 4)
    7.39
    """
    parameters = dict(parameters or {})
    names = check_request(scenario, list(models or STANDARD), preset, parameters, thresholds)

    def report(task: str, done: int, total: int) -> bool | None:
        return None if progress is None else progress(task, done, total)

    results = []
    for k, name in enumerate(names):
        report("running models", k, len(names))
        results.append(run(scenario, name, preset=preset, rounds=rounds, seed=seed, **parameters))
    report("running models", len(names), len(names))
    # The rounds of offers need no model's draws, so they run alongside them: on the executor, or without one
    # on a thread of this process (their mixed-integer programs run in HiGHS, which releases the GIL, so they
    # take a second core while the draws run here). Either way the results are the same.
    offers = executor if executor is not None else ThreadPoolExecutor(max_workers=1, thread_name_prefix="offers")
    try:
        pending = (
            offers.submit(outlook, scenario, samples, seed, horizon=horizon) if samples and scenario.vetoes else None
        )
        drawn = []
        if samples:
            for name in names:
                drawn.append(
                    sample_forecasts(
                        scenario,
                        name,
                        samples=samples,
                        seed=seed,
                        rounds=rounds,
                        preset=preset,
                        batch_size=batch_size,
                        executor=executor,
                        progress=_draws_progress(report, name, samples),
                        **parameters,
                    )
                )
        return assemble(
            scenario,
            results,
            drawn,
            thresholds=thresholds,
            deal_samples=samples,
            seed=seed,
            executor=executor,
            horizon=horizon,
            progress=progress,
            pending=pending,
        )
    finally:
        if executor is None:
            offers.shutdown(wait=True, cancel_futures=True)


def assemble(
    scenario: Scenario,
    results: Sequence[ModelResult],
    samples: Sequence[SampleResult] = (),
    *,
    thresholds: Sequence[str] = (),
    deal_samples: int = 0,
    seed: int = 0,
    executor: Executor | None = None,
    horizon: int = 12,
    progress: Progress | None = None,
    pending: Future[Outlook] | None = None,
) -> Forecast:
    """A :class:`Forecast` from results computed elsewhere (the web's jobs run the models and the chunks of
    draws step by step in worker processes): adds the deal lead and, with draws and veto players, the
    forecast that counts no deal (:mod:`ktokovo.analysis.outlook`), or ``pending``'s, already submitted."""
    report = progress or (lambda task, done, total: None)
    lead = deal_lead(
        scenario, results[0], deal_samples, seed, executor, _draws_progress(report, "zone of agreement", deal_samples)
    )
    ahead = None
    if scenario.vetoes and deal_samples:
        report("will they settle: rounds of offers", 0, 1)
        ahead = pending.result() if pending is not None else outlook(scenario, deal_samples, seed, horizon=horizon)
        report("will they settle: rounds of offers", 1, 1)
    return Forecast(scenario, tuple(results), tuple(samples), tuple(thresholds), lead, seed, ahead)


def applicable(scenario: Scenario, models: Sequence[str]) -> list[str]:
    """``models`` without duplicates; a :class:`ParameterError` naming the first that cannot run on it."""
    for name in models:
        why = get(name).applies(scenario)
        if why is not None:
            raise ParameterError(f"{name}: {why}")
    return list(dict.fromkeys(models))


def _draws_progress(report: Progress, name: str, samples: int) -> Callable[[int], bool | None]:
    def update(done: int) -> bool | None:
        return report(f"{name}: draws", done, samples)

    return update
