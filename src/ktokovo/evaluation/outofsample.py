"""Every forecaster scored out of sample, as a point and as a distribution, against the compromise model.

A *forecaster* turns a case into a predictive distribution of its outcome (0–100). Some learn nothing from
the data (a model's point forecast, its mechanism's distribution); the others choose something on the
training cases: the procedural model's weights, the on-the-table distance, the spread of the input draws,
the discrete choice model's coefficients. Each is scored only on cases it did not learn from, under two
splits:

- ``folds``: 5 folds grouped by proposal (every issue of a proposal in the same fold), repeated over
  ``repeats`` random assignments of proposals to folds; each case's scores are averaged over the repeats.
- ``date``: train on the earlier half of the proposals (by the DEU ``intro`` date) and test on the later, then
  the reverse.

Scores per case, with y the outcome and F the forecaster's distribution (lower is better for every score):

- the absolute error of F's median (the point that minimises the expected absolute error; a point forecast's
  own value);
- CRPS(F, y) = E|X − y| − E|X − X'|/2 (Gneiting & Raftery 2007, eq. 21); a point forecast's CRPS is its
  absolute error, so CRPS is comparable with the compromise model's MAE;
- the log score −ln p(y) on the scale cut into 21 bins 5 points wide (centred on 0, 5, ..., 100), with
  p = 0.99 · F(bin of y) + 0.01 / 21: a distribution that puts all its mass on positions must still admit
  that it can be wrong, and a density has no meaning for outcomes that sit exactly on a position. The bins
  and the 1% floor are ktokovo's choices, the same for every forecaster, so the scores compare;
- the PIT F(y−) + F({y})/2 (the mid-distribution PIT), and whether y lies in the central 50%, 80% and 95%
  intervals: a calibrated forecaster's PIT is uniform and its intervals cover 50%, 80% and 95%.

The ratios reported are Σ|error| / Σ|compromise error| and Σ CRPS / Σ|compromise error| over the same cases,
each with a 95% percentile interval from a bootstrap that resamples proposals.

The discrete choice forecaster (``choice``) gives probabilities over the positions on the table (each
actor's position and the reference point) and one more candidate, "off the table", placed at the compromise
forecast. It is a conditional logit (McFadden 1974): P(t) ∝ exp(β · x_t), with x_t the candidate's
features (:data:`FEATURES`); β maximises the training cases' log-likelihood with a ridge penalty
λ · |β|² / 2, λ chosen from :data:`RIDGES` by the mean CRPS of an inner 4-fold cross-validation (grouped by
proposal) on the training cases alone. An outcome equal to an on-table value (within 1e-6) is that
candidate's; any other outcome is "off the table".
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ktokovo.core.errors import ParameterError
from ktokovo.evaluation.backtest import TUNED, Backtest, Case
from ktokovo.evaluation.ontable import best_distance, on_table_sets, snap, unit_scale
from ktokovo.evaluation.scores import crps

LEVELS = (0.5, 0.8, 0.95)
BIN = 5.0
FLOOR = 0.01
BINS = int(100 / BIN) + 1
RIDGES = (1.0, 3.0, 10.0, 30.0)
"""The discrete choice model's candidate ridge penalties, chosen by :func:`choose_ridge` inside the training
part."""
INNER = 4
FOLDS = 5
REPEATS = 3
MECHANISMS = ("bdm", "smp", "exchange")
"""Models whose mechanism gives a distribution of the outcome: the final positions, weighted by SMP's
winning probabilities, and by capability × salience for BDM and the exchange model."""
FEATURES = (
    "distance to the compromise forecast (per 100 points)",
    "share of capability × salience at the position",
    "is the reference point",
    "is the Commission's position",
    "is the Parliament's position",
    "is an end of the table (lowest or highest position)",
    "off the table",
    "off the table, on a two-point issue",
)


@dataclass(frozen=True)
class Distribution:
    """A discrete predictive distribution on 0–100: ``values`` with ``weights`` summing to 1 (a sample of
    draws weighs each draw equally)."""

    values: np.ndarray
    weights: np.ndarray

    @classmethod
    def point(cls, value: float) -> Distribution:
        return cls(np.array([float(value)]), np.array([1.0]))

    @classmethod
    def sample(cls, draws: np.ndarray) -> Distribution:
        return cls(np.asarray(draws, dtype=float), np.full(len(draws), 1.0 / len(draws)))

    def quantile(self, q: float) -> float:
        """The smallest value whose cumulative weight reaches q."""
        order = np.argsort(self.values, kind="stable")
        cumulative = np.cumsum(self.weights[order])
        return float(self.values[order][min(int(np.searchsorted(cumulative, q - 1e-12)), len(order) - 1)])

    def median(self) -> float:
        return self.quantile(0.5)

    def scores(self, y: float) -> dict[str, Any]:
        below = float(self.weights[self.values < y].sum())
        at = float(self.weights[np.abs(self.values - y) <= 1e-9].sum())
        same_bin = _bin(self.values) == _bin(np.array([y]))[0]
        probability = (1 - FLOOR) * float(self.weights[same_bin].sum()) + FLOOR / BINS
        return {
            "point": self.median(),
            "error": abs(self.median() - y),
            "crps": crps(self.values, y, self.weights),
            "log": -float(np.log(probability)),
            "pit": min(1.0, below + at / 2),
            **{
                f"in{int(level * 100)}": float(
                    self.quantile((1 - level) / 2) - 1e-9 <= y <= self.quantile((1 + level) / 2) + 1e-9
                )
                for level in LEVELS
            },
        }


def _bin(values: np.ndarray) -> np.ndarray:
    return np.clip(np.floor(values / BIN + 0.5), 0, BINS - 1).astype(int)


Predict = Callable[[int], Distribution | None]
Fit = Callable[[np.ndarray], tuple[Predict, str]]


@dataclass(frozen=True)
class Forecaster:
    """``fit(train rows)`` gives a predictor of any case's distribution (None where it has none) and a note of
    what it chose; ``kind`` says what it is."""

    name: str
    kind: str
    fit: Fit


@dataclass(frozen=True)
class Sample:
    """The backtest's cases on 0–100: outcomes, every model's forecasts, the on-table sets; ``offset`` and
    ``factor`` take a value on a case's own scale to 0–100 (:func:`ktokovo.evaluation.ontable.unit_scale`)."""

    result: Backtest
    offset: np.ndarray
    factor: np.ndarray
    outcomes: np.ndarray
    forecasts: dict[str, np.ndarray]
    sets: list[np.ndarray]
    two: np.ndarray
    proposal: np.ndarray
    proposals: np.ndarray

    @classmethod
    def of(cls, result: Backtest) -> Sample:
        cases = result.cases
        low, unit = unit_scale(cases)
        sets, two = on_table_sets(cases)
        proposals, index = np.unique([c.proposal for c in cases], return_inverse=True)
        return cls(
            result,
            low,
            unit,
            low + unit * result.outcomes,
            {m: low + unit * result.predictions[:, k] for k, m in enumerate(result.models)},
            sets,
            two,
            index,
            proposals,
        )

    @property
    def cases(self) -> list[Case]:
        return self.result.cases


