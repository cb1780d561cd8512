"""Proof of Execution receipts: what a peer signs about one call it executed.

A receipt binds the peer, the service (blueprint and module hashes), the function, the hashes of
the canonical JSON arguments and result, and the fuel used. Fuel is deterministic for the same
modules, engine and input, so another peer can re-run the call and compare result and fuel
(optimistic verification). The signature is the peer's Ed25519 key over the canonical JSON of
every field except the signature; `verify` needs only the receipt, since the peer id embeds the key.
"""

from __future__ import annotations

import dataclasses
import hashlib

import orjson

from cloudless_runtime import identity
from cloudless_runtime.marine import abi

VERSION = "mx-receipt/1"


def digest(value: abi.Json) -> str:
    """sha256 (hex) of a value's canonical JSON (sorted keys, no whitespace)."""
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclasses.dataclass(frozen=True, slots=True)
class Receipt:
    """A signed statement: peer `peer_id` ran `function` of `service_id` on args and got result."""

    peer_id: str
    service_id: str
    blueprint_id: str
    modules: tuple[str, ...]
    function: str
    args_hash: str
    result_hash: str
    fuel: int
    particle_id: str
    signature: bytes = b""

    def payload(self) -> bytes:
        """The signed bytes: every field but the signature, as canonical JSON."""
        fields = dataclasses.asdict(self)
        del fields["signature"]
        return orjson.dumps({"version": VERSION, **fields}, option=orjson.OPT_SORT_KEYS)

    def to_json(self) -> dict[str, object]:
        return {**orjson.loads(self.payload()), "signature": self.signature.hex()}


def issue(
    keys: identity.KeyPair,
    *,
    service_id: str,
    blueprint_id: str,
    modules: tuple[str, ...],
    function: str,
    args: abi.Json,
    result: abi.Json,
    fuel: int,
    particle_id: str,
) -> Receipt:
    """A receipt for one call, signed with the peer's key."""
    unsigned = Receipt(
        peer_id=keys.peer_id,
        service_id=service_id,
        blueprint_id=blueprint_id,
        modules=modules,
        function=function,
        args_hash=digest(args),
        result_hash=digest(result),
        fuel=fuel,
        particle_id=particle_id,
    )
    return dataclasses.replace(unsigned, signature=keys.sign(unsigned.payload()))


def verify(receipt: Receipt, *, args: abi.Json | None = None, result: abi.Json | None = None) -> bool:
    """Whether the receipt is signed by its peer and, when given, matches the args and result."""
    if args is not None and digest(args) != receipt.args_hash:
        return False
    if result is not None and digest(result) != receipt.result_hash:
        return False
    try:
        return identity.verify(receipt.peer_id, receipt.payload(), receipt.signature)
    except identity.InvalidPeerId:
        return False
