"""Score the models against real outcomes: the leaderboard, its breakdowns, and the procedural model's
cross-validation against the compromise model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from ktokovo.core.errors import ParameterError
from ktokovo.core.jsonable import to_jsonable
from ktokovo.evaluation.backtest import DEFAULT_MODELS, TUNED, Backtest, Case
from ktokovo.evaluation.backtest import backtest as score
from ktokovo.evaluation.crossval import CrossValidation, cross_validate
from ktokovo.evaluation.distributions import SPREADS, Calibration, calibrate, draw_forecasts
from ktokovo.evaluation.ontable import OnTable
from ktokovo.evaluation.ontable import on_table as snap_to_table
from ktokovo.evaluation.outofsample import FOLDS, REPEATS, Sample, Score, evaluate, forecasters
from ktokovo.models import resolve_parameters


@dataclass(frozen=True)
class BacktestReport:
    """``skipped``: the issues the reader left out, with why; ``sources``: what was read; ``citation``: the
    data's citation, to print with every figure (the DEU data are CC BY 4.0)."""

    result: Backtest
    skipped: tuple[str, ...]
    sources: tuple[str, ...]
    citation: str
    validation: CrossValidation | None = None
    table: OnTable | None = None
    calibration: tuple[Calibration, ...] = ()
    not_calibrated: dict[str, str] = field(default_factory=dict)
    out_of_sample: tuple[Score, ...] = ()
    repeats: int = 0
    fitted: dict[str, str] = field(default_factory=dict)
    """What the learning forecasters choose when fitted on every case (``choice``: its coefficients;
    ``mean@table``: its distances), as a new negotiation's on-table view uses them."""

    @property
    def cases(self) -> list[Case]:
        return self.result.cases

    def keys(self) -> list[str]:
        """The breakdown keys the cases carry (period, procedure, voting_rule, ...)."""
        return sorted({k for c in self.cases for k in c.groups})

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ktokovo backtest --json`` (and the run store's summary): computed once, since its
        bootstrap intervals take seconds; the same object on every call, not to be changed."""
        return self._data

    @cached_property
    def _data(self) -> dict[str, Any]:
        result = self.result
        data: dict[str, Any] = {
            "cases": len(self.cases),
            "skipped": list(self.skipped),
            "not_run": result.skipped,
            "in_sample": [m for m in TUNED if m in result.models],  # scored out of sample under "crossval"
            "capabilities": result.scheme,
            "bootstrap": result.bootstrap,
            "source": list(self.sources),
            "citation": self.citation,
            "models": {
                row["model"]: {
                    "scores": row,
                    "predictions": {
                        c.issue_id: v
                        for c, v in zip(
                            self.cases, result.predictions[:, result.models.index(row["model"])], strict=True
                        )
                    },
                }
                for row in result.scores()
            },
            "breakdowns": {key: result.breakdown(key) for key in self.keys()},
        }
        if self.calibration:
            data["distributions"] = {
                "models": [c.to_dict() for c in self.calibration],
                "not_run": self.not_calibrated,
            }
        if self.out_of_sample:
            data["out_of_sample"] = {
                "folds": FOLDS,
                "repeats": self.repeats,
                "scores": [score.to_dict(rows=False) for score in self.out_of_sample],
                "fitted_on_every_issue": self.fitted,
            }
        if self.table is not None:
            data["on_table"] = {
                "folds": self.table.folds,
                "chosen": self.table.chosen,
                "wins": self.table.wins,
            }
        if self.validation is not None:
            v = self.validation
            data["crossval"] = {
                "folds": v.folds,
                "mae_procedural": v.mae_procedural,
                "mae_compromise": v.mae_compromise,
                "difference_interval": [v.difference_low, v.difference_high],
                "chosen": [list(p) for p in v.chosen],
                "whole_sample": list(v.whole_sample),
            }
        return to_jsonable(data)


def backtest(
    cases: list[Case],
    models: Sequence[str] | None = None,
    *,
    scheme: str = "equal",
    bootstrap: int = 1000,
    seed: int = 0,
    veto_unanimity: bool = False,
    crossval: bool = False,
    on_table: bool = False,
    distributions: int = 0,
    repeats: int = REPEATS,
    skipped: Sequence[str] = (),
    sources: Sequence[str] = (),
    citation: str = "",
    progress: Any = None,
) -> BacktestReport:
    """Run ``models`` (default: every model) on every case and score them; with ``on_table``, also each model's
    on-the-table variant, out of sample (:mod:`ktokovo.evaluation.ontable`), in the same leaderboard; with
    ``distributions`` draws, each batch model's predictive distributions scored
    (:mod:`ktokovo.evaluation.distributions`). With ``crossval``, every forecaster of
    :mod:`ktokovo.evaluation.outofsample` scored out of sample: 5 folds grouped by proposal repeated
    ``repeats`` times, and a split by date where every case has its date; with ``distributions`` too, each
    batch model's input draws with the spread of positions chosen in the training folds. ``progress(text)``
    is told each step."""
    names = tuple(models or DEFAULT_MODELS)
    for name in names:
        resolve_parameters(name, None, {})
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ParameterError(f"repeats must be a whole number >= 1, not {repeats!r}")
    if crossval:
        if "mean" not in names:
            raise ParameterError("--crossval compares every forecaster with the compromise model: include -m mean")
        proposals = len({c.proposal for c in cases})
        if proposals < FOLDS:
            raise ParameterError(
                f"--crossval needs at least {FOLDS} proposals to hold out one fold at a time; these cases come "
                f"from {proposals}"
            )
    tell = progress or (lambda text: None)
    tell("running the models on every case")
    result = score(cases, names, bootstrap=bootstrap, seed=seed, scheme=scheme, veto_unanimity=veto_unanimity)
    validation = cross_validate(cases, seed=seed, bootstrap=bootstrap) if crossval else None
    if distributions:
        tell(f"drawing {distributions} forecasts of every case")
    calibration, not_calibrated = calibrate(result, distributions, seed) if distributions else ([], {})
    out_of_sample: tuple[Score, ...] = ()
    fitted: dict[str, str] = {}
    if crossval:
        drawn = {}
        for c in calibration:
            tell(f"drawing {c.model}'s forecasts under {len(SPREADS)} spreads of positions")
            drawn[c.model] = {s: draw_forecasts(result, c.model, distributions, seed, {"position": s}) for s in SPREADS}
        tell("scoring every forecaster out of sample")
        sample = Sample.of(result)
        found = forecasters(sample, drawn)
        splits = ("folds", "date") if all(c.introduced is not None for c in cases) else ("folds",)
        for split in splits:
            out_of_sample += tuple(evaluate(sample, found, split, repeats=repeats, seed=seed, bootstrap=bootstrap))
        every = np.arange(len(cases))
        fitted = {f.name: f.fit(every)[1] for f in found if f.name in ("choice", "mean@table")}
    table = None
    if on_table:
        table = snap_to_table(result, seed=seed)
        result = replace(
            result,
            models=[*result.models, *table.models],
            predictions=np.column_stack([result.predictions, table.predictions]),
        )
    return BacktestReport(
        result,
        tuple(skipped),
        tuple(sources),
        citation,
        validation,
        table,
        tuple(calibration),
        not_calibrated,
        out_of_sample,
        repeats if crossval else 0,
        fitted,
    )