# -- forecasters -----------------------------------------------------------------------------------------------


def fixed(name: str, kind: str, distributions: list[Distribution | None]) -> Forecaster:
    """A forecaster that learns nothing."""
    return Forecaster(name, kind, lambda train: (lambda k: distributions[k], ""))


def point(sample: Sample, model: str) -> Forecaster:
    f = sample.forecasts[model]
    return fixed(model, "point", [None if np.isnan(v) else Distribution.point(v) for v in f])


def table(sample: Sample, base: Forecaster) -> Forecaster:
    """The on-the-table variant (:mod:`ktokovo.evaluation.ontable`) of ``base``'s point forecasts: ``base``
    fitted on the training rows, and the distances (two-point issues apart) chosen on the same rows."""

    def fit(train: np.ndarray) -> tuple[Predict, str]:
        predict, note = base.fit(train)
        f = np.array([np.nan if (d := predict(k)) is None else d.median() for k in range(len(sample.cases))])
        mask = np.zeros(len(f), dtype=bool)
        mask[train] = True
        two = best_distance(f, sample.outcomes, sample.sets, np.flatnonzero(mask & sample.two))
        more = best_distance(f, sample.outcomes, sample.sets, np.flatnonzero(mask & ~sample.two))
        snapped = snap(f, sample.sets, np.where(sample.two, two, more))
        chosen = f"{note}; {two:g}/{more:g}" if note else f"{two:g}/{more:g}"
        return (lambda k: None if np.isnan(snapped[k]) else Distribution.point(snapped[k])), chosen

    return Forecaster(f"{base.name}@table", "on the table", fit)


