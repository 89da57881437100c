"""The ledger of the talks: dated, sourced, hash-chained events; the scenario as known on a date; drift."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ktokovo
from ktokovo import LedgerEntry, ScenarioError
from ktokovo.analysis.drift import drift
from ktokovo.analysis.ledger import chained, verify_ledger
from ktokovo.cli import app

from .test_flagship import _paragraphs

runner = CliRunner()


def test_the_flagship_ledger_is_the_articles_events_each_with_its_paragraph(flagship: ktokovo.Scenario) -> None:
    """The six events issue 7 names, each citing the article's paragraph with words found in it."""
    paragraphs = _paragraphs()
    cited = {e.source.locator: e for e in flagship.ledger if e.source is not None}
    assert [e.date for e in flagship.ledger] == sorted(e.date for e in flagship.ledger)
    assert {e.title.split()[0] for e in flagship.ledger} >= {"Trump,", "White", "Russia", "The"}
    for entry in flagship.ledger:
        assert entry.source is not None and entry.source.document == "article"
        number = int(entry.source.locator.removeprefix("¶"))
        assert entry.source.quote in paragraphs[number - 1], entry
        assert len(entry.source.quote.split()) <= 10  # a few words, never whole sentences
    assert "within 24 hours" in cited["¶3"].source.quote  # type: ignore[union-attr]
    assert "Pope’s funeral" in cited["¶12"].source.quote  # type: ignore[union-attr]
    assert verify_ledger(flagship.ledger).ok


def test_as_of_applies_the_events_up_to_a_date(flagship: ktokovo.Scenario) -> None:
    """Russia's ceasefire position: 5 before any truce (the scenario's base), 10 from the Easter offer of 19 April,
    15 from the 8 May offer announced on 28 April (values in the ledger's entries)."""
    i, j = flagship.actor_index("Russia"), flagship.issue_index("ceasefire")
    values = {d: ktokovo.as_of(flagship, d).positions[i, j] for d in ("2025-01-01", "2025-04-19", "2025-04-28")}
    assert values == {"2025-01-01": 5.0, "2025-04-19": 10.0, "2025-04-28": 15.0}
    support = flagship.issue_index("us-support")
    before, after = ktokovo.as_of(flagship, "2025-02-27"), ktokovo.as_of(flagship, "2025-02-28")
    assert (before.issues[support].status_quo, after.issues[support].status_quo) == (70.0, 35.0)
    assert after.issues[support].status_quo_range == (25.0, 45.0)  # the base range 60–80, moved by −35
    # The range moves with the value: the base range of Russia's ceasefire position is 0–15 around 5.
    assert tuple(flagship.position_ranges[i, j]) == (10.0, 25.0)
    assert flagship.sources["position/Russia/ceasefire"].locator == "¶5"
    assert ktokovo.as_of(flagship, "2025-01-01").sources["position/Russia/ceasefire"].locator == "¶3"
    # Seeing the scenario as of a date and then as of another is the same as loading it as of that one.
    assert ktokovo.as_of(ktokovo.as_of(flagship, "2025-01-01"), "2026-01-01") == flagship
    assert ktokovo.load("ukraine-2025", as_of="2025-04-19") == ktokovo.as_of(flagship, "2025-04-19")


def _two_actor_ledger(tmp_path: Path, ledger: str) -> Path:
    path = tmp_path / "talks.yaml"
    path.write_text(
        "name: talks\nactors:\n- {name: A, capability: 1}\n- {name: B, capability: 1}\n- {name: C, capability: 2}\n"
        "issues:\n- {name: x}\nstances:\n- {actor: A, issue: x, position: 0, salience: 50}\n"
        "- {actor: B, issue: x, position: 100, salience: 50}\n- {actor: C, issue: x, position: 100, salience: 50}\n"
        + ledger
    )
    return path


