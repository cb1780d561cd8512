"""Decimal arithmetic for the ledger: reward-token amounts to 18 places, exact text, never float.

Deal money (USDC, 6 decimals) only ever multiplies exact prices by counts, so it stays exact.
Reward-token money (FLT, 18 decimals like its wei) is divided: pool shares, vesting slices,
rate x collateral. Each such result is rounded *down* to the token's smallest unit, as the
contracts' integer division does, so the parts never sum to more than the whole; what is left
is recorded (the pool's undistributed dust) or given to the last part (vesting slices).
Everything runs in a 60-digit context so an intermediate result is never rounded by the default
28-digit precision before it is floored.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

TOKEN_DECIMALS = 18
TOKEN_QUANTUM = Decimal(1).scaleb(-TOKEN_DECIMALS)
ZERO = Decimal(0)

_CONTEXT = decimal.Context(prec=60, rounding=decimal.ROUND_DOWN, traps=[decimal.InvalidOperation])


def floor(amount: Decimal) -> Decimal:
    """`amount` rounded down to the token's smallest unit."""
    return amount.quantize(TOKEN_QUANTUM, rounding=decimal.ROUND_DOWN, context=_CONTEXT)


def times(amount: Decimal, rate: Decimal) -> Decimal:
    """floor(amount x rate): a slash or a staker's share."""
    return floor(_CONTEXT.multiply(amount, rate))


def share(total: Decimal, part: int, whole: int) -> Decimal:
    """floor(total x part / whole): one unit's share of the reward pool, one vesting slice."""
    if whole <= 0:
        raise ValueError(f"a share of nothing: whole is {whole}")
    return floor(_CONTEXT.divide(_CONTEXT.multiply(total, Decimal(part)), Decimal(whole)))


def text(amount: Decimal) -> str:
    """Plain notation without exponent or trailing zeros: `Decimal('1E+2')` is "100", 0.50 is "0.5"."""
    if not amount.is_finite():
        raise ValueError(f"not an amount: {amount}")
    rendered = format(amount, "f")
    if "." in rendered:
        rendered = rendered.rstrip("0").rstrip(".")
    return "0" if rendered in ("-0", "") else rendered


def parse(value: object, *, what: str) -> Decimal:
    """An amount written by `text`; anything else is a ValueError naming `what`."""
    if not isinstance(value, str):
        raise ValueError(f"{what}: expected a decimal string, got {value!r}")
    try:
        amount = Decimal(value)
    except decimal.InvalidOperation:
        raise ValueError(f"{what}: {value!r} is not a decimal") from None
    if not amount.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite decimal")
    return amount