def draws(sample: Sample, model: str, candidates: dict[float, list[np.ndarray | None]]) -> Forecaster:
    """``model``'s forecasts from draws of the inputs under each candidate spread of positions (on the cases'
    scales, as :func:`ktokovo.evaluation.distributions.draw_forecasts` gives them)."""
    low, unit = sample.offset, sample.factor
    table_of = {
        s: [None if d is None else Distribution.sample(low[k] + unit[k] * d) for k, d in enumerate(ds)]
        for s, ds in candidates.items()
    }
    spreads = sorted(table_of)
    scores = np.array(
        [
            [np.nan if d is None else crps(d.values, y) for d, y in zip(table_of[s], sample.outcomes, strict=True)]
            for s in spreads
        ]
    )

    def fit(train: np.ndarray) -> tuple[Predict, str]:
        rows = train[~np.isnan(scores[0, train])]
        best = spreads[int(np.argmin(scores[:, rows].mean(axis=1)))]
        return (lambda k: table_of[best][k]), f"±{best:g}"

    return Forecaster(f"{model}~draws", "draws of the inputs", fit)


def mechanism(sample: Sample, model: str) -> Forecaster:
    """The final positions of ``model``'s runs in the backtest, weighted by its mechanism's outcome weights where
    it has them (SMP's winning probabilities) and by capability × salience otherwise."""
    out: list[Distribution | None] = [None] * len(sample.cases)
    for rows, issues, outcome in sample.result.results.get(model, []):
        scenario = outcome.scenario
        for k, j in zip(rows, issues, strict=True):
            issue = scenario.issues[j]
            final = outcome.positions[-1, :, j]
            present = ~np.isnan(final)
            if outcome.weights is not None:
                weights = np.where(present, outcome.weights, 0.0)
            else:
                weights = np.where(present, scenario.capabilities * scenario.saliences[:, j], 0.0)
            if weights.sum() <= 0:
                continue
            values = np.array([float(issue.to_unit(v)) for v in final[present]])
            out[k] = Distribution(values, weights[present] / weights.sum())
    return fixed(f"{model}~mechanism", "the model's mechanism", out)


def procedural(sample: Sample) -> Forecaster:
    """The procedural model with its weights chosen on the training rows (:mod:`ktokovo.evaluation.crossval`)."""
    from ktokovo.evaluation.crossval import GRID, _best, _terms, predict

    terms = _terms(sample.cases)
    points = list(itertools.product(*GRID.values()))

    def fit(train: np.ndarray) -> tuple[Predict, str]:
        chosen = _best(terms, sample.outcomes, train, points)
        values = predict(terms, chosen)
        return (lambda k: Distribution.point(values[k])), "/".join(f"{v:g}" for v in chosen)

    return Forecaster("procedural", "refit in the training folds", fit)


@dataclass(frozen=True)
class _Choices:
    """Every case's candidates, padded: values (n, C), features (n, C, p), mask (n, C), chosen (n,)."""

    values: np.ndarray
    features: np.ndarray
    mask: np.ndarray
    chosen: np.ndarray


