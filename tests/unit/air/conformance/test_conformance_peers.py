"""Name <-> peer id mapping, with the ids the oracle prints (`node oracle.mjs --keys smoke.jsonl`)."""

from __future__ import annotations

import base64

from cloudless_runtime.air.conformance.peers import PeerMap, keypair_for_name, seed_for_name

ORACLE_KEYS = {
    "client": (
        "12D3KooWQbxgkhSWXWLtpB6rYnf4Bv1Vp4EKcqBiDgzGgCPnzbWa",
        "9lJzfeau9bkOFnEF9uOOn4gaBsA2zp4aYU5lgkRuvAI=",
    ),
    "peer_a": (
        "12D3KooWAVoaEQcZ6Ej3mpmTMBqmJW18sKUEEuEssho2T5sBZ8Sw",
        "RMWj6m7qiLgB1cJqpVFxtN4xBZY7AmX/VNcQ4z2j9zo=",
    ),
    "relay": (
        "12D3KooWNsL2dxb9LweuJ7jSv8DqgJzBYc8eZ29o3fC2KHYSH5e4",
        "DRW8Pa5YNoyxk7XiHLUNcK7Oxb4JrNyXE2XeXOkvR5M=",
    ),
}
CLIENT, PEER_A = ORACLE_KEYS["client"][0], ORACLE_KEYS["peer_a"][0]
PEERS = PeerMap(["client", "peer_a"])


def test_keys_are_the_oracles() -> None:
    for name, (peer_id, seed_b64) in ORACLE_KEYS.items():
        assert seed_for_name(name) == base64.b64decode(seed_b64)
        assert keypair_for_name(name).peer_id == peer_id


def test_script_substitution_is_of_exact_quoted_literals_only() -> None:
    script = '(call "peer_a" ("peer_a" "client") ["client" "peer_a " peer_a "clientx" ""] r)'
    assert PEERS.substitute_script(script) == (
        f'(call "{PEER_A}" ("{PEER_A}" "{CLIENT}") ["{CLIENT}" "peer_a " peer_a "clientx" ""] r)'
    )


def test_to_ids_replaces_exact_strings_in_values_not_keys() -> None:
    assert PEERS.to_ids({"client": ["client", "client!", 1, None, {"x": "peer_a"}]}) == {
        "client": [CLIENT, "client!", 1, None, {"x": PEER_A}]
    }
    assert PEERS.to_ids("peer_a") == PEER_A


def test_to_names_replaces_ids_everywhere() -> None:
    value = {CLIENT: [f"from {PEER_A} to {CLIENT}.", PEER_A, 2.5, True], "k": {f"x{PEER_A}": None}}
    assert PEERS.to_names(value) == {
        "client": ["from peer_a to client.", "peer_a", 2.5, True],
        "k": {"xpeer_a": None},
    }


def test_name_of() -> None:
    assert PEERS.name_of(CLIENT) == "client"
    assert PEERS.name_of(ORACLE_KEYS["relay"][0]) is None
    assert PEERS.keys("peer_a").seed == seed_for_name("peer_a")
