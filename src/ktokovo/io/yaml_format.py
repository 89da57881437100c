"""The YAML scenario format (the primary, human-edited one).

A number may be written plainly (``capability: 80``) or as a mapping that carries its confidence range
and source::

    capability: {value: 80, confidence: [70, 90], source: {document: article, locator: "¶6", quote: "..."}}
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import yaml

from ktokovo.analysis import ledger as _ledger
from ktokovo.core.errors import Problem, ScenarioError
from ktokovo.core.scenario import LedgerEntry, Linkage, Scenario, Shock, Source, Talks, Veto, Voting
from ktokovo.io._build import Cell, RawScenario, Record, build

SCHEMA_VERSION = 1
# libyaml's safe loader where PyYAML was built with it; the pure-Python one otherwise. Both refuse tags
# that would construct Python objects.
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LOADER(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """A YAML 1.2 core-schema reader, so that names stay the text they are.

    - Only ``true``/``false`` are booleans (YAML 1.1 also turns ``yes``, ``no``, ``on``, ``off`` into booleans,
      so an actor ``NO`` would become False).
    - Integers are decimal, ``0o`` octal or ``0x`` hex (YAML 1.1 reads ``010`` as 8).
    - Floats may have an exponent without a dot (``1e5``).
    - Dates are read as the text they are (``2025-04-28``): the reader checks them where they are used, and an
      impossible date such as 2025-13-01 becomes a clear problem instead of a crash in the YAML library.
    - A key given twice in one mapping is refused, not silently overwritten.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) or key is None:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"the key {key!r} is given twice in one mapping (first on line {seen[key]})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


_CORE = {
    "tag:yaml.org,2002:bool": (r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    "tag:yaml.org,2002:int": (r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    "tag:yaml.org,2002:float": (
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
}
_REPLACED = {*_CORE, "tag:yaml.org,2002:timestamp"}
_LOADER.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}
for _tag, (_pattern, _first) in _CORE.items():
    _LOADER.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


class _Int(int):
    """An integer that remembers how it was written, so that a name such as ``010`` stays "010"."""

    source: str


class _Float(float):
    """A float that remembers how it was written (a name such as ``1e3`` stays "1e3")."""

    source: str


def _core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
    if digits.startswith("0o"):
        value = _Int(sign * int(digits[2:], 8))
    elif digits.startswith("0x"):
        value = _Int(sign * int(digits[2:], 16))
    else:
        value = _Int(sign * int(digits, 10))
    value.source = text
    return value


def _core_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node))
    value = _Float(float(text.lower().replace(".inf", "inf").replace(".nan", "nan")))  # YAML's .inf and .nan
    value.source = text
    return value


def _core_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return str(loader.construct_scalar(node)).lower() == "true"


_LOADER.add_constructor("tag:yaml.org,2002:int", _core_int)
_LOADER.add_constructor("tag:yaml.org,2002:float", _core_float)
_LOADER.add_constructor("tag:yaml.org,2002:bool", _core_bool)

NODE_BUDGET = 1_000_000
"""The most nodes a scenario's YAML may hold once its aliases are expanded: far above any real scenario (the
flagship has about 2,000), far below an alias bomb's 10⁷ or more."""


def _expanded_size(root: yaml.Node, file: str | None) -> int:
    """The number of nodes of the document with every alias expanded, counted without expanding them (each
    node's size computed once); a :class:`ScenarioError` for an alias that contains itself or a document over
    :data:`NODE_BUDGET`."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = (
            [n for pair in node.value for n in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
            if isinstance(node, yaml.SequenceNode)
            else []
        )
        if done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > NODE_BUDGET:
                raise ScenarioError(
                    Problem(
                        f"the YAML expands to more than {NODE_BUDGET:,} nodes through its aliases (&anchor / *alias); "
                        "a scenario needs far fewer: write the repeated parts out",
                        file=file,
                        line=node.start_mark.line + 1,
                    )
                )
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise ScenarioError(
                Problem("a YAML alias refers to a node that contains it", file=file, line=node.start_mark.line + 1)
            )
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise ScenarioError(
                    Problem("a YAML alias refers to a node that contains it", file=file, line=child.start_mark.line + 1)
                )
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


_TOP = {
    "schema_version",
    "name",
    "title",
    "description",
    "date",
    "documents",
    "salience_scale",
    "actors",
    "issues",
    "stances",
    "shocks",
    "model_parameters",
    "vetoes",
    "linkages",
    "talks",
    "voting",
    "ledger_head",
    "ledger",
}
_LEDGER = {"date", "kind", "title", "actors", "source", "changes", "hash"}
_SHOCK = {"round", "set", "scale", "enter", "leave", "value", "note"}
_ACTOR = {"name", "description", "capability"}
_ISSUE = {"name", "question", "low", "high", "scale", "points", "status_quo", "outcome"}
_STANCE = {"actor", "issue", "position", "salience"}
_ESTIMATE = {"value", "confidence", "source"}
_VETO = {"actor", "issues", "cost", "walk_away", "delay", "drift", "source"}
_DRIFT = {"cost", "positions"}
_TALKS = {"proposer", "rounds", "no_deal", "source"}
_VOTING = {"rule", "weights", "quota", "population", "blocs", "source"}


def _line_map(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """1-based line of every key and item in the composed YAML tree, by path."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(_line_map(value, (*path, key.value)))
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_line_map(item, (*path, index)))
    return lines


