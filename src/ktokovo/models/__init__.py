"""The collective-decision models, one module each, and their registry.

Each module holds a frozen parameters dataclass, its named presets (instances of it), pure solve functions
with the paper's equations in their docstrings, and one :class:`~ktokovo.models.contract.IssueModel` or
:class:`~ktokovo.models.contract.JointModel` record naming them (see :mod:`ktokovo.models.contract`).
:data:`MODELS` lists the records; everything that lists models (the CLI's choices, the web schema, the report,
``ktokovo models``) reads it. A new model is one module and one line here.
"""

from __future__ import annotations

from ktokovo.models.contract import IssueModel, JointModel, Model, Parameters
from ktokovo.models.registry import BATCHED, DESCRIPTIONS, MODELS, STANDARD, get
from ktokovo.models.runner import resolve_parameters, run

__all__ = [
    "BATCHED",
    "DESCRIPTIONS",
    "MODELS",
    "STANDARD",
    "IssueModel",
    "JointModel",
    "Model",
    "Parameters",
    "get",
    "resolve_parameters",
    "run",
]
