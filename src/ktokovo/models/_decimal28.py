"""28-digit decimal floating point with half-even rounding, compiled with numba.

The exchange model's reference arithmetic is Python's :mod:`decimal` with ``prec=28`` and
``ROUND_HALF_EVEN`` (EXCHANGE_SPEC §1.1). Every operation there is the exact result rounded to 28
significant digits, so its value depends only on the operands' values: these functions compute the same
values, on numbers the compiled exchange round (``_exchange_exact``) can keep in arrays.

A number is a tuple of six int64: ``(sign, exponent, c0, c1, c2, c3)``, the value
``(-1)**sign * (c0 + c1·10⁷ + c2·10¹⁴ + c3·10²¹) * 10**exponent``; a coefficient has at most 28 digits.
Zero keeps a sign, as a decimal's does (the sum of two negative zeros is negative, a product's sign is
the product of the signs); a number's exponent is not a decimal's (``1.50`` and ``1.5`` are the same
number here), which changes no value. Sums, products and quotients are computed exactly in base-10⁷ limbs
and then rounded once, half to even: a quotient's long division keeps two digits more than it needs and
whether anything remained. ``tests/test_decimal28.py`` checks every operation against :mod:`decimal` on
random operands and on the rounding's edge cases.

Each operation takes a scratch array (:func:`scratch`) for its limbs, so nothing is allocated per operation.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

import numba
import numpy as np

jit = numba.njit(cache=True)
small = numba.njit(cache=True, inline="always")

BASE = 10_000_000
_P = np.array([10**k for k in range(8)], dtype=np.int64)
ZERO = (0, 0, 0, 0, 0, 0)
_EXACT = decimal.Context(prec=60)  # scaleb by it is exact for up to 60 digits


def scratch() -> np.ndarray:
    """The working space every operation needs."""
    return np.zeros(64, dtype=np.int64)


def pack(value: Decimal | int) -> tuple[int, int, int, int, int, int]:
    """A finite decimal of at most 28 digits as a number of this module."""
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    coefficient = int(value.copy_abs().scaleb(-exponent, _EXACT))
    if coefficient >= 10**28:
        raise ValueError(f"more than 28 digits: {value!r}")
    c1, c0 = divmod(coefficient, BASE)
    c2, c1 = divmod(c1, BASE)
    c3, c2 = divmod(c2, BASE)
    return (int(value.is_signed()), exponent, c0, c1, c2, c3)


def unpack(number: tuple[int, ...] | list[int] | np.ndarray) -> Decimal:
    """The decimal a number of this module stands for (exactly: its text has every digit)."""
    sign, exponent, c0, c1, c2, c3 = (int(v) for v in number)
    coefficient = ((c3 * BASE + c2) * BASE + c1) * BASE + c0
    return Decimal(f"{'-' if sign else ''}{coefficient}E{exponent}")


def floor28(value: Decimal) -> tuple[int, int, int, int, int, int]:
    """The largest 28-digit number at or below a positive ``value`` of more digits (see :func:`le_exact`)."""
    sign, digits, exponent = value.as_tuple()
    if sign or not isinstance(exponent, int):
        raise ValueError(f"floor28 takes a positive finite decimal, not {value!r}")
    cut = max(0, len(digits) - 28)
    kept = Decimal((0, digits[: len(digits) - cut] or (0,), exponent + cut))
    return pack(kept)


@small
def _ndigits7(v: int) -> int:
    """Digits of 0 <= v < 10**7 (0 for 0)."""
    if v >= 10_000:
        if v >= 1_000_000:
            return 7
        if v >= 100_000:
            return 6
        return 5
    if v >= 100:
        return 4 if v >= 1_000 else 3
    if v >= 10:
        return 2
    return 1 if v > 0 else 0


@small
def _divp(v: int, d: int) -> int:
    """v // 10**d for 0 <= v and 0 <= d <= 7, each case by a constant (which compiles to a multiplication)."""
    if d == 0:
        return v
    if d == 1:
        return v // 10
    if d == 2:
        return v // 100
    if d == 3:
        return v // 1_000
    if d == 4:
        return v // 10_000
    if d == 5:
        return v // 100_000
    if d == 6:
        return v // 1_000_000
    return v // 10_000_000


