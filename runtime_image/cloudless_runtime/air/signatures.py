"""Data signatures: each peer signs the CIDs of the results it produced; receivers check them.

A peer's produced CIDs are the call results (executed or failed) and canon results whose
tetraplet names it as the peer. The signed message binds them to the particle id, so data cannot
be replayed into another particle. A peer's set only grows over a particle's life, so when two
versions of its signature meet, the one over the larger set is kept and must contain the other.
Results of calls without output are only hashed, not signed (as in AquaVM).
"""

from __future__ import annotations

import base64
import functools
from typing import Final

from cloudless_runtime import identity
from cloudless_runtime.air.data import cid
from cloudless_runtime.air.data import trace as tr
from cloudless_runtime.air.data.codec import InterpreterData

_DOMAIN: Final = b"cloudless-air/signature/v1\n"


class SignatureError(Exception):
    """Data whose signatures or content addresses do not check."""


def message(particle_id: str, cids: set[str]) -> bytes:
    return _DOMAIN + particle_id.encode() + b"\n" + "\n".join(sorted(cids)).encode()


def encode(signature: bytes) -> str:
    return base64.urlsafe_b64encode(signature).decode("ascii")


def produced_by_peer(data: InterpreterData) -> dict[str, set[str]]:
    """Per peer, the CIDs in the trace that it produced."""
    result: dict[str, set[str]] = {}
    for state in data.trace:
        if state[0] == tr.CALL and state[1] in (tr.SCALAR, tr.STREAM, tr.FAILED):
            entry = data.service_results.get(state[2])
            if entry is None:
                raise SignatureError(f"service result {state[2]} is not in the data")
            tetraplet_cid = entry[1]
        elif state[0] == tr.CANON and state[1] == tr.EXECUTED:
            canon = data.canon_results.get(state[2])
            if canon is None:
                raise SignatureError(f"canon result {state[2]} is not in the data")
            tetraplet_cid = canon[0]
        else:
            continue
        tetraplet = data.tetraplets.get(tetraplet_cid)
        if tetraplet is None:
            raise SignatureError(f"tetraplet {tetraplet_cid} is not in the data")
        result.setdefault(str(tetraplet[0]), set()).add(state[2])
    return result


def check_addresses(received: InterpreterData, trusted: InterpreterData) -> None:
    """Every received store entry must hash to its CID; entries this peer already holds are skipped."""
    for name in ("values", "tetraplets", "service_results", "canon_elements", "canon_results"):
        known = getattr(trusted, name)
        for key, entry in getattr(received, name).items():
            if key in known and known[key] == entry:
                continue
            if cid.of(entry) != key:
                raise SignatureError(f"{name} entry {key} does not match its content")


@functools.lru_cache(maxsize=4096)
def _valid(peer_id: str, signed: bytes, signature: str) -> bool:
    try:
        raw = base64.urlsafe_b64decode(signature.encode("ascii"))
        return identity.verify(peer_id, signed, raw)
    except (identity.InvalidPeerId, ValueError):
        return False


def verify(received: InterpreterData, particle_id: str) -> dict[str, set[str]]:
    """Checks every producing peer's signature over its CIDs in the received data."""
    produced = produced_by_peer(received)
    for peer, cids in produced.items():
        signature = received.signatures.get(peer)
        if signature is None:
            raise SignatureError(f"peer {peer} produced results but did not sign them")
        if not _valid(peer, message(particle_id, cids), signature):
            raise SignatureError(f"signature of peer {peer} does not match the data it produced")
    return produced


def merge(
    prev: InterpreterData,
    prev_produced: dict[str, set[str]],
    current: InterpreterData,
    current_produced: dict[str, set[str]],
) -> dict[str, str]:
    """For each peer, the signature over the larger of its two CID sets."""
    merged = dict(prev.signatures)
    for peer, cids in current_produced.items():
        known = prev_produced.get(peer, set())
        if cids <= known:
            continue
        if not known <= cids:
            raise SignatureError(f"peer {peer} signed two diverging versions of its results")
        merged[peer] = current.signatures[peer]
    return merged


def sign(keypair: identity.KeyPair, particle_id: str, cids: set[str]) -> str:
    return encode(keypair.sign(message(particle_id, cids)))
