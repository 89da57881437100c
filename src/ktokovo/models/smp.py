"""KTAB's Spatial Model of Politics (SMP) with probabilistic Condorcet elections.

Wise, B., Lester, S., Efird, B. et al. (2015–2017), KAPSARC Toolkit for Behavioral Analysis (KTAB),
github KAPSARC/KTAB (MIT); the model as documented in Efird, Lester & Wise (2016) and in KTAB's
``markov-incentives.tex``. ktokovo implements ``shared/reference/SMP_SPEC.md``, which restates exactly what
KTAB computes (commit 3b5b063), quirks included; section numbers below refer to it.

Actors hold positions on several dimensions at once, on [0, 1] internally, with a salience per dimension.
Each turn:

1. assess the state (§3): salience-weighted distances from each actor's ideal to every position (§2.1),
   utilities (1 − δ)(1 + δR) (§2.2), risk attitudes R from a probabilistic Condorcet election (PCE) over
   all positions (§3.2), and each actor's estimate of everyone's utilities (§3.3);
2. each actor picks the challenge it expects to gain most from, weighing how third parties would side
   (§4), and proposes a bargain interpolated between the two positions (§5);
3. each actor resolves the queue of bargains it is party to by a PCE of all actors' valuations (§6) and
   moves; all move at once; ideals follow positions through the accommodation matrix;
4. stop when the movement falls below 2% of the first turn's (§7), after 2 to 100 turns.

The forecast on each dimension is the position of the most likely winner of the final state (the highest
PCE winning probability, §8; where several actors at equivalent positions share it, the mean of their
positions), and the reported mean is the probability-weighted mean of the final unique positions.

Parameters (KTAB's defaults first): ``victory_prob_model`` linear | square | quartic | octic | binary;
``pce_model`` conditional | markov_incentive | markov_uniform; ``state_transitions`` deterministic |
stochastic (draws from ``rng``; KTAB's own stochastic runs are not repeatable, §6.4); ``voting_rule``
proportional | binary | prop_bin | prop_cbc | cubic | asym_prosp; ``big_r_adjust`` one_third | none |
half | two_thirds | full; ``big_r_range`` mid | min | max; ``third_party_commit`` semi_commit | no_commit |
full_commit; ``bargain_interpolation`` s2p2 | s1p1 | s2pmax; ``bargain_model`` init_only_interp |
init_rcvr_interp | pw_comp_interp; ``max_turns`` (100), ``min_turns`` (2), ``stop_ratio`` (0.02);
``accommodation``: (adjusting actor, reference actor, value) triples of KTAB's IdealAdjustment, the identity
otherwise (§6.3). A KTAB XML file's ModelParameters and IdealAdjustment become the scenario's smp parameters.

KTAB breaks exact ties by the order in which actors are listed (§4.2, §6.2). The preset ``ktab`` keeps the
scenario's order (``actor_order="as_given"``), which reproduces KTAB; without a preset ktokovo runs the
actors in the order of their names (``actor_order="by_name"``), so that a forecast does not depend on how a
file happens to list them. The two differ only where a tie occurs.

Departures from KTAB, all where KTAB aborts: ``big_r_adjust="full"`` and other degenerate states are run
rather than refused (KTAB's sanity check in §3.3 aborts on them); when every actor has the same winning
probability all are risk-neutral (KTAB divides by zero, §3.2).

Scenario saliences are used as s = salience / 100 per dimension. KTAB needs each actor's saliences to
sum to at most 100 across dimensions; an actor whose saliences sum to more is scaled down to sum to
exactly 100 (its relative priorities kept). An actor without a position on an issue is placed at the
issue's capability-weighted mean with salience 0 there.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ktokovo.core.errors import ParameterError
from ktokovo.models import _why
from ktokovo.models.contract import ActorOrder, JointModel, JointSolution, between, one_of


# Values in KTAB's enum order (SMP_SPEC §1.3): the index is what the kernels take.
@dataclass(frozen=True)
class SMPParameters(ActorOrder):
    """KTAB's nine model options (SMP_SPEC §1.3), the stop rule (§7), the order actors are run in, and the
    accommodation matrix (§6.3: pairs of actor names and weights; None for the identity)."""

    model: ClassVar[str] = "smp"
    victory_prob_model: str = field(default="linear", metadata=one_of("linear", "square", "quartic", "octic", "binary"))
    pce_model: str = field(default="conditional", metadata=one_of("conditional", "markov_incentive", "markov_uniform"))
    state_transitions: str = field(default="deterministic", metadata=one_of("deterministic", "stochastic"))
    voting_rule: str = field(
        default="proportional",
        metadata=one_of("binary", "prop_bin", "proportional", "prop_cbc", "cubic", "asym_prosp"),
    )
    big_r_adjust: str = field(default="one_third", metadata=one_of("none", "one_third", "half", "two_thirds", "full"))
    big_r_range: str = field(default="mid", metadata=one_of("min", "mid", "max"))
    third_party_commit: str = field(default="semi_commit", metadata=one_of("no_commit", "semi_commit", "full_commit"))
    bargain_interpolation: str = field(default="s2p2", metadata=one_of("s1p1", "s2p2", "s2pmax"))
    bargain_model: str = field(
        default="init_only_interp", metadata=one_of("init_only_interp", "init_rcvr_interp", "pw_comp_interp")
    )
    max_turns: int = field(default=100, metadata=between(1, 10_000, int))
    min_turns: int = field(default=2, metadata=between(1, 10_000, int))
    stop_ratio: float = field(default=0.02, metadata=between(0.0, 1.0))
    accommodation: Any = None

    def __post_init__(self) -> None:
        super().__post_init__()
        pairs = self.accommodation
        if pairs is None:
            return
        example = "[[adjusting actor, reference actor, weight], ...]"
        if isinstance(pairs, (str, bytes)) or not isinstance(pairs, (list, tuple)):
            raise ParameterError(f"smp's accommodation is a list of {example}, not {pairs!r}")
        for triple in pairs:
            if (
                not isinstance(triple, (list, tuple))
                or len(triple) != 3
                or not all(isinstance(name, str) for name in triple[:2])
                or isinstance(triple[2], bool)
                or not isinstance(triple[2], (int, float))
                or not math.isfinite(triple[2])
            ):
                raise ParameterError(f"smp's accommodation is a list of {example}; this entry is not: {triple!r}")


CHOICES = SMPParameters.choices()
_KERNEL_ORDER = (
    "voting_rule",
    "victory_prob_model",
    "pce_model",
    "state_transitions",
    "big_r_adjust",
    "big_r_range",
    "third_party_commit",
    "bargain_interpolation",
    "bargain_model",
)
PRESETS = {"ktab": SMPParameters(actor_order="as_given")}
DEFAULT_ROUNDS = 100
COMPILE_FROM = 10
"""Cases with this many actors or more run the compiled kernels; smaller ones the same kernels as plain Python,
which finish before numba would even have started (benchmarks/cold_start.py), until a process has spent
PLAIN_BUDGET seconds on them (many runs, such as draws for intervals): from then on it compiles too. The two
give the same numbers, bit for bit (tests/test_smp_reference.py)."""
PLAIN_BUDGET = 1.0
_plain_seconds = [0.0]
"""Without ``rounds``, SMP runs until its stop rule, at most 100 turns (KTAB's limit)."""


@dataclass(frozen=True)
class SMPRun:
    """A whole SMP run. Positions on [0, 1].

    positions : (T + 1, n, d) every state's positions. ideals : the same for ideals.
    risk : (T + 1, n) each state's risk attitudes R. winning : (T + 1, n) each actor's winning probability.
    changes : (T,) the fractional change of each turn against the first (§7).
    targets : (T, n) whom each actor challenged in each turn (−1: nobody). chosen : (T, n, 2) the
    (initiator, receiver) of the bargain each actor accepted (its own index twice: the status quo).
    """

    positions: np.ndarray
    ideals: np.ndarray
    risk: np.ndarray
    winning: np.ndarray
    changes: np.ndarray
    targets: np.ndarray
    chosen: np.ndarray


def _codes(params: SMPParameters) -> np.ndarray:
    """The kernel's integer codes for the nine KTAB options (SMP_SPEC §1.3)."""
    return np.array([CHOICES[name].index(getattr(params, name)) for name in _KERNEL_ORDER], dtype=np.int64)


def simulate(
    x0: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    *,
    accommodation: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
    parameters: SMPParameters | None = None,
    max_turns: int | None = None,
    **params: Any,
) -> SMPRun:
    """Run SMP to its stop rule.

    Parameters
    ----------
    x0 : (n, d) initial positions on [0, 1] (ideals start there). salience : (n, d) on [0, 1], each row
        summing to at most 1. capability : (n,) > 0. accommodation : (n, n) ideal accommodation matrix,
        identity by default (SMP_SPEC §6.3). rng : the generator for stochastic transitions.
    parameters : the options (default: :class:`SMPParameters`'s defaults), overlaid by any named in ``params``;
        ``max_turns``, if given, overrides theirs unchecked (a run of 0 turns is the input alone).
    """
    from ktokovo.models import _jit, _smp_kernels

    n = np.shape(x0)[0]
    plain = n < COMPILE_FROM and _plain_seconds[0] < PLAIN_BUDGET
    kernels: Any = _smp_kernels if plain else _jit.compiled(_smp_kernels)
    started = time.perf_counter()
    settings = parameters or SMPParameters()
    if params:
        settings = settings.replace(**params)
    codes = _codes(settings)
    rule, vpm, pcem = int(codes[0]), int(codes[1]), int(codes[2])
    stochastic = bool(codes[3])
    adjust, big_range = int(codes[4]), int(codes[5])
    x = np.ascontiguousarray(x0, dtype=float)
    s = np.ascontiguousarray(salience, dtype=float)
    c = np.ascontiguousarray(capability, dtype=float)
    ideal = x.copy()
    accommodation = np.eye(n) if accommodation is None else np.ascontiguousarray(accommodation, dtype=float)
    generator = rng if rng is not None else np.random.default_rng(0)

    def assessed(positions: np.ndarray, ideals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        risk, perspective, _ = kernels.assess(positions, ideals, s, c, rule, vpm, pcem, big_range, adjust)
        return risk, perspective, kernels.winning_probabilities(positions, c, perspective, rule, vpm, pcem)

    risk, perspective, winning = assessed(x, ideal)
    positions, ideals, risks, wins = [x], [ideal], [risk], [winning]
    changes, targets, chosen = [], [], []
    first = None
    turns = settings.max_turns if max_turns is None else max_turns
    min_turns, stop_ratio = settings.min_turns, settings.stop_ratio
    for t in range(1, turns + 1):
        draws = np.asarray(generator.random(n)) if stochastic else np.zeros(n)
        new_x, new_ideal, target, target_p, target_g, pick, pick_p, among = kernels.turn(
            x, ideal, s, c, accommodation, risk, perspective, codes, draws
        )
        if _why.active():
            for k in range(n):
                _why.note(
                    {
                        "model": "smp",
                        "round": t,
                        "actor": _why.actor(k),
                        "from": (100.0 * x[k]).tolist(),
                        "to": (100.0 * new_x[k]).tolist(),
                        "initiator": _why.actor(int(pick[k, 0])),
                        "receiver": _why.actor(int(pick[k, 1])),
                        "probability": float(pick_p[k]),
                        "bargains": int(among[k]),
                        "target": None if target[k] < 0 else _why.actor(int(target[k])),
                        "target_probability": float(target_p[k]),
                        "target_gain": float(target_g[k]),
                    }
                )
        moved = _ordered_sum(np.sqrt(np.sum((new_x - x) ** 2, axis=1)))  # §7: summed over actors in order
        first = moved if first is None else first
        ratio = moved / (first + 1e-4)
        x, ideal = new_x, new_ideal
        risk, perspective, winning = assessed(x, ideal)
        positions.append(x)
        ideals.append(ideal)
        risks.append(risk)
        wins.append(winning)
        changes.append(ratio)
        targets.append(target)
        chosen.append(pick)
        if t >= min_turns and ratio < stop_ratio:
            break
    if plain:
        _plain_seconds[0] += time.perf_counter() - started
    return SMPRun(
        positions=np.array(positions),
        ideals=np.array(ideals),
        risk=np.array(risks),
        winning=np.array(wins),
        changes=np.array(changes),
        targets=np.array(targets).reshape(len(targets), n),
        chosen=np.array(chosen).reshape(len(chosen), n, 2),
    )


def _ordered_sum(values: np.ndarray) -> float:
    total = 0.0
    for value in values:
        total += float(value)
    return total


def unique_positions(x: np.ndarray) -> list[int]:
    """SMP_SPEC §3.1: representatives of the positions, by plain Euclidean distance < 1e-3, in order."""
    reps: list[int] = []
    for i in range(len(x)):
        if not any(np.sqrt(np.sum((x[i] - x[r]) ** 2)) < 1e-3 for r in reps):
            reps.append(i)
    return reps


def accommodation_matrix(names: tuple[str, ...], pairs: Any) -> np.ndarray:
    """SMP_SPEC §6.3's ideal-accommodation matrix: the identity, with A(a, b) = v for each (a, b, v) given."""
    matrix = np.eye(len(names))
    for adjusting, reference, value in pairs or ():
        if adjusting in names and reference in names:
            matrix[names.index(adjusting), names.index(reference)] = float(value)
    return matrix


def kernel_salience(salience: np.ndarray) -> np.ndarray:
    """Scenario saliences (0–100 per issue) to SMP's [0, 1], scaling down rows whose total exceeds 100."""
    share = salience / 100.0
    total = share.sum(axis=1, keepdims=True)
    return np.where(total > 1.0, share / np.where(total > 0, total, 1.0), share)


def solve_joint(
    scenario: Any, *, rounds: int | None, rng: np.random.Generator, parameters: SMPParameters
) -> JointSolution:
    """All issues of ``scenario`` at once. Returns the trajectory (T + 1, n, d) on 0–100, the forecast (d,)
    and the probability-weighted mean (d,)."""
    x = scenario.unit_positions()
    capability = scenario.capabilities
    s = kernel_salience(np.where(np.isnan(x), 0.0, scenario.saliences))
    for d in range(x.shape[1]):  # no position: the capability-weighted mean, with no salience there
        missing = np.isnan(x[:, d])
        if missing.any():
            x[missing, d] = np.sum(capability[~missing] * x[~missing, d]) / np.sum(capability[~missing])
    keep = (s**2).sum(axis=1) > 0  # an actor who cares about nothing cannot be placed by SMP
    accommodation = accommodation_matrix(scenario.actor_names, parameters.accommodation)[keep][:, keep]
    with _why.scope(actors=np.flatnonzero(keep)):
        run = simulate(
            x[keep] / 100.0,
            s[keep],
            capability[keep],
            accommodation=accommodation,
            rng=rng,
            parameters=parameters,
            max_turns=rounds,
        )
    path = np.repeat(x[None, :, :] / 100.0, len(run.positions), axis=0)
    path[:, keep] = run.positions
    final = run.positions[-1]
    winning = run.winning[-1]
    # Actors at equivalent positions (< 1e-3 apart, §3.1) share a winning probability; bargains leave such
    # pairs 1e-4 apart (§5.1). The mean of the most likely winners' positions does not depend on actor order.
    forecast = final[winning == winning.max()].mean(axis=0)
    reps = unique_positions(final)
    weights = np.array([winning[r] for r in reps])
    mean = (weights[:, None] * final[reps]).sum(axis=0) / weights.sum()
    # The outcome's distribution: each unique final position with its (shared) winning probability, held by
    # its first actor, as the reported mean weighs them.
    chances = np.zeros(len(keep))
    chances[np.flatnonzero(keep)[reps]] = weights / weights.sum()
    return JointSolution(path * 100.0, forecast * 100.0, mean * 100.0, weights=chances)


MODEL = JointModel(
    name="smp",
    description="KTAB's Spatial Model of Politics: all issues at once, probabilistic Condorcet elections",
    citation="Wise, Lester & Baranick (KTAB, King Abdullah Petroleum Studies and Research Center); SMP_SPEC.md",
    parameters=SMPParameters,
    presets=PRESETS,
    rounds=True,
    default_rounds=DEFAULT_ROUNDS,
    solve=solve_joint,
)