@small
def is_zero(a):  # type: ignore[no-untyped-def]
    return a[2] == 0 and a[3] == 0 and a[4] == 0 and a[5] == 0


@small
def ndigits(a):  # type: ignore[no-untyped-def]
    """Digits of the coefficient (0 for zero)."""
    for t in range(3, -1, -1):
        if a[2 + t] != 0:
            return 7 * t + _ndigits7(a[2 + t])
    return 0


@jit
def _half_even(sign, exponent, q0, q1, q2, q3, rd, sticky):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """The kept 28 digits (q0..q3) at ``exponent``, rounded half to even by the first dropped digit ``rd`` and
    whether anything below it is nonzero."""
    if rd > 5 or (rd == 5 and (sticky or q0 % 2 == 1)):
        q0 += 1
        if q0 == BASE:
            q0 = 0
            q1 += 1
            if q1 == BASE:
                q1 = 0
                q2 += 1
                if q2 == BASE:
                    q2 = 0
                    q3 += 1
                    if q3 == BASE:  # 10**28: one digit more, so 10**27 at the next exponent
                        q3 = BASE // 10
                        exponent += 1
    return (sign, exponent, q0, q1, q2, q3)


@jit
def _round(w, off, n, sign, exponent, sticky):  # type: ignore[no-untyped-def]  # noqa: PLR0912, PLR0913
    """The number w[off:off+n] (limbs, little-endian) · 10**exponent rounded to 28 digits, half to even;
    ``sticky``: something nonzero lies below the last limb (a division's remainder, always with digits to
    drop above it)."""
    t = n - 1
    while t >= 0 and w[off + t] == 0:
        t -= 1
    if t < 0:
        return (sign, exponent, 0, 0, 0, 0)
    k = 7 * t + _ndigits7(w[off + t]) - 28  # digits to drop
    if k <= 0:
        return (sign, exponent, w[off], w[off + 1], w[off + 2], w[off + 3])
    limb, d = k // 7, k % 7
    # The kept digits: each limb of the window split once into its part above and below 10**d.
    q0 = q1 = q2 = q3 = 0
    low = 0
    for j in range(5):
        i = limb + j
        v = w[off + i] if i < n else 0
        above = _divp(v, d)
        below = v - above * _P[d]
        if j == 0:
            low = below
            q0 = above
        elif j == 1:
            q0 += below * _P[7 - d]
            q1 = above
        elif j == 2:
            q1 += below * _P[7 - d]
            q2 = above
        elif j == 3:
            q2 += below * _P[7 - d]
            q3 = above
        else:
            q3 += below * _P[7 - d]
    # The round digit is the top dropped digit; the sticky, whether anything below it is nonzero.
    if d > 0:
        rd = _divp(low, d - 1)
        rest = low - rd * _P[d - 1]
        below_limbs = limb
    else:
        top = w[off + limb - 1]
        rd = _divp(top, 6)
        rest = top - rd * 1_000_000
        below_limbs = limb - 1
    st = sticky or rest != 0
    if not st:
        for i in range(below_limbs):
            if w[off + i] != 0:
                st = True
                break
    return _half_even(sign, exponent + k, q0, q1, q2, q3, rd, st)


@small
def neg(a):  # type: ignore[no-untyped-def]
    """-a as a decimal's unary minus gives it: the negation of a zero is +0 (outside ROUND_FLOOR)."""
    if is_zero(a):
        return (0, a[1], 0, 0, 0, 0)
    return (1 - a[0], a[1], a[2], a[3], a[4], a[5])


@small
def _flipped(a):  # type: ignore[no-untyped-def]
    """a with its sign flipped, zero included (what a subtraction adds)."""
    return (1 - a[0], a[1], a[2], a[3], a[4], a[5])


@small
def absolute(a):  # type: ignore[no-untyped-def]
    return (0, a[1], a[2], a[3], a[4], a[5])


