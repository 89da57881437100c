"""KTAB's Spatial Model of Politics against KTAB's own logs (tests/data/ref_*; SMP_SPEC.md §12 lists what
each file can check). Everything is compared at the precision KTAB prints."""

from __future__ import annotations

import re

import numpy as np
import pytest

import ktokovo
from ktokovo.models import _smp_kernels as kernels
from ktokovo.models import smp

from .conftest import DATA


@pytest.fixture(scope="module")
def dummy() -> ktokovo.Scenario:
    return ktokovo.load(DATA / "dummyData_3Dim.csv")


@pytest.fixture(scope="module")
def dummy_run(dummy: ktokovo.Scenario) -> smp.SMPRun:
    return smp.simulate(dummy.positions / 100.0, dummy.saliences / 100.0, dummy.capabilities)


def test_whole_run_as_printed_by_ktab(dummy: ktokovo.Scenario, dummy_run: smp.SMPRun) -> None:
    """Every fractional change (4 dp), the number of states, every position (1 dp, x100) and every winning
    probability (4 dp) of ref_output_dummyData_3Dim.txt."""
    text = (DATA / "ref_output_dummyData_3Dim.txt").read_text()
    changes = re.findall(r"Fractional change compared to first step: (\S+)", text)
    assert [f"{v:.4f}" for v in dummy_run.changes] == changes
    states = int(re.search(r"There were (\d+) states", text).group(1))
    assert len(dummy_run.positions) == states == 11
    for i, actor in enumerate(dummy.actor_names):
        for d, dim in enumerate(("Pstn1", "Pstn2", "Pstn3")):
            line = re.search(rf"^{actor}, {dim}:(.*)$", text, re.M).group(1)
            assert "".join(f" {v * 100:5.1f}" for v in dummy_run.positions[:, i, d]) == line.rstrip(), (actor, dim)
        line = re.search(rf"^{actor}, prob :(.*)$", text, re.M).group(1)
        assert "".join(f" {v:.4f}" for v in dummy_run.winning[:, i]) == line.rstrip(), actor


def _blocks(text: str) -> list[str]:
    return text.split("Starting Model::run iteration")[1:]


def test_risk_attitudes_and_perspective_utilities(dummy_run: smp.SMPRun, dummy: ktokovo.Scenario) -> None:
    """The turn log's 'Inferred risk attitudes' (3 dp) for states 0, 1 and 10, and every 'Estimate by h of
    risk-aware utility matrix' of state 0 (4 dp)."""
    text = (DATA / "ref_turn1_detail_dummyData_3Dim.txt").read_text()
    blocks = re.findall(r"Inferred risk attitudes: \n((?:\s*[+-]\d\.\d+\s*\n){7})", text)
    for state, block in zip((0, 1, 10), blocks, strict=True):
        assert [f"{v:+.3f}" for v in dummy_run.risk[state]] == block.split()
    x = dummy.positions / 100.0
    s = dummy.saliences / 100.0
    _, perspective, _ = kernels.assess(x, x.copy(), s, dummy.capabilities, 2, 0, 0, 1, 1)
    first = _blocks(text)[0]
    for h in range(7):
        block = re.search(rf"Estimate by {h} of risk-aware utility matrix: \n((?:.*\n){{7}})", first).group(1)
        assert [f"{v:+.4f}" for v in perspective[h].ravel()] == block.split(), h


