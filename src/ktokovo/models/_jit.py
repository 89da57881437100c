"""Kernels written once and run two ways: compiled by numba, or as the plain Python they are written in.

A process that compiles, or loads from numba's on-disk cache, even one kernel pays for numba's own start (its
import, its typing registries and a BLAS check: about a second here, ``benchmarks/cold_start.py``). On a small
case the plain functions finish long before that, so a model may run them as they are and leave numba
unimported. :func:`kernel` marks a function and returns it unchanged; :func:`compiled` gives, once per process,
a namespace of the module's kernels compiled with ``cache=True``, whose calls between kernels go to the
compiled twins (each twin's globals are a copy of the module's, with the kernels replaced)."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_KERNELS: dict[str, list[Callable[..., Any]]] = {}
_COMPILED: dict[str, types.SimpleNamespace] = {}


def kernel(function: F) -> F:
    """Register ``function`` as one of its module's kernels; it stays a plain Python function."""
    _KERNELS.setdefault(function.__module__, []).append(function)
    return function


def compiled(module: types.ModuleType) -> types.SimpleNamespace:
    """The module's kernels compiled by numba (``njit(cache=True)``), built on the first call."""
    name = module.__name__
    if name not in _COMPILED:
        import numba

        from ktokovo.models import _compile_notice

        _compile_notice.watch()
        namespace = dict(vars(module))
        twins = {}
        for function in _KERNELS.get(name, []):
            twin = types.FunctionType(
                function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__
            )
            twin.__qualname__, twin.__doc__ = function.__qualname__, function.__doc__
            twins[function.__name__] = numba.njit(cache=True)(twin)
        namespace.update(twins)
        _COMPILED[name] = types.SimpleNamespace(**twins)
    return _COMPILED[name]
