"""The registry: every model by name, and what is derived from it."""

from __future__ import annotations

from ktokovo.core.errors import ParameterError
from ktokovo.models import bdm, exchange, mean, median, nash, procedural, smp
from ktokovo.models.contract import Model

MODELS: dict[str, Model] = {
    module.MODEL.name: module.MODEL for module in (mean, median, nash, bdm, smp, exchange, procedural)
}
"""The models by name, in the order ktokovo shows them."""

DESCRIPTIONS = {name: model.description for name, model in MODELS.items()}
"""One line per model on what it does."""

BATCHED = tuple(name for name, model in MODELS.items() if model.solve_batch is not None)
"""Models whose draws can be evaluated a batch at once (the others run draw by draw)."""

STANDARD = ("mean", "median", "nash", "bdm")
"""What a forecast runs unless told otherwise: the per-issue models."""


def get(name: str) -> Model:
    """The model called ``name``, or a :class:`~ktokovo.core.errors.ParameterError` listing the known ones."""
    if name not in MODELS:
        raise ParameterError(f"unknown model '{name}'; known models: {', '.join(MODELS)}")
    return MODELS[name]