def test_turn_one_challenges_bargains_and_choices(dummy: ktokovo.Scenario, dummy_run: smp.SMPRun) -> None:
    """Each 'Est by h of prob P that [i>j], with expected gain to k of G' (4 dp), each bargain from the
    initiator's perspective (x100, 3 dp), and each actor's chosen bargain in turn 1."""
    text = (DATA / "ref_turn1_detail_dummyData_3Dim.txt").read_text()
    turn = _blocks(text)[0].split("Bargains to be resolved")[0]
    x = dummy.positions / 100.0
    s = dummy.saliences / 100.0
    c = dummy.capabilities
    _, perspective, _ = kernels.assess(x, x.copy(), s, c, 2, 0, 0, 1, 1)
    total = s.sum(axis=1)
    estimates = re.findall(
        r"Est by\s+(\d+) of prob (\S+) that \[\s*(\d+)>\s*(\d+)\], with expected gain to\s+(\d+) of (\S+)", turn
    )
    assert len(estimates) == 28
    for h, p, i, j, k, g in estimates:
        ours = kernels.challenge(perspective[int(h)], int(k), int(i), int(j), total, c, 2, 1)
        assert (f"{ours[0]:.4f}", f"{ours[1]:+.4f}") == (p, g)
    offers = re.findall(r"In turn 0 actor (\d+) has most advantageous target (\d+)", turn)
    assert {int(i): int(j) for i, j in offers} == {i: int(j) for i, j in enumerate(dummy_run.targets[0]) if j >= 0}
    for i, j in offers:
        i, j = int(i), int(j)
        block = re.search(rf"Bargain \[\d+, {i}:{j}\] from {i}'s perspective \(brgnIIJ\) \n(.*)\n(.*)\n", turn)
        own, other = (line.split(":")[1].split() for line in block.groups())
        p, _ = kernels.challenge(perspective[i], i, i, j, total, c, 2, 1)
        zi, zj = kernels.interpolate(x[i], x[j], s[i], s[j], p, 1.0 - p, 1)
        assert [f"{v * 100:.3f}" for v in zi] == own and [f"{v * 100:.3f}" for v in zj] == other
        # The receiver-perspective bargain, built with j's estimated gain in place of a probability (P7), and the
        # power-weighted compromise with the initiator's capability in both weights (P8).
        block = re.search(rf"Bargain \[\d+, {i}:{j}\] from {j}'s perspective \(brgnIIJ\) \n(.*)\n(.*)\n", turn)
        own_j, other_j = (line.split(":")[1].split() for line in block.groups())
        _, gain = kernels.challenge(perspective[j], i, i, j, total, c, 2, 1)
        ri, rj = kernels.interpolate(x[i], x[j], s[i], s[j], gain, 1.0 - gain, 1)
        assert [f"{v * 100:.3f}" for v in ri] == own_j and [f"{v * 100:.3f}" for v in rj] == other_j
        block = re.search(rf"Power-weighted compromise \[\d+, {i}:{j}\] bargain \(brgnIJ\) \n(.*)\n(.*)\n", turn)
        mixed_i, mixed_j = (line.split(":")[1].split() for line in block.groups())
        w_i, w_j = c[i] * total[i], c[i] * total[j]
        assert [f"{(w_i * a + w_j * b) / (w_i + w_j) * 100:.3f}" for a, b in zip(zi, ri, strict=True)] == mixed_i
        assert [f"{(w_i * a + w_j * b) / (w_i + w_j) * 100:.3f}" for a, b in zip(zj, rj, strict=True)] == mixed_j
    ids = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in re.finditer(r"\[(\d+), (\d+):(\d+)\]", text)}
    chosen = re.findall(r"Chosen bargain \( Deterministic \): (\d+)", _blocks(text)[0])
    assert [ids[b] for b in chosen] == [tuple(pair) for pair in dummy_run.chosen[0]]


DEMO_3 = np.array([[1e-8, 12.099, 54.921], [10.333, 1e-8, 27.079], [5.007, 55.047, 1e-8]])


@pytest.mark.parametrize(
    ("strength", "pcem", "expected"),
    [  # ref_output_demoPCE.txt, Square victory model; coalition strengths as printed (3 dp)
        (np.array([[1e-8, 51.212], [19.714, 1e-8]]), 2, [0.8709, 0.1291]),
        (np.array([[1e-8, 51.212], [19.714, 1e-8]]), 1, [0.8709, 0.1291]),
        (DEMO_3, 2, [0.6351, 0.2148, 0.1501]),
        (DEMO_3, 1, [0.5094, 0.2796, 0.2110]),
        (DEMO_3, 0, [0.8659, 0.1241, 0.0100]),
    ],
)
def test_probabilistic_condorcet_elections(strength: np.ndarray, pcem: int, expected: list[float]) -> None:
    p = kernels.pce(strength, kernels.SQUARE, pcem)
    assert [f"{v:.4f}" for v in p] == [f"{v:.4f}" for v in expected]


def test_demo_victory_matrix() -> None:
    """ref_output_demoPCE.txt: 'prob[i>j] Markov transitions matrix' of the 3-option case, Square model."""
    expected = [[0.5, 0.5782, 0.9918], [0.4218, 0.5, 0.1948], [0.0082, 0.8052, 0.5]]
    assert np.round(kernels.victory(DEMO_3, kernels.SQUARE), 4).tolist() == expected


def test_soe_and_synthetic_cases_run_to_the_stop_rule() -> None:
    """The China SOE files (Efird, Lester & Wise 2016) and KTAB's a040: runs end by the stop rule
    (SMP_SPEC §7: the last fractional change is below 0.02, after at least 2 and at most 100 turns)."""
    for name in ("SOE-Policy.csv", "SOE-Competitive.csv", "dummyData-a040.csv"):
        scenario = ktokovo.load(DATA / name)
        run = smp.simulate(scenario.positions / 100.0, scenario.saliences / 100.0, scenario.capabilities)
        assert 2 <= len(run.changes) < 100 and run.changes[-1] < 0.02, name
        assert np.all(run.changes[1:-1] >= 0.02), name


def test_smp_through_the_common_interface(dummy: ktokovo.Scenario, dummy_run: smp.SMPRun) -> None:
    result = ktokovo.run(dummy, "smp", preset="ktab")
    assert result.rounds == 10
    np.testing.assert_allclose(result.positions, dummy_run.positions * 100, atol=1e-9)
    best = dummy_run.winning[-1] == dummy_run.winning[-1].max()
    np.testing.assert_allclose(result.forecast, dummy_run.positions[-1][best].mean(axis=0) * 100)


