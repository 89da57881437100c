"""Bad input: one test per kind of error, and generated malformed files that must always give a
ScenarioError naming the file, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ktokovo
from ktokovo import ParameterError, ScenarioError
from ktokovo.io import MAX_BYTES

HEADER = "actor,issue,position,salience,capability\n"
GOOD_ROWS = "A,x,10,50,1\nB,x,90,50,2\n"


def _errors(tmp_path: Path, text: str | bytes, name: str = "talks.csv") -> list[ktokovo.Problem]:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ScenarioError) as caught:
        ktokovo.load(path)
    for problem in caught.value.problems:
        assert problem.file is not None and name in problem.file
    return caught.value.problems


def test_the_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "talks.csv"
    path.write_text(HEADER + GOOD_ROWS)
    assert len(ktokovo.load(path).actors) == 2


def test_missing_column(tmp_path: Path) -> None:
    [problem] = _errors(tmp_path, "actor,issue,position,salience\nA,x,10,50\n")
    assert "capability" in problem.message and problem.line == 1


def test_unknown_column(tmp_path: Path) -> None:
    problems = _errors(tmp_path, "actor,issue,position,salience,capability,colour\nA,x,10,50,1\n")
    assert any(p.field == "colour" and "unknown column" in p.message for p in problems)


def test_text_where_a_number_belongs(tmp_path: Path) -> None:
    problems = _errors(tmp_path, HEADER + "A,x,ten,50,1\nB,x,90,50,2\n")
    assert any(p.line == 2 and p.field == "position" and p.value == "ten" for p in problems)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_nan_and_infinity(tmp_path: Path, value: str) -> None:
    problems = _errors(tmp_path, HEADER + f"A,x,{value},50,1\nB,x,90,50,2\n")
    assert any(p.line == 2 and p.field == "position" and "finite" in p.message for p in problems)


def test_position_off_the_scale(tmp_path: Path) -> None:
    problems = _errors(tmp_path, HEADER + "A,x,120,50,1\nB,x,90,50,2\n")
    assert any(p.line == 2 and p.field == "position" and "scale" in p.message for p in problems)


def test_salience_off_the_scale(tmp_path: Path) -> None:
    problems = _errors(tmp_path, HEADER + "A,x,10,150,1\nB,x,90,50,2\n")
    assert any(p.line == 2 and p.field == "salience" for p in problems)


def test_negative_salience(tmp_path: Path) -> None:
    problems = _errors(tmp_path, HEADER + "A,x,10,-5,1\nB,x,90,50,2\n")
    assert any(p.line == 2 and "negative salience" in p.message for p in problems)


def test_negative_capability(tmp_path: Path) -> None:
    problems = _errors(tmp_path, HEADER + "A,x,10,50,-1\nB,x,90,50,2\n")
    assert any(p.line == 2 and p.field == "capability" and ">= 0" in p.message for p in problems)


def test_duplicate_actor_and_issue_entry(tmp_path: Path) -> None:
    problems = _errors(tmp_path, HEADER + GOOD_ROWS + "A,x,20,50,1\n")
    assert any(p.line == 4 and "duplicate" in p.message for p in problems)


def test_duplicate_actor_in_yaml(tmp_path: Path) -> None:
    text = """
actors:
  - {name: A, capability: 1}
  - {name: A, capability: 2}
issues: [{name: x}]
stances: []
"""
    problems = _errors(tmp_path, text, "talks.yaml")
    assert any(p.line == 4 and "duplicate actor" in p.message for p in problems)


def test_duplicate_issue_in_yaml(tmp_path: Path) -> None:
    text = """
actors: [{name: A, capability: 1}, {name: B, capability: 1}]
issues: [{name: x}, {name: x}]
stances:
  - {actor: A, issue: x, position: 0, salience: 50}
  - {actor: B, issue: x, position: 90, salience: 50}
"""
    problems = _errors(tmp_path, text, "talks.yaml")
    assert any("duplicate issue" in p.message for p in problems)


def test_issue_with_fewer_than_two_actors_who_care(tmp_path: Path) -> None:
    problems = _errors(tmp_path, HEADER + "A,x,10,50,1\nB,x,90,0,2\n")
    assert any("at least two actors" in p.message for p in problems)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    problems = _errors(tmp_path, HEADER + "A,x,ten,50,1\nB,x,90,500,-2\nC,y,nan,1,1\n")
    assert len(problems) >= 4


def test_unknown_actor_in_a_yaml_stance(tmp_path: Path) -> None:
    text = """
actors: [{name: A, capability: 1}, {name: B, capability: 1}]
issues: [{name: x}]
stances:
  - {actor: A, issue: x, position: 0, salience: 50}
  - {actor: B, issue: x, position: 90, salience: 50}
  - {actor: Z, issue: x, position: 90, salience: 50}
