"""Expert panels: several analysts' files of the same negotiation combined into one scenario, with how far
they agree.

The experts' scenarios are matched by actor and issue names; every expert must name the same actors and
the same issues on the same scales, or the panel is refused with what differs and in which file. Each
input (a capability, a position, a salience, a status quo) becomes:

- its **value**: the median of the experts who give it (an expert may leave an actor out of an issue);
- its **confidence range**: from the lowest to the highest any expert allows, each expert counting with its
  own range where it gives one and with its value where it does not. The range is the envelope of the
  experts' disagreement and of their own uncertainty, so intervals drawn from the panel cover both;
- its **source**: the first expert's source, with a note listing every expert's value and source.

The panel's deal rules (vetoes, linkages, the talks) and its shocks are the first expert's; its documents are
every expert's. It holds the inputs as each expert's file gives them today: a ledger is not carried over, since
the experts' ledgers may differ and the panel's medians already include what theirs applied.

Agreement is Krippendorff's alpha at the interval level (Krippendorff 2004; computed by the ``krippendorff``
package), the experts as coders and the inputs as units, for positions (on each issue's 0–100 scale),
saliences and capabilities (each expert's capabilities as shares of its total, since only their ratios
matter). Alpha is 1 when the experts agree exactly, 0 when they agree no better than chance.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ktokovo.core.errors import Problem, ScenarioError
from ktokovo.core.scenario import Scenario, Source


@dataclass(frozen=True)
class Disagreement:
    """One input the experts estimate differently: ``spread`` is max − min of their values on 0–100 (positions,
    saliences) or in points of capability share (capabilities), ``values`` each expert's value (None: not given)."""

    input: str
    kind: str
    spread: float
    values: tuple[float | None, ...]


def _names(scenarios: Sequence[Scenario], labels: Sequence[str]) -> None:
    """Refuse experts whose actors, issues or scales differ, naming each difference and its file."""
    problems: list[Problem] = []
    first, name = scenarios[0], labels[0]
    for other, label in zip(scenarios[1:], labels[1:], strict=True):
        for kind, mine, theirs in (
            ("actor", first.actor_names, other.actor_names),
            ("issue", first.issue_names, other.issue_names),
        ):
            for missing in sorted(set(mine) - set(theirs)):
                problems.append(Problem(f"{kind} {missing!r} of {name} is missing here", file=label, field=kind))
            for extra in sorted(set(theirs) - set(mine)):
                problems.append(Problem(f"{kind} {extra!r} is not in {name}", file=label, field=kind))
        for issue in first.issues:
            if issue.name in other.issue_names:
                matched = other.issues[other.issue_index(issue.name)]
                if tuple(matched.scale) != tuple(issue.scale):
                    problems.append(
                        Problem(
                            f"issue {issue.name!r} is on the scale {matched.scale[0]:g}–{matched.scale[1]:g} here but "
                            f"{issue.scale[0]:g}–{issue.scale[1]:g} in {name}; put it on one scale first",
                            file=label,
                            field=f"{issue.name}.scale",
                        )
                    )
    if problems:
        raise ScenarioError(problems)


def aligned(scenarios: Sequence[Scenario], labels: Sequence[str]) -> list[Scenario]:
    """The experts' scenarios with actors and issues in the first expert's order (refused if they differ)."""
    if len(scenarios) < 2:
        raise ScenarioError(Problem("a panel needs at least two experts' files", field="files"))
    _names(scenarios, labels)
    first = scenarios[0]
    out = [first]
    for other in scenarios[1:]:
        if other.actor_names == first.actor_names and other.issue_names == first.issue_names:
            out.append(other)  # already in the first's order (as the application passes them on): as it is
            continue
        actors = [other.actor_index(a) for a in first.actor_names]
        issues = [other.issue_index(i) for i in first.issue_names]
        moved = other.permuted(actors)
        out.append(
            moved.replace(
                issues=tuple(moved.issues[j] for j in issues),
                positions=moved.positions[:, issues],
                saliences=moved.saliences[:, issues],
                position_ranges=moved.position_ranges[:, issues],
                salience_ranges=moved.salience_ranges[:, issues],
            )
        )
    return out


