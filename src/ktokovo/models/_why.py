"""What moved each actor, recorded by the models themselves while they run (for ``ktokovo explain``).

Nothing is recorded unless a caller asks with :func:`recording`; the models then :func:`note` what their own
computation decided (the challenge an actor accepted, the bargain that won, the trade it made), with actor
indices of the arrays they work on. :func:`scope` maps those back: the runner and a model's preparation
declare which actors (and which issue) the arrays below them hold, so every note reaches the caller with
the scenario's own actor and issue indices. A run that records computes exactly what it computes otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

_LOG: ContextVar[list[dict[str, Any]] | None] = ContextVar("ktokovo_why_log", default=None)
_SCOPES: ContextVar[tuple[tuple[np.ndarray | None, int | None], ...]] = ContextVar("ktokovo_why_scopes", default=())


def active() -> bool:
    """Whether a caller is recording (models skip the bookkeeping otherwise)."""
    return _LOG.get() is not None


@contextmanager
def recording() -> Iterator[list[dict[str, Any]]]:
    """Record every note made inside the block; the list is filled as the models run."""
    log: list[dict[str, Any]] = []
    token = _LOG.set(log)
    try:
        yield log
    finally:
        _LOG.reset(token)


@contextmanager
def scope(actors: np.ndarray | None = None, issue: int | None = None) -> Iterator[None]:
    """Below this block, actor k of the arrays is ``actors[k]`` of the level above (None: the same), and the
    notes concern ``issue`` (None: they name their issues themselves)."""
    token = _SCOPES.set((*_SCOPES.get(), (None if actors is None else np.asarray(actors), issue)))
    try:
        yield
    finally:
        _SCOPES.reset(token)


def actor(k: int) -> int:
    """Actor ``k`` of the innermost arrays as the scenario's index."""
    for mapping, _ in reversed(_SCOPES.get()):
        if mapping is not None:
            k = int(mapping[k])
    return k


def issue() -> int | None:
    """The issue the innermost scope declares (None outside an issue's scope: joint models name their own)."""
    for _, declared in reversed(_SCOPES.get()):
        if declared is not None:
            return declared
    return None


def note(entry: dict[str, Any]) -> None:
    """Record one decision (if recording); ``entry`` uses :func:`actor` and :func:`issue` indices already."""
    log = _LOG.get()
    if log is not None:
        log.append(entry)
