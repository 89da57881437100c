"""Checked citations (ktokovo cite-check): quotes against the documents and paragraphs they cite."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo.analysis.citations import check, paragraphs
from ktokovo.cli import app
from ktokovo.core.scenario import Source

from .conftest import DATA

ARTICLE = DATA / "ukraine_article.txt"
runner = CliRunner()


def _cited(*sources: Source) -> ktokovo.Scenario:
    """Two actors, one issue; the sources given cite document 'memo' for the positions (hand-made cases)."""
    keys = ["position/A/x", "position/B/x", "salience/A/x", "salience/B/x"]
    return ktokovo.Scenario(
        name="cited",
        actors=(ktokovo.Actor("A"), ktokovo.Actor("B")),
        issues=(ktokovo.Issue("x"),),
        capabilities=np.ones(2),
        positions=np.array([[10.0], [90.0]]),
        saliences=np.array([[50.0], [50.0]]),
        sources=dict(zip(keys, sources, strict=False)),
        documents={"memo": "a memo"},
    )


MEMO = "The first paragraph.\n\nThe second one says the north wants the old line\nback, and soon.\n\nThird.\n"


def test_paragraphs_are_counted_by_line_or_by_blank_lines() -> None:
    assert paragraphs(MEMO, "line") == [
        "The first paragraph.",
        "The second one says the north wants the old line",
        "back, and soon.",
        "Third.",
    ]
    assert len(paragraphs(MEMO, "blank")) == 3
    with pytest.raises(ktokovo.ParameterError):
        paragraphs(MEMO, "page")


def test_each_kind_of_outcome_by_hand() -> None:
    scenario = _cited(
        Source("memo", "¶2", "wants the old line back"),  # spans a line break: ¶2 only when counted by blank lines
        Source("memo", "p. 1", "and soon"),  # a locator that names no paragraph: found elsewhere
        Source("memo", "¶9", "Third"),  # no such paragraph
        Source("memo", "¶1", "The frist paragraph"),  # a typo: not found, with the right words as its nearest match
    )
    by_blank = {c.where: c for c in check(scenario, {"memo": MEMO}, "blank")}
    assert by_blank["position/A/x"].status == "found" and by_blank["position/A/x"].paragraph == 2
    assert by_blank["position/B/x"].status == "found-unplaced"
    assert by_blank["salience/A/x"].status == "no-paragraph"
    typo = by_blank["salience/B/x"]
    assert typo.status == "not-found" and typo.near == "The first paragraph."
    assert typo.similarity == pytest.approx(0.9, abs=0.05) and typo.near_paragraph == 1
    by_line = {c.where: c for c in check(scenario, {"memo": MEMO}, "line")}
    assert by_line["position/A/x"].status == "not-found"  # ¶2 is one line; the words run on into ¶3
    assert [c.status for c in check(scenario, {})] == ["no-document"] * 4


def test_the_flagship_passes_against_its_article() -> None:
    result = runner.invoke(app, ["cite-check", "ukraine-2025", "--document", f"article={ARTICLE}", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # 69: every article quote of the flagship's sources and the fragments its notes quote with a paragraph.
    assert data["failed"] == 0 and data["checked"] == 69
    assert all(c["status"] == "found" for c in data["citations"])


def test_a_changed_word_fails_with_its_nearest_match(tmp_path: Path) -> None:
    text = ARTICLE.read_text(encoding="utf-8").replace("two dominant leaders on the world stage", "two leaders")
    changed = tmp_path / "article.txt"
    changed.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["cite-check", "-d", f"article={changed}", "--json"])
    assert result.exit_code == 1
    failed = [c for c in json.loads(result.output)["citations"] if c["status"] != "found"]
    assert {c["where"] for c in failed} == {"capability/United States", "capability/Russia"}
    assert all(c["near_paragraph"] == 6 and c["similarity"] < 1 for c in failed)
    shown = runner.invoke(app, ["cite-check", "-d", f"article={changed}"], env={"COLUMNS": "120"})
    words = " ".join(shown.output.split())
    assert shown.exit_code == 1 and "67 found, 2 not found" in words and "capability/Russia" in words


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give the text of at least one cited document"),
        (["-d", "article"], "--document takes NAME=FILE"),
        (["-d", "memo=x.txt"], "the scenario cites no document 'memo'"),
        (["-d", "article=missing.txt"], "no such file missing.txt"),
        (["--paragraphs", "page", "-d", f"article={ARTICLE}"], "paragraphs are counted by 'line' or 'blank'"),
    ],
)
def test_bad_requests_are_refused_by_name(args: list[str], message: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["cite-check", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_document_that_is_not_text_is_refused(tmp_path: Path) -> None:
    binary = tmp_path / "article.pdf"
    binary.write_bytes(b"%PDF-1.4\xff\xfe\x00")
    result = runner.invoke(app, ["cite-check", "-d", f"article={binary}"], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "is not UTF-8 text" in result.output
