"""The ledger of the talks: dated, sourced events, hash-chained, and the scenario as known on a date.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own content in a canonical JSON
form, so editing an entry, reordering entries or deleting one breaks the chain at that entry. Deleting the last
entries leaves a shorter chain that is still whole; the run store therefore keeps the ledger heads it has seen
(see :mod:`ktokovo.store`) and ``ktokovo ledger verify`` checks the file against them too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ktokovo.analysis.whatif import _parse_value, _target, what_if
from ktokovo.core.errors import ParameterError, Problem
from ktokovo.core.scenario import LEDGER_KINDS, LedgerEntry, Scenario, Source

GENESIS = ""


def parse_date(text: str | dt.date, where: str = "date") -> dt.date:
    """An ISO date (``YYYY-MM-DD``), or raise :class:`ParameterError` naming ``where``."""
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ParameterError(f"{where}: {text!r} is not a date written YYYY-MM-DD") from None


def canonical(entry: LedgerEntry) -> str:
    """The entry's content (everything but its hash) as canonical JSON: what its hash covers."""
    source = {k: v for k, v in vars(entry.source).items() if v} if entry.source else {}
    content = {
        "date": entry.date,
        "kind": entry.kind,
        "title": entry.title,
        "actors": list(entry.actors),
        "source": source,
        "changes": list(entry.changes),
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(previous: str, entry: LedgerEntry) -> str:
    """SHA-256 (hex) of the previous entry's hash, a newline, and the entry's canonical content."""
    return hashlib.sha256(f"{previous}\n{canonical(entry)}".encode()).hexdigest()


def chained(entries: Sequence[LedgerEntry], previous: str = GENESIS) -> tuple[LedgerEntry, ...]:
    """The entries with their hashes (re)computed in order, starting after the hash ``previous``."""
    out = []
    for entry in entries:
        entry = replace(entry, hash=entry_hash(previous, entry))
        out.append(entry)
        previous = entry.hash
    return tuple(out)


def head(entries: Sequence[LedgerEntry]) -> str:
    """The hash of the last entry (the chain's head), or the genesis value for an empty ledger."""
    return entries[-1].hash if entries else GENESIS


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify_ledger` found. ``bad`` is the 1-based number of the first bad entry (None if none)."""

    entries: int
    bad: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.bad is None


def verify_ledger(
    entries: Sequence[LedgerEntry], anchors: Iterable[tuple[Any, ...]] = (), inputs: str | None = None
) -> Verdict:
    """Check a ledger's hash chain, that it still contains every head seen before, and that the scenario's own
    inputs are those the latest head was seen with.

    Parameters
    ----------
    entries : the ledger, in recorded order.
    anchors : ``(entry count, head hash, when seen[, inputs digest])`` of the same ledger seen earlier (the run
        store keeps them).
    inputs : the digest of the scenario's own inputs now (:func:`ktokovo.io.yaml_format.inputs_digest`);
        ``bad`` is 0 when they differ from the latest head's.

    Examples
    --------
    >>> from ktokovo.core.scenario import LedgerEntry
    >>> a, b = chained([LedgerEntry("2025-01-20", "statement", "pledge"), LedgerEntry("2025-02-28", "meeting", "row")])
    >>> verify_ledger([a, b]).ok
    True
    >>> verify_ledger([b, a]).bad
    1
    """
    previous = GENESIS
    for number, entry in enumerate(entries, 1):
        if not entry.hash:
            return Verdict(len(entries), number, "it has no hash (add entries with `ktokovo ledger add`)")
        if entry.hash != entry_hash(previous, entry):
            return Verdict(
                len(entries),
                number,
                "its hash does not match its content and the entry before it: it was edited, moved, or an entry "
                "before it was deleted",
            )
        previous = entry.hash
    anchors = sorted(anchors, key=lambda a: (a[0], a[2]))
    for count, hash_, seen, *_ in anchors:
        if count > len(entries):
            return Verdict(
                len(entries),
                len(entries) + 1,
                f"the ledger had {count} entries when seen on {seen}; entries from {len(entries) + 1} on were deleted",
            )
        if count and entries[count - 1].hash != hash_:
            return Verdict(
                len(entries),
                count,
                f"entry {count} is not the one seen on {seen}: the ledger was rewritten up to it",
            )
    digests = [(a[2], a[3]) for a in anchors if len(a) > 3 and a[3] is not None]
    if inputs is not None and digests and max(digests)[1] != inputs:
        seen = max(digests)[0]
        return Verdict(
            len(entries),
            0,
            f"the scenario's own inputs differ from those it had when seen on {seen}: they were edited outside "
            "the ledger (a change belongs in a ledger entry)",
        )
    return Verdict(len(entries))


def check_entry(scenario: Scenario, entry: LedgerEntry) -> list[str]:
    """What is wrong with an entry of this scenario's ledger (an empty list if nothing)."""
    problems = []
    try:
        parse_date(entry.date)
    except ParameterError as error:
        problems.append(str(error))
    if entry.kind not in LEDGER_KINDS:
        problems.append(f"kind {entry.kind!r} is not one of {', '.join(LEDGER_KINDS)}")
    if not entry.title.strip():
        problems.append("an entry needs a title")
    for actor in entry.actors:
        if actor not in scenario.actor_names:
            problems.append(f"unknown actor {actor!r}; actors: {', '.join(scenario.actor_names)}")
    for change in entry.changes:
        try:
            kind, target, value = _parse_change(scenario, change)
            if kind == "set":
                assert value is not None
                what_if(scenario, {target: value})  # checks the value: on the scale, a salience in 0–100, ...
        except ParameterError as error:
            problems.append(str(error))
    return problems


def _parse_change(scenario: Scenario, text: str) -> tuple[str, str, float | None]:
    """("set", target, value), ("leave", actor, None) or ("enter", actor, None)."""
    text = text.strip()
    if text[:1] in "+-" and "=" not in text:
        actor = text[1:].strip()
        if actor not in scenario.actor_names:
            raise ParameterError(f"{text}: unknown actor {actor!r}; actors: {', '.join(scenario.actor_names)}")
        return ("enter" if text[0] == "+" else "leave"), actor, None
    target, sep, value = text.partition("=")
    if not sep:
        raise ParameterError(
            f"a change is TARGET=VALUE (Russia.ceasefire.position=15), -ACTOR (leaves) or +ACTOR (enters); not {text!r}"
        )
    _target(scenario, target.strip())
    return "set", target.strip(), _parse_value(value.strip(), text)


def as_of(scenario: Scenario, date: str | dt.date | None = None) -> Scenario:
    """The scenario as known on ``date``: its inputs with every ledger entry dated on or before it applied.

    Entries apply in date order (entries of one date in recorded order); a later value of the same input
    replaces an earlier one. An actor with a ``+ACTOR`` entry takes no part before it; ``-ACTOR`` removes it.
    A changed estimate cites the entry's source and keeps its confidence range, moved with the value.
    ``date`` None means today.

    Examples
    --------
    >>> import ktokovo
    >>> early = ktokovo.as_of(ktokovo.load("ukraine-2025"), "2025-03-01")
    >>> late = ktokovo.as_of(early, "2025-04-28")
    >>> i, j = late.actor_index("Russia"), late.issue_index("ceasefire")
    >>> float(early.positions[i, j]), float(late.positions[i, j])
    (5.0, 15.0)
    """
    base = scenario.base or scenario
    if not base.ledger:
        return scenario
    when = dt.date.today() if date is None else parse_date(date, "--as-of")
    applied = sorted((e for e in base.ledger if parse_date(e.date) <= when), key=lambda e: parse_date(e.date))
    sets: dict[str, float] = {}
    cited: dict[str, Source | None] = {}
    parsed = {id(entry): [_parse_change(base, change) for change in entry.changes] for entry in base.ledger}
    # Actors who enter the talks take no part until they do.
    absent = {target for changes in parsed.values() for kind, target, _ in changes if kind == "enter"}
    for entry in applied:
        for kind, target, value in parsed[id(entry)]:
            if kind == "set":
                assert value is not None
                sets[target], cited[target] = value, entry.source
            elif kind == "enter":
                absent.discard(target)
            else:
                absent.add(target)
    changed = what_if(base, sets, sorted(absent)) if sets or absent else base
    sources = dict(changed.sources)
    for target, source in cited.items():
        if source is not None:
            sources[_source_key(base, target)] = source
    return changed.replace(sources=sources, as_of=when.isoformat(), base=base, **_shifted_ranges(base, changed, sets))


def _shifted_ranges(base: Scenario, changed: Scenario, sets: dict[str, float]) -> dict[str, Any]:
    """Confidence ranges for the changed estimates: the base range moved with the value (as wide as it was,
    clipped to the scale), so that forecast intervals still reflect how uncertain the estimate is."""
    ranges = {
        "capability": changed.capability_ranges.copy(),
        "position": changed.position_ranges.copy(),
        "salience": changed.salience_ranges.copy(),
    }
    issues = list(changed.issues)
    for target, value in sets.items():
        field, i, j = _target(base, target)
        if field == "status_quo":
            assert j is not None
            old_range, old = base.issues[j].status_quo_range, base.issues[j].status_quo
            if old_range is not None and old is not None:
                low, high = base.issues[j].scale
                moved = np.clip(np.asarray(old_range) + (value - old), low, high)
                issues[j] = replace(issues[j], status_quo_range=(float(moved[0]), float(moved[1])))
            continue
        assert i is not None
        row = changed.actor_names.index(base.actor_names[i])
        if field == "capability":
            old, old_range, (low, high) = base.capabilities[i], base.capability_ranges[i], (0.0, np.inf)
            ranges[field][row] = np.clip(old_range + (value - old), low, high)
            continue
        assert j is not None
        if field == "position":
            old, old_range, (low, high) = base.positions[i, j], base.position_ranges[i, j], base.issues[j].scale
        else:
            old, old_range, (low, high) = base.saliences[i, j], base.salience_ranges[i, j], (0.0, 100.0)
        ranges[field][row, j] = np.clip(old_range + (value - old), low, high)
    return {
        "capability_ranges": ranges["capability"],
        "position_ranges": ranges["position"],
        "salience_ranges": ranges["salience"],
        "issues": tuple(issues),
    }


def _source_key(scenario: Scenario, target: str) -> str:
    field, i, j = _target(scenario, target)
    if field == "capability":
        return f"capability/{scenario.actor_names[i]}"  # type: ignore[index]
    if field == "status_quo":
        return f"status_quo/{scenario.issue_names[j]}"  # type: ignore[index]
    return f"{field}/{scenario.actor_names[i]}/{scenario.issue_names[j]}"  # type: ignore[index]


def event_dates(scenario: Scenario) -> list[str]:
    """The distinct dates of the ledger's entries, earliest first."""
    base = scenario.base or scenario
    return sorted({parse_date(e.date).isoformat() for e in base.ledger})


def problems_of(
    scenario: Scenario, entries: Sequence[LedgerEntry], file: str | None, lines: Sequence[int | None]
) -> list[Problem]:
    """Problems of each entry, as :class:`Problem` with the file, line and field ``ledger[N]``."""
    out = []
    for index, (entry, line) in enumerate(zip(entries, lines, strict=True)):
        out += [Problem(text, file=file, line=line, field=f"ledger[{index}]") for text in check_entry(scenario, entry)]
    return out


def new_entry(
    scenario: Scenario,
    *,
    date: str,
    kind: str,
    title: str,
    actors: Sequence[str],
    source: dict[str, str],
    changes: Sequence[str],
) -> LedgerEntry:
    """A checked entry for the scenario's ledger, chained to its last entry (raises :class:`ParameterError`
    naming what is wrong). A ledger whose chain is already broken is refused: :func:`verify_ledger` says where."""
    base = scenario.base or scenario
    verdict = verify_ledger(base.ledger)
    if not verdict.ok:
        raise ParameterError(f"ledger entry {verdict.bad} is bad ({verdict.reason}); mend it before adding")
    if not source.get("document"):
        raise ParameterError("an entry needs a source: its document (and where in it, and a few quoted words)")
    entry = LedgerEntry(
        date=parse_date(date, "date").isoformat(),
        kind=kind,
        title=title,
        actors=tuple(actors),
        source=Source(**{k: v for k, v in source.items() if v}),
        changes=tuple(changes),
    )
    problems = check_entry(base, entry)
    if problems:
        raise ParameterError("; ".join(problems))
    return replace(entry, hash=entry_hash(head(base.ledger), entry))


def entry_data(entry: LedgerEntry) -> dict[str, Any]:
    """The entry as YAML-ready data, as it is written in a scenario file."""
    return {
        "date": entry.date,
        "kind": entry.kind,
        "title": entry.title,
        **({"actors": list(entry.actors)} if entry.actors else {}),
        **({"source": {k: v for k, v in vars(entry.source).items() if v}} if entry.source else {}),
        **({"changes": list(entry.changes)} if entry.changes else {}),
        **({"hash": entry.hash} if entry.hash else {}),
    }