def read_yaml(text: str, file: str | None) -> Scenario:
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _expanded_size(root, file)
        data = loader.construct_document(root) if root is not None else None
    except yaml.constructor.ConstructorError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        problem = str(error.problem)
        if "given twice" in problem:
            raise ScenarioError(Problem(problem, file=file, line=line)) from None
        raise ScenarioError(
            Problem("YAML tags are not allowed in a scenario", file=file, line=line, value=problem)
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ScenarioError(
            Problem(
                f"not valid YAML: {getattr(error, 'problem', error)}", file=file, line=mark.line + 1 if mark else None
            )
        ) from None
    finally:
        loader.dispose()
    return read_data(data, file, _line_map(root) if root is not None else {})


def _named(data: dict[str, Any], path: tuple[Any, ...]) -> str:
    """A field's name in a message, by the actor and issue it belongs to, as ``--set`` writes them
    (``Russia.crimea.position``, ``Russia.capability``, ``crimea.status_quo``), rather than by list index;
    an entry without a usable name keeps its place (``stances[3].position``)."""
    if len(path) >= 2 and path[0] in ("actors", "issues", "stances") and isinstance(path[1], int):
        entries = data.get(path[0])
        entry = entries[path[1]] if isinstance(entries, list) and path[1] < len(entries) else None
        rest = [str(p) for p in path[2:]]
        if rest[-1:] == ["value"] and len(rest) > 1:  # {value: ..., confidence: ...}: the estimate itself
            rest = rest[:-1]
        if isinstance(entry, dict):
            if path[0] == "stances":
                actor, issue = entry.get("actor"), entry.get("issue")
                if isinstance(actor, str) and isinstance(issue, str) and rest not in (["actor"], ["issue"]):
                    return ".".join([actor, issue, *rest])
            else:
                name = entry.get("name")
                if isinstance(name, str) and name:
                    return ".".join([name, *rest])
        return ".".join([f"{path[0]}[{path[1]}]", *rest])
    return ".".join(str(p) for p in path)


def read_data(data: Any, file: str | None = None, lines: dict[tuple[Any, ...], int] | None = None) -> Scenario:
    """A scenario from YAML-shaped data (as :func:`scenario_to_data` gives; the web service's JSON).
    ``lines`` maps each key's path to its line in the file, for messages."""
    if not isinstance(data, dict):
        raise ScenarioError(
            Problem(
                "a YAML scenario must be a mapping (keys such as actors:, issues:, stances:)",
                file=file,
                line=1,
                value=type(data).__name__,
            )
        )
    lines = lines or {}
    problems: list[Problem] = []

    def where(*path: Any) -> int | None:
        while path and path not in lines:
            path = path[:-1]
        return lines.get(path)

    def unknown(mapping: dict[str, Any], allowed: set[str], path: tuple[Any, ...]) -> None:
        for key in mapping:
            if key not in allowed:
                problems.append(
                    Problem(
                        f"unknown key; allowed: {', '.join(sorted(allowed))}",
                        file=file,
                        line=where(*path, key),
                        field=str(key),
                    )
                )

    def cell(value: Any, *path: Any) -> Cell:
        return Cell(value, where(*path), _named(data, path))

    def items(key: str) -> list[tuple[int, dict[str, Any]]]:
        value = data.get(key)
        if value is None:
            problems.append(Problem(f"missing the list '{key}'", file=file, field=key))
            return []
        if not isinstance(value, list):
            problems.append(Problem(f"'{key}' must be a list", file=file, line=where(key), field=key))
            return []
        out = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                out.append((index, item))
            else:
                problems.append(
                    Problem(
                        "each entry must be a mapping",
                        file=file,
                        line=where(key, index),
                        field=f"{key}[{index}]",
                        value=item,
                    )
                )
        return out

    def estimate(record: Record, key: str, value: Any, *path: Any) -> None:
        """Plain number, or {value, confidence: [low, high], source}."""
        if isinstance(value, dict):
            unknown(value, _ESTIMATE, path)
            record[key] = cell(value.get("value"), *path, "value")
            confidence = value.get("confidence")
            if confidence is not None:
                if isinstance(confidence, list) and len(confidence) in (2, 3):
                    # [low, high], or [low, most likely, high] where the most likely value is the estimate.
                    record[f"{key}_low"] = cell(confidence[0], *path, "confidence")
                    record[f"{key}_high"] = cell(confidence[-1], *path, "confidence")
                    if len(confidence) == 3:
                        if value.get("value") is None:
                            record[key] = cell(confidence[1], *path, "confidence")
                        elif confidence[1] != value.get("value"):
                            problems.append(
                                Problem(
                                    "the most likely value of [low, most likely, high] must be the estimate itself",
                                    file=file,
                                    line=where(*path, "confidence"),
                                    field=f"{key}.confidence",
                                    value=confidence,
                                )
                            )
                else:
                    problems.append(
                        Problem(
                            "confidence must be a list [low, high] or [low, most likely, high]",
                            file=file,
                            line=where(*path, "confidence"),
                            field=f"{key}.confidence",
                            value=confidence,
                        )
                    )
            if "source" in value:
                record[f"{key}_source"] = cell(value["source"], *path, "source")
        else:
            record[key] = cell(value, *path)

    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        problems.append(
            Problem(
                f"unsupported schema_version; this ktokovo reads version {SCHEMA_VERSION}",
                file=file,
                line=where("schema_version"),
                field="schema_version",
                value=version,
            )
        )
    unknown(data, _TOP, ())
    raw = RawScenario(file=file)
    for key in ("name", "title", "description", "date"):
        if key in data:
            raw.meta[key] = cell(data[key], key)
    documents = data.get("documents") or {}
    if isinstance(documents, dict):
        raw.documents = {str(k): str(v) for k, v in documents.items()}
    else:
        problems.append(
            Problem(
                "documents must be a mapping of short name to reference",
                file=file,
                line=where("documents"),
                field="documents",
            )
        )
    salience_scale = data.get("salience_scale", [0, 100])
    if salience_scale in ([0, 100], [0, 1]):
        raw.salience_max = float(salience_scale[1])
    else:
        problems.append(
            Problem(
                "salience_scale must be [0, 100] or [0, 1]",
                file=file,
                line=where("salience_scale"),
                field="salience_scale",
                value=salience_scale,
            )
        )

    for index, item in items("actors"):
        path = ("actors", index)
        unknown(item, _ACTOR, path)
        record: Record = {
            "name": cell(item.get("name"), *path, "name"),
            "description": cell(item.get("description"), *path, "description"),
        }
        estimate(record, "capability", item.get("capability"), *path, "capability")
        raw.actors.append(record)

    for index, item in items("issues"):
        path = ("issues", index)
        unknown(item, _ISSUE, path)
        record = {"name": cell(item.get("name"), *path, "name")}
        for key, target in (("question", "question"), ("low", "low_label"), ("high", "high_label")):
            record[target] = cell(item.get(key), *path, key)
        scale = item.get("scale", [0, 100])
        if isinstance(scale, list) and len(scale) == 2:
            record["scale_low"] = cell(scale[0], *path, "scale")
            record["scale_high"] = cell(scale[1], *path, "scale")
        else:
            problems.append(
                Problem(
                    "scale must be a list [low, high]",
                    file=file,
                    line=where(*path, "scale"),
                    field="scale",
                    value=scale,
                )
            )
        points = item.get("points") or {}
        if isinstance(points, dict):
            record["points"] = Cell(
                [(cell(k, *path, "points", k), cell(v, *path, "points", k)) for k, v in points.items()]
            )
        else:
            problems.append(
                Problem("points must map a value to its words", file=file, line=where(*path, "points"), field="points")
            )
        for key in ("status_quo", "outcome"):
            if key in item:
                estimate(record, key, item[key], *path, key)
        raw.issues.append(record)

    for index, item in items("stances"):
        path = ("stances", index)
        unknown(item, _STANCE, path)
        record = {"actor": cell(item.get("actor"), *path, "actor"), "issue": cell(item.get("issue"), *path, "issue")}
        for key in ("position", "salience"):
            if key in item:
                estimate(record, key, item[key], *path, key)
        raw.stances.append(record)

    shocks = []
    for index, item in items("shocks") if "shocks" in data else []:
        path = ("shocks", index)
        unknown(item, _SHOCK, path)
        kinds = [k for k in ("set", "scale", "enter", "leave") if k in item]
        if len(kinds) != 1:
            problems.append(
                Problem(
                    "a shock names exactly one of set, scale, enter, leave",
                    file=file,
                    line=where(*path),
                    field=f"shocks[{index}]",
                )
            )
            continue
        value = item.get("value")
        if kinds[0] in ("set", "scale") and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(
                Problem(
                    "a set or scale shock needs a numeric value",
                    file=file,
                    line=where(*path, "value"),
                    field=f"shocks[{index}].value",
                    value=value,
                )
            )
            continue
        shocks.append(
            (
                index,
                Shock(
                    round=item.get("round", 0),  # checked with the scenario: a whole number >= 1
                    kind=kinds[0],
                    target=str(item[kinds[0]]),
                    value=None if value is None else float(value),
                    note=str(item.get("note", "")),
                ),
            )
        )
    if problems:
        # Report structural problems together with whatever the builder finds in the rest.
        try:
            build(raw)
        except ScenarioError as error:
            problems += error.problems
        raise ScenarioError(problems)
    scenario = build(raw)
    vetoes, linkages = [], []

    def ranged(value: Any, *path: Any) -> tuple[float, tuple[float, float] | None] | None:
        """A rule's number: plain, or {value, confidence: [low, high] or [low, the value, high]}, as estimates
        are written; None (and a problem) otherwise."""
        confidence = None
        if isinstance(value, dict):
            unknown(value, {"value", "confidence"}, path)
            confidence, value = value.get("confidence"), value.get("value")
        number = lambda x: not isinstance(x, bool) and isinstance(x, (int, float))  # noqa: E731
        if not number(value) or (
            confidence is not None
            and not (
                isinstance(confidence, list)
                and len(confidence) in (2, 3)
                and all(map(number, confidence))
                and (len(confidence) == 2 or confidence[1] == value)
            )
        ):
            problems.append(
                Problem(
                    "a number here is plain or {value: number, confidence: [low, high] or [low, value, high]}",
                    file=file,
                    line=where(*path),
                    field=".".join(str(p) for p in path),
                    value=value,
                )
            )
            return None
        return float(value), None if confidence is None else (float(confidence[0]), float(confidence[-1]))

    for index, item in items("vetoes") if "vetoes" in data else []:
        path = ("vetoes", index)
        unknown(item, _VETO, path)
        issues_given = item.get("issues", "all")
        walk = item.get("walk_away") or {}
        drift = item.get("drift") or {}
        if (
            (issues_given != "all" and not isinstance(issues_given, list))
            or not isinstance(walk, dict)
            or not isinstance(drift, dict)
            or not isinstance(drift.get("positions") or {}, dict)
        ):
            problems.append(
                Problem(
                    "a veto is {actor, issues: all or a list, cost: number, walk_away: {issue: value}, delay: number, "
                    "drift: {cost: number, positions: {issue: number}}}",
                    file=file,
                    line=where(*path),
                    field=f"vetoes[{index}]",
                )
            )
            continue
        unknown(drift, _DRIFT, (*path, "drift"))
        cost = ranged(item.get("cost", 0), *path, "cost")
        delay = ranged(item.get("delay", 0), *path, "delay")
        trend = ranged(drift.get("cost", 0), *path, "drift", "cost")
        walks = {str(k): ranged(v, *path, "walk_away", k) for k, v in walk.items()}
        sds = {str(k): ranged(v, *path, "drift", "positions", k) for k, v in (drift.get("positions") or {}).items()}
        if cost is None or delay is None or trend is None or None in walks.values() or None in sds.values():
            continue
        vetoes.append(
            Veto(
                actor=str(item.get("actor")),
                issues=() if issues_given == "all" else tuple(str(i) for i in issues_given),
                cost=cost[0],
                walk_away=tuple((k, v[0]) for k, v in walks.items() if v is not None),
                source=_source_of(item.get("source")),
                cost_range=cost[1],
                walk_away_ranges=tuple((k, *v[1]) for k, v in walks.items() if v is not None and v[1] is not None),
                delay=delay[0],
                drift=tuple((k, v[0]) for k, v in sds.items() if v is not None),
                cost_trend=trend[0],
            )
        )
    talks = Talks()
    if data.get("talks") is not None:
        raw_talks = data["talks"]
        no_deal = raw_talks.get("no_deal") or {} if isinstance(raw_talks, dict) else None
        rounds = raw_talks.get("rounds", 1) if isinstance(raw_talks, dict) else None
        if (
            not isinstance(raw_talks, dict)
            or not isinstance(no_deal, dict)
            or isinstance(rounds, bool)
            or not isinstance(rounds, int)
            or not all(not isinstance(v, bool) and isinstance(v, (int, float)) for v in no_deal.values())
        ):
            problems.append(
                Problem(
                    "talks is {proposer: actor, rounds: whole number, no_deal: {issue: value}, source}",
                    file=file,
                    line=where("talks"),
                    field="talks",
                )
            )
        else:
            unknown(raw_talks, _TALKS, ("talks",))
            proposer = raw_talks.get("proposer")
            talks = Talks(
                proposer=None if proposer is None else str(proposer),
                rounds=rounds,
                no_deal=tuple((str(k), float(v)) for k, v in no_deal.items()),
                source=_source_of(raw_talks.get("source")),
            )
    for index, item in items("linkages") if "linkages" in data else []:
        unknown(item, {"if", "then", "source"}, ("linkages", index))
        parsed = [_condition(item.get(key)) for key in ("if", "then")]
        if None in parsed:
            problems.append(
                Problem(
                    "a linkage is {if: 'ISSUE>=VALUE', then: 'ISSUE>=VALUE'} (or <=)",
                    file=file,
                    line=where("linkages", index),
                    field=f"linkages[{index}]",
                )
            )
            continue
        (a, op_a, v_a), (b, op_b, v_b) = parsed  # type: ignore[misc]
        linkages.append(Linkage(a, op_a, v_a, b, op_b, v_b, source=_source_of(item.get("source"))))
    voting = _voting_of(data.get("voting"), file, where("voting"), problems, unknown) if "voting" in data else None
    if problems:
        raise ScenarioError(problems)
    if voting is not None:
        try:
            scenario = scenario.replace(voting=voting)
        except ScenarioError as error:
            raise ScenarioError(
                [
                    Problem(p.message, file=file, line=where("voting"), field=p.field, value=p.value)
                    for p in error.problems
                ]
            ) from None
    if vetoes or linkages or talks != Talks():
        try:
            scenario = scenario.replace(vetoes=tuple(vetoes), linkages=tuple(linkages), talks=talks)
        except ScenarioError as error:
            raise ScenarioError(
                [
                    Problem(
                        p.message,
                        file=file,
                        line=where("linkages" if (p.field or "").startswith("linkage") else "vetoes"),
                        field=p.field,
                        value=p.value,
                    )
                    for p in error.problems
                ]
            ) from None
    parameters = data.get("model_parameters") or {}
    if not isinstance(parameters, dict) or not all(isinstance(v, dict) for v in parameters.values()):
        raise ScenarioError(
            Problem(
                "model_parameters maps a model's name to its parameters",
                file=file,
                line=where("model_parameters"),
                field="model_parameters",
            )
        )
    if parameters:
        from ktokovo.core.errors import ParameterError
        from ktokovo.models import resolve_parameters

        frozen = {
            model: {
                k: tuple(tuple(p) for p in v)
                if k == "accommodation" and isinstance(v, list) and all(isinstance(p, list) for p in v)
                else v
                for k, v in values.items()
            }
            for model, values in parameters.items()
        }
        problems = []
        for model, values in frozen.items():
            try:  # the scenario's defaults for a model are checked as a run's parameters are
                resolve_parameters(str(model), None, values)
            except ParameterError as error:
                problems.append(
                    Problem(str(error), file=file, line=where("model_parameters"), field=f"model_parameters.{model}")
                )
        if problems:
            raise ScenarioError(problems)
        scenario = scenario.replace(model_parameters=frozen)
    if shocks:
        try:
            scenario = scenario.replace(shocks=tuple(shock for _, shock in shocks))
        except ScenarioError as error:
            raise ScenarioError(
                [
                    Problem(p.message, file=file, line=where("shocks"), field=p.field, value=p.value)
                    for p in error.problems
                ]
            ) from None
    if data.get("ledger") is None:
        return scenario
    entries, entry_lines = [], []
    for index, item in items("ledger"):
        unknown(item, _LEDGER, ("ledger", index))
        actors, changes = item.get("actors") or [], item.get("changes") or []
        if not isinstance(actors, list) or not isinstance(changes, list):
            problems.append(
                Problem(
                    "actors and changes are lists", file=file, line=where("ledger", index), field=f"ledger[{index}]"
                )
            )
            continue
        date = item.get("date")
        entries.append(
            LedgerEntry(
                date=date.isoformat() if isinstance(date, dt.date) else str(date or ""),
                kind=str(item.get("kind", "")),
                title=str(item.get("title", "")),
                actors=tuple(str(a) for a in actors),
                source=_source_of(item.get("source")),
                changes=tuple(str(c) for c in changes),
                hash=str(item.get("hash", "")),
            )
        )
        entry_lines.append(where("ledger", index))
    problems += _ledger.problems_of(scenario, entries, file, entry_lines)
    seal = data.get("ledger_head")
    head: tuple[int, str, str] | None = None
    if seal is not None:
        if (
            not isinstance(seal, dict)
            or set(seal) != {"entries", "head", "inputs"}
            or isinstance(seal["entries"], bool)
            or not isinstance(seal["entries"], int)
        ):
            problems.append(
                Problem(
                    "ledger_head is {entries: N, head: HASH, inputs: HASH}, written by ktokovo",
                    file=file,
                    line=where("ledger_head"),
                    field="ledger_head",
                )
            )
        else:
            head = (int(seal["entries"]), str(seal["head"]), str(seal["inputs"]))
    if problems:
        raise ScenarioError(problems)
    return scenario.replace(ledger=tuple(entries), ledger_head=head)


def _source_of(value: Any) -> Source | None:
    if isinstance(value, dict) and value.get("document"):
        return Source(**{k: str(v) for k, v in value.items() if k in ("document", "locator", "quote", "note")})
    return None


def _condition(text: Any) -> tuple[str, str, float] | None:
    import re

    match = re.fullmatch(r"\s*(.+?)\s*(>=|<=)\s*([-+0-9.eE]+)\s*", str(text or ""))
    if not match:
        return None
    try:
        return match.group(1), match.group(2), float(match.group(3))
    except ValueError:
        return None


def _estimate(value: float, confidence: np.ndarray, source: Source | None) -> Any:
    plain = _number(value)
    if np.all(np.isnan(confidence)) and source is None:
        return plain
    out: dict[str, Any] = {"value": plain}
    if not np.all(np.isnan(confidence)):
        out["confidence"] = [_number(confidence[0]), _number(confidence[1])]
    if source is not None:
        out["source"] = _source(source)
    return out


def _ranged(value: float, confidence: tuple[float, float] | None) -> Any:
    if confidence is None:
        return _number(value)
    return {"value": _number(value), "confidence": [_number(confidence[0]), _number(confidence[1])]}


def _walk_away_data(veto: Veto) -> dict[str, Any]:
    ranges = {name: (low, high) for name, low, high in veto.walk_away_ranges}
    return {name: _ranged(value, ranges.get(name)) for name, value in veto.walk_away}


def _drift_data(veto: Veto) -> dict[str, Any]:
    return {
        **({"cost": _number(veto.cost_trend)} if veto.cost_trend else {}),
        **({"positions": {k: _number(x) for k, x in veto.drift}} if veto.drift else {}),
    }


def _number(value: float) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() else value


def _source(source: Source) -> dict[str, str]:
    return {k: v for k, v in vars(source).items() if v}


def scenario_to_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain YAML-ready data (the inverse of :func:`read_yaml`).

    A scenario with a ledger is written as its inputs before the ledger, followed by the ledger.
    """
    if scenario.ledger and scenario.base is not None:
        scenario = scenario.base
    sources = scenario.sources
    data: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "name": scenario.name}
    for key in ("title", "description", "date"):
        if getattr(scenario, key):
            data[key] = getattr(scenario, key)
    if scenario.documents:
        data["documents"] = dict(scenario.documents)
    data["actors"] = [
        {
            "name": actor.name,
            **({"description": actor.description} if actor.description else {}),
            "capability": _estimate(
                scenario.capabilities[i], scenario.capability_ranges[i], sources.get(f"capability/{actor.name}")
            ),
        }
        for i, actor in enumerate(scenario.actors)
    ]
    issues = []
    for issue in scenario.issues:
        entry: dict[str, Any] = {"name": issue.name}
        for key, attr in (("question", "question"), ("low", "low_label"), ("high", "high_label")):
            if getattr(issue, attr):
                entry[key] = getattr(issue, attr)
        if issue.scale != (0.0, 100.0):
            entry["scale"] = [_number(issue.scale[0]), _number(issue.scale[1])]
        if issue.points:
            entry["points"] = {_number(v): words for v, words in issue.points}
        for key in ("status_quo", "outcome"):
            value = getattr(issue, key)
            confidence = issue.status_quo_range if key == "status_quo" and issue.status_quo_range else (np.nan, np.nan)
            if value is not None:
                entry[key] = _estimate(value, np.asarray(confidence, dtype=float), sources.get(f"{key}/{issue.name}"))
        issues.append(entry)
    data["issues"] = issues
    stances = []
    for i, actor in enumerate(scenario.actors):
        for j, issue in enumerate(scenario.issues):
            if np.isnan(scenario.positions[i, j]):
                continue
            key = f"{actor.name}/{issue.name}"
            stances.append(
                {
                    "actor": actor.name,
                    "issue": issue.name,
                    "position": _estimate(
                        scenario.positions[i, j], scenario.position_ranges[i, j], sources.get(f"position/{key}")
                    ),
                    "salience": _estimate(
                        scenario.saliences[i, j], scenario.salience_ranges[i, j], sources.get(f"salience/{key}")
                    ),
                }
            )
    data["stances"] = stances
    if scenario.vetoes:
        data["vetoes"] = [
            {
                "actor": v.actor,
                "issues": list(v.issues) if v.issues else "all",
                "cost": _ranged(v.cost, v.cost_range),
                **({"walk_away": _walk_away_data(v)} if v.walk_away else {}),
                **({"delay": _number(v.delay)} if v.delay else {}),
                **({"drift": _drift_data(v)} if v.drift or v.cost_trend else {}),
                **({"source": _source(v.source)} if v.source else {}),
            }
            for v in scenario.vetoes
        ]
    if scenario.voting is not None:
        voting = scenario.voting
        data["voting"] = {
            "rule": voting.rule,
            **({"weights": {k: _number(v) for k, v in voting.weights}} if voting.weights else {}),
            **({"quota": _number(voting.quota)} if voting.quota is not None else {}),
            **({"population": {k: _number(v) for k, v in voting.population}} if voting.population else {}),
            **({"blocs": [list(b) for b in voting.blocs]} if voting.blocs else {}),
            **({"source": _source(voting.source)} if voting.source else {}),
        }
    if scenario.talks != Talks():
        talks = scenario.talks
        data["talks"] = {
            **({"proposer": talks.proposer} if talks.proposer is not None else {}),
            "rounds": talks.rounds,
            **({"no_deal": {k: _number(x) for k, x in talks.no_deal}} if talks.no_deal else {}),
            **({"source": _source(talks.source)} if talks.source else {}),
        }
    if scenario.linkages:
        data["linkages"] = [
            {
                "if": f"{k.if_issue}{k.if_op}{_number(k.if_value)}",
                "then": f"{k.then_issue}{k.then_op}{_number(k.then_value)}",
                **({"source": _source(k.source)} if k.source else {}),
            }
            for k in scenario.linkages
        ]
    if scenario.model_parameters:
        data["model_parameters"] = {
            model: {k: [list(p) for p in v] if k == "accommodation" else v for k, v in values.items()}
            for model, values in scenario.model_parameters.items()
        }
    if scenario.ledger:
        data["ledger_head"] = seal_data(scenario)
        data["ledger"] = [_ledger.entry_data(entry) for entry in scenario.ledger]
    if scenario.shocks:
        data["shocks"] = [
            {
                "round": shock.round,
                shock.kind: shock.target,
                **({"value": _number(shock.value)} if shock.value is not None else {}),
                **({"note": shock.note} if shock.note else {}),
            }
            for shock in scenario.shocks
        ]
    return data


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Writes short lists of plain values (``confidence: [70, 90]``) on one line; libyaml's emitter where
    PyYAML was built with it (five times faster; the same text)."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(item, (int, float, str)) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


_Dumper.add_representer(_Int, lambda dumper, data: dumper.represent_int(int(data)))
_Dumper.add_representer(_Float, lambda dumper, data: dumper.represent_float(float(data)))


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def seal_data(scenario: Scenario) -> dict[str, Any]:
    """The ledger's seal for the file: its entries, its head and the digest of the inputs it goes with."""
    return {"entries": len(scenario.ledger), "head": _ledger.head(scenario.ledger), "inputs": inputs_digest(scenario)}


def seal_problem(scenario: Scenario) -> str | None:
    """What the file's recorded seal says against its ledger and inputs as they are, or None if they agree
    (or the file records none). Catches entries cut from the end and inputs edited outside the ledger by
    anything that did not also rewrite the seal."""
    base = scenario.base or scenario
    if base.ledger_head is None:
        return None
    entries, head, inputs = base.ledger_head
    if entries != len(base.ledger):
        return f"the file's ledger_head records {entries} entries; its ledger has {len(base.ledger)}"
    if head != _ledger.head(base.ledger):
        return "the file's ledger_head records another last entry: the ledger was rewritten"
    if inputs != inputs_digest(base.replace(ledger_head=None)):
        return (
            "the scenario's own inputs differ from those its ledger_head records: they were edited outside the ledger"
        )
    return None


def inputs_digest(scenario: Scenario) -> str:
    """SHA-256 of the scenario's own inputs (everything but its ledger) as canonical JSON: what a ledger head is
    seen with, since the chain of entries covers the entries only.

    The JSON is :func:`scenario_to_data`'s. A change to that form changes every digest, so it must come with a
    new seal version that keeps reading the old digests (seals in files and heads in stores were made with
    this one)."""
    import hashlib
    import json

    from ktokovo.core.jsonable import to_jsonable

    data = scenario_to_data(scenario.replace(ledger=()))
    text = json.dumps(to_jsonable(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def write_yaml(scenario: Scenario) -> str:
    return dump_yaml(scenario_to_data(scenario))


def _voting_of(raw: Any, file: str | None, line: int | None, problems: list[Problem], unknown: Any) -> Voting | None:
    """``voting: {rule, weights: {actor: votes}, quota, population: {actor: people}, blocs: [[actor, ...]]}``."""
    shape = "voting is {rule: NAME, weights: {actor: votes}, quota: N, population: {actor: people}, blocs: [[...]]}"

    def numbers(value: Any) -> bool:
        return isinstance(value, dict) and all(
            not isinstance(v, bool) and isinstance(v, (int, float)) for v in value.values()
        )

    if not isinstance(raw, dict) or not isinstance(raw.get("rule"), str):
        problems.append(Problem(shape, file=file, line=line, field="voting"))
        return None
    unknown(raw, _VOTING, ("voting",))
    # Absent is empty; anything else given (null, a list, a number) must have the right shape, or is refused.
    weights, population = raw.get("weights", {}), raw.get("population", {})
    quota, blocs = raw.get("quota"), raw.get("blocs", [])
    if (
        not numbers(weights)
        or not numbers(population)
        or (quota is not None and (isinstance(quota, bool) or not isinstance(quota, (int, float))))
        or not isinstance(blocs, list)
        or not all(isinstance(b, list) and all(isinstance(a, str) for a in b) for b in blocs)
    ):
        problems.append(Problem(shape, file=file, line=line, field="voting"))
        return None
    return Voting(
        rule=raw["rule"],
        weights=tuple((str(k), float(v)) for k, v in weights.items()),
        quota=None if quota is None else float(quota),
        population=tuple((str(k), float(v)) for k, v in population.items()),
        blocs=tuple(tuple(b) for b in blocs),
        source=_source_of(raw.get("source")),
    )
