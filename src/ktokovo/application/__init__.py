"""The application layer: one function per thing a user asks, each returning a result with one ``to_dict()``.

The CLI and the web service parse their input, call these, and render the result; ``--json`` prints
``to_dict()`` and the web answers with it, so both give the same numbers. Nothing here knows about terminals,
HTTP, files or the run store.
"""

from ktokovo.application.advice import advice, advice_counting_no_deal, advice_dict
from ktokovo.application.backtest import BacktestReport, backtest
from ktokovo.application.citations import CitationReport, cite_check, cited
from ktokovo.application.compare import Comparison, compare
from ktokovo.application.deal import DealReport, deal
from ktokovo.application.diff import Difference, diff
from ktokovo.application.drift import Drift, drift
from ktokovo.application.explain import explanation, explanation_dict
from ktokovo.application.forecast import DealLead, Forecast, Progress, applicable, assemble, forecast
from ktokovo.application.panel import PANEL_MODELS, PanelReport, panel
from ktokovo.application.power import PowerReport, voting_power
from ktokovo.application.report import Report, build_report
from ktokovo.application.sensitivity import SensitivityReport, sensitivity

__all__ = [
    "PANEL_MODELS",
    "BacktestReport",
    "CitationReport",
    "Comparison",
    "DealLead",
    "DealReport",
    "Difference",
    "Drift",
    "Forecast",
    "PanelReport",
    "PowerReport",
    "Progress",
    "Report",
    "SensitivityReport",
    "advice",
    "advice_counting_no_deal",
    "advice_dict",
    "applicable",
    "assemble",
    "backtest",
    "build_report",
    "cite_check",
    "cited",
    "compare",
    "deal",
    "diff",
    "drift",
    "explanation",
    "explanation_dict",
    "forecast",
    "panel",
    "sensitivity",
    "voting_power",
]