def _envelope(values: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """(…, 2): the lowest and highest any expert allows; an expert without a range counts with its value.
    ``values`` (k, …), ``ranges`` (k, …, 2); NaN where no expert gives the input."""
    low = np.where(np.isnan(ranges[..., 0]), values, ranges[..., 0])
    high = np.where(np.isnan(ranges[..., 1]), values, ranges[..., 1])
    with np.errstate(all="ignore"):
        return np.stack([np.nanmin(low, axis=0), np.nanmax(high, axis=0)], axis=-1)


def _median(values: np.ndarray) -> np.ndarray:
    given = ~np.isnan(values)
    out = np.full(values.shape[1:], np.nan)
    counts = given.sum(axis=0)
    with np.errstate(all="ignore"):
        med = np.nanmedian(np.where(given, values, np.nan), axis=0) if values.size else out
    return np.where(counts > 0, med, np.nan)


def _merged_source(key: str, experts: Sequence[Scenario], labels: Sequence[str], values: list[float | None]) -> Source:
    parts = []
    first: Source | None = None
    for scenario, label, value in zip(experts, labels, values, strict=True):
        source = scenario.sources.get(key)
        first = first or source
        said = "—" if value is None else f"{value:g}"
        parts.append(f"{label}: {said}" + (f" ({source})" if source is not None else ""))
    note = "panel median of " + "; ".join(parts)
    if first is None:
        return Source(document="panel", note=note)
    return Source(first.document, first.locator, first.quote, note)


def combine(scenarios: Sequence[Scenario], labels: Sequence[str], name: str | None = None) -> Scenario:
    """One scenario from the experts' (module docstring)."""
    experts = aligned(scenarios, labels)
    first = experts[0]
    caps = np.stack([s.capabilities for s in experts])
    pos = np.stack([s.positions for s in experts])
    sal = np.stack([np.where(np.isnan(s.positions), np.nan, s.saliences) for s in experts])
    capabilities = _median(caps)
    positions = _median(pos)
    saliences = np.where(np.isnan(positions), 0.0, _median(sal))
    sources: dict[str, Source] = {}

    def value(array: np.ndarray, k: int, *index: int) -> float | None:
        v = array[(k, *index)]
        return None if np.isnan(v) else float(v)

    for i, actor in enumerate(first.actors):
        values = [value(caps, k, i) for k in range(len(experts))]
        sources[f"capability/{actor.name}"] = _merged_source(f"capability/{actor.name}", experts, labels, values)
        for j, issue in enumerate(first.issues):
            if np.isnan(positions[i, j]):
                continue
            for kind, array in (("position", pos), ("salience", sal)):
                key = f"{kind}/{actor.name}/{issue.name}"
                sources[key] = _merged_source(
                    key, experts, labels, [value(array, k, i, j) for k in range(len(experts))]
                )
    issues = []
    for j, issue in enumerate(first.issues):
        quos = [s.issues[j].status_quo for s in experts]
        given = [q for q in quos if q is not None]
        issues.append(dataclasses.replace(issue, status_quo=float(np.median(given)) if given else None))
    documents: dict[str, str] = {}
    for scenario, label in zip(experts, labels, strict=True):
        for short, reference in scenario.documents.items():
            if documents.get(short, reference) != reference:
                raise ScenarioError(
                    Problem(
                        f"document {short!r} names another text here than in an earlier file; rename one",
                        file=label,
                        field="documents",
                    )
                )
            documents[short] = reference
    return first.replace(
        name=name or f"{first.name}-panel",
        title=(first.title or first.name) + f" (panel of {len(experts)})",
        description=f"The panel of {', '.join(labels)}: each input the experts' median, its range their envelope.",
        issues=tuple(issues),
        capabilities=capabilities,
        positions=positions,
        saliences=saliences,
        capability_ranges=_envelope(caps, np.stack([s.capability_ranges for s in experts])),
        position_ranges=np.where(
            np.isnan(positions)[..., None], np.nan, _envelope(pos, np.stack([s.position_ranges for s in experts]))
        ),
        salience_ranges=np.where(
            np.isnan(positions)[..., None], np.nan, _envelope(sal, np.stack([s.salience_ranges for s in experts]))
        ),
        sources=sources,
        documents=documents,
        base=None,
        ledger=(),
    )


def _units(experts: Sequence[Scenario]) -> dict[str, tuple[list[str], np.ndarray]]:
    """Per kind of input: the unit names and a (coders, units) array for the reliability computation."""
    first = experts[0]
    pos = np.stack([s.unit_positions() for s in experts])
    sal = np.stack([np.where(np.isnan(s.positions), np.nan, s.saliences) for s in experts])
    caps = np.stack([s.capabilities / s.capabilities.sum() * 100 for s in experts])
    cells = [(i, j) for i in range(len(first.actors)) for j in range(len(first.issues))]
    names = [f"{first.actors[i].name}.{first.issues[j].name}" for i, j in cells]
    return {
        "position": ([f"{n}.position" for n in names], np.array([[p[i, j] for i, j in cells] for p in pos])),
        "salience": ([f"{n}.salience" for n in names], np.array([[s[i, j] for i, j in cells] for s in sal])),
        "capability": ([f"{a}.capability" for a in first.actor_names], caps),
    }


def agreement(scenarios: Sequence[Scenario], labels: Sequence[str]) -> dict[str, float | None]:
    """Krippendorff's alpha (interval) per kind of input and over all of them; None where it is undefined
    (fewer than two units estimated by two experts, or no variation at all)."""
    import krippendorff

    experts = aligned(scenarios, labels)
    out: dict[str, float | None] = {}
    blocks = []
    for kind, (_, data) in _units(experts).items():
        blocks.append(data)
        out[kind] = _alpha(krippendorff, data)
    out["all"] = _alpha(krippendorff, np.concatenate(blocks, axis=1))
    return out


def _alpha(krippendorff: Any, data: np.ndarray) -> float | None:
    paired = (~np.isnan(data)).sum(axis=0) >= 2
    if paired.sum() < 2 or np.nanstd(data[:, paired]) == 0:
        return None
    value = float(krippendorff.alpha(reliability_data=data[:, paired], level_of_measurement="interval"))
    return value if np.isfinite(value) else None


def disagreements(scenarios: Sequence[Scenario], labels: Sequence[str], top: int = 10) -> list[Disagreement]:
    """The inputs the experts disagree on most, by the spread of their values (positions on 0–100); inputs
    on which they all agree are not listed."""
    experts = aligned(scenarios, labels)
    rows = []
    for kind, (names, data) in _units(experts).items():
        for u, name in enumerate(names):
            column = data[:, u]
            given = column[~np.isnan(column)]
            if len(given) >= 2 and given.max() > given.min():
                values = tuple(None if np.isnan(v) else float(v) for v in column)
                rows.append(Disagreement(name, kind, float(given.max() - given.min()), values))
    rows.sort(key=lambda row: -row.spread)
    return rows[:top]