def test_actors_enter_and_leave_on_their_dates(tmp_path: Path) -> None:
    """Compromise model by hand: A (0) and B (100), equal weights, give 50; with C (100, double capability)
    (0 + 100 + 200) / 4 = 75; after A leaves, 100."""
    path = _two_actor_ledger(
        tmp_path,
        "ledger:\n- {date: 2025-03-01, kind: meeting, title: C joins, changes: ['+C']}\n"
        "- {date: 2025-05-01, kind: statement, title: A walks out, changes: ['-A']}\n",
    )
    forecasts = [ktokovo.run(ktokovo.load(path, as_of=d), "mean").forecast[0] for d in ("2025-01-01", "2025-04-01")]
    assert forecasts == [50.0, 75.0]
    late = ktokovo.load(path, as_of="2025-06-01")
    assert late.actor_names == ("B", "C") and ktokovo.run(late, "mean").forecast[0] == 100.0


@pytest.mark.parametrize(
    ("ledger", "message"),
    [
        ("- {date: 2025-13-01, kind: meeting, title: t}", "'2025-13-01' is not a date written YYYY-MM-DD"),
        ("- {date: 2025-01-01, kind: rumour, title: t}", "kind 'rumour' is not one of meeting, statement"),
        ("- {date: 2025-01-01, kind: offer, title: t, changes: ['D.x.position=5']}", "expected ACTOR.capability"),
        ("- {date: 2025-01-01, kind: offer, title: t, changes: ['A.x.position=500']}", "off the issue's scale"),
        ("- {date: 2025-01-01, kind: offer, title: t, actors: [Z]}", "unknown actor 'Z'"),
        ("- {date: 2025-01-01, kind: offer, title: t, when: now}", "when"),
    ],
)
def test_a_bad_entry_is_named_by_file_line_and_field(tmp_path: Path, ledger: str, message: str) -> None:
    path = _two_actor_ledger(tmp_path, "ledger:\n" + ledger + "\n")
    with pytest.raises(ScenarioError) as caught:
        ktokovo.load(path)
    text = str(caught.value)
    assert str(path) in text and "line 13" in text and message in text, text


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _flagship_file(tmp_path: Path) -> Path:
    """The built-in flagship as a file, its text exactly as shipped."""
    from importlib import resources

    path = tmp_path / "ukraine.yaml"
    path.write_text((resources.files("ktokovo.scenarios") / "ukraine-2025.yaml").read_text(encoding="utf-8"))
    return path


def _entries(path: Path) -> list[str]:
    """The ledger's entries as blocks of text, in file order."""
    text = path.read_text(encoding="utf-8")
    head, _, ledger = text.partition("\nledger:\n")
    return re.split(r"(?m)^(?=- date:)", ledger)[1:]


def _rewrite(path: Path, blocks: list[str]) -> None:
    text = path.read_text(encoding="utf-8")
    head = text.partition("\nledger:\n")[0]
    path.write_text(head + "\nledger:\n" + "".join(blocks), encoding="utf-8")


def _verify(path: Path, db: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["ledger", "verify", str(path), "--db", str(db)])
    return result.exit_code, result.output


