"""The compiled 28-digit decimals (``models._decimal28``) against Python's :mod:`decimal` with the exchange
model's context (28 digits, half to even, EXCHANGE_SPEC §1.1): every operation must give the same value, on
random operands and on the cases rounding gets wrong first (a half exactly, a run of nines that carries into
a new digit, operands far apart, results that cancel)."""

from __future__ import annotations

import decimal
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ktokovo.models import _decimal28 as d28

CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)
W = d28.scratch()


@st.composite
def numbers(draw: st.DrawFn) -> Decimal:
    """A decimal of up to 28 digits: random digits, or digits built to sit on a rounding edge."""
    kind = draw(st.sampled_from(["random", "nines", "fives", "short", "zero"]))
    length = draw(st.integers(1, 28))
    if kind == "random":
        coefficient = draw(st.integers(0, 10**length - 1))
    elif kind == "nines":
        coefficient = 10**length - draw(st.integers(1, 3))
    elif kind == "fives":
        coefficient = draw(st.integers(0, 10 ** max(length - 1, 0))) * 10 + 5
        coefficient %= 10**28
    elif kind == "short":
        coefficient = draw(st.integers(1, 999))
    else:
        coefficient = 0
    exponent = draw(st.integers(-40, 10))
    sign = draw(st.integers(0, 1))
    return Decimal((sign, tuple(int(c) for c in str(coefficient)), exponent))


def _same(ours: tuple[int, ...], theirs: Decimal) -> None:
    value = d28.unpack(ours)
    assert value == theirs, (value, theirs)
    assert value.is_signed() == theirs.is_signed(), (value, theirs)  # zero keeps its sign, too


@settings(max_examples=800, deadline=None)
@given(numbers(), numbers())
def test_each_operation_gives_decimals_value(a: Decimal, b: Decimal) -> None:
    x, y = d28.pack(a), d28.pack(b)
    _same(d28.add(x, y, W), CONTEXT.add(a, b))
    _same(d28.sub(x, y, W), CONTEXT.subtract(a, b))
    _same(d28.mul(x, y, W), CONTEXT.multiply(a, b))
    if b != 0:
        _same(d28.div(x, y, W), CONTEXT.divide(a, b))
    assert d28.compare(x, y, W) == int(a.compare(b))
    _same(d28.absolute(x), a.copy_abs())
    _same(d28.neg(x), CONTEXT.minus(a))  # unary minus: -0 is +0


@settings(max_examples=500, deadline=None)
@given(numbers(), numbers())
def test_keys_order_as_values(a: Decimal, b: Decimal) -> None:
    a, b = abs(a), abs(b)
    ka, kb = d28.key(d28.pack(a)), d28.key(d28.pack(b))
    assert (ka < kb) == (a < b) and (ka == kb) == (a == b)


def test_hand_picked_edges() -> None:
    """Cases worked by hand: a tie rounds to the even digit; 28 nines plus a half carry into 29 digits and
    round to 10**28; 1/3 and 2/3 round down and up in the 28th digit; an operand 60 digits below the other
    only nudges the rounding."""
    one = Decimal(1)
    cases = [
        (Decimal("1" + "0" * 27), Decimal("0.5"), "add"),
        (Decimal("1" + "0" * 26 + "1"), Decimal("0.5"), "add"),
        (Decimal("9" * 28), Decimal("0.5"), "add"),
        (one, Decimal(3), "div"),
        (Decimal(2), Decimal(3), "div"),
        (one, Decimal("1E-60"), "add"),
        (one, Decimal("-1E-60"), "sub"),
        (Decimal("9" * 28), Decimal("9" * 28), "mul"),
        (Decimal("1E-10"), Decimal("7"), "div"),
    ]
    for a, b, op in cases:
        x, y = d28.pack(a), d28.pack(b)
        ours = {"add": d28.add, "sub": d28.sub, "mul": d28.mul, "div": d28.div}[op](x, y, W)
        theirs = {"add": CONTEXT.add, "sub": CONTEXT.subtract, "mul": CONTEXT.multiply, "div": CONTEXT.divide}[op](a, b)
        _same(ours, theirs)


def test_floor28_is_the_threshold_for_a_longer_constant() -> None:
    """Decimal(1e-10) has 70 digits; a 28-digit number is at most it exactly when at most its 28-digit floor."""
    tiny = Decimal(1e-10)
    floor = d28.unpack(d28.floor28(tiny))
    assert floor <= tiny and len(floor.as_tuple().digits) == 28
    above = floor.next_plus(CONTEXT)
    assert above > tiny and floor < tiny


@settings(max_examples=300, deadline=None)
@given(numbers(), st.lists(numbers(), min_size=0, max_size=12))
def test_a_run_of_additions_is_decimals_left_to_right_sum(start: Decimal, terms: list[Decimal]) -> None:
    rows = np.array([d28.pack(t) for t in terms], dtype=np.int64).reshape(len(terms), 6)
    with decimal.localcontext(CONTEXT):
        theirs = sum(terms, start)
    _same(d28.add_rows(d28.pack(start), rows, 0, len(terms), W), theirs)