def candidates(scenario: Any, j: int, compromise: float, table_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Issue ``j``'s candidates on 0–100 (the on-table values, then "off the table" at the compromise forecast
    ``compromise``) and their features (:data:`FEATURES`)."""
    x = scenario.unit_positions()[:, j]
    w = scenario.capabilities * scenario.saliences[:, j]
    present = ~np.isnan(x)
    issue = scenario.issues[j]
    sq = None if issue.status_quo is None else float(issue.to_unit(issue.status_quo))
    names = scenario.actor_names
    total = float(w[present].sum()) or 1.0
    features = []
    for t in table_values:
        at = present & (np.abs(np.nan_to_num(x) - t) <= 1e-9)
        holders = {names[i] for i in np.flatnonzero(at)}
        features.append(
            [
                abs(t - compromise) / 100.0,
                float(w[at].sum()) / total,
                float(sq is not None and abs(t - sq) <= 1e-9),
                float("Commission" in holders),
                float("Parliament" in holders),
                float(t in (table_values.min(), table_values.max())),
                0.0,
                0.0,
            ]
        )
    features.append([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, float(len(table_values) == 2)])
    return np.append(table_values, compromise), np.array(features)


def _choices(sample: Sample, reference: str = "mean") -> _Choices:
    f = sample.forecasts[reference]
    rows = []
    for k, case in enumerate(sample.cases):
        if np.isnan(f[k]):
            raise ParameterError(f"the discrete choice model needs the compromise forecast of {case.issue_id}")
        values, features = candidates(case.scenario, case.issue, float(f[k]), sample.sets[k])
        near = np.flatnonzero(np.abs(sample.sets[k] - sample.outcomes[k]) <= 1e-6)
        rows.append((values, features, int(near[0]) if len(near) else len(sample.sets[k])))
    width = max(len(r[0]) for r in rows)
    n, p = len(rows), len(FEATURES)
    padded = np.zeros((n, width))
    table = np.zeros((n, width, p))
    mask = np.zeros((n, width), dtype=bool)
    for k, (v, x, _) in enumerate(rows):
        padded[k, : len(v)], table[k, : len(v)], mask[k, : len(v)] = v, x, True
    return _Choices(padded, table, mask, np.array([r[2] for r in rows]))


def _probabilities(data: _Choices, beta: np.ndarray, rows: np.ndarray) -> np.ndarray:
    utility = np.where(data.mask[rows], data.features[rows] @ beta, -np.inf)
    utility -= utility.max(axis=1, keepdims=True)
    e = np.exp(utility)
    return e / e.sum(axis=1, keepdims=True)


def fit_choice(data: _Choices, rows: np.ndarray, ridge: float = 1.0) -> np.ndarray:
    """The conditional logit's coefficients on ``rows``: maximum likelihood with the penalty
    ``ridge`` · |β|² / 2 (L-BFGS-B with the analytic gradient)."""
    from scipy.optimize import minimize  # imported here: the CLI's start does not pay for it

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray]:
        p = _probabilities(data, beta, rows)
        picked = data.features[rows, data.chosen[rows]]
        expected = np.einsum("nc,ncp->np", p, data.features[rows])
        loss = -np.sum(np.log(p[np.arange(len(rows)), data.chosen[rows]] + 1e-300)) + ridge * beta @ beta / 2
        return float(loss), -(picked - expected).sum(axis=0) + ridge * beta

    found = minimize(objective, np.zeros(data.features.shape[2]), jac=True, method="L-BFGS-B")
    return np.asarray(found.x)


def choose_ridge(data: _Choices, rows: np.ndarray, groups: np.ndarray, outcomes: np.ndarray) -> float:
    """The ridge of :data:`RIDGES` with the least mean CRPS in an inner cross-validation on ``rows`` alone
    (:data:`INNER` folds of whole proposals, ``groups`` giving each case's proposal; the smaller ridge on a
    tie), so the penalty is chosen without the rows that will be tested."""
    names = np.unique(groups[rows])
    fold = dict(zip(names, np.random.default_rng(0).permutation(len(names)) % INNER, strict=True))
    inner = np.array([fold[g] for g in groups[rows]])
    scores = []
    for ridge in RIDGES:
        total = 0.0
        for k in range(INNER):
            train, test = rows[inner != k], rows[inner == k]
            if not len(train) or not len(test):
                continue
            p = _probabilities(data, fit_choice(data, train, ridge), test)
            for i, r in enumerate(test):
                keep = data.mask[r]
                total += crps(data.values[r, keep], float(outcomes[r]), p[i, keep])
        scores.append(total)
    return float(RIDGES[int(np.argmin(scores))])


def choice(sample: Sample) -> Forecaster:
    """The discrete choice model of which position wins (see the module docstring)."""
    data = _choices(sample)
    every = np.arange(len(sample.cases))

    def fit(train: np.ndarray) -> tuple[Predict, str]:
        ridge = choose_ridge(data, train, sample.proposal, sample.outcomes)
        beta = fit_choice(data, train, ridge)
        p = _probabilities(data, beta, every)

        def predict(k: int) -> Distribution:
            keep = data.mask[k]
            return Distribution(data.values[k, keep], p[k, keep])

        return predict, f"ridge {ridge:g}: " + " ".join(f"{b:+.2f}" for b in beta)

    return Forecaster("choice", "discrete choice over the table", fit)


# -- scoring ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """One forecaster under one split: mean scores over the cases it forecast, the ratios to the compromise
    model's MAE on them with 95% bootstrap intervals, the coverage of the central intervals, the PIT histogram
    (ten bins), what it chose in each training part (``chosen``), and per case its scores (``rows``)."""

    name: str
    kind: str
    split: str
    n: int
    mae: float
    crps: float
    log: float
    reference: float
    mae_ratio: tuple[float, float, float]
    crps_ratio: tuple[float, float, float]
    coverage: dict[str, float]
    pit: list[int]
    chosen: list[str]
    rows: list[dict[str, Any]] = field(repr=False)

    def to_dict(self, rows: bool = True) -> dict[str, Any]:
        data = {
            "forecaster": self.name,
            "kind": self.kind,
            "split": self.split,
            "n": self.n,
            "mae": self.mae,
            "crps": self.crps,
            "log_score": self.log,
            "compromise_mae": self.reference,
            "mae_ratio": self.mae_ratio[0],
            "mae_ratio_interval": list(self.mae_ratio[1:]),
            "crps_ratio": self.crps_ratio[0],
            "crps_ratio_interval": list(self.crps_ratio[1:]),
            "coverage": self.coverage,
            "pit": self.pit,
            "chosen": self.chosen,
        }
        if rows:
            data["issues"] = self.rows
        return data


def assignments(sample: Sample, split: str, repeats: int = REPEATS, seed: int = 0) -> list[np.ndarray]:
    """Per repeat, each case's fold: 5 folds grouped by proposal (``folds``), or the earlier half of the
    proposals by date against the later (``date``, one repeat)."""
    if split == "folds":
        n = len(sample.proposals)
        return [(np.random.default_rng(seed + r).permutation(n) % FOLDS)[sample.proposal] for r in range(repeats)]
    if split != "date":
        raise ParameterError(f"split must be 'folds' or 'date', not {split!r}")
    dated = {c.proposal: c.introduced for c in sample.cases}
    if any(d is None for d in dated.values()):
        raise ParameterError("a split by date needs every proposal's date (DEU intro)")
    order = sorted(dated, key=lambda p: (dated[p], p))
    later = set(order[len(order) // 2 :])
    return [np.array([int(c.proposal in later) for c in sample.cases])]


def evaluate(
    sample: Sample,
    forecasters: list[Forecaster],
    split: str = "folds",
    *,
    repeats: int = REPEATS,
    seed: int = 0,
    bootstrap: int = 1000,
    reference: str = "mean",
) -> list[Score]:
    """Every forecaster scored out of sample under ``split`` against the ``reference`` model's point forecast."""
    if reference not in sample.forecasts:
        raise ParameterError("the out-of-sample scores compare with the compromise model: include -m mean")
    plans = assignments(sample, split, repeats, seed)
    base = np.abs(sample.forecasts[reference] - sample.outcomes)
    counts = np.random.default_rng(seed).multinomial(
        len(sample.proposals), np.full(len(sample.proposals), 1 / len(sample.proposals)), size=bootstrap
    )[:, sample.proposal]
    out = []
    for forecaster in forecasters:
        per_repeat: list[list[dict[str, Any] | None]] = []
        chosen = []
        for fold in plans:
            found: list[dict[str, Any] | None] = [None] * len(sample.cases)
            for k in np.unique(fold):
                predict, note = forecaster.fit(np.flatnonzero(fold != k))
                chosen.append(note)
                for r in np.flatnonzero(fold == k):
                    d = predict(int(r))
                    found[r] = None if d is None else d.scores(float(sample.outcomes[r]))
            per_repeat.append(found)
        rows = [
            k for k in range(len(sample.cases)) if all(f[k] is not None for f in per_repeat) and not np.isnan(base[k])
        ]
        if not rows:
            continue
        keys = [key for key in per_repeat[0][rows[0]] if key != "point"]  # type: ignore[union-attr]
        table = {
            key: np.array([np.mean([f[k][key] for f in per_repeat]) for k in rows])  # type: ignore[index]
            for key in keys
        }
        ref = base[rows]
        weights = counts[:, rows]

        def ratio(
            values: np.ndarray, ref: np.ndarray = ref, weights: np.ndarray = weights
        ) -> tuple[float, float, float]:
            spread = (weights @ values) / (weights @ ref)
            low, high = np.percentile(spread, [2.5, 97.5])
            return float(values.sum() / ref.sum()), float(low), float(high)

        cases = sample.cases
        out.append(
            Score(
                forecaster.name,
                forecaster.kind,
                split,
                len(rows),
                float(table["error"].mean()),
                float(table["crps"].mean()),
                float(table["log"].mean()),
                float(ref.mean()),
                ratio(table["error"]),
                ratio(table["crps"]),
                {f"{int(level * 100)}%": float(table[f"in{int(level * 100)}"].mean()) for level in LEVELS},
                np.histogram(table["pit"], bins=10, range=(0.0, 1.0))[0].astype(int).tolist(),
                chosen,
                [
                    {
                        "issue": cases[k].issue_id,
                        "proposal": cases[k].proposal,
                        "outcome": float(sample.outcomes[k]),
                        "point": float(np.mean([f[k]["point"] for f in per_repeat])),  # type: ignore[index]
                        **{key: float(table[key][i]) for key in ("error", "crps", "log", "pit")},
                        "compromise_error": float(base[k]),
                    }
                    for i, k in enumerate(rows)
                ],
            )
        )
    return out


