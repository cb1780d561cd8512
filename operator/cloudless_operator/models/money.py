"""Money: decimal strings on the wire, `Decimal` in Python, never float.

Amounts are in the payment token's units with at most 6 decimals (USDC's precision), the same
pattern the CRDs enforce, so a value that passed the API server always parses here.
"""

from __future__ import annotations

import re
from decimal import Decimal

from cloudless_operator.models import errors

DECIMALS = 6
QUANTUM = Decimal(1).scaleb(-DECIMALS)
PATTERN = re.compile(r"^(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?$")
"""Kept identical to the `pattern` of every money field in crds/*.yaml (a test checks it)."""


def parse(text: object, *, path: str) -> Decimal:
    """The amount in `text`; a MalformedBody naming `path` for anything but a non-negative decimal string."""
    if not isinstance(text, str):
        raise errors.MalformedBody(path, f"expected a decimal string such as '0.33', got {text!r}")
    if not PATTERN.match(text):
        raise errors.MalformedBody(path, f"{text!r} is not a non-negative decimal with at most {DECIMALS} decimals")
    return Decimal(text)


def render(amount: Decimal) -> str:
    """The wire form of `amount`: plain notation, no trailing zeros, rounded down to 6 decimals."""
    if amount < 0:
        raise ValueError(f"amounts are never negative: {amount}")
    quantized = amount.quantize(QUANTUM, rounding="ROUND_DOWN")
    text = format(quantized, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