"""
    problems = _errors(tmp_path, text, "talks.yaml")
    assert any(p.line == 7 and p.field == "stances[2].actor" and p.value == "Z" for p in problems)


def test_empty_file(tmp_path: Path) -> None:
    [problem] = _errors(tmp_path, "")
    assert "empty" in problem.message


def test_binary_file(tmp_path: Path) -> None:
    [problem] = _errors(tmp_path, bytes(range(256)) * 4, "talks.bin")
    assert "binary" in problem.message


def test_not_utf8(tmp_path: Path) -> None:
    [problem] = _errors(tmp_path, HEADER.encode() + "Å,x,1,2,3\n".encode("latin-1"))
    assert "UTF-8" in problem.message and problem.line == 2


def test_damaged_xlsx(tmp_path: Path) -> None:
    [problem] = _errors(tmp_path, b"PK\x03\x04 this is no workbook", "talks.xlsx")
    assert "xlsx" in problem.message


def test_yaml_not_a_mapping(tmp_path: Path) -> None:
    [problem] = _errors(tmp_path, "- just\n- a list\n", "talks.yaml")
    assert "mapping" in problem.message


def test_yaml_with_tags(tmp_path: Path) -> None:
    [problem] = _errors(tmp_path, "actors: !!python/object/apply:os.system ['true']\n", "talks.yaml")
    assert "tags" in problem.message and problem.line == 1


def test_yaml_unknown_key(tmp_path: Path) -> None:
    problems = _errors(tmp_path, "actorz: []\nactors: []\nissues: []\nstances: []\n", "talks.yaml")
    assert any(p.field == "actorz" and p.line == 1 for p in problems)


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    with pytest.raises(ScenarioError, match="limit"):
        ktokovo.load(path)


def test_missing_file_and_unknown_builtin(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        ktokovo.load(tmp_path / "nothing.yaml")
    with pytest.raises(ScenarioError, match="built-in"):
        ktokovo.load("no-such-scenario")


def test_unknown_model_preset_and_parameter(flagship: ktokovo.Scenario) -> None:
    with pytest.raises(ParameterError, match="unknown model 'bmd'"):
        ktokovo.run(flagship, "bmd")
    with pytest.raises(ParameterError, match="unknown preset"):
        ktokovo.run(flagship, "bdm", preset="scholz2012")
    with pytest.raises(ParameterError, match="unknown parameter 'Q'"):
        ktokovo.run(flagship, "bdm", Q=0.5)
    with pytest.raises(ParameterError, match="must be one of"):
        ktokovo.run(flagship, "bdm", denominator="some")
    with pytest.raises(ParameterError, match="in \\[0, 1\\]"):
        ktokovo.run(flagship, "bdm", q=2)
    with pytest.raises(ParameterError, match="rounds"):
        ktokovo.run(flagship, "bdm", rounds=-1)


# Generated malformed files: mutate valid files of every text format, then load. Anything may happen to the
# bytes; the only allowed outcomes are a scenario or a ScenarioError.
SEEDS = {
    "talks.csv": (HEADER + GOOD_ROWS).encode(),
    "talks.yaml": b"actors: [{name: A, capability: 1}, {name: B, capability: 2}]\nissues: [{name: x, scale: [0, 10]}]\n"
    b"stances:\n  - {actor: A, issue: x, position: 1, salience: 50}\n  - {actor: B, issue: x, position: 9, "
    b"salience: {value: 60, confidence: [50, 70]}}\n",
    "talks.bdm.csv": b"Actor,Capability,Position,Salience\nA,1,4,50\nB,2,10,60\n",
    "talks.ktab.csv": b"T,d,2,1,\nActor,Description,Power,P1,S1,\nA,a,1,10,50,\nB,b,2,90,60,\n",
    "talks.txt": b"'#A'\t'A'\t'A'\t''\n'#A'\t'B'\t'B'\t''\n'#P'\t'x'\t'x'\t''\n'#M'\t'x'\t0\n'#M'\t'x'\t100\n"
    b"'#D'\t'A'\t'x'\t10\t0.5\t1\n'#D'\t'B'\t'x'\t90\t0.5\t2\n",
}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[at] = draw(st.sampled_from(list(b",;:\t\n'\"-[]{}!&*#0aZ\x00\xff. ")))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=6))
        elif action == "truncate":
            del data[at:]
        else:
            data[at:at] = data[max(0, at - 20) : at]
    return name, bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=mutated())
def test_malformed_files_give_a_scenario_error(tmp_path: Path, case: tuple[str, bytes]) -> None:
    name, data = case
    path = tmp_path / name
    path.write_bytes(data)
    try:
        ktokovo.load(path)
    except ScenarioError as error:
        assert error.problems and all(name in (p.file or "") for p in error.problems)


@pytest.mark.parametrize(
    ("name", "data"),
    [  # found by the generated test above
        ("talks.bdm.csv", b"Actor,Capability,Position,Salience\nA,1,4\r,50\nB,2,10,60\n"),
        ("talks.ktab.csv", b"\n,d,2,1,\nActor,Description,Power,P1,S1,\nA,a,1,10,50,\nB,b,2,90,60,\n"),
        ("talks.bdm.csv", b"\nActor,Capability,Position,Salience\nA,1,4,50\nB,2,10,60\n"),
    ],
)
def test_earlier_generated_failures(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        ktokovo.load(path)
    except ScenarioError as error:
        assert all(name in (p.file or "") for p in error.problems)