DEFAULTS = smp.SMPParameters().as_dict()
OPTIONS = [(name, value) for name, values in smp.CHOICES.items() for value in values if value != DEFAULTS[name]]


@pytest.mark.parametrize(("name", "value"), OPTIONS)
def test_every_option_runs_to_a_finite_answer(dummy: ktokovo.Scenario, name: str, value: str) -> None:
    """Each non-default KTAB option (SMP_SPEC §1.3) on dummyData_3Dim: positions stay on [0, 100], the run
    ends within KTAB's 100 turns, and the same seed repeats the same run (stochastic transitions too)."""
    first = ktokovo.run(dummy, "smp", seed=5, **{name: value})
    again = ktokovo.run(dummy, "smp", seed=5, **{name: value})
    assert np.all((first.positions >= 0) & (first.positions <= 100))
    assert 2 <= first.rounds <= 100
    assert first.positions.tobytes() == again.positions.tobytes()


def test_ktab_xml(dummy: ktokovo.Scenario, tmp_path) -> None:
    """KTAB's XML form of dummyData_3Dim holds the same scenario as its CSV form; ModelParameters and
    IdealAdjustment become the scenario's smp parameters."""
    xml = ktokovo.load(DATA / "dummyData_3Dim.xml")
    assert xml.actor_names == dummy.actor_names
    np.testing.assert_array_equal(xml.positions, dummy.positions)
    np.testing.assert_array_equal(xml.saliences, dummy.saliences)
    text = (
        (DATA / "dummyData_3Dim.xml")
        .read_text(encoding="utf-8-sig")
        .replace(
            "<Dimensions>",
            "<ModelParameters><VictoryProbModel>Square</VictoryProbModel><PCEModel>MarkovUniform</PCEModel>"
            "<StateTransitions>Deterministic</StateTransitions><VotingRule>Proportional</VotingRule>"
            "<BigRAdjust>Half</BigRAdjust><BigRRange>Max</BigRRange><ThirdPartyCommit>FullCommit</ThirdPartyCommit>"
            "<InterVecBrgn>S1P1</InterVecBrgn><BargnModel>PWCompInterp</BargnModel></ModelParameters><Dimensions>",
        )
        .replace(
            "</Actors>",
            "</Actors><IdealAdjustment><iaPair><adjustingIdeal>SActor-00</adjustingIdeal>"
            "<referencePos>SActor-00</referencePos><adjust>0.5</adjust></iaPair></IdealAdjustment>",
        )
    )
    path = tmp_path / "talks.xml"
    path.write_text(text, encoding="utf-8")
    configured = ktokovo.load(path)
    expected = {
        "victory_prob_model": "square",
        "pce_model": "markov_uniform",
        "state_transitions": "deterministic",
        "voting_rule": "proportional",
        "big_r_adjust": "half",
        "big_r_range": "max",
        "third_party_commit": "full_commit",
        "bargain_interpolation": "s1p1",
        "bargain_model": "pw_comp_interp",
        "accommodation": (("SActor-00", "SActor-00", 0.5),),
    }
    assert dict(configured.model_parameters["smp"]) == expected
    result = ktokovo.run(configured, "smp", preset="ktab")
    assert result.parameters["pce_model"] == "markov_uniform"
    explicit = ktokovo.run(dummy, "smp", preset="ktab", **expected)
    assert result.positions.tobytes() == explicit.positions.tobytes()
    assert ktokovo.load(ktokovo.save(configured, tmp_path / "again.yaml")) == configured
    path.write_text(text.replace("<BigRRange>Max</BigRRange>", "<BigRRange>Most</BigRRange>"), encoding="utf-8")
    with pytest.raises(ktokovo.ScenarioError, match="BigRRange"):
        ktokovo.load(path)


@pytest.mark.parametrize("case", ["ukraine-2025", "dummyData_3Dim.csv", "stochastic"])
def test_the_kernels_as_plain_python_and_compiled_give_the_same_run(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Below smp.COMPILE_FROM actors the kernels run as plain Python, above it compiled; the same code, so the
    same positions, bit for bit, either way (the flagship; KTAB's 3-dimension case; and that case with
    stochastic transitions, which draw from the seeded generator)."""
    from ktokovo.models import run

    scenario = ktokovo.load(case if case == "ukraine-2025" else DATA / "dummyData_3Dim.csv")
    options = {"pce_model": "markov_incentive", "state_transitions": "stochastic"} if case == "stochastic" else {}
    paths = []
    for limit, budget in ((10**6, float("inf")), (0, 0.0)):  # every case plain, then every case compiled
        monkeypatch.setattr(smp, "COMPILE_FROM", limit)
        monkeypatch.setattr(smp, "PLAIN_BUDGET", budget)
        paths.append(run(scenario, "smp", seed=4, **options).positions)
    assert np.array_equal(paths[0], paths[1], equal_nan=True)
