"""Checked citations: every quote a scenario's sources give must appear in the document and paragraph they cite.

A document is plain text. Its paragraphs are counted one of two ways:

- ``line`` (the default, as the flagship counts them): every non-empty line is a paragraph, and the first is
  ¶1;
- ``blank``: paragraphs are separated by one or more blank lines, as most text files and Markdown have them.

A locator ``¶N`` (or ``para N``, ``paragraph N``) names paragraph N, and its quote must appear in that
paragraph. Any other locator (``p. 2``, a section title, none at all) names no paragraph that can be
counted in plain text. Its quote must then appear somewhere in the document, and the check says the place
was not verified. Quotes and text are compared after runs of whitespace are collapsed to one space; nothing
else is changed, so curly and straight quotation marks differ, and so does a changed word.

A source's note may quote the document too, as ``'words' (¶N)`` or ``(¶N 'words')``. Each such fragment is
checked like a quote.

A quote that is not found gets its nearest match: the run of words with the same count, in the cited
paragraph (or anywhere in the document if the paragraph does not exist), most similar by
:class:`difflib.SequenceMatcher`, with its similarity and where it is.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import Scenario, Source

PARAGRAPHS = ("line", "blank")
_PARAGRAPH = re.compile(r"^\s*(?:¶|para(?:graph)?\.?\s*)(\d+)\s*$", re.IGNORECASE)
_FRAGMENTS = (re.compile(r"'([^']+)' \(¶(\d+)\)"), re.compile(r"\(¶(\d+) '([^']+)'\)"))


@dataclass(frozen=True)
class Citation:
    """One quote checked: ``where`` names what it supports (``position/Russia/crimea``, ``veto/Russia``).
    ``status``: ``found`` (in the cited paragraph), ``found-unplaced`` (in the document; its locator names
    no countable paragraph), ``not-found``, ``no-paragraph`` (the document has fewer paragraphs) or
    ``no-document`` (the scenario cites a document that was not given). ``near``: the nearest match for a
    quote not found, with its ``similarity`` (0–1) and ``near_paragraph``."""

    where: str
    document: str
    locator: str
    quote: str
    status: str
    paragraph: int | None = None
    near: str | None = None
    similarity: float | None = None
    near_paragraph: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("found", "found-unplaced")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def paragraphs(text: str, form: str = "line") -> list[str]:
    """The document's paragraphs, counted as ``form`` says (module docstring)."""
    if form == "line":
        return [line for line in text.splitlines() if line.strip()]
    if form == "blank":
        return [block for block in re.split(r"\n\s*\n", text) if block.strip()]
    raise ParameterError(f"paragraphs are counted by 'line' or 'blank', not {form!r}")


def _plain(text: str) -> str:
    return " ".join(text.split())


def sources_of(scenario: Scenario) -> Iterator[tuple[str, Source]]:
    """Every source of the scenario, with what it supports: the estimates', the deal rules', the talks' and
    the ledger's."""
    yield from scenario.sources.items()
    for veto in scenario.vetoes:
        if veto.source is not None:
            yield f"veto/{veto.actor}", veto.source
    for k, link in enumerate(scenario.linkages):
        if link.source is not None:
            yield f"linkage/{k + 1}", link.source
    if scenario.talks.source is not None:
        yield "talks", scenario.talks.source
    for entry in (scenario.base or scenario).ledger:
        if entry.source is not None:
            yield f"ledger/{entry.date} {entry.title}", entry.source


def _quotes(where: str, source: Source) -> Iterator[tuple[str, str, str]]:
    """(where, locator, quote) for the source's quote and every fragment its note quotes with a paragraph."""
    if source.quote:
        yield where, source.locator, source.quote
    for pattern in _FRAGMENTS:
        for groups in pattern.findall(source.note):
            words, number = groups if pattern is _FRAGMENTS[0] else groups[::-1]
            yield f"{where} (note)", f"¶{number}", words


def _nearest(quote: str, candidates: list[tuple[int, str]]) -> tuple[str, float, int] | None:
    """The run of words, as many as the quote has, most like it among the candidate paragraphs."""
    size = max(1, len(quote.split()))
    best: tuple[str, float, int] | None = None
    for number, text in candidates:
        words = text.split()
        for start in range(max(1, len(words) - size + 1)):
            window = " ".join(words[start : start + size])
            score = difflib.SequenceMatcher(None, quote, window, autojunk=False).ratio()
            if best is None or score > best[1]:
                best = (window, score, number)
    return best


def check(scenario: Scenario, documents: Mapping[str, str], form: str = "line") -> list[Citation]:
    """Every quote of ``scenario``'s sources against ``documents`` (name → text), in the order the sources come."""
    counted = {name: [_plain(p) for p in paragraphs(text, form)] for name, text in documents.items()}
    out: list[Citation] = []
    for where, source in sources_of(scenario):
        for place, locator, quote in _quotes(where, source):
            out.append(_one(place, source.document, locator, _plain(quote), counted.get(source.document)))
    return out


def _one(where: str, document: str, locator: str, quote: str, parts: list[str] | None) -> Citation:
    if parts is None:
        return Citation(where, document, locator, quote, "no-document")
    match = _PARAGRAPH.match(locator)
    everywhere = list(enumerate(parts, start=1))
    if match is None:
        found = any(quote in text for text in parts)
        if found:
            return Citation(where, document, locator, quote, "found-unplaced")
        near = _nearest(quote, everywhere)
        return _missed(where, document, locator, quote, "not-found", None, near)
    number = int(match.group(1))
    if not 1 <= number <= len(parts):
        return _missed(where, document, locator, quote, "no-paragraph", number, _nearest(quote, everywhere))
    if quote in parts[number - 1]:
        return Citation(where, document, locator, quote, "found", number)
    near = _nearest(quote, [(number, parts[number - 1])])
    elsewhere = [n for n, text in everywhere if quote in text]
    if elsewhere:  # the words are there, in another paragraph: say which
        near = (quote, 1.0, elsewhere[0])
    return _missed(where, document, locator, quote, "not-found", number, near)


def _missed(
    where: str,
    document: str,
    locator: str,
    quote: str,
    status: str,
    number: int | None,
    near: tuple[str, float, int] | None,
) -> Citation:
    if near is None:
        return Citation(where, document, locator, quote, status, number)
    text, score, place = near
    return Citation(where, document, locator, quote, status, number, text, round(score, 3), place)
