"""The scenario: actors, issues, and each actor's position and salience on each issue.

Plain immutable data. Formats (``ktokovo.io``) build it; models read it. Nothing here reads
files or prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from ktokovo.core.errors import Problem, ScenarioError

SALIENCE_MAX = 100.0


@dataclass(frozen=True)
class Source:
    """Where an estimate comes from: a document, a place in it, and a few quoted words."""

    document: str
    locator: str = ""
    quote: str = ""
    note: str = ""

    def __str__(self) -> str:
        parts = [self.document]
        if self.locator:
            parts.append(self.locator)
        text = ", ".join(parts)
        if self.quote:
            text += f': "{self.quote}"'
        if self.note:
            text += f" ({self.note})"
        return text


@dataclass(frozen=True)
class Actor:
    """A party to the negotiation."""

    name: str
    description: str = ""


@dataclass(frozen=True)
class Issue:
    """One question at stake, on a scale whose ends are described in words.

    ``scale`` is the issue's own scale (for example years 4–10); models work on 0–100 and results are
    reported back on this scale. ``points`` are labelled points between the ends, on the own scale.
    ``status_quo`` and ``outcome`` (the recorded real outcome, if known) are on the own scale too, and
    ``status_quo_range`` is the status quo's low–high confidence range, if given.
    """

    name: str
    question: str = ""
    low_label: str = ""
    high_label: str = ""
    scale: tuple[float, float] = (0.0, 100.0)
    points: tuple[tuple[float, str], ...] = ()
    status_quo: float | None = None
    outcome: float | None = None
    status_quo_range: tuple[float, float] | None = None

    def to_unit(self, value: float | np.ndarray) -> float | np.ndarray:
        """Map a value on the issue's own scale to 0–100."""
        low, high = self.scale
        return (np.asarray(value, dtype=float) - low) * (100.0 / (high - low))

    def from_unit(self, value: float | np.ndarray) -> float | np.ndarray:
        """Map a value on 0–100 back to the issue's own scale."""
        low, high = self.scale
        return np.asarray(value, dtype=float) * ((high - low) / 100.0) + low

    def nearest_label(self, value: float) -> str:
        """The words of the labelled point (ends included) nearest to ``value`` (own scale)."""
        low, high = self.scale
        marks = [(low, self.low_label), *self.points, (high, self.high_label)]
        marks = [(v, words) for v, words in marks if words]
        if not marks:
            return ""
        return min(marks, key=lambda mark: abs(mark[0] - value))[1]


@dataclass(frozen=True)
class Shock:
    """A change to the inputs from round ``round`` on (round ≥ 1).

    kind "set": ``target`` (``ACTOR.capability``, ``ACTOR.ISSUE.position`` on the issue's own scale,
    ``ACTOR.ISSUE.salience``) takes ``value``; "scale": the target is multiplied by ``value``; "leave": the
    actor ``target`` leaves the talks; "enter": the actor ``target`` joins (it takes no part before).
    """

    round: int
    kind: str
    target: str
    value: float | None = None
    note: str = ""

    def __str__(self) -> str:
        if self.kind == "set":
            return f"round {self.round}: {self.target} = {self.value:g}"
        if self.kind == "scale":
            return f"round {self.round}: {self.target} × {self.value:g}"
        return f"round {self.round}: {self.target} {'leaves' if self.kind == 'leave' else 'enters'}"


@dataclass(frozen=True)
class Veto:
    """An actor whose consent a deal needs, on all issues (``issues`` empty) or on some.

    Its walk-away point is the status quo of each of those issues unless ``walk_away`` gives another (issue
    name to a value on the issue's own scale). ``cost`` is what no deal costs it, in the units of its loss: its
    salience-weighted mean distance, in points on 0–100, over the issues it can veto.
    """

    actor: str
    issues: tuple[str, ...] = ()
    cost: float = 0.0
    walk_away: tuple[tuple[str, float], ...] = ()
    source: Source | None = None
    cost_range: tuple[float, float] | None = None
    """Low–high confidence range of ``cost``; drawn (triangular, the estimate as mode) like every input."""
    walk_away_ranges: tuple[tuple[str, float, float], ...] = ()
    """(issue, low, high) confidence ranges of walk-away points, on the issue's own scale."""
    delay: float = 0.0
    """What each round of offers without a deal adds to its cost of no deal (points, as ``cost``)."""
    drift: tuple[tuple[str, float], ...] = ()
    """After a deal: (issue, sd) the standard deviation, in points of the issue's own scale per month, of a
    random walk of its position (a party whose wishes move may come to regret the deal)."""
    cost_trend: float = 0.0
    """After a deal: the change of its cost of no deal per month (negative: going back to the fight grows
    cheaper, for example while it rearms)."""


