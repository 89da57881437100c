"""``ktokovo cite-check``: every quote of a scenario's sources checked against the documents they cite."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ktokovo.analysis.citations import Citation, check
from ktokovo.core.errors import ParameterError
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.scenario import Scenario


@dataclass(frozen=True)
class CitationReport:
    """The scenario, the documents given (names), how paragraphs were counted, and every quote's check."""

    scenario: Scenario
    documents: tuple[str, ...]
    paragraphs: str
    citations: tuple[Citation, ...]

    @property
    def failed(self) -> list[Citation]:
        """Quotes of a document that was given and that it does not hold where the source says."""
        return [c for c in self.citations if c.status in ("not-found", "no-paragraph")]

    @property
    def unchecked(self) -> list[Citation]:
        """Quotes of documents that were not given."""
        return [c for c in self.citations if c.status == "no-document"]

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ktokovo cite-check --json``."""
        return to_jsonable(
            {
                "scenario": self.scenario.name,
                "documents": list(self.documents),
                "paragraphs": self.paragraphs,
                "checked": len(self.citations) - len(self.unchecked),
                "failed": len(self.failed),
                "unchecked": len(self.unchecked),
                "citations": [c.to_dict() for c in self.citations],
            }
        )


def cited(scenario: Scenario, names: Iterable[str]) -> None:
    """Refuse document names the scenario does not cite (before anyone reads their texts)."""
    for name in names:
        if name not in scenario.documents:
            known = ", ".join(scenario.documents) or "none"
            raise ParameterError(f"the scenario cites no document {name!r} (it cites: {known})")


def cite_check(scenario: Scenario, documents: Mapping[str, str], paragraphs: str = "line") -> CitationReport:
    """Check every quote of ``scenario`` against ``documents`` (name → text), paragraphs counted by ``paragraphs``
    (``line`` or ``blank``, see :mod:`ktokovo.analysis.citations`)."""
    cited(scenario, documents)
    found = check(scenario, documents, paragraphs)
    return CitationReport(scenario, tuple(documents), paragraphs, tuple(found))