@jit
def add(a, b, w):  # type: ignore[no-untyped-def]
    """a + b, rounded."""
    za, zb = is_zero(a), is_zero(b)
    if za and zb:
        return (a[0] & b[0], min(a[1], b[1]), 0, 0, 0, 0)
    if za:
        return b
    if zb:
        return a
    if a[1] >= b[1]:
        x, y = a, b
    else:
        x, y = b, a
    gap = x[1] - y[1]
    y_exp = y[1]
    y0, y1, y2, y3 = y[2], y[3], y[4], y[5]
    if gap > 58:  # y lies wholly below the rounding digit: only its being nonzero counts, so 1 does
        gap = 58
        y_exp = x[1] - 58
        y0, y1, y2, y3 = 1, 0, 0, 0
    if x[0] == y[0] and gap < 7:
        return _add_near(x, y0, y1, y2, y3, gap, y_exp)
    limb, m = gap // 7, _P[gap % 7]
    n = limb + 6  # x shifted takes limb + 5 limbs; one more for a carry
    for i in range(n):
        w[i] = 0
        w[16 + i] = 0
    carry = 0
    for i in range(4):
        v = x[2 + i] * m + carry
        w[limb + i] = v % BASE
        carry = v // BASE
    w[limb + 4] = carry
    w[16], w[17], w[18], w[19] = y0, y1, y2, y3
    if x[0] == y[0]:
        carry = 0
        for i in range(n):
            v = w[i] + w[16 + i] + carry
            w[i] = v % BASE
            carry = v // BASE
        return _round(w, 0, n, x[0], y_exp, False)
    c = 0
    for i in range(n - 1, -1, -1):
        if w[i] != w[16 + i]:
            c = 1 if w[i] > w[16 + i] else -1
            break
    if c == 0:
        return (0, y_exp, 0, 0, 0, 0)
    big, small, sign = (0, 16, x[0]) if c > 0 else (16, 0, y[0])
    borrow = 0
    for i in range(n):
        v = w[big + i] - w[small + i] - borrow
        if v < 0:
            v += BASE
            borrow = 1
        else:
            borrow = 0
        w[32 + i] = v
    return _round(w, 32, n, sign, y_exp, False)


@jit
def _add_near(x, y0, y1, y2, y3, gap, exponent):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    """The common case of :func:`add`, in registers: same signs, exponents less than 7 apart (so the exact
    sum has at most 35 digits and at most 7 are dropped)."""
    m = _P[gap]
    v = x[2] * m + y0
    c = v // BASE
    r0 = v - c * BASE
    v = x[3] * m + y1 + c
    c = v // BASE
    r1 = v - c * BASE
    v = x[4] * m + y2 + c
    c = v // BASE
    r2 = v - c * BASE
    v = x[5] * m + y3 + c
    r4 = v // BASE
    r3 = v - r4 * BASE
    if r4 == 0:  # at most 28 digits: exact
        return (x[0], exponent, r0, r1, r2, r3)
    k = _ndigits7(r4)  # digits beyond 28
    if k == 7:
        q0, q1, q2, q3 = r1, r2, r3, r4
        rd = r0 // 1_000_000
        rest = r0 - rd * 1_000_000
    else:
        p, pp = _P[k], _P[7 - k]
        a0 = _divp(r0, k)
        low = r0 - a0 * p
        a1 = _divp(r1, k)
        a2 = _divp(r2, k)
        a3 = _divp(r3, k)
        q0 = a0 + (r1 - a1 * p) * pp
        q1 = a1 + (r2 - a2 * p) * pp
        q2 = a2 + (r3 - a3 * p) * pp
        q3 = a3 + r4 * pp
        rd = _divp(low, k - 1)
        rest = low - rd * _P[k - 1]
    return _half_even(x[0], exponent + k, q0, q1, q2, q3, rd, rest != 0)