@dataclass(frozen=True)
class Talks:
    """How the talks are run, for the probability of a deal when nobody knows the others' limits.

    ``proposer``: who makes the offers (an agenda setter or mediator; None: each veto player, recognised with
    equal chance). ``rounds``: the offers before the deadline. ``no_deal``: (issue, value on its own scale)
    where an issue ends up if the talks fail (the status quo where not given)."""

    proposer: str | None = None
    rounds: int = 1
    no_deal: tuple[tuple[str, float], ...] = ()
    source: Source | None = None


@dataclass(frozen=True)
class Voting:
    """How the actors decide when they vote: a ``rule`` (``weighted``, ``majority``, ``unanimity``,
    ``qmv-nice``, ``qmv-pre-nice``, ``qmv-lisbon``; see :mod:`ktokovo.analysis.power`), the ``weights``
    (actor, votes) of a weighted rule (the QMV rules take the treaty's), its ``quota`` (votes needed; the QMV
    rules know theirs), the ``population`` (actor, people) the Lisbon rule weighs, and ``blocs``: groups of
    actors that vote together."""

    rule: str
    weights: tuple[tuple[str, float], ...] = ()
    quota: float | None = None
    population: tuple[tuple[str, float], ...] = ()
    blocs: tuple[tuple[str, ...], ...] = ()
    source: Source | None = None


@dataclass(frozen=True)
class Linkage:
    """A condition tying two issues: a package with ``if_issue if_op if_value`` must have
    ``then_issue then_op then_value`` (for example: sanctions relief only with a ceasefire). Values on the
    issues' own scales; operators ``>=`` or ``<=``."""

    if_issue: str
    if_op: str
    if_value: float
    then_issue: str
    then_op: str
    then_value: float
    source: Source | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """A dated event of the talks: a meeting, statement, offer, commitment, deadline or violation.

    ``changes`` are the input changes it implies from its date on, each written as for ``--set`` and
    ``--drop``: ``"ACTOR.ISSUE.position=VALUE"`` (own scale), ``"ACTOR.ISSUE.salience=VALUE"``,
    ``"ACTOR.capability=VALUE"``, ``"ISSUE.status_quo=VALUE"``, ``"-ACTOR"`` (leaves the talks) or ``"+ACTOR"``
    (enters them: the actor takes no part before). ``hash`` chains the entry to the one before it (see
    :func:`ktokovo.verify_ledger`); ``date`` is ISO ``YYYY-MM-DD``.
    """

    date: str
    kind: str
    title: str
    actors: tuple[str, ...] = ()
    source: Source | None = None
    changes: tuple[str, ...] = ()
    hash: str = ""


# Scenario fields that are not inputs: the same before and after a ledger's changes.
_SHARED = frozenset(
    (
        "name",
        "title",
        "description",
        "date",
        "documents",
        "shocks",
        "vetoes",
        "linkages",
        "talks",
        "voting",
        "model_parameters",
        "ledger",
    )
)

LEDGER_KINDS = ("meeting", "statement", "offer", "commitment", "deadline", "violation")


