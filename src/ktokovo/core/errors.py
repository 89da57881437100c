"""Typed errors for bad input, rendered once at the edges (CLI, web)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    ``line`` is a 1-based line number for text formats, or a spreadsheet row number for Excel files;
    ``field`` names the column, key or parameter; ``value`` is what was found.
    """

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    value: Any = None

    def __str__(self) -> str:
        where = self.file or "<scenario>"
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        shown = "" if self.value is None else f" (found {_show(self.value)})"
        return f"{where}: {self.message}{shown}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class KtokovoError(Exception):
    """Base class of every error ktokovo raises for bad input."""


class ScenarioError(KtokovoError, ValueError):
    """A scenario file or object is invalid. Holds every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._text())

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem]]]:
        # raised in a worker process, it arrives with every problem, not only their joined text
        return (type(self), (self.problems,))

    def _text(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"] + [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class EnvironmentFailure(KtokovoError):
    """Not the input but the machine: a disk full, a folder read-only, a store unreadable, a service that does
    not answer. The CLI exits with 1 for these, 2 for bad input."""


class ParameterError(KtokovoError, ValueError):
    """An unknown model, preset or parameter, or a parameter value outside what is allowed."""
