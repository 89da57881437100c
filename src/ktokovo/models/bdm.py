"""Bueno de Mesquita's expected-utility ("challenge") model, as reconstructed by Scholz, Calbert & Smith.

Scholz, J.B., Calbert, G.J., Smith, G.A. (2011) "Unravelling Bueno de Mesquita's group decision model",
ICAART 2011, pp. 18–30 (equation numbers below refer to it); Bueno de Mesquita (1994) "Political
forecasting: an expected utility method", in Bueno de Mesquita & Stokman (eds) *European Community
Decision Making*, pp. 71–104.

One issue, n actors with position x_i, capability c_i and salience s_i ∈ [0, 1]. Each round:

1. risk exponents: with every r = 1, the security level S_i = Σ_{j≠i} E^j(U_ji) (eq. 32), then
   ℛ_i = (2 S_i − S_max − S_min)/(S_max − S_min) (eq. 34) and r_i = (1 − ℛ_i/3)/(1 + ℛ_i/3) (eq. 33);
2. the probability that the actor at x_a prevails over the one at x_b (eqs. 30–31): the sum of the
   positive votes V_k = c_k s_k [(|x_k − x_b|/R)^ρ − (|x_k − x_a|/R)^ρ] over a denominator;
3. expected utilities (eqs. 15–16, 22–25): E(a → b) = s_b [P U_s + (1 − P) U_f] + (1 − s_b) U_s − Q U_sq
   − (1 − Q)[T U_b + (1 − T) U_w], with U_s = 2 − 4(0.5 − 0.5 d)^r, U_f = 2 − 4(0.5 + 0.5 d)^r,
   U_sq = 2 − 4 (0.5)^r, d = |x_a − x_b|/R;
4. offers: each receiver i weighs every proposer j by A = E^i(i → j) and B = E(j → i), and moves to
   the proposer of a confrontation (B > A > 0), else makes a compromise (A < 0 < B, B > |A|) moving by
   the fraction |A/B| (eq. 36, sign corrected), else capitulates (A < 0 < B, |A| > B) if enabled;
5. all actors move at once (BDM 1997 in Scholz §6.2).

The forecast of a run is the capability × salience weighted median of the final positions (the median
voter position the paper reports, Table 2); the weighted mean is reported alongside.

Each choice the paper leaves open is a parameter; ``PRESETS`` names two sets of them:

``scholz2011`` (the default) reproduces the public port jmckib/bdm-scholz-expected-utility-model @55f63e9,
whose author reports it replicates Scholz's Table 2 up to 10 rounds; ``shared/reference/BDM_SPEC.md``
specifies it exactly, quirks included: the probability's denominator runs over all ordered actor pairs
(so probabilities are small; D3), voters use their current risk exponent inside the votes (D3b), the
receiver estimates the proposer's expected utility with its own exponent (D4), capitulation never
happens (D8), a compromise is chosen by the lowest weighted average of the two positions (D10), and
only the −Q·U_sq term is kept (D6; exact for Q = 1, the value Scholz used for this case).

``scholz2011_literal`` reads the paper literally: the per-pair denominator of eqs. 30–31 (P^i + P^j = 1,
½ when no one votes), linear votes (eq. 28), the proposer's own exponent for its expected utility
(eq. 25b), capitulation enabled (fig. 6), "move the least" among offers of a type (§6.2), and the full
no-challenge term with U_b/U_w and T (T = 1 iff the challenger is nearer the median than its target; a
tie gives T = 0). On the emission case it does not reproduce Table 2: it reaches consensus at 7 from
round 4 (``BDM_SPEC.md`` §9.2).

Ties: when two offers of the same type have exactly the same key, the port takes the proposer listed first,
so the forecast can depend on the order in which actors are listed. Both presets keep that
(``tie_break="input_order"``; the figures of ``BDM_SPEC.md`` §9.2 were computed so); without a preset
ktokovo runs ``scholz2011`` with ``tie_break="lowest_position"`` (the lowest offered position wins),
which makes the forecast independent of actor order and gives the same trajectory as the port whenever
no exact tie occurs (as in the reference case).

Departures from the port, all outside what the port can run: if all positions are equal there is
nothing to negotiate and the trajectory is constant (the port divides by zero); if S_max = S_min every
r_i = 1 (the port divides by zero; ``BDM_SPEC.md`` §6.4); a median tie takes the lower position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ktokovo.models import _why
from ktokovo.models.contract import IssueModel, IssueSolution, Parameters, between, one_of
from ktokovo.models.mean import weighted_mean, weights
from ktokovo.models.median import median_rows, weighted_median


@dataclass(frozen=True)
class BDMParameters(Parameters):
    """Each choice the paper leaves open (see the module's docstring and ``BDM_SPEC.md``)."""

    model: ClassVar[str] = "bdm"
    q: float = field(default=1.0, metadata=between(0.0, 1.0))
    denominator: str = field(default="all_pairs", metadata=one_of("all_pairs", "pair"))
    vote_exponent: bool = field(default=True, metadata=one_of(True, False))
    opponent_exponent: str = field(default="receiver", metadata=one_of("receiver", "proposer"))
    capitulation: bool = field(default=False, metadata=one_of(True, False))
    compromise_choice: str = field(default="lowest_key", metadata=one_of("lowest_key", "least_move"))
    no_challenge_term: str = field(default="status_quo", metadata=one_of("status_quo", "full"))
    tie_break: str = field(default="lowest_position", metadata=one_of("lowest_position", "input_order"))


PRESETS = {
    "scholz2011": BDMParameters(tie_break="input_order"),
    "scholz2011_literal": BDMParameters(
        q=1.0,
        denominator="pair",
        vote_exponent=False,
        opponent_exponent="proposer",
        capitulation=True,
        compromise_choice="least_move",
        no_challenge_term="full",
        tie_break="input_order",
    ),
}
DEFAULT_ROUNDS = 10
NUMPY_LIMIT = 160
"""Above this many actors the vote sums run in a compiled numba kernel, O(n² log n), instead of numpy's O(n³)."""


def _support(x: np.ndarray, utility: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """N[..., a, b] = Σ_k w_k max(0, u_kb − u_ka): the weighted votes for x_a over x_b.

    x : (..., n) positions; utility : (..., n, n) [voter k, position p], growing with |x_k − x_p|;
    weight : (..., n). Leading axes are a batch of cases."""
    n = utility.shape[-1]
    if n <= NUMPY_LIMIT:
        gain = utility[..., :, None, :] - utility[..., :, :, None]  # [..., k, a, b] = u_kb − u_ka
        np.maximum(gain, 0.0, out=gain)
        return np.einsum("...k,...kab->...ab", weight, gain)
    from ktokovo.models._support_numba import support_matrix

    flat_x = x.reshape(-1, n)
    flat_u = utility.reshape(-1, n, n)
    flat_w = weight.reshape(-1, n)
    out = np.stack(
        [
            support_matrix(np.ascontiguousarray(p), np.ascontiguousarray(u), np.ascontiguousarray(w))
            for p, u, w in zip(flat_x, flat_u, flat_w, strict=True)
        ]
    )
    return out.reshape(utility.shape)


def _pairwise(x: np.ndarray) -> np.ndarray:
    """|x_a − x_b| for every pair: (..., n) to (..., n, n)."""
    return np.abs(x[..., :, None] - x[..., None, :])


def probability_matrix(
    x: np.ndarray, weight: np.ndarray, exponent: np.ndarray, span: float | np.ndarray, denominator: str
) -> np.ndarray:
    """P[..., a, b]: the probability that the actor at x_a prevails over the actor at x_b (eqs. 30–31).

    Parameters
    ----------
    x : (..., n) positions. weight : (..., n) c·s. exponent : (..., n) each voter's exponent on distance.
    span : R, the position range, one per case. denominator : "all_pairs" (the port's D: every voter's
        absolute votes over all ordered actor pairs, ``BDM_SPEC.md`` §3.2) or "pair" (the paper's per-pair sum).
    """
    span = np.asarray(span, dtype=float)
    utility = (_pairwise(x) / span[..., None, None]) ** exponent[..., :, None]  # [..., k, p]
    support = _support(np.broadcast_to(x, weight.shape), utility, weight)
    if denominator == "all_pairs":
        # Σ_p Σ_q |u_p − u_q| = 2 Σ_m (2m − n − 1) u_(m) over each voter's sorted row (BDM_SPEC §3.2).
        n = x.shape[-1]
        ranks = 2.0 * np.arange(1, n + 1) - n - 1
        total = np.sum(weight * 2.0 * (np.sort(utility, axis=-1) @ ranks), axis=-1)[..., None, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            prob = np.where(total > 0, support / np.where(total > 0, total, 1.0), 0.0)
        return np.where(x[..., :, None] == x[..., None, :], 0.0, prob)
    both = support + np.swapaxes(support, -1, -2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(both > 0, support / np.where(both > 0, both, 1.0), 0.5)


def _expected_utility(
    distance: np.ndarray,
    exponent: np.ndarray | float,
    prob: np.ndarray,
    target_salience: np.ndarray,
    q: float,
    full_term: bool,
    challenger_to_median: np.ndarray,
) -> np.ndarray:
    """E(challenger → target), eqs. 15–16, 22–25; all arguments broadcast to (..., n, n).

    ``distance`` is |x_a − x_b| / R and ``challenger_to_median`` is |x_a − μ| / R."""
    success = 2.0 - 4.0 * (0.5 - 0.5 * distance) ** exponent
    failure = 2.0 - 4.0 * (0.5 + 0.5 * distance) ** exponent
    status_quo = 2.0 - 4.0 * 0.5**exponent
    value = (
        target_salience * (prob * success + (1.0 - prob) * failure) + (1.0 - target_salience) * success - q * status_quo
    )
    if full_term and q != 1.0:
        spread = challenger_to_median + distance
        better = 2.0 - 4.0 * (0.5 - 0.25 * spread) ** exponent
        worse = 2.0 - 4.0 * (0.5 + 0.25 * spread) ** exponent
        t = challenger_to_median < distance
        value = value - (1.0 - q) * np.where(t, better, worse)
    return value


def risk_exponents(
    x: np.ndarray,
    salience: np.ndarray,
    weight: np.ndarray,
    span: float | np.ndarray,
    median: float | np.ndarray,
    params: BDMParameters,
) -> np.ndarray:
    """r_i from the security levels computed with every exponent 1 (eqs. 32–34; BDM_SPEC §4.1). (..., n)."""
    span = np.asarray(span, dtype=float)[..., None]
    ones = np.ones_like(x)
    distance = _pairwise(x) / span[..., None]
    to_median = np.abs(x - np.asarray(median)[..., None]) / span
    prob = probability_matrix(x, weight, ones, span[..., 0], params.denominator)
    # danger[..., i, j] = E^j(j → i): challenger j, target i, so P[j, i] and salience s_i.
    danger = _expected_utility(
        distance,
        1.0,
        np.swapaxes(prob, -1, -2),
        salience[..., :, None],
        params.q,
        params.no_challenge_term == "full",
        to_median[..., None, :],
    )
    danger = np.where(np.eye(x.shape[-1], dtype=bool), 0.0, danger)
    security = danger.sum(axis=-1)
    high = security.max(axis=-1, keepdims=True)
    low = security.min(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        big_r = (2.0 * security - high - low) / (high - low)
        exponent = (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)
    return np.where(high == low, 1.0, exponent)


def step(
    x: np.ndarray,
    salience: np.ndarray,
    weight: np.ndarray,
    span: float | np.ndarray,
    params: BDMParameters,
    decisions: list[dict[str, np.ndarray]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One round: (new positions, the risk exponents used). ``x`` (..., n) on any scale; ``span`` = R, per case.
    With ``decisions`` (a list), the round's decision per (case, receiver) is appended to it: ``kind`` (0
    confrontation, 1 compromise, 2 capitulation, −1 none), the ``proposer`` whose offer was taken, and the
    expected utilities behind it, ``own`` = E^i(i → j) and ``other`` = E(j → i)."""
    single = x.ndim == 1
    x, salience, weight = np.atleast_2d(x), np.atleast_2d(salience), np.atleast_2d(weight)
    span = np.broadcast_to(np.asarray(span, dtype=float), x.shape[:1])
    batch, n = x.shape
    median = median_rows(x, weights(weight, np.ones_like(weight)))
    exponent = risk_exponents(x, salience, weight, span, median, params)
    q = params.q
    full_term = params.no_challenge_term == "full"
    voter_exponent = exponent if params.vote_exponent else np.ones_like(exponent)
    prob = probability_matrix(x, weight, voter_exponent, span, params.denominator)
    distance = _pairwise(x) / span[:, None, None]
    to_median = np.abs(x - median[:, None]) / span[:, None]
    # A[b, i, j] = E^i(i → j): receiver i's utility of challenging j (exponent r_i, P[i, j], salience s_j).
    own = _expected_utility(
        distance, exponent[:, :, None], prob, salience[:, None, :], q, full_term, to_median[:, :, None]
    )
    # B[b, i, j] = E(j → i): j's utility of challenging i, estimated with r_i (port) or r_j (paper).
    rho = exponent[:, :, None] if params.opponent_exponent == "receiver" else exponent[:, None, :]
    other = _expected_utility(
        distance, rho, np.swapaxes(prob, -1, -2), salience[:, :, None], q, full_term, to_median[:, None, :]
    )

    receiver = np.broadcast_to(x[:, :, None], own.shape)
    proposer = np.broadcast_to(x[:, None, :], own.shape)
    distinct = receiver != proposer
    confront = distinct & (other > own) & (own > 0)
    compromise = distinct & (own < 0) & (other > 0) & (other > -own)
    capitulate = distinct & (own < 0) & (other > 0) & (-own > other) & params.capitulation
    with np.errstate(invalid="ignore", divide="ignore"):
        offered = receiver + (proposer - receiver) * np.abs(own / other)
        if params.compromise_choice == "lowest_key":
            key = (np.abs(own) * receiver + np.abs(other) * proposer) / (np.abs(own) + np.abs(other))
        else:
            key = np.abs(offered - receiver)
    move = np.abs(proposer - receiver)
    # Every (case, receiver) is a row; proposers are the columns.
    rows_of = batch * n
    new = x.reshape(rows_of).copy()
    decided = np.zeros(rows_of, dtype=bool)
    kind_of = np.full(rows_of, -1)
    from_of = np.full(rows_of, -1)
    flat = {
        name: a.reshape(rows_of, n)
        for name, a in (
            ("confront", confront),
            ("compromise", compromise),
            ("capitulate", capitulate),
            ("offered", offered),
            ("key", key),
            ("move", move),
            ("proposer", proposer),
        )
    }
    # Confrontation before compromise before capitulation, whatever the distances (BDM_SPEC §4.3).
    for code, (kind, target, order) in enumerate(
        (
            ("confront", "proposer", "move"),
            ("compromise", "offered", "key"),
            ("capitulate", "proposer", "move"),
        )
    ):
        rows = np.flatnonzero(~decided & flat[kind].any(axis=1))
        if rows.size == 0:
            continue
        keys = np.where(flat[kind][rows], flat[order][rows], np.inf)
        offers = flat[target][rows]
        if params.tie_break == "lowest_position":
            # Among offers with the same key, the lowest offered position: independent of actor order.
            offers = np.where(keys == keys.min(axis=1, keepdims=True), offers, np.inf)
            pick = np.argmin(offers, axis=1)
        else:
            # np.argmin takes the first minimum: ties go to the proposer first in input order (the port).
            pick = np.argmin(keys, axis=1)
        # A confrontation copies the proposer's number exactly (BDM_SPEC §6.2).
        new[rows] = offers[np.arange(len(rows)), pick]
        decided[rows] = True
        kind_of[rows], from_of[rows] = code, pick
    new = new.reshape(batch, n)
    if decisions is not None:
        chosen = np.maximum(from_of, 0)
        rows = np.arange(rows_of)
        decisions.append(
            {
                "kind": kind_of.reshape(batch, n),
                "proposer": from_of.reshape(batch, n),
                "own": own.reshape(rows_of, n)[rows, chosen].reshape(batch, n),
                "other": other.reshape(rows_of, n)[rows, chosen].reshape(batch, n),
            }
        )
    return (new[0], exponent[0]) if single else (new, exponent)


def simulate(
    x0: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    *,
    rounds: int,
    parameters: BDMParameters | None = None,
    **params: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``rounds`` rounds on one issue, or on a batch of cases at once.

    Parameters
    ----------
    x0 : (n,) or (batch, n) initial positions. capability : the same shape, any scale. salience : the same
        shape, in [0, 1].

    Returns
    -------
    positions : (rounds + 1, n) or (rounds + 1, batch, n), round 0 first. exponents : (rounds, ...) the risk
    exponents of each round.

    ``parameters`` (default: :class:`BDMParameters`'s defaults), overlaid by any named in ``params``.
    """
    settings = parameters or BDMParameters()
    if params:
        settings = settings.replace(**params)
    single = np.ndim(x0) == 1
    x = np.atleast_2d(np.array(x0, dtype=float))
    capability, salience = np.atleast_2d(capability), np.atleast_2d(salience)
    weight = capability * salience
    span = x.max(axis=1) - x.min(axis=1)  # R: from the initial positions, fixed (BDM_SPEC §1)
    path = np.empty((rounds + 1, *x.shape))
    exponents = np.ones((rounds, *x.shape))
    path[0] = x
    record = single and _why.active()
    for t in range(rounds):
        # Nothing to negotiate once everyone holds one position (the port divides by zero there).
        active = (span > 0) & ~np.all(x == x[:, :1], axis=1)
        decisions: list[dict[str, np.ndarray]] | None = [] if record and active.any() else None
        if active.any():
            x = x.copy()
            x[active], exponents[t, active] = step(
                x[active], salience[active], weight[active], span[active], settings, decisions
            )
        path[t + 1] = x
        for found in decisions or ():
            for i in range(x.shape[1]):
                j = int(found["proposer"][0, i])
                _why.note(
                    {
                        "model": "bdm",
                        "round": t + 1,
                        "issue": _why.issue(),
                        "actor": _why.actor(i),
                        "from": float(path[t, 0, i]),
                        "to": float(path[t + 1, 0, i]),
                        "kind": ("confrontation", "compromise", "capitulation")[found["kind"][0, i]]
                        if found["kind"][0, i] >= 0
                        else None,
                        "partner": None if j < 0 else _why.actor(j),
                        "own": None if j < 0 else float(found["own"][0, i]),
                        "other": None if j < 0 else float(found["other"][0, i]),
                    }
                )
    if single:
        return path[:, 0], exponents[:, 0]
    return path, exponents


def solve(
    position: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    status_quo: float | None,
    *,
    rounds: int,
    rng: np.random.Generator,
    parameters: BDMParameters,
) -> IssueSolution:
    """Trajectory (rounds + 1, n_actors), forecast (the weighted median of the final positions) and the
    weighted mean of the final positions; positions on 0–100, salience on 0–100."""
    share = salience / 100.0
    path, _ = simulate(position, capability, share, rounds=rounds, parameters=parameters)
    final = path[-1]
    return IssueSolution(path, weighted_median(final, capability, share), weighted_mean(final, capability, share))


def solve_batch(
    position: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    status_quo: np.ndarray | None,
    *,
    rounds: int,
    parameters: BDMParameters,
) -> np.ndarray:
    """Forecasts of a batch of cases: inputs (batch, n) on 0–100 (salience 0–100); returns (batch,)."""
    share = salience / 100.0
    path, _ = simulate(position, capability, share, rounds=rounds, parameters=parameters)
    return median_rows(path[-1], weights(capability, share))


MODEL = IssueModel(
    name="bdm",
    description="Bueno de Mesquita's expected-utility challenge model (Scholz et al. 2011)",
    citation="Scholz, Calbert & Smith (2011), ICAART, pp. 18–30; Bueno de Mesquita (1994)",
    parameters=BDMParameters,
    presets=PRESETS,
    rounds=True,
    default_rounds=DEFAULT_ROUNDS,
    solve=solve,
    solve_batch=solve_batch,
)