def test_verify_names_the_first_edited_moved_or_deleted_entry(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    path = _flagship_file(tmp_path)
    assert _verify(path, db) == (0, "ledger of ukraine-2025: 6 entries, chain intact\n")  # the store now knows 6
    blocks = _entries(path)
    original = path.read_text(encoding="utf-8")

    _edit(path, "changes: [Russia.ceasefire.position=10]", "changes: [Russia.ceasefire.position=30]")
    code, output = _verify(path, db)
    assert code == 1 and "entry 3 (2025-04-19, Russia offers a single day" in output and "edited, moved" in output

    _rewrite(path, [blocks[0], blocks[2], blocks[1], *blocks[3:]])  # two entries swapped
    code, output = _verify(path, db)
    assert code == 1 and "entry 2 (2025-04-19" in output

    _rewrite(path, [*blocks[:3], *blocks[4:]])  # the fourth deleted
    code, output = _verify(path, db)
    assert code == 1 and "entry 4 (2025-04-28" in output

    _rewrite(path, blocks[:5])  # the last deleted: the chain alone is whole, but the store saw 6 entries
    assert verify_ledger(ktokovo.load(path).ledger).ok
    code, output = _verify(path, db)
    assert code == 1 and "the ledger had 6 entries" in output and "entries from 6 on were deleted" in output

    path.write_text(original, encoding="utf-8")
    assert _verify(path, db)[0] == 0


def test_verify_catches_a_ledger_rewritten_with_fresh_hashes(tmp_path: Path) -> None:
    """Someone recomputes every hash after an edit: the chain is whole, but not the one the store saw."""
    db = tmp_path / "runs.sqlite"
    path = _flagship_file(tmp_path)
    assert _verify(path, db)[0] == 0
    scenario = ktokovo.load(path)
    forged = list(scenario.ledger)
    forged[1] = LedgerEntry(**{**vars(forged[1]), "title": "A friendly meeting"})
    ktokovo.save(scenario.replace(ledger=chained(forged)), path, overwrite=True)
    code, output = _verify(path, db)
    assert code == 1 and "entry 6 is not the one seen on" in output


def test_ledger_add_appends_a_chained_entry_and_keeps_the_file(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    path = _flagship_file(tmp_path)
    original = path.read_text(encoding="utf-8")
    args = [
        "ledger", "add", str(path), "--date", "2025-05-16", "--kind", "meeting", "--title", "Talks in Istanbul",
        "--actor", "Russia", "--actor", "Ukraine", "--document", "judgement", "--note", "a test entry",
        "--change", "Russia.ceasefire.salience=70", "--db", str(db),
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "added entry 7" in result.output
    text = path.read_text(encoding="utf-8")
    # appended, with the seal (ledger_head) written just above the ledger: comments and layout kept
    seal = re.search(r"(?m)^ledger_head:\n(?:  [^\n]*\n){3}", text)
    assert seal is not None and "entries: 7" in seal.group(0)
    assert (text[: seal.start()] + text[seal.end() :]).startswith(original.rstrip("\n"))
    scenario = ktokovo.load(path)
    assert len(scenario.ledger) == 7 and verify_ledger(scenario.ledger).ok
    i, j = scenario.actor_index("Russia"), scenario.issue_index("ceasefire")
    assert scenario.saliences[i, j] == 70.0 and ktokovo.load(path, as_of="2025-05-15").saliences[i, j] == 60.0
    assert _verify(path, db)[0] == 0

    bad = runner.invoke(app, [*args[:4], "2025-05-17", *args[5:-4], "--change", "Russia.ceasefire.salience=700"])
    assert bad.exit_code == 2 and "a salience must lie in 0–100" in bad.output
    assert len(ktokovo.load(path).ledger) == 7  # nothing written
    built_in = runner.invoke(app, ["ledger", "add", "ukraine-2025", *args[3:]])
    assert built_in.exit_code == 2 and "YAML scenario file" in built_in.output


def test_ledger_list_shows_every_entry() -> None:
    result = runner.invoke(app, ["ledger", "list", "--json"])
    entries = json.loads(result.output)
    assert [e["date"] for e in entries] == [e.date for e in ktokovo.load("ukraine-2025").ledger]
    assert entries[1]["changes"] == ["United States.us-support.position=25", "us-support.status_quo=35"]


def test_drift_moves_add_up_and_match_a_hand_computation(flagship: ktokovo.Scenario) -> None:
    """Compromise model: Russia's ceasefire position 5 → 10 moves the forecast by 5 × 80·60 / Σ capability ×
    salience = 5 × 4800 / 17825 = 1.3464 (capabilities 90, 80, 35, 40; saliences 85, 60, 85, 60)."""
    steps = drift(flagship, "mean")
    j = flagship.issue_index("ceasefire")
    easter = next(s for s in steps if s.date == "2025-04-19")
    assert easter.moves[j] == (("Russia.ceasefire.position=10", pytest.approx(5 * 4800 / 17825)),)
    for before, after in zip(steps, steps[1:], strict=False):
        np.testing.assert_allclose(
            [sum(m for _, m in moves) for moves in after.moves], after.forecast - before.forecast, atol=1e-12
        )
    np.testing.assert_allclose(steps[-1].forecast, ktokovo.run(flagship, "mean").forecast)


def test_cli_as_of_and_drift() -> None:
    early = runner.invoke(app, ["forecast", "-m", "mean", "--as-of", "2025-03-01", "--json", "--no-store"])
    data = json.loads(early.output)
    expected = ktokovo.run(ktokovo.load("ukraine-2025", as_of="2025-03-01"), "mean").forecast
    assert data["as_of"] == "2025-03-01"
    assert [v["forecast"] for v in data["models"]["mean"]["issues"].values()] == pytest.approx(list(expected))
    bad = runner.invoke(app, ["forecast", "--as-of", "March", "--no-store"])
    assert bad.exit_code == 2 and "--as-of: 'March' is not a date written YYYY-MM-DD" in bad.output
    moved = runner.invoke(app, ["drift", "-m", "mean", "--json", "--no-store"])
    rows = [r for r in json.loads(moved.output)["rows"] if r["issue"] == "us-support" and r["date"] == "2025-02-28"]
    assert rows[0]["by"][0][0] == "United States.us-support.position=25"
    assert rows[0]["move"] == pytest.approx(sum(m for _, m in rows[0]["by"]))


def test_a_forecast_on_a_tampered_ledger_warns(tmp_path: Path) -> None:
    """Issue 15: `forecast` on an edited ledger used to run without a word. An entry's title edited in place
    (its hash kept) breaks the chain at that entry: the forecast warns, naming it, and still runs."""
    from typer.testing import CliRunner

    from ktokovo.cli import app

    path = _flagship_file(tmp_path)
    clean = CliRunner().invoke(app, ["forecast", str(path), "-m", "mean", "--no-store"])
    assert clean.exit_code == 0 and "warning" not in clean.output
    text = path.read_text(encoding="utf-8")
    scenario = ktokovo.load(path)
    title = scenario.ledger[1].title
    path.write_text(text.replace(title, "A friendly meeting", 1), encoding="utf-8")
    warned = CliRunner().invoke(app, ["forecast", str(path), "-m", "mean", "--no-store"])
    assert warned.exit_code == 0 and "fails its hash chain at entry 2" in warned.output
    assert "ceasefire" in warned.output  # the forecast itself is still printed


def test_a_copy_elsewhere_and_edited_inputs_are_caught(tmp_path: Path) -> None:
    """Issue 15: the heads the store saw were keyed by the file's path, so a copy under another name passed
    with its last entries deleted; and the chain covers the entries only, so an edit to the scenario's own
    numbers passed. Heads now also name their ledger by its first entry and carry the inputs' digest."""
    db = tmp_path / "runs.sqlite"
    path = _flagship_file(tmp_path)
    assert _verify(path, db)[0] == 0  # the store sees 6 entries and these inputs
    copy = tmp_path / "elsewhere" / "copy.yaml"
    copy.parent.mkdir()
    copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    _rewrite(copy, _entries(copy)[:5])  # the last entry deleted, in a copy under another path
    code, output = _verify(copy, db)
    assert code == 1 and "the ledger had 6 entries" in output

    edited = tmp_path / "edited.yaml"
    text = path.read_text(encoding="utf-8")
    capability = (
        "- name: Russia\n  description: Putin's government (negotiator Kirill Dmitriev)\n  capability:\n    value: 80\n"
    )
    assert capability in text  # Russia's capability, 80 (¶6), edited to 85 outside the ledger
    edited.write_text(text.replace(capability, capability.replace("value: 80", "value: 85"), 1), encoding="utf-8")
    code, output = _verify(edited, db)
    assert code == 1 and "inputs differ from those it had when seen" in output


def test_the_web_verifies_against_the_heads_the_store_saw(tmp_path: Path) -> None:
    """The web API checked the chain alone: a ledger with its last entry cut passed there. It now checks the
    heads seen of the same ledger, by any path, and remembers those it passes."""
    from fastapi.testclient import TestClient

    from ktokovo.web import create_app

    with TestClient(create_app(db=str(tmp_path / "runs.sqlite")), base_url="http://127.0.0.1") as client:
        data = client.get("/api/scenarios/ukraine-2025").json()
        assert client.post("/api/ledger/verify", json={"data": data}).json()["ok"] is True
        cut = {**data, "ledger": data["ledger"][:-1]}
        answer = client.post("/api/ledger/verify", json={"data": cut}).json()
        assert answer["ok"] is False and "had 6 entries" in answer["reason"]


def test_the_files_seal_catches_cuts_and_edits_with_any_store(tmp_path: Path) -> None:
    """Issue 15: with a store that never saw the file (another machine), a ledger cut at its end, or inputs
    edited outside it, passed. Every YAML writer now records a seal (entries, head, inputs' digest) in the
    file, and `ledger add` renews it; verification anywhere compares it."""
    sealed = tmp_path / "talks.yaml"
    assert runner.invoke(app, ["convert", "ukraine-2025", str(sealed)]).exit_code == 0
    added = runner.invoke(
        app,
        [
            "ledger",
            "add",
            str(sealed),
            "--date",
            "2025-05-16",
            "--kind",
            "meeting",
            "--title",
            "Talks in Istanbul",
            "--actor",
            "Russia",
            "--document",
            "article",
            "--note",
            "n",
        ],
    )
    assert added.exit_code == 0
    assert ktokovo.load(sealed).base.ledger_head[0] == 7  # type: ignore[union-attr]
    assert _verify(sealed, tmp_path / "first.db")[0] == 0

    cut = tmp_path / "cut.yaml"
    cut.write_text(sealed.read_text(encoding="utf-8"), encoding="utf-8")
    _rewrite(cut, _entries(cut)[:6])  # the last entry deleted; its seal still says 7
    code, output = _verify(cut, tmp_path / "another.db")  # a store that never saw it
    assert code == 1 and "records 7 entries; its ledger has 6" in output
    warned = runner.invoke(app, ["forecast", str(cut), "-m", "mean", "--no-store"])
    assert warned.exit_code == 0 and "does not match its file's seal" in warned.output

    edited = tmp_path / "edited.yaml"
    text = sealed.read_text(encoding="utf-8")
    russia = "- name: Russia\n  description: Putin's government (negotiator Kirill Dmitriev)\n  capability:\n"
    assert russia + "    value: 80\n" in text
    edited.write_text(text.replace(russia + "    value: 80\n", russia + "    value: 85\n", 1), encoding="utf-8")
    code, output = _verify(edited, tmp_path / "third.db")
    assert code == 1 and "inputs differ from those its ledger_head records" in output


def test_ledger_seal_records_inputs_edited_on_purpose(tmp_path: Path) -> None:
    """A user who edits their own scenario's numbers on purpose records them with `ledger seal`: the warning
    goes, the file's other text stays, and a broken chain is refused rather than sealed over."""
    path = tmp_path / "talks.yaml"
    assert runner.invoke(app, ["convert", "ukraine-2025", str(path)]).exit_code == 0
    russia = "- name: Russia\n  description: Putin's government (negotiator Kirill Dmitriev)\n  capability:\n"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(russia + "    value: 80\n", russia + "    value: 85\n", 1), encoding="utf-8")
    warned = runner.invoke(app, ["forecast", str(path), "-m", "mean", "--no-store"])
    assert "ktokovo ledger seal" in warned.output
    sealed = runner.invoke(app, ["ledger", "seal", str(path)])
    assert sealed.exit_code == 0 and "sealed" in sealed.output and "6 entries" in sealed.output
    quiet = runner.invoke(app, ["forecast", str(path), "-m", "mean", "--no-store"])
    assert quiet.exit_code == 0 and "warning" not in quiet.output
    assert path.read_text(encoding="utf-8").count("ledger_head:") == 1
    _edit(path, "changes: [Russia.ceasefire.position=10]", "changes: [Russia.ceasefire.position=30]")
    refused = runner.invoke(app, ["ledger", "seal", str(path)])
    assert refused.exit_code == 2 and "breaks the chain" in refused.output