def forecasters(
    sample: Sample, drawn: dict[str, dict[float, list[np.ndarray | None]]] | None = None
) -> list[Forecaster]:
    """The standard set on ``sample``: every model's point forecast (the procedural model's refit in the
    folds), the on-the-table variant of each, the mechanisms' distributions,
    the input draws (``drawn``: per model, per spread, each case's draws), and the discrete choice model."""
    models = [m for m in sample.result.models if m != "status_quo" and "@" not in m and "+" not in m]
    # the procedural model's defaults were chosen on the DEU sample: out of sample it is refit in each fold
    found = [procedural(sample) if m in TUNED else point(sample, m) for m in models]
    found += [table(sample, base) for base in list(found)]
    found += [mechanism(sample, m) for m in MECHANISMS if m in models]
    found += [draws(sample, m, by_spread) for m, by_spread in (drawn or {}).items()]
    found.append(choice(sample))
    return found


# -- a new negotiation seen through what the DEU sample taught ------------------------------------------------

FITTED_RIDGE = 10.0
FITTED_CHOICE = (-0.8138, 0.2955, 0.2059, 0.1794, 0.4569, -0.616, 0.2052, -0.446)
"""The discrete choice model's ridge (chosen by :func:`choose_ridge`) and coefficients (:data:`FEATURES`)
fitted on every issue of the DEU III sample
shipped with ktokovo (tests/data/deu3_train.tsv; Arregui & Perarnaud 2022, CC BY 4.0), equal capabilities:
printed as "fitted on every issue" by ``ktokovo backtest deu tests/data/deu3_train.tsv -m mean --crossval``
(a test recomputes them)."""
FITTED_DISTANCE = (23.0, 22.0)
"""The compromise model's on-the-table distances (two-point issues, others) fitted on the same sample."""
OUT_OF_SAMPLE = {"mean@table": (24.0, 24.0), "choice": (22.4, 16.2)}
"""MAE and CRPS out of sample on the same sample (5 folds grouped by proposal, 3 repeats, seed 0), shown next
to a new negotiation's on-table view; the compromise model's MAE there is 23.9."""


