"""Turn raw records read from any format into a validated :class:`Scenario`.

Every reader produces the same raw shape: lists of records whose values are :class:`Cell` objects
that remember the line (or spreadsheet row) and field they came from. The builder checks everything
and reports every problem at once, each naming the file, line and field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ktokovo.core.errors import Problem, ScenarioError
from ktokovo.core.limits import MAX_CELLS
from ktokovo.core.scenario import Actor, Issue, Scenario, Source


@dataclass(frozen=True)
class Cell:
    """A raw value and where it was read."""

    value: Any
    line: int | None = None
    field: str = ""


Record = dict[str, Cell]


@dataclass
class RawScenario:
    """What a reader found, before any checking. ``salience_max`` is the declared top of the salience
    scale (100 by default; 1 for files that give saliences as fractions)."""

    file: str | None
    meta: Record = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)
    actors: list[Record] = field(default_factory=list)
    issues: list[Record] = field(default_factory=list)
    stances: list[Record] = field(default_factory=list)
    salience_max: float = 100.0


class _Checker:
    def __init__(self, file: str | None):
        self.file = file
        self.problems: list[Problem] = []

    def problem(
        self,
        message: str,
        cell: Cell | None = None,
        *,
        value: Any = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.problems.append(
            Problem(
                message,
                file=self.file,
                line=cell.line if cell is not None else line,
                field=cell.field if cell is not None else field,
                value=cell.value if cell is not None and value is None else value,
            )
        )

    def number(self, cell: Cell | None, *, required: bool = False, what: str = "a number") -> float | None:
        """A finite float, or None when the cell is absent or blank (an error if required)."""
        if cell is None or cell.value is None or (isinstance(cell.value, str) and not cell.value.strip()):
            if required:
                if cell is None:
                    self.problem(f"missing: {what} is required")
                else:
                    self.problem(f"missing: {what} is required", cell)
            return None
        value = cell.value
        if isinstance(value, bool):
            self.problem(f"expected {what}, found a true/false value", cell)
            return None
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                self.problem(f"expected {what}, found text", cell)
                return None
        if not isinstance(value, (int, float, np.integer, np.floating)):
            self.problem(f"expected {what}", cell, value=type(value).__name__)
            return None
        try:
            value = float(value)
        except OverflowError:
            self.problem(f"{what} too large to be a number here", cell, value=f"{str(cell.value)[:20]}...")
            return None
        if not math.isfinite(value):
            self.problem("expected a finite number, not NaN or infinity", cell)
            return None
        return value

    def text(self, cell: Cell | None, *, required: bool = False) -> str:
        if cell is None or cell.value is None:
            if required:
                self.problem("missing: a name is required", cell) if cell else None
            return ""
        if isinstance(cell.value, (dict, list)):
            self.problem("expected text", cell, value=type(cell.value).__name__)
            return ""
        # a number read from YAML keeps the text it was written as (a name 010 stays "010", not "10")
        text = str(getattr(cell.value, "source", cell.value)).strip()
        if required and not text:
            self.problem("a name is required here, found nothing", cell)
        return text

    def source(self, cell: Cell | None) -> Source | None:
        if cell is None or cell.value is None or cell.value == "":
            return None
        value = cell.value
        if isinstance(value, Source):
            return value
        if isinstance(value, str):
            parts = [p.strip() for p in value.split("|")]
            if len(parts) > 4:
                self.problem("a source in text form is 'document | place | quote | note'", cell)
                return None
            parts += [""] * (4 - len(parts))
            return Source(*parts)
        if isinstance(value, dict):
            unknown = set(value) - {"document", "locator", "quote", "note"}
            if unknown:
                self.problem(
                    f"unknown source fields {sorted(unknown)}; allowed: document, locator, quote, note",
                    cell,
                    value=sorted(unknown),
                )
                return None
            if not value.get("document"):
                self.problem("a source needs a 'document'", cell, value=value)
                return None
            return Source(**{k: str(v) for k, v in value.items()})
        self.problem("expected a source (text or a mapping)", cell, value=type(value).__name__)
        return None


CAPABILITY_MAX = 1e12
"""The largest capability accepted: capabilities are relative, and the models multiply them with saliences and
with each other."""
SCALE_MAX = 1e12
SCALE_MIN_WIDTH = 1e-6


def _blank(cell: Cell | None) -> bool:
    return cell is None or cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())


def build(raw: RawScenario) -> Scenario:
    """Check ``raw`` and build the scenario, or raise one :class:`ScenarioError` listing every problem."""
    check = _Checker(raw.file)
    sources: dict[str, Source] = {}

    # -- actors ------------------------------------------------------------------------------------
    actor_names: list[str] = []
    actor_rows: dict[str, Cell] = {}
    actors: list[Actor] = []
    capabilities: list[float] = []
    capability_ranges: list[tuple[float, float]] = []
    for record in raw.actors:
        name = check.text(record.get("name"), required=True)
        if name and name in actor_rows:
            first = actor_rows[name].line
            check.problem(f"duplicate actor (first given at line {first})", record["name"])
            continue
        if name:
            actor_rows[name] = record["name"]
        capability = check.number(record.get("capability"), required=True, what="a capability")
        if capability is not None and capability < 0:
            check.problem("capability must be >= 0", record["capability"])
        elif capability is not None and capability > CAPABILITY_MAX:
            check.problem(
                f"capability above {CAPABILITY_MAX:g}: capabilities are relative, so scale them all down "
                "(the models multiply them, and larger values overflow)",
                record["capability"],
            )
            capability = None
        value_range = _range(check, record, "capability", capability, lower=0.0, upper=math.inf)
        source = check.source(record.get("capability_source"))
        if source is not None:
            sources[f"capability/{name}"] = source
        actor_names.append(name)
        actors.append(Actor(name, check.text(record.get("description"))))
        capabilities.append(capability if capability is not None else np.nan)
        capability_ranges.append(value_range)

    # -- issues ------------------------------------------------------------------------------------
    issue_rows: dict[str, Cell] = {}
    issues: list[Issue] = []
    for record in raw.issues:
        name = check.text(record.get("name"), required=True)
        if name and name in issue_rows:
            check.problem(f"duplicate issue (first given at line {issue_rows[name].line})", record["name"])
            continue
        if name:
            issue_rows[name] = record["name"]
        low = check.number(record.get("scale_low"), what="the scale's low end")
        high = check.number(record.get("scale_high"), what="the scale's high end")
        low = 0.0 if low is None else low
        high = 100.0 if high is None else high
        if max(abs(low), abs(high)) > SCALE_MAX:
            check.problem(
                f"the scale's ends must lie within ±{SCALE_MAX:g}", record.get("scale_high") or record.get("scale_low")
            )
            low, high = 0.0, 100.0
        elif low < high and high - low < SCALE_MIN_WIDTH:
            check.problem(
                f"the scale is narrower than {SCALE_MIN_WIDTH:g} ({low:g} to {high:g}): rescale it, since "
                "positions on it cannot be told apart in floating point",
                record.get("scale_high") or record.get("scale_low"),
            )
            high = low + 1.0
        if not low < high:
            check.problem(
                f"the scale's low end must be below its high end ({low:g} >= {high:g})",
                record.get("scale_high") or record.get("scale_low") or record["name"],
            )
            high = low + 1.0
        points = []
        for point_value, point_words in record.get("points", Cell([])).value or []:
            number = check.number(point_value, what="a point on the scale")
            if number is not None:
                if not low <= number <= high:
                    check.problem(f"labelled point off the scale {low:g}–{high:g}", point_value)
                points.append((number, check.text(point_words)))
        extra: dict[str, float | None] = {}
        status_quo_range = _range(
            check, record, "status_quo", check.number(record.get("status_quo")), lower=low, upper=high
        )
        for key in ("status_quo", "outcome"):
            number = check.number(record.get(key), what="a number")
            if number is not None and not low <= number <= high:
                check.problem(f"off the issue's scale {low:g}–{high:g}", record[key])
                number = None
            extra[key] = number
            source = check.source(record.get(f"{key}_source"))
            if source is not None:
                sources[f"{key}/{name}"] = source
        issues.append(
            Issue(
                name=name,
                question=check.text(record.get("question")),
                low_label=check.text(record.get("low_label")),
                high_label=check.text(record.get("high_label")),
                scale=(low, high),
                points=tuple(sorted(points)),
                status_quo=extra["status_quo"],
                outcome=extra["outcome"],
                status_quo_range=None if np.isnan(status_quo_range[0]) else status_quo_range,
            )
        )
    issue_names = [issue.name for issue in issues]
    # dictionaries, not list searches: checking is linear in the number of stances (20,000 actors used to take
    # 92 s)
    actor_index: dict[str, int] = {}
    for k, name in enumerate(actor_names):
        actor_index.setdefault(name, k)
    issue_index: dict[str, int] = {}
    for k, name in enumerate(issue_names):
        issue_index.setdefault(name, k)

    # -- stances -----------------------------------------------------------------------------------
    n_actors, n_issues = len(actors), len(issues)
    if n_actors * n_issues > MAX_CELLS:
        check.problem(
            f"{n_actors:,} actors × {n_issues:,} issues is more than the {MAX_CELLS:,} a scenario may hold",
            field="actors",
        )
        raise ScenarioError(check.problems)
    positions = np.full((n_actors, n_issues), np.nan)
    saliences = np.zeros((n_actors, n_issues))
    position_ranges = np.full((n_actors, n_issues, 2), np.nan)
    salience_ranges = np.full((n_actors, n_issues, 2), np.nan)
    seen: dict[tuple[int, int], int | None] = {}
    scale_factor = 100.0 / raw.salience_max
    for record in raw.stances:
        actor_cell, issue_cell = record.get("actor"), record.get("issue")
        actor = check.text(actor_cell, required=True)
        issue = check.text(issue_cell, required=True)
        i = actor_index.get(actor)
        j = issue_index.get(issue)
        if actor and i is None:
            check.problem("unknown actor: not among the scenario's actors", actor_cell)
        if issue and j is None:
            check.problem(f"unknown issue; known issues: {', '.join(issue_names)}", issue_cell)
        position = check.number(record.get("position"), what="a position")
        salience = check.number(record.get("salience"), required=position is not None, what="a salience")
        if position is None and salience is not None and salience > 0 and _blank(record.get("position")):
            check.problem(
                "a salience without a position: give the actor's position, or leave both blank if it takes none",
                record.get("position") or record.get("salience"),
            )
        if j is not None and position is not None:
            low, high = issues[j].scale
            if not low <= position <= high:
                check.problem(f"position off the issue's scale {low:g}–{high:g}", record["position"])
                position = None
        if salience is not None and not 0 <= salience <= raw.salience_max:
            kind = "negative salience" if salience < 0 else "salience off the scale"
            check.problem(f"{kind}: allowed 0–{raw.salience_max:g}", record["salience"])
            salience = None
        if i is None or j is None:
            continue
        if (i, j) in seen:
            check.problem(f"duplicate entry for this actor and issue (first at line {seen[(i, j)]})", actor_cell)
            continue
        seen[(i, j)] = actor_cell.line if actor_cell else None
        low, high = issues[j].scale
        position_range = _range(check, record, "position", position, lower=low, upper=high)
        salience_range = _range(check, record, "salience", salience, lower=0.0, upper=raw.salience_max)
        if position is not None:
            positions[i, j] = position
            saliences[i, j] = (salience or 0.0) * scale_factor
            position_ranges[i, j] = position_range
            salience_ranges[i, j] = np.asarray(salience_range) * scale_factor
        for key in ("position", "salience"):
            source = check.source(record.get(f"{key}_source"))
            if source is not None:
                sources[f"{key}/{actor}/{issue}"] = source

    for j, built in enumerate(issues):
        caring = np.sum(~np.isnan(positions[:, j]) & (saliences[:, j] > 0))
        if caring < 2:
            cell = issue_rows.get(built.name)
            check.problem(
                f"issue '{built.name}' needs at least two actors with a position and a salience above 0; "
                f"it has {int(caring)}",
                cell,
                value=int(caring),
            )

    if not actors:
        check.problem("no actors found", field="actors")
    if not issues:
        check.problem("no issues found", field="issues")
    if check.problems:
        raise ScenarioError(check.problems)

    meta = raw.meta
    return Scenario(
        name=check.text(meta.get("name")) or "scenario",
        title=check.text(meta.get("title")),
        description=check.text(meta.get("description")),
        date=check.text(meta.get("date")),
        actors=tuple(actors),
        issues=tuple(issues),
        capabilities=np.array(capabilities, dtype=float),
        positions=positions,
        saliences=saliences,
        capability_ranges=np.array(capability_ranges, dtype=float).reshape(n_actors, 2),
        position_ranges=position_ranges,
        salience_ranges=salience_ranges,
        sources=sources,
        documents=raw.documents,
    )


def _range(
    check: _Checker, record: Record, key: str, value: float | None, *, lower: float, upper: float
) -> tuple[float, float]:
    """The optional confidence range ``KEY_low``–``KEY_high`` around a value."""
    low = check.number(record.get(f"{key}_low"), what="a range's low end")
    high = check.number(record.get(f"{key}_high"), what="a range's high end")
    if low is None and high is None:
        return (np.nan, np.nan)
    if low is None or high is None:
        cell = record.get(f"{key}_low") or record.get(f"{key}_high")
        check.problem(f"a confidence range needs both {key}_low and {key}_high", cell)
        return (np.nan, np.nan)
    if not lower <= low <= high <= upper:
        check.problem(
            f"a confidence range needs {lower:g} <= low <= high <= {upper:g}", record[f"{key}_low"], value=(low, high)
        )
        return (np.nan, np.nan)
    if value is not None and not low <= value <= high:
        check.problem(
            f"the {key} {value:g} lies outside its own confidence range {low:g}–{high:g}",
            record[f"{key}_low"],
            value=(low, high),
        )
    return (low, high)


def build_reporting(raw: RawScenario, problems: list[Problem]) -> Scenario:
    """:func:`build`, reporting the reader's own ``problems`` together with the builder's."""
    try:
        scenario = build(raw)
    except ScenarioError as error:
        raise ScenarioError(problems + error.problems) from None
    if problems:
        raise ScenarioError(problems)
    return scenario
