"""Say so when numba compiles ktokovo's kernels (the first run on a machine; after that they load from numba's
on-disk cache, ``cache=True``).

numba broadcasts a ``"numba:compile"`` event only when a kernel is really compiled, not when it is loaded from
the cache, so a listener on it tells the two apart. The front end chooses how the notice is shown
(:func:`on_compile`); this module imports numba only when a kernel module calls :func:`watch`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MESSAGE = "compiling the models, first run only"

_state: dict[str, Any] = {"notice": None, "said": False, "watching": False}


def on_compile(notice: Callable[[str], None] | None) -> None:
    """Call ``notice(MESSAGE)`` once, when the first kernel of this process starts compiling."""
    _state["notice"] = notice


def watch() -> None:
    """Listen for numba's compilations (called by each kernel module when it is imported; once is enough)."""
    if _state["watching"]:
        return
    from numba.core import event

    class _Listener(event.Listener):  # type: ignore[misc]
        def on_start(self, event: Any) -> None:
            notice = _state["notice"]
            if notice is not None and not _state["said"]:
                _state["said"] = True
                notice(MESSAGE)

        def on_end(self, event: Any) -> None:
            pass

    event.register("numba:compile", _Listener())
    _state["watching"] = True
