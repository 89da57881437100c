"""KTAB's XML scenario format (``smpSchema.xsd``; ``smpread.cpp::xmlRead``, SMP_SPEC §1.2)."""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ElementTree

from ktokovo.core.errors import Problem, ScenarioError
from ktokovo.core.scenario import Scenario
from ktokovo.io._build import Cell, RawScenario, build_reporting

# KTAB's XML names of the model's options, to ktokovo's smp parameters and values.
_PARAMETERS = {
    "VictoryProbModel": (
        "victory_prob_model",
        {"Linear": "linear", "Square": "square", "Quartic": "quartic", "Octic": "octic", "Binary": "binary"},
    ),
    "PCEModel": (
        "pce_model",
        {"Conditional": "conditional", "MarkovIncentive": "markov_incentive", "MarkovUniform": "markov_uniform"},
    ),
    "StateTransitions": ("state_transitions", {"Deterministic": "deterministic", "Stochastic": "stochastic"}),
    "VotingRule": (
        "voting_rule",
        {
            "Binary": "binary",
            "PropBin": "prop_bin",
            "Proportional": "proportional",
            "PropCbc": "prop_cbc",
            "Cubic": "cubic",
            "ASymProsp": "asym_prosp",
        },
    ),
    "BigRAdjust": (
        "big_r_adjust",
        {"No": "none", "OneThird": "one_third", "Half": "half", "TwoThirds": "two_thirds", "Full": "full"},
    ),
    "BigRRange": ("big_r_range", {"Min": "min", "Mid": "mid", "Max": "max"}),
    "ThirdPartyCommit": (
        "third_party_commit",
        {"NoCommit": "no_commit", "SemiCommit": "semi_commit", "FullCommit": "full_commit"},
    ),
    "InterVecBrgn": ("bargain_interpolation", {"S1P1": "s1p1", "S2P2": "s2p2", "S2PMax": "s2pmax"}),
    "BargnModel": (
        "bargain_model",
        {"InitOnlyInterp": "init_only_interp", "InitRcvrInterp": "init_rcvr_interp", "PWCompInterp": "pw_comp_interp"},
    ),
}


def looks_like_xml(text: str) -> bool:
    return text.lstrip().startswith(("<?xml", "<Scenario"))


_DECLARATION = re.compile(r"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


def _check_declared_encoding(text: str, file: str | None) -> None:
    """The file was read as UTF-8. An XML declaration naming another encoding is honoured only when that makes
    no difference (the text is ASCII and the encoding is ASCII-compatible); otherwise the file is refused rather
    than read in an encoding it does not claim."""
    match = _DECLARATION.match(text)
    if match is None:
        return
    declared = match.group(1)
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        raise ScenarioError(
            Problem(
                "the XML declaration names an unknown encoding", file=file, line=1, field="encoding", value=declared
            )
        ) from None
    if name in {"utf-8", "ascii"}:
        return
    if text.isascii() and "A".encode(name, errors="replace") == b"A":
        return
    raise ScenarioError(
        Problem(
            "the XML declaration says the file is not UTF-8; ktokovo reads UTF-8 only (save it as UTF-8)",
            file=file,
            line=1,
            field="encoding",
            value=declared,
        )
    )


def read_ktab_xml(text: str, file: str | None) -> Scenario:
    """Actors, dimensions, positions and saliences (0–100), the ModelParameters (as the scenario's ``smp``
    parameters) and the IdealAdjustment pairs (as ``smp``'s ``accommodation``). The PRNG seed is not kept:
    ktokovo's runs take their own seed."""
    _check_declared_encoding(text, file)
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise ScenarioError(Problem(f"not valid XML: {error}", file=file, line=error.position[0])) from None
    if root.tag != "Scenario":
        raise ScenarioError(Problem("a KTAB XML scenario's root element is <Scenario>", file=file, field=root.tag))
    problems: list[Problem] = []
    dims = [d.text.strip() if d.text else "" for d in root.findall("./Dimensions/dName")]
    raw = RawScenario(
        file=file,
        meta={
            "name": Cell(root.findtext("name", "scenario").strip()),
            "description": Cell((root.findtext("desc") or "").strip()),
        },
    )
    actors = root.findall("./Actors/Actor")
    if not dims and actors:
        dims = [f"dim{k}" for k in range(len(actors[0].findall("./Position/dCoord")))]
    raw.issues = [{"name": Cell(d, None, "dName")} for d in dims]
    for index, actor in enumerate(actors):
        where = f"Actor[{index + 1}]"
        name = Cell((actor.findtext("name") or "").strip(), None, f"{where}/name")
        raw.actors.append(
            {
                "name": name,
                "description": Cell((actor.findtext("description") or "").strip()),
                "capability": Cell(actor.findtext("capability"), None, f"{where}/capability"),
            }
        )
        coords = [c.text for c in actor.findall("./Position/dCoord")]
        sals = [c.text for c in actor.findall("./Salience/dSal")]
        if len(coords) != len(dims) or len(sals) != len(dims):
            problems.append(
                Problem(
                    f"needs {len(dims)} dCoord and dSal values, found {len(coords)} and {len(sals)}",
                    file=file,
                    field=where,
                )
            )
            continue
        for k, dim in enumerate(dims):
            raw.stances.append(
                {
                    "actor": name,
                    "issue": Cell(dim),
                    "position": Cell(coords[k], None, f"{where}/Position/dCoord[{k + 1}]"),
                    "salience": Cell(sals[k], None, f"{where}/Salience/dSal[{k + 1}]"),
                }
            )
    parameters: dict[str, object] = {}
    block = root.find("ModelParameters")
    if block is not None:
        for tag, (parameter, values) in _PARAMETERS.items():
            value = (block.findtext(tag) or "").strip()
            if value not in values:
                problems.append(
                    Problem(
                        f"must be one of {', '.join(values)}", file=file, field=f"ModelParameters/{tag}", value=value
                    )
                )
            else:
                parameters[parameter] = values[value]
    pairs = []
    for pair in root.findall("./IdealAdjustment/iaPair"):
        try:
            pairs.append(
                (
                    (pair.findtext("adjustingIdeal") or "").strip(),
                    (pair.findtext("referencePos") or "").strip(),
                    float(pair.findtext("adjust") or ""),
                )
            )
        except ValueError:
            problems.append(
                Problem(
                    "adjust must be a number",
                    file=file,
                    field="IdealAdjustment/iaPair/adjust",
                    value=pair.findtext("adjust"),
                )
            )
    if pairs:
        parameters["accommodation"] = tuple(pairs)
    scenario = build_reporting(raw, problems)
    if parameters:
        return scenario.replace(model_parameters={"smp": parameters})
    return scenario