@jit
def add_rows(total, rows, start, stop, w):  # type: ignore[no-untyped-def]
    """total + rows[start] + ... + rows[stop - 1], one rounded addition at a time, left to right (what
    ``sum(rows[start:stop], total)`` gives with decimals); the common case goes straight to the register
    sum."""
    for t in range(start, stop):
        y0, y1, y2, y3 = rows[t, 2], rows[t, 3], rows[t, 4], rows[t, 5]
        sign, exponent = rows[t, 0], rows[t, 1]
        if sign == total[0] and not is_zero(total) and (y0 != 0 or y1 != 0 or y2 != 0 or y3 != 0):
            if total[1] >= exponent and total[1] - exponent < 7:
                total = _add_near(total, y0, y1, y2, y3, total[1] - exponent, exponent)
                continue
            if exponent > total[1] and exponent - total[1] < 7:
                total = _add_near(
                    (sign, exponent, y0, y1, y2, y3),
                    total[2],
                    total[3],
                    total[4],
                    total[5],
                    exponent - total[1],
                    total[1],
                )
                continue
        total = add(total, (sign, exponent, y0, y1, y2, y3), w)
    return total


@jit
def sub(a, b, w):  # type: ignore[no-untyped-def]
    return add(a, _flipped(b), w)


@jit
def mul(a, b, w):  # type: ignore[no-untyped-def]
    """a · b, rounded."""
    sign = a[0] ^ b[0]
    if is_zero(a) or is_zero(b):
        return (sign, a[1] + b[1], 0, 0, 0, 0)
    a0, a1, a2, a3 = a[2], a[3], a[4], a[5]
    b0, b1, b2, b3 = b[2], b[3], b[4], b[5]
    # the product's limbs before carrying: each below 4·10**14
    v = a0 * b0
    w[0] = v % BASE
    v = v // BASE + a0 * b1 + a1 * b0
    w[1] = v % BASE
    v = v // BASE + a0 * b2 + a1 * b1 + a2 * b0
    w[2] = v % BASE
    v = v // BASE + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0
    w[3] = v % BASE
    v = v // BASE + a1 * b3 + a2 * b2 + a3 * b1
    w[4] = v % BASE
    v = v // BASE + a2 * b3 + a3 * b2
    w[5] = v % BASE
    v = v // BASE + a3 * b3
    w[6] = v % BASE
    w[7] = v // BASE
    return _round(w, 0, 8, sign, a[1] + b[1], False)


@jit
def div(a, b, w):  # type: ignore[no-untyped-def]
    """a / b, correctly rounded (b ≠ 0)."""
    sign = a[0] ^ b[0]
    if is_zero(b):
        raise ZeroDivisionError("decimal division by zero")
    if is_zero(a):
        return (sign, a[1] - b[1], 0, 0, 0, 0)
    na, nb = ndigits(a), ndigits(b)
    k = nb - na + 30  # the quotient of the coefficients, scaled by 10**k, has 30 or 31 digits
    # N = coefficient(a) · 10**k in w[0:10]
    for i in range(10):
        w[i] = 0
        w[16 + i] = 0
    for i in range(6):
        w[32 + i] = 0
    limb, m = k // 7, _P[k % 7]
    carry = 0
    for i in range(4):
        v = a[2 + i] * m + carry
        w[limb + i] = v % BASE
        carry = v // BASE
    w[limb + 4] = carry
    n_num = 10
    # the divisor's limbs at w[40:44]; the remainder at w[32:38]; the quotient at w[16:26]
    b0, b1, b2, b3 = b[2], b[3], b[4], b[5]
    w[40], w[41], w[42], w[43] = b0, b1, b2, b3
    bf = ((b3 * 1.0 * BASE + b2) * BASE + b1) * BASE + b0
    top = min(limb + 4, n_num - 1)
    while top > 0 and w[top] == 0:
        top -= 1
    # The divisor has ``size`` limbs, so N's top size − 1 limbs are below it: they start the remainder, and
    # the quotient's limbs there are 0.
    size = 4
    while size > 1 and w[40 + size - 1] == 0:
        size -= 1
    preload = min(size - 1, top)
    for t in range(preload):
        w[32 + preload - 1 - t] = w[top - t]
    for i in range(top - preload, -1, -1):  # above, the quotient's limbs are 0
        # r = r · BASE + N[i]
        for t in range(5, 0, -1):
            w[32 + t] = w[32 + t - 1]
        w[32] = w[i]
        rf = 0.0
        for t in range(5, -1, -1):
            rf = rf * BASE + w[32 + t]
        est = int(rf / bf)
        est = min(max(est, 0), BASE - 1)
        if est == 0 and not _at_least(w, 32, 40):  # below the divisor: the quotient's limb is 0
            w[16 + i] = 0
            continue
        # r − est · divisor, limb by limb (it may come out negative: then est was one too many)
        borrow = 0
        for t in range(6):
            bt = w[40 + t] if t < 4 else 0
            v = w[32 + t] - est * bt - borrow
            borrow = 0
            if v < 0:
                borrow = (-v + BASE - 1) // BASE
                v += borrow * BASE
            w[48 + t] = v
        while borrow > 0:  # negative: add the divisor back
            est -= 1
            carry = 0
            for t in range(6):
                bt = w[40 + t] if t < 4 else 0
                v = w[48 + t] + bt + carry
                w[48 + t] = v % BASE
                carry = v // BASE
            borrow -= carry
        while _at_least(w, 48, 40):  # still a divisor or more: one more
            est += 1
            borrow = 0
            for t in range(6):
                bt = w[40 + t] if t < 4 else 0
                v = w[48 + t] - bt - borrow
                if v < 0:
                    v += BASE
                    borrow = 1
                else:
                    borrow = 0
                w[48 + t] = v
        for t in range(6):
            w[32 + t] = w[48 + t]
        w[16 + i] = est
    sticky = False
    for t in range(6):
        if w[32 + t] != 0:
            sticky = True
    return _round(w, 16, n_num, sign, a[1] - b[1] - k, sticky)