def _frozen(array: np.ndarray) -> np.ndarray:
    out = np.array(array, dtype=float)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Scenario:
    """A negotiation.

    Attributes
    ----------
    capabilities : (n_actors,) array, >= 0, any scale (only ratios matter).
    positions : (n_actors, n_issues) array on each issue's own scale; NaN where an actor takes no
        position.
    saliences : (n_actors, n_issues) array, 0–100; 0 where an actor takes no position.
    capability_ranges : (n_actors, 2) low–high confidence ranges; NaN where none is given.
    position_ranges, salience_ranges : (n_actors, n_issues, 2) the same for positions and saliences.
    sources : where each estimate comes from, keyed ``"capability/ACTOR"``,
        ``"position/ACTOR/ISSUE"``, ``"salience/ACTOR/ISSUE"``, ``"status_quo/ISSUE"``,
        ``"outcome/ISSUE"``.
    documents : the documents sources refer to, short name to full reference.
    shocks : changes to the inputs from a given round on (see :class:`Shock`).
    model_parameters : parameters the scenario sets for a model, by model name (for example a KTAB XML file's
        ModelParameters for ``smp``); they act as that model's defaults when it runs on this scenario.
    ledger : the dated events of the talks (see :class:`LedgerEntry`), in the order they were recorded.
    as_of : the ISO date whose state of the talks the inputs show ("" when no ledger was applied).
    base : the inputs before any ledger entry, when a ledger was applied (see :func:`ktokovo.as_of`).
    """

    name: str
    actors: tuple[Actor, ...]
    issues: tuple[Issue, ...]
    capabilities: np.ndarray
    positions: np.ndarray
    saliences: np.ndarray
    # None means "no ranges given": __post_init__ fills them with NaN, so they are always arrays.
    capability_ranges: np.ndarray = None  # type: ignore[assignment]
    position_ranges: np.ndarray = None  # type: ignore[assignment]
    salience_ranges: np.ndarray = None  # type: ignore[assignment]
    sources: Mapping[str, Source] = field(default_factory=dict)
    documents: Mapping[str, str] = field(default_factory=dict)
    title: str = ""
    description: str = ""
    date: str = ""
    shocks: tuple[Shock, ...] = ()
    vetoes: tuple[Veto, ...] = ()
    linkages: tuple[Linkage, ...] = ()
    talks: Talks = Talks()
    voting: Voting | None = None
    model_parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    ledger: tuple[LedgerEntry, ...] = ()
    as_of: str = ""
    base: Scenario | None = None
    ledger_head: tuple[int, str, str] | None = None
    """The ledger's seal as its file recorded it: (entries, the last entry's hash, the inputs' SHA-256); every
    YAML writer records it, and verification compares it with the ledger and inputs as they are. Not part of
    equality: it describes the file, not the negotiation."""

    def __post_init__(self) -> None:
        n_actors, n_issues = len(self.actors), len(self.issues)
        set_ = object.__setattr__
        set_(self, "actors", tuple(self.actors))
        set_(self, "issues", tuple(self.issues))
        set_(self, "capabilities", _frozen(self.capabilities))
        set_(self, "positions", _frozen(self.positions))
        set_(self, "saliences", _frozen(self.saliences))
        nan = np.nan
        for name, shape in (
            ("capability_ranges", (n_actors, 2)),
            ("position_ranges", (n_actors, n_issues, 2)),
            ("salience_ranges", (n_actors, n_issues, 2)),
        ):
            value = getattr(self, name)
            set_(self, name, _frozen(np.full(shape, nan) if value is None else value))
        set_(self, "shocks", tuple(sorted(self.shocks, key=lambda shock: shock.round)))
        set_(self, "vetoes", tuple(self.vetoes))
        set_(self, "linkages", tuple(self.linkages))
        set_(self, "ledger", tuple(self.ledger))
        set_(self, "sources", MappingProxyType(dict(self.sources)))
        set_(self, "documents", MappingProxyType(dict(self.documents)))
        set_(self, "model_parameters", MappingProxyType({k: dict(v) for k, v in self.model_parameters.items()}))
        problems = self._check(n_actors, n_issues)
        if problems:
            raise ScenarioError(problems)

    def _check(self, n_actors: int, n_issues: int) -> list[Problem]:
        problems: list[Problem] = []
        if n_actors == 0:
            problems.append(Problem("a scenario needs at least one actor", field="actors"))
        if n_issues == 0:
            problems.append(Problem("a scenario needs at least one issue", field="issues"))
        expected = {
            "capabilities": (n_actors,),
            "positions": (n_actors, n_issues),
            "saliences": (n_actors, n_issues),
            "capability_ranges": (n_actors, 2),
            "position_ranges": (n_actors, n_issues, 2),
            "salience_ranges": (n_actors, n_issues, 2),
        }
        for name, shape in expected.items():
            if getattr(self, name).shape != shape:
                problems.append(Problem(f"shape {getattr(self, name).shape}, expected {shape}", field=name))
        if problems:
            return problems
        for kind, names in (("actor", [a.name for a in self.actors]), ("issue", [i.name for i in self.issues])):
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    problems.append(Problem(f"duplicate {kind} name", field=kind, value=name))
                seen.add(name)
        caps = self.capabilities
        if not np.all(np.isfinite(caps)) or np.any(caps < 0):
            problems.append(Problem("capabilities must be finite and >= 0", field="capability"))
        sal = self.saliences
        if not np.all(np.isfinite(sal)) or np.any(sal < 0) or np.any(sal > SALIENCE_MAX):
            problems.append(Problem("saliences must lie in 0–100", field="salience"))
        for j, issue in enumerate(self.issues):
            low, high = issue.scale
            if not (np.isfinite(low) and np.isfinite(high) and low < high):
                problems.append(Problem("scale needs low < high", field=f"{issue.name}.scale", value=issue.scale))
                continue
            column = self.positions[:, j]
            given = column[~np.isnan(column)]
            if np.any(np.isinf(given)) or np.any((given < low) | (given > high)):
                problems.append(
                    Problem(f"positions must lie on the issue's scale {low:g}–{high:g}", field=f"{issue.name}.position")
                )
            for label, value in (("status_quo", issue.status_quo), ("outcome", issue.outcome)):
                if value is not None and not (np.isfinite(value) and low <= value <= high):
                    problems.append(
                        Problem(
                            f"must lie on the issue's scale {low:g}–{high:g}",
                            field=f"{issue.name}.{label}",
                            value=value,
                        )
                    )
        problems += self._check_ranges()
        for shock in self.shocks:
            problems += _check_shock(self, shock)
        problems += _check_deal_rules(self)
        return problems

    def _check_ranges(self) -> list[Problem]:
        """Every confidence range given holds its estimate (low <= estimate <= high); the loaders check the
        same with the file's row, this catches a scenario built in Python."""
        problems: list[Problem] = []
        names = [a.name for a in self.actors]
        issues = [i.name for i in self.issues]
        for kind, estimates, ranges in (
            ("capability", self.capabilities[:, None], self.capability_ranges[:, None, :]),
            ("position", self.positions, self.position_ranges),
            ("salience", self.saliences, self.salience_ranges),
        ):
            given = ~np.isnan(ranges).any(axis=-1) & ~np.isnan(estimates)
            outside = given & ((ranges[..., 0] > estimates) | (estimates > ranges[..., 1]))
            for i, j in zip(*np.nonzero(outside), strict=True):
                where = names[i] if kind == "capability" else f"{names[i]}.{issues[j]}"
                low, high = ranges[i, j]
                problems.append(
                    Problem(
                        f"the {kind} {estimates[i, j]:g} lies outside its own confidence range {low:g}–{high:g}",
                        field=f"{where}.{kind}_range",
                        value=(float(low), float(high)),
                    )
                )
        return problems

    # -- derived views -------------------------------------------------------------------------
    @property
    def actor_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.actors)

    @property
    def issue_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.issues)

    def _repr_html_(self) -> str:
        """In Jupyter: the title, the issues with the words at their ends, and the table of capabilities,
        positions and saliences (inputs as given; "—" where an actor holds no position)."""
        import html

        import pandas as pd

        from ktokovo.core.numbers import given

        def cell(value: float) -> str:
            return "—" if np.isnan(value) else given(value)

        issues = pd.DataFrame(
            {
                "issue": [i.name for i in self.issues],
                "question": [i.question for i in self.issues],
                "low end": [f"{given(i.scale[0])} = {i.low_label}" for i in self.issues],
                "high end": [f"{given(i.scale[1])} = {i.high_label}" for i in self.issues],
                "status quo": ["—" if i.status_quo is None else given(i.status_quo) for i in self.issues],
            }
        )
        columns = pd.MultiIndex.from_tuples(
            [("", "capability")] + [(i.name, kind) for i in self.issues for kind in ("position", "salience")]
        )
        rows = [
            [given(self.capabilities[a])]
            + [cell(v) for j in range(len(self.issues)) for v in (self.positions[a, j], self.saliences[a, j])]
            for a in range(len(self.actors))
        ]
        table = pd.DataFrame(rows, index=pd.Index(self.actor_names, name="actor"), columns=columns)
        title = html.escape(self.title or self.name) + (f" ({html.escape(self.date)})" if self.date else "")
        return (
            f"<h4>{title}</h4><p>{len(self.actors)} actors, {len(self.issues)} issues</p>"
            + issues.to_html(index=False)
            + table.to_html()
        )

    def unit_positions(self) -> np.ndarray:
        """Positions mapped to 0–100 on every issue: (n_actors, n_issues), NaN where none."""
        out = np.empty_like(self.positions)
        for j, issue in enumerate(self.issues):
            out[:, j] = issue.to_unit(self.positions[:, j])
        return out

    def actor_index(self, name: str) -> int:
        try:
            return self.actor_names.index(name)
        except ValueError:
            raise ScenarioError(Problem("unknown actor", field="actor", value=name)) from None

    def issue_index(self, name: str) -> int:
        try:
            return self.issue_names.index(name)
        except ValueError:
            raise ScenarioError(Problem("unknown issue", field="issue", value=name)) from None

    def replace(self, **changes: object) -> Scenario:
        """A copy with some fields replaced (the scenario itself never changes).

        Fields that are not inputs (the name, texts, shocks, deal rules, model parameters and ledger) change in
        :attr:`base` too, so that saving the scenario, or seeing it as of another date, keeps them.
        """
        if self.base is not None and "base" not in changes:
            shared = {key: value for key, value in changes.items() if key in _SHARED}
            if shared:
                changes["base"] = self.base.replace(**shared)
        return replace(self, **changes)  # type: ignore[arg-type]

    def permuted(self, order: list[int] | np.ndarray) -> Scenario:
        """The same scenario with its actors listed in another order."""
        order = np.asarray(order)
        return self.replace(
            actors=tuple(self.actors[i] for i in order),
            capabilities=self.capabilities[order],
            positions=self.positions[order],
            saliences=self.saliences[order],
            capability_ranges=self.capability_ranges[order],
            position_ranges=self.position_ranges[order],
            salience_ranges=self.salience_ranges[order],
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        arrays = ("capabilities", "positions", "saliences", "capability_ranges", "position_ranges", "salience_ranges")
        plain = (
            "name",
            "actors",
            "issues",
            "title",
            "description",
            "date",
            "shocks",
            "vetoes",
            "linkages",
            "talks",
            "voting",
            "ledger",
        )
        return (
            all(getattr(self, f) == getattr(other, f) for f in plain)
            and dict(self.sources) == dict(other.sources)
            and dict(self.documents) == dict(other.documents)
            and dict(self.model_parameters) == dict(other.model_parameters)
            and all(np.array_equal(getattr(self, f), getattr(other, f), equal_nan=True) for f in arrays)
        )

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # The read-only mappings cannot be pickled as they are (worker processes need scenarios).
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["sources"], values["documents"] = dict(self.sources), dict(self.documents)
        values["model_parameters"] = dict(self.model_parameters)
        return (_rebuild, (values,))


def _rebuild(values: dict[str, Any]) -> Scenario:
    return Scenario(**values)


def _check_shock(scenario: Scenario, shock: Shock) -> list[Problem]:
    where = f"shock at round {shock.round}"
    if isinstance(shock.round, bool) or not isinstance(shock.round, int) or shock.round < 1:
        return [Problem("a shock's round must be a whole number >= 1", field=where, value=shock.round)]
    if shock.kind in ("enter", "leave"):
        if shock.target not in scenario.actor_names:
            return [
                Problem(f"unknown actor; actors: {', '.join(scenario.actor_names)}", field=where, value=shock.target)
            ]
        return []
    if shock.kind not in ("set", "scale"):
        return [Problem("a shock is set, scale, enter or leave", field=where, value=shock.kind)]
    if shock.value is None or not np.isfinite(shock.value):
        return [Problem("a set or scale shock needs a finite value", field=where, value=shock.value)]
    kind, actor, issue = shock_target(scenario, shock.target)
    if kind is None:
        return [
            Problem(
                "the target must be ACTOR.capability, ACTOR.ISSUE.position or ACTOR.ISSUE.salience with "
                "a known actor and issue",
                field=where,
                value=shock.target,
            )
        ]
    if shock.kind == "set" and kind == "position":
        low, high = scenario.issues[issue].scale  # type: ignore[index]
        if not low <= shock.value <= high:
            return [Problem(f"off the issue's scale {low:g}–{high:g}", field=where, value=shock.value)]
    if shock.kind == "set" and kind == "salience" and not 0 <= shock.value <= 100:
        return [Problem("a salience must lie in 0–100", field=where, value=shock.value)]
    if shock.value < 0:
        return [Problem("must not be negative", field=where, value=shock.value)]
    return []


def shock_target(scenario: Scenario, target: str) -> tuple[str | None, int | None, int | None]:
    """(kind, actor index, issue index) of a shock's target, or (None, None, None) if it names nothing."""
    for kind in ("capability", "position", "salience"):
        if not target.endswith("." + kind):
            continue
        head = target[: -len(kind) - 1]
        if kind == "capability":
            return (
                (kind, scenario.actor_names.index(head), None) if head in scenario.actor_names else (None, None, None)
            )
        for i, actor in enumerate(scenario.actor_names):
            rest = head[len(actor) + 1 :]
            if head.startswith(actor + ".") and rest in scenario.issue_names:
                return kind, i, scenario.issue_names.index(rest)
    return None, None, None


def _check_deal_rules(scenario: Scenario) -> list[Problem]:
    problems = []
    seen = set()
    for veto in scenario.vetoes:
        where = f"veto of {veto.actor}"
        if veto.actor not in scenario.actor_names:
            problems.append(Problem("unknown actor", field=where, value=veto.actor))
            continue
        if veto.actor in seen:
            problems.append(Problem("one veto entry per actor", field=where, value=veto.actor))
        seen.add(veto.actor)
        if not np.isfinite(veto.cost) or veto.cost < 0:
            problems.append(Problem("the cost of no deal must be a finite number >= 0", field=where, value=veto.cost))
        walk_away = dict(veto.walk_away)
        for name in veto.issues or scenario.issue_names:
            if name not in scenario.issue_names:
                problems.append(Problem("unknown issue", field=where, value=name))
                continue
            issue = scenario.issues[scenario.issue_names.index(name)]
            if name not in walk_away and issue.status_quo is None:
                problems.append(Problem(f"issue '{name}' has no status quo: give a walk_away value", field=where))
        for name, value in walk_away.items():
            if name not in scenario.issue_names:
                problems.append(Problem("walk_away names an unknown issue", field=where, value=name))
            else:
                low, high = scenario.issues[scenario.issue_names.index(name)].scale
                if not low <= value <= high:
                    problems.append(Problem(f"walk_away off the scale {low:g}–{high:g}", field=where, value=value))
        problems += _check_rule_ranges(scenario, veto, where)
    problems += _check_talks(scenario)
    problems += _check_voting(scenario)
    for link in scenario.linkages:
        where = f"linkage {link.if_issue} -> {link.then_issue}"
        for name in (link.if_issue, link.then_issue):
            if name not in scenario.issue_names:
                problems.append(Problem("unknown issue", field=where, value=name))
        for op in (link.if_op, link.then_op):
            if op not in (">=", "<="):
                problems.append(Problem("operators are >= or <=", field=where, value=op))
        for name, value in ((link.if_issue, link.if_value), (link.then_issue, link.then_value)):
            if name in scenario.issue_names:
                low, high = scenario.issues[scenario.issue_names.index(name)].scale
                if not (isinstance(value, (int, float)) and np.isfinite(value) and low <= value <= high):
                    problems.append(
                        Problem(
                            f"a linkage's value must lie on {name}'s scale {low:g}–{high:g}", field=where, value=value
                        )
                    )
    return problems


def _check_rule_ranges(scenario: Scenario, veto: Veto, where: str) -> list[Problem]:
    """A veto's ranges, delay and drift: finite, ordered, containing the estimate, on the scale."""
    problems = []
    if veto.cost_range is not None:
        low, high = veto.cost_range
        if not (np.isfinite(low) and np.isfinite(high) and 0 <= low <= veto.cost <= high):
            problems.append(
                Problem(
                    "the cost's confidence range must be finite, >= 0 and hold the cost", field=where, value=[low, high]
                )
            )
    walk_away = dict(veto.walk_away)
    for name, low, high in veto.walk_away_ranges:
        if name not in scenario.issue_names:
            problems.append(Problem("a walk_away range names an unknown issue", field=where, value=name))
            continue
        issue = scenario.issues[scenario.issue_names.index(name)]
        estimate = walk_away.get(name)
        a, b = issue.scale
        if estimate is None:
            problems.append(Problem(f"a walk_away range on {name} needs a walk_away value there", field=where))
        elif not (np.isfinite(low) and np.isfinite(high) and min(a, b) <= low <= high <= max(a, b)):
            problems.append(Problem(f"walk_away range off the scale {a:g}–{b:g}", field=where, value=[low, high]))
        elif not low <= estimate <= high:
            problems.append(
                Problem(f"the walk_away range of {name} must hold {estimate:g}", field=where, value=[low, high])
            )
    if not np.isfinite(veto.delay) or veto.delay < 0:
        problems.append(Problem("the cost of delay must be a finite number >= 0", field=where, value=veto.delay))
    if not np.isfinite(veto.cost_trend):
        problems.append(Problem("the cost trend must be a finite number", field=where, value=veto.cost_trend))
    for name, sd in veto.drift:
        if name not in scenario.issue_names:
            problems.append(Problem("drift names an unknown issue", field=where, value=name))
        elif not np.isfinite(sd) or sd < 0:
            problems.append(Problem("a drift is a finite standard deviation >= 0", field=where, value=sd))
    return problems


VOTING_RULES = ("weighted", "majority", "unanimity", "qmv-nice", "qmv-pre-nice", "qmv-lisbon")


def _check_voting(scenario: Scenario) -> list[Problem]:
    voting, problems = scenario.voting, list[Problem]()
    if voting is None:
        return problems
    if voting.rule not in VOTING_RULES:
        problems.append(
            Problem(f"unknown voting rule; known: {', '.join(VOTING_RULES)}", field="voting.rule", value=voting.rule)
        )
    names = set(scenario.actor_names)
    for label, pairs in (("weights", voting.weights), ("population", voting.population)):
        for actor, value in pairs:
            if actor not in names:
                problems.append(Problem("unknown actor", field=f"voting.{label}", value=actor))
            if isinstance(value, bool) or not np.isfinite(value) or value < 0:
                problems.append(Problem("must be a finite number >= 0", field=f"voting.{label}.{actor}", value=value))
    if voting.rule == "weighted":
        total = sum(v for _, v in voting.weights)
        if not voting.weights:
            problems.append(Problem("a weighted rule needs weights: {actor: votes}", field="voting.weights"))
        if voting.quota is None or not (0 < voting.quota <= total):
            problems.append(
                Problem(
                    f"a weighted rule needs a quota above 0 and at most the {total:g} votes",
                    field="voting.quota",
                    value=voting.quota,
                )
            )
    if voting.rule == "qmv-lisbon" and not voting.population:
        problems.append(
            Problem("the Lisbon rule weighs population: give population: {member: people}", field="voting.population")
        )
    seen: set[str] = set()
    for bloc in voting.blocs:
        for actor in bloc:
            if actor not in names:
                problems.append(Problem("unknown actor", field="voting.blocs", value=actor))
            elif actor in seen:
                problems.append(Problem("an actor can be in one bloc only", field="voting.blocs", value=actor))
            seen.add(actor)
    return problems


def _check_talks(scenario: Scenario) -> list[Problem]:
    talks, problems = scenario.talks, []
    if talks.proposer is not None and talks.proposer not in scenario.actor_names:
        problems.append(Problem("unknown actor", field="talks.proposer", value=talks.proposer))
    if isinstance(talks.rounds, bool) or not isinstance(talks.rounds, int) or not 1 <= talks.rounds <= 50:
        problems.append(
            Problem("rounds of offers must be a whole number from 1 to 50", field="talks.rounds", value=talks.rounds)
        )
    for name, value in talks.no_deal:
        if name not in scenario.issue_names:
            problems.append(Problem("unknown issue", field="talks.no_deal", value=name))
            continue
        a, b = scenario.issues[scenario.issue_names.index(name)].scale
        if not (np.isfinite(value) and min(a, b) <= value <= max(a, b)):
            problems.append(Problem(f"no_deal off the scale {a:g}–{b:g}", field=f"talks.no_deal.{name}", value=value))
    return problems
