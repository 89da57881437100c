"""Every format read and written, with round trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ktokovo
from ktokovo.core.scenario import Talks

from .conftest import DATA


def _table_only(scenario: ktokovo.Scenario) -> ktokovo.Scenario:
    """What the long CSV and Excel formats hold: everything but the title, description, date and documents."""
    return scenario.replace(title="", description="", date="", documents={})


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_flagship_round_trip(flagship: ktokovo.Scenario, fmt: str, tmp_path: Path) -> None:
    if fmt != "yaml":  # the table formats hold the table as of today, without veto players, linkages, talks or ledger
        flagship = flagship.replace(vetoes=(), linkages=(), talks=Talks(), ledger=())
    path = ktokovo.save(flagship, tmp_path / f"talks.{fmt}")
    again = ktokovo.load(path)
    expected = flagship if fmt == "yaml" else _table_only(flagship).replace(name="talks")
    assert again == (expected if fmt != "yaml" else flagship)


def test_bdm_format_round_trip(emission: ktokovo.Scenario) -> None:
    text = ktokovo.dumps(emission, "bdm")
    assert text.decode().splitlines()[0] == "Actor,Capability,Position,Salience"
    again = ktokovo.loads(text, name=emission.name, format="bdm")
    assert again == emission


def test_bdm_aliases_and_own_scale() -> None:
    """china_masad_repo.csv uses Stakeholder/Resources; its positions lie in 0–100."""
    china = ktokovo.load(DATA / "china_masad_repo.csv")
    assert len(china.actors) == 24 and china.issues[0].scale == (0.0, 100.0)


def test_bdm_format_outside_0_100_takes_the_positions_range() -> None:
    text = b"Actor,Capability,Position,Salience\nA,1,1900,50\nB,2,2000,80\n"
    scenario = ktokovo.loads(text, name="years")
    assert scenario.issues[0].scale == (1900.0, 2000.0)
    assert ktokovo.run(scenario, "mean").forecast[0] == pytest.approx((1900 * 50 + 2000 * 160) / 210)


def test_ktab_read_and_round_trip() -> None:
    scenario = ktokovo.load(DATA / "dummyData_3Dim.csv")
    assert scenario.name == "DummyData_3Dim"
    assert len(scenario.actors) == 7 and len(scenario.issues) == 3
    # First data row of the file: SActor-00, power 102.543, 75.79, 49.53, 6.37, 5.91, 70.45, 28.15.
    assert scenario.capabilities[0] == 102.543
    assert scenario.positions[0].tolist() == [75.79, 6.37, 70.45]
    assert scenario.saliences[0].tolist() == [49.53, 5.91, 28.15]
    again = ktokovo.loads(ktokovo.dumps(scenario, "ktab"), format="ktab")
    assert again == scenario.replace(issues=again.issues)
    assert again.issue_names == scenario.issue_names


def test_ktab_six_dimensions() -> None:
    scenario = ktokovo.load(DATA / "dummyData_6Dim.csv")
    assert (len(scenario.actors), len(scenario.issues)) == (27, 6)


def test_decide_read_and_round_trip() -> None:
    scenario = ktokovo.load(DATA / "decide_sample_data.txt")
    assert (len(scenario.actors), len(scenario.issues)) == (10, 6)
    hoogte = scenario.issues[scenario.issue_index("tol-hoogte")]
    assert hoogte.scale == (0.5, 7.0)
    # '#D' 'Willems' 'tol-hoogte' 3.0 0.7 1.0: salience 0.7 on 0–1 is 70 on 0–100.
    i = scenario.actor_index("Willems")
    assert scenario.positions[i, scenario.issue_index("tol-hoogte")] == 3.0
    assert scenario.saliences[i, scenario.issue_index("tol-hoogte")] == pytest.approx(70.0)
    again = ktokovo.loads(ktokovo.dumps(scenario, "decide"), name=scenario.name)
    assert again == scenario


def test_cop21_decide_csv() -> None:
    scenario = ktokovo.load(DATA / "decide_cop21.csv")
    assert (len(scenario.actors), len(scenario.issues)) == (15, 13)


def test_unit_scale_and_back(emission: ktokovo.Scenario) -> None:
    issue = ktokovo.Issue("years", scale=(4.0, 10.0))
    assert issue.to_unit(7.0) == pytest.approx(50.0)
    assert issue.from_unit(50.0) == pytest.approx(7.0)


def test_results_are_reported_on_the_issues_own_scale() -> None:
    """The emission case written with a declared 4–10 scale forecasts the same years as on 0–100."""
    scenario = ktokovo.load("ec-emissions-1994")
    assert scenario.issues[0].scale == (4.0, 10.0)
    result = ktokovo.run(scenario, "bdm", rounds=10)
    assert result.forecast[0] == pytest.approx(7.0)
    assert result.mean[0] == pytest.approx(7.242131, abs=1e-6)  # emission_replication_jmckib_rounds.csv round 10
    assert np.nanmax(result.positions) <= 10.0


def test_scenario_is_immutable(flagship: ktokovo.Scenario) -> None:
    with pytest.raises(ValueError):
        flagship.positions[0, 0] = 1.0
    with pytest.raises(AttributeError):
        flagship.name = "other"  # type: ignore[misc]


def test_builtin_scenarios_listed() -> None:
    assert set(ktokovo.builtin_scenarios()) >= {"ukraine-2025", "ec-emissions-1994"}


def test_confidence_as_low_most_likely_high(tmp_path: Path) -> None:
    path = tmp_path / "talks.yaml"
    path.write_text(
        "actors: [{name: A, capability: {confidence: [1, 2, 4]}}, {name: B, capability: 1}]\n"
        "issues: [{name: x}]\nstances:\n  - {actor: A, issue: x, position: 0, salience: 50}\n"
        "  - {actor: B, issue: x, position: {value: 60, confidence: [50, 60, 90]}, salience: 50}\n"
    )
    scenario = ktokovo.load(path)
    assert scenario.capabilities[0] == 2 and scenario.capability_ranges[0].tolist() == [1, 4]
    assert scenario.positions[1, 0] == 60 and scenario.position_ranges[1, 0].tolist() == [50, 90]
    path.write_text(path.read_text().replace("[50, 60, 90]", "[50, 70, 90]"))
    with pytest.raises(ktokovo.ScenarioError, match="most likely"):
        ktokovo.load(path)
