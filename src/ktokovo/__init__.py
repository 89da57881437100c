"""ktokovo: model a multi-party negotiation and forecast who gets the better of whom.

>>> import ktokovo
>>> sc = ktokovo.load("ukraine-2025")
>>> res = ktokovo.run(sc, model="bdm", preset="scholz2011", rounds=10, seed=0)
>>> frame = res.to_frame()
"""

from ktokovo.analysis.gains import gains, issue_gains, pairwise
from ktokovo.analysis.ledger import as_of, verify_ledger
from ktokovo.analysis.sensitivity import Sensitivity, sensitivity
from ktokovo.analysis.uncertainty import SampleResult, sample_forecasts
from ktokovo.analysis.whatif import what_if
from ktokovo.core._version import __version__
from ktokovo.core.errors import KtokovoError, ParameterError, Problem, ScenarioError
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Actor, Issue, LedgerEntry, Scenario, Shock, Source
from ktokovo.io import builtin_scenarios, dumps, load, loads, save
from ktokovo.models import MODELS
from ktokovo.models.runner import run

__all__ = [
    "__version__",
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