@dataclass(frozen=True)
class TableView:
    """One issue of a scenario seen as a choice among the positions on the table, with the discrete choice model
    and on-table distances learned on EU legislation (:data:`FITTED_CHOICE`, :data:`FITTED_DISTANCE`), on the
    issue's own scale: ``positions`` (value, who holds it, probability), best first; ``off_table`` the
    probability of an outcome off the table (placed at the compromise forecast); the distribution's median and
    central 80% interval; ``snapped`` the compromise forecast's on-the-table variant."""

    issue: str
    positions: list[tuple[float, tuple[str, ...], float]]
    off_table: float
    median: float
    low: float
    high: float
    snapped: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "issue": self.issue,
            "positions": [{"value": v, "held_by": list(h), "probability": p} for v, h, p in self.positions],
            "off_table": self.off_table,
            "median": self.median,
            "interval80": [self.low, self.high],
            "mean_on_table": self.snapped,
        }


def table_view(scenario: Any, compromise: np.ndarray) -> list[TableView]:
    """Every issue of ``scenario`` as a choice among the positions on the table, given the compromise model's
    forecasts (``compromise``, on each issue's scale)."""
    from ktokovo.evaluation.backtest import Case

    beta = np.array(FITTED_CHOICE)
    out = []
    for j, issue in enumerate(scenario.issues):
        (table_values,), (two,) = on_table_sets([Case(issue.name, scenario.name, scenario, j)])
        f = float(issue.to_unit(compromise[j]))
        values, features = candidates(scenario, j, f, table_values)
        utility = features @ beta
        p = np.exp(utility - utility.max())
        p /= p.sum()
        d = Distribution(values, p)
        unit = scenario.unit_positions()[:, j]
        holders = []
        for t in table_values:
            names = [
                a for a, x in zip(scenario.actor_names, unit, strict=True) if not np.isnan(x) and abs(x - t) <= 1e-9
            ]
            if issue.status_quo is not None and abs(float(issue.to_unit(issue.status_quo)) - t) <= 1e-9:
                names.append("status quo")
            holders.append(tuple(names))
        snapped = snap(np.array([f]), [table_values], np.array([FITTED_DISTANCE[0] if two else FITTED_DISTANCE[1]]))[0]
        back = issue.from_unit
        ranked = sorted(
            ((float(back(t)), h, float(q)) for t, h, q in zip(table_values, holders, p, strict=False)),
            key=lambda row: -row[2],
        )
        out.append(
            TableView(
                issue.name,
                ranked,
                float(p[-1]),
                float(back(d.median())),
                float(back(d.quantile(0.1))),
                float(back(d.quantile(0.9))),
                float(back(snapped)),
            )
        )
    return out


def on_table_of(scenario: Any, results: Sequence[Any]) -> list[TableView] | None:
    """:func:`table_view` from the compromise model's result among ``results``; None if ``mean`` is not there."""
    mean = next((r for r in results if r.model == "mean"), None)
    return None if mean is None else table_view(scenario, mean.forecast)