@small
def _at_least(w, r, d):  # type: ignore[no-untyped-def]
    """Whether the 6 limbs at w[r:] are at least the 4 at w[d:]."""
    if w[r + 5] != 0 or w[r + 4] != 0:
        return True
    for t in range(3, -1, -1):
        if w[r + t] != w[d + t]:
            return w[r + t] > w[d + t]
    return True


@jit
def compare(a, b, w):  # type: ignore[no-untyped-def]
    """-1, 0 or 1 as a <, = or > b."""
    za, zb = is_zero(a), is_zero(b)
    if za and zb:
        return 0
    if za:
        return 1 if b[0] == 1 else -1
    if zb:
        return -1 if a[0] == 1 else 1
    if a[0] != b[0]:
        return 1 if a[0] == 0 else -1
    c = 0
    adjusted_a, adjusted_b = a[1] + ndigits(a), b[1] + ndigits(b)
    if adjusted_a != adjusted_b:
        c = 1 if adjusted_a > adjusted_b else -1
    elif a[1] == b[1]:
        for t in range(5, 1, -1):
            if a[t] != b[t]:
                c = 1 if a[t] > b[t] else -1
                break
    else:
        ka, kb = _magnitude(a), _magnitude(b)
        if ka[0] != kb[0]:
            c = 1 if ka[0] > kb[0] else -1
        elif ka[1] != kb[1]:
            c = 1 if ka[1] > kb[1] else -1
    return -c if a[0] == 1 else c


@small
def positive(a):  # type: ignore[no-untyped-def]
    return a[0] == 0 and not is_zero(a)


@small
def negative(a):  # type: ignore[no-untyped-def]
    return a[0] == 1 and not is_zero(a)


@small
def _magnitude(a):  # type: ignore[no-untyped-def]
    """Two int64 that order nonzero magnitudes lexicographically: the exponent of the coefficient scaled to
    exactly 28 digits with that coefficient's top 14 digits, and its low 14 digits."""
    shift = 28 - ndigits(a)
    limb, m = shift // 7, _P[shift % 7]
    n0 = n1 = n2 = n3 = 0
    carry = 0
    for i in range(4 - limb):
        v = a[2 + i] * m + carry
        digits = v % BASE
        carry = v // BASE
        j = i + limb
        if j == 0:
            n0 = digits
        elif j == 1:
            n1 = digits
        elif j == 2:
            n2 = digits
        else:
            n3 = digits
    return ((a[1] - shift) * 100_000_000_000_000 + n3 * BASE + n2, n1 * BASE + n0)


@jit
def key(a):  # type: ignore[no-untyped-def]
    """Two int64 that order numbers ≥ 0 as their values (lexicographically); equal only if the values are."""
    if is_zero(a):
        return (-4_611_686_018_427_387_904, 0)
    return _magnitude(a)
