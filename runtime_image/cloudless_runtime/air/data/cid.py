"""Content identifiers: values, tetraplets and results are stored once and referenced by hash.

A CID is the unpadded base64url SHA-256 of the value's canonical JSON (sorted keys, no spaces,
ints and floats kept apart), so every peer computes the same CID for the same value and a
receiver can recheck every stored entry. Peers sign CIDs, not values.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson

_SORTED = orjson.OPT_SORT_KEYS


def canonical_json(value: Any) -> bytes:
    return orjson.dumps(value, option=_SORTED)


def of(value: Any) -> str:
    digest = hashlib.sha256(orjson.dumps(value, option=_SORTED)).digest()
    return base64.urlsafe_b64encode(digest)[:43].decode("ascii")
