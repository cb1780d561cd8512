"""Small helpers to drive the engine by hand: named peers with fixed keys, one run at a time."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from cloudless_runtime import air, identity

PARTICLE = "test-particle"


def keypair(name: str) -> identity.KeyPair:
    return identity.KeyPair.from_seed(hashlib.sha256(f"engine-test/{name}".encode()).digest())


def peer_id(name: str) -> str:
    return keypair(name).peer_id


def params(current: str, *, init: str = "client", particle_id: str = PARTICLE) -> air.RunParameters:
    return air.RunParameters(
        init_peer_id=peer_id(init),
        current_peer_id=peer_id(current),
        timestamp=1_700_000_000_000,
        ttl=60_000,
        particle_id=particle_id,
        secret_key=keypair(current).seed,
    )


def run(
    script: str,
    on: str,
    *,
    prev: bytes = b"",
    data: bytes = b"",
    results: Mapping[int, air.CallResult] | None = None,
    particle_id: str = PARTICLE,
) -> air.Outcome:
    return air.run(script, prev, data, params(on, particle_id=particle_id), results or {})


def ok(value: str) -> air.CallResult:
    return air.CallResult(0, value)
