"""The built-in ukraine-2025 scenario: what the brief requires of it, and that every citation is real."""

from __future__ import annotations

import numpy as np

import ktokovo

from .conftest import DATA

ISSUES = {"ceasefire", "crimea", "territory", "sanctions", "security", "us-support", "resources"}


def _paragraphs() -> list[str]:
    """¶N is the Nth non-empty line of the article (the title is ¶1), as the scenario's description says."""
    text = (DATA / "ukraine_article.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def test_actors_and_issues(flagship: ktokovo.Scenario) -> None:
    assert {"United States", "Russia", "Ukraine", "European allies"} <= set(flagship.actor_names)
    assert set(flagship.issue_names) == ISSUES
    assert flagship.date == "2025-04-28"
    assert all(issue.status_quo is not None and issue.low_label and issue.high_label for issue in flagship.issues)


def test_every_estimate_has_a_source_and_a_confidence_range(flagship: ktokovo.Scenario) -> None:
    for i, actor in enumerate(flagship.actors):
        assert f"capability/{actor.name}" in flagship.sources
        assert not np.isnan(flagship.capability_ranges[i]).any()
        for j, issue in enumerate(flagship.issues):
            if np.isnan(flagship.positions[i, j]):
                continue
            for kind in ("position", "salience"):
                assert f"{kind}/{actor.name}/{issue.name}" in flagship.sources, (actor.name, issue.name, kind)
            assert not np.isnan(flagship.position_ranges[i, j]).any()
            assert not np.isnan(flagship.salience_ranges[i, j]).any()


def test_every_quote_is_in_the_cited_paragraph_and_short(flagship: ktokovo.Scenario) -> None:
    paragraphs = _paragraphs()
    cited = 0
    for key, source in flagship.sources.items():
        if source.document == "article":
            number = int(source.locator.removeprefix("¶"))
            assert source.quote in paragraphs[number - 1], (key, source)
            assert len(source.quote.split()) <= 12, key  # a few words, never whole sentences
            cited += 1
        else:
            assert source.document == "judgement" and "the article gives nothing" in source.note, key
    assert cited >= 40


def test_the_deal_rules_cite_the_article_as_the_stances_do(flagship: ktokovo.Scenario) -> None:
    """Every veto, linkage and the talks carry a source; an article source's quote is in its paragraph, and so
    is every fragment its note quotes with a paragraph ('words' (¶N) or (¶N 'words')); a judgement says
    where the article is silent."""
    import re

    paragraphs = _paragraphs()
    sources = [v.source for v in flagship.vetoes] + [k.source for k in flagship.linkages] + [flagship.talks.source]
    fragments = 0
    for source in sources:
        assert source is not None
        if source.document == "article":
            assert source.quote in paragraphs[int(source.locator.removeprefix("¶")) - 1], source
        else:
            assert source.document == "judgement" and "the article gives nothing" in source.note, source
        pairs = re.findall(r"'([^']+)' \(¶(\d+)\)", source.note) + [
            (words, number) for number, words in re.findall(r"\(¶(\d+) '([^']+)'\)", source.note)
        ]
        for words, number in pairs:
            assert words in paragraphs[int(number) - 1], (words, number)
            fragments += 1
    assert fragments >= 6  # the flagship's rules quote nine fragments of the article in their notes
    assert flagship.talks.proposer == "United States" and flagship.talks.rounds >= 1
