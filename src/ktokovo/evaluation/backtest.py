"""Backtests: run the models on decisions whose outcome is known and score them.

Errors are absolute differences between forecast and recorded outcome on the issue's scale (0–100 in DEU).
Confidence intervals come from a bootstrap that resamples whole proposals (issues of one proposal are not
independent), 95% percentile intervals.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from ktokovo.analysis.power import NICE, NICE_QUOTA, PRE_NICE, PRE_NICE_QUOTA
from ktokovo.core.errors import KtokovoError, ParameterError
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Actor, Scenario
from ktokovo.models import MODELS, run

DEFAULT_MODELS = tuple(MODELS)
"""Every registered model."""
TRACK_RECORD = {
    "mean": 23.9,
    "median": 29.0,
    "nash": 39.7,
    "bdm": 27.9,
    "smp": 26.4,
    "exchange": 24.4,
    "procedural": 23.6,
}
"""Each model's mean absolute error (points on 0–100) on the DEU III sample shipped with ktokovo, equal
capabilities: ``ktokovo backtest deu tests/data/deu3_train.tsv -m MODEL`` (a test recomputes them); for
``procedural``, whose parameters were chosen on that sample, the cross-validated error (``--crossval``). Shown
next to forecasts so a reader knows how far to trust each number. The exchange model runs on each proposal's
issues together and is scored on the 196 issues of proposals with at least two."""
TUNED = ("procedural",)
"""Models whose defaults were chosen on the DEU sample shipped with ktokovo: their scores on it are in-sample
unless ``--crossval`` scores them out of sample."""
BASELINE = "status_quo"
"""The reference point itself as a forecast: what happens if nothing changes."""

# The Council votes of each treaty period (ktokovo.analysis.power, with their sources).
NICE_FROM = date(2004, 11, 1)
LISBON_FROM = date(2014, 11, 1)


def treaty_period(introduced: date | None) -> str:
    if introduced is None:
        return "unknown"
    if introduced < NICE_FROM:
        return "pre-Nice"
    return "Nice" if introduced < LISBON_FROM else "Lisbon"


def council_weights(introduced: date | None, procedure: str) -> dict[str, float]:
    """Voting weights of the treaty period in force when the proposal was introduced.

    Member states: their Council votes. Lisbon's double majority (from November 2014) weighs population, which
    ktokovo does not code: the Nice votes stand in for it, as they did on request until March 2017. The
    Commission and the Parliament are not Council members; ktokovo gives each the weight of the largest
    member state (agenda setter and co-legislator), and the Parliament half of it under consultation (CNS),
    where its opinion does not bind. These two are ktokovo's choices, not facts of the treaties.
    """
    votes = PRE_NICE if introduced is not None and introduced < NICE_FROM else NICE
    largest = max(votes.values())
    return {**votes, "Commission": largest, "Parliament": largest * (0.5 if procedure == "CNS" else 1.0)}


def council_power(scenario: Any, introduced: date | None, index: str) -> np.ndarray:
    """Each actor's voting power (×100) in the Council of the treaty period, as capabilities: the member
    states in the case under the qualified majority of the period (pre-Nice weights and quota; from
    November 2004 the Nice weights and quota with a majority of the states, the rule also standing in for
    Lisbon's as ``council_weights`` does). A membership whose total weight has no treaty quota (a case that
    lists fewer states) gets the same share of its total, rounded up. The Commission and the Parliament are
    not Council members; as in ``council_weights`` each gets the index of the largest member state. ktokovo's
    choice, not a fact of the treaties."""
    from ktokovo.analysis.power import power
    from ktokovo.core.scenario import Voting

    nice = introduced is None or introduced >= NICE_FROM
    votes, quotas, rule = (NICE, NICE_QUOTA, "qmv-nice") if nice else (PRE_NICE, PRE_NICE_QUOTA, "qmv-pre-nice")
    members = {n: float(votes[n]) for n in scenario.actor_names if n in votes}
    total = round(sum(members.values()))
    quota = quotas.get(total)
    if quota is None:
        known = max(quotas)  # the largest membership with a treaty quota: its share of the total
        quota = int(np.ceil(quotas[known] / known * total - 1e-9))
    found = power(scenario, Voting(rule=rule, weights=tuple(members.items()), quota=float(quota)))
    largest = max((found.of(n)[index] for n in members), default=0.0)
    others = {"Commission": largest, "Parliament": largest}
    return np.array(
        [100.0 * (found.of(n)[index] if n in members else others.get(n, 0.0)) for n in scenario.actor_names]
    )


@dataclass(frozen=True)
class Case:
    """One scoreable issue: ``scenario`` holds it at ``issue`` (with its recorded outcome); ``proposal`` groups
    issues for the bootstrap; ``groups`` are the breakdown keys (period, procedure, voting rule, ...);
    ``introduced``: the proposal's date where known (for splits by date)."""

    issue_id: str
    proposal: str
    scenario: Scenario
    issue: int
    groups: dict[str, str] = field(default_factory=dict)
    introduced: date | None = None

    @property
    def outcome(self) -> float:
        return float(self.scenario.issues[self.issue].outcome)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Backtest:
    """predictions : (n_cases, n_models) forecasts, NaN where a model does not apply (the status-quo baseline
    without a reference point). errors : their absolute errors."""

    cases: list[Case]
    models: list[str]
    predictions: np.ndarray
    bootstrap: int
    seed: int
    scheme: str
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per model, why it did not run some cases: reason to the number of issues."""
    results: dict[str, list[tuple[list[int], list[int], ModelResult]]] = field(default_factory=dict)
    """Per model, each run the forecasts came from (as :func:`runs` gives them): the cases' rows, their issues
    in the run's scenario, and the result, kept so that what else a run says (its final positions) is read
    from it rather than run again."""

    @property
    def outcomes(self) -> np.ndarray:
        return np.array([c.outcome for c in self.cases])

    @property
    def errors(self) -> np.ndarray:
        return np.abs(self.predictions - self.outcomes[:, None])

    def scores(self, rows: np.ndarray | None = None) -> list[dict[str, Any]]:
        """Per model: n, MAE, median absolute error, RMSE and the share within 10 points, each with its 95%
        bootstrap interval (resampling proposals), best MAE first."""
        rows = np.arange(len(self.cases)) if rows is None else rows
        errors = self.errors[rows]
        proposals = np.array([self.cases[r].proposal for r in rows])
        names, index = np.unique(proposals, return_inverse=True)
        rng = np.random.default_rng(self.seed)
        counts = (
            rng.multinomial(len(names), np.full(len(names), 1 / len(names)), size=self.bootstrap)
            if len(names)
            else np.zeros((0, 0))
        )
        out = []
        for m, model in enumerate(self.models):
            e = errors[:, m]
            ok = ~np.isnan(e)
            point = _metrics(e[ok], np.ones(ok.sum()))
            draws = [_metrics(e[ok], weights[index][ok]) for weights in counts]
            row: dict[str, Any] = {"model": model, "n": int(ok.sum())}
            for key in point:
                values = np.array([d[key] for d in draws])
                values = values[~np.isnan(values)]
                row[key] = point[key]
                row[f"{key}_low"], row[f"{key}_high"] = (
                    (float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5)))
                    if len(values)
                    else (np.nan, np.nan)
                )
            out.append(row)
        return sorted(out, key=lambda r: (np.isnan(r["mae"]), r["mae"]))

    def breakdown(self, key: str) -> dict[str, list[dict[str, Any]]]:
        """Scores within each value of a breakdown key (period, procedure, voting_rule)."""
        values = sorted({c.groups.get(key, "") for c in self.cases})
        return {
            value: self.scores(np.array([i for i, c in enumerate(self.cases) if c.groups.get(key, "") == value]))
            for value in values
        }


def _metrics(errors: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    total = weights.sum()
    if total == 0:
        return {"mae": np.nan, "median": np.nan, "rmse": np.nan, "within10": np.nan}
    order = np.argsort(errors)
    cumulative = np.cumsum(weights[order])
    median = float(errors[order][np.searchsorted(cumulative, total / 2.0)])
    return {
        "mae": float(np.sum(weights * errors) / total),
        "median": median,
        "rmse": float(np.sqrt(np.sum(weights * errors**2) / total)),
        "within10": float(np.sum(weights * (errors <= 10)) / total),
    }


def apply_scheme(
    case: Case, scheme: str, table: dict[str, float] | None = None, introduced: date | None = None, procedure: str = ""
) -> Case:
    """The case with capabilities from a scheme: "equal", "council" (the treaty period's voting weights) or
    "table" (``table``: actor name to weight; actors it does not name weigh 1)."""
    names = case.scenario.actor_names
    if scheme == "equal":
        weights = np.ones(len(names))
    elif scheme == "council":
        votes = council_weights(introduced, procedure)
        weights = np.array([float(votes.get(n, 0.0)) for n in names])
    elif scheme == "table":
        weights = np.array([float((table or {}).get(n, 1.0)) for n in names])
    elif scheme in ("shapley", "banzhaf"):
        weights = council_power(case.scenario, introduced, scheme)
    else:
        raise ParameterError(
            f"unknown capability scheme {scheme!r}; known: equal, council, shapley, banzhaf, or a table file"
        )
    return Case(
        case.issue_id,
        case.proposal,
        case.scenario.replace(capabilities=weights),
        case.issue,
        case.groups,
        case.introduced,
    )


def backtest(
    cases: list[Case],
    models: tuple[str, ...] | list[str] = DEFAULT_MODELS,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    scheme: str = "as given",
    progress: Any = None,
    veto_unanimity: bool = False,
) -> Backtest:
    """Run every model on every case (each distinct scenario once) and keep the forecasts. With
    ``veto_unanimity``, also score each model's "+veto" variant (see :func:`_with_vetoes`)."""
    if not cases:
        raise ParameterError("no scoreable cases: no issue has a recorded outcome")
    names = [*models, BASELINE]
    predictions = np.full((len(cases), len(names)), np.nan)
    skipped: dict[str, dict[str, int]] = {}
    kept: dict[str, list[tuple[list[int], list[int], ModelResult]]] = {}
    for m, model in enumerate(models):
        for rows, issues, outcome in runs(cases, model, seed):
            if isinstance(outcome, str):
                reasons = skipped.setdefault(model, {})
                reasons[outcome] = reasons.get(outcome, 0) + len(rows)
                continue
            kept.setdefault(model, []).append((rows, issues, outcome))
            for k, j in zip(rows, issues, strict=True):
                predictions[k, m] = outcome.forecast[j]
        if progress is not None:
            progress(m + 1)
    for k, case in enumerate(cases):
        status_quo = case.scenario.issues[case.issue].status_quo
        predictions[k, -1] = np.nan if status_quo is None else status_quo
    if veto_unanimity:
        variants = np.column_stack([_with_vetoes(cases, predictions[:, m]) for m in range(len(models))])
        predictions = np.column_stack([predictions, variants])
        names += [f"{model}+veto" for model in models]
    return Backtest(
        cases=cases,
        models=names,
        predictions=predictions,
        bootstrap=bootstrap,
        seed=seed,
        scheme=scheme,
        skipped=skipped,
        results=kept,
    )


def runs(cases: list[Case], model: str, seed: int = 0) -> Iterator[tuple[list[int], list[int], ModelResult | str]]:
    """``model`` run on the cases, each distinct scenario once (the exchange model on each proposal's issues
    together, see :func:`_by_proposal`): per run, the cases' rows, their issues' indices in the run's
    scenario, and the result, or why the model could not run them."""
    if model == "exchange":
        groups = _by_proposal(cases)
    else:
        by_scenario: dict[int, list[int]] = {}
        for k, case in enumerate(cases):
            by_scenario.setdefault(id(case.scenario), []).append(k)
        groups = [(cases[rows[0]].scenario, rows, [cases[k].issue for k in rows]) for rows in by_scenario.values()]
    for scenario, rows, issues in groups:
        why = MODELS[model].applies(scenario)
        if why is None:
            try:
                yield rows, issues, run(scenario, model, seed=seed)
                continue
            except KtokovoError as error:  # a case this model cannot run: say why, and go on
                why = str(error)
        yield rows, issues, why


def _by_proposal(cases: list[Case]) -> list[tuple[Scenario, list[int], list[int]]]:
    """For the exchange model, which trades across issues: one scenario per proposal holding all its issues
    (the actors of any of them; capabilities from the first issue an actor appears in). Scenarios that already
    hold several issues are kept as they are."""
    groups: dict[str, list[int]] = {}
    for k, case in enumerate(cases):
        groups.setdefault(case.proposal, []).append(k)
    out = []
    for rows in groups.values():
        scenarios = [cases[k].scenario for k in rows]
        if all(s is scenarios[0] for s in scenarios):
            out.append((scenarios[0], rows, [cases[k].issue for k in rows]))
            continue
        names: list[str] = []
        capability: dict[str, float] = {}
        for s in scenarios:
            for i, name in enumerate(s.actor_names):
                if name not in capability:
                    names.append(name)
                    capability[name] = float(s.capabilities[i])
        positions = np.full((len(names), len(rows)), np.nan)
        saliences = np.zeros((len(names), len(rows)))
        for j, k in enumerate(rows):
            s, issue = cases[k].scenario, cases[k].issue
            for i, name in enumerate(s.actor_names):
                positions[names.index(name), j] = s.positions[i, issue]
                saliences[names.index(name), j] = s.saliences[i, issue]
        combined = scenarios[0].replace(
            name=cases[rows[0]].proposal,
            actors=tuple(Actor(n) for n in names),
            issues=tuple(cases[k].scenario.issues[cases[k].issue] for k in rows),
            capabilities=np.array([capability[n] for n in names]),
            positions=positions,
            saliences=saliences,
            capability_ranges=None,
            position_ranges=None,
            salience_ranges=None,
            sources={},
            model_parameters={},
        )
        out.append((combined, rows, list(range(len(rows)))))
    return out


def unanimity_scenario(case: Case) -> Scenario | None:
    """A case decided by unanimity with a reference point, as a scenario whose member states are veto players
    on its issue (walk-away: the reference point, no cost of no deal); None for other cases."""
    from dataclasses import replace

    from ktokovo.core.scenario import Veto

    issue = case.scenario.issues[case.issue]
    if case.groups.get("voting_rule") != "Unan" or issue.status_quo is None:
        return None
    states = [a for a in case.scenario.actor_names if a not in ("Commission", "Parliament")]
    return replace(case.scenario, vetoes=tuple(Veto(a, issues=(issue.name,)) for a in states), linkages=(), shocks=())


def _with_vetoes(cases: list[Case], forecasts: np.ndarray) -> np.ndarray:
    """Issues decided by unanimity, with a reference point: every member state is a veto player whose walk-away
    point is the reference point (no cost of no deal). If no package satisfies them all, the forecast is the
    reference point (no change); otherwise the model's forecast is brought into the zone of agreement. Other
    issues keep the model's forecast."""
    from ktokovo.analysis.deal import has_zone, problem, project

    out = forecasts.copy()
    for k, case in enumerate(cases):
        issue = case.scenario.issues[case.issue]
        scenario = unanimity_scenario(case)
        if scenario is None or np.isnan(forecasts[k]):
            continue
        p = problem(scenario)
        if not has_zone(p):
            out[k] = issue.status_quo
            continue
        target = np.zeros(len(scenario.issues))
        target[case.issue] = float(issue.to_unit(forecasts[k]))
        inside = project(p, target)
        out[k] = forecasts[k] if inside is None else float(issue.from_unit(inside[case.issue]))
    return out


def cases_from_scenarios(scenarios: list[Scenario]) -> list[Case]:
    """Every issue with a recorded outcome; issues of one scenario form one proposal."""
    return [
        Case(f"{s.name}/{issue.name}", s.name, s, j)
        for s in scenarios
        for j, issue in enumerate(s.issues)
        if issue.outcome is not None
    ]


def cases_from_deu(deu_cases: Sequence[Any], scheme: str, table: dict[str, float] | None = None) -> list[Case]:
    """Scoreable cases from the DEU reader's (:class:`ktokovo.io.deu.DeuCase`: issue_id, proposal, introduced,
    procedure, voting_rule, scenario), broken down by treaty period, procedure and voting rule, with
    capabilities from ``scheme`` (see :func:`apply_scheme`)."""
    return [
        apply_scheme(
            Case(
                c.issue_id,
                c.proposal,
                c.scenario,
                0,
                {"period": treaty_period(c.introduced), "procedure": c.procedure, "voting_rule": c.voting_rule},
                c.introduced,
            ),
            scheme,
            table,
            introduced=c.introduced,
            procedure=c.procedure,
        )
        for c in deu_cases
    ]
