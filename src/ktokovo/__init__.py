"""ktokovo: model a multi-party negotiation and forecast who gets the better of whom.

>>> import ktokovo
>>> sc = ktokovo.load("ukraine-2025")
>>> res = ktokovo.run(sc, model="bdm", preset="scholz2011", rounds=10, seed=0)
>>> frame = res.to_frame()
"""

from ._errors import KtokovoError, ParameterError, Problem, ScenarioError
from ._ledger import as_of, verify_ledger
from ._run import ModelResult, run
from ._scenario import Actor, Issue, LedgerEntry, Scenario, Shock, Source
from ._sensitivity import Sensitivity, sensitivity
from ._uncertainty import SampleResult, sample_forecasts
from ._whatif import what_if
from ._whowhom import gains, issue_gains, pairwise
from .formats import builtin_scenarios, dumps, load, loads, save
from .models import MODELS

__all__ = [
    "MODELS",
    "Actor",
    "Issue",
    "KtokovoError",
    "LedgerEntry",
    "ModelResult",
    "ParameterError",
    "Problem",
    "Scenario",
    "SampleResult",
    "ScenarioError",
    "Sensitivity",
    "Shock",
    "Source",
    "as_of",
    "builtin_scenarios",
    "dumps",
    "gains",
    "issue_gains",
    "load",
    "loads",
    "pairwise",
    "run",
    "sample_forecasts",
    "save",
    "sensitivity",
    "verify_ledger",
    "what_if",
]
