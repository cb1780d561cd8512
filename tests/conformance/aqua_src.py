"""Source of ``aqua.jsonl``: the AIR the real Aqua compiler emits for every exported function of
``examples/aqua/*.aqua``, as conformance vectors checked against the real AquaVM.

The hand-written corpus (``corpus_src.py``) covers each instruction; these vectors cover what the
compiler actually produces (hop canons, ``-relay-``, join gates, stream maps, ``:error:`` catch
blocks), so a difference between our engine and AquaVM on real Aqua programs shows up without a
peer set. Each vector runs one function as js-client would on a subnet of ``client`` (the init
peer), ``relay`` and the workers ``peer_a``, ``peer_b``, ``peer_c``: the client's ``getDataSrv``
hands out ``-relay-`` and the arguments, ``callbackSrv.response`` / ``errorHandlingSrv.error``
observe the outcome, and every builtin or service call of the AIR gets a fixed answer, the one a
real peer gives for those very arguments (oracle behaviors cannot compute, so each answer is
chosen for the arguments the vector passes). ``RESPONSES`` holds what each function must return;
``test_aqua_corpus_drift.py`` checks the recorded outcomes against it and the scripts against
the current compiler output.

Regenerate from the repository root (needs ``make install`` for the compiler and ``make oracle``)::

  .venv/bin/python tests/conformance/aqua_src.py | node .cache/avm-oracle/oracle.mjs --record - \\
    > tests/conformance/aqua.jsonl

Scripts are the compiled AIR unchanged: peer names enter only through service answers (the relay's
``getDataSrv.-relay-`` answer ``"relay"``, workers passed as arguments), which the oracle turns into
peer ids. A quoted literal in the AIR that equals a peer name would be rewritten by the oracle, so
``script_for`` refuses it rather than let a vector test something the compiler did not emit.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re
import sys
from typing import Any

from cloudless_runtime.aqua.compile import compile_file

Json = Any
Behavior = dict[str, Json]
Services = dict[str, dict[str, Behavior]]

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "aqua"
PEERS = ("client", "relay", "peer_a", "peer_b", "peer_c")
WORKERS = ("peer_a", "peer_b", "peer_c")
PREFIX = "aqua_example_"

RELAY_PEER_ID = "12D3KooWNsL2dxb9LweuJ7jSv8DqgJzBYc8eZ29o3fC2KHYSH5e4"
"""The oracle's peer id for the name ``relay`` (seed ``sha256("avm-oracle/v1/relay")``, see its
README); ``op.string_to_b58`` gets this id as its argument, so its fixed answer is computed from it.
The drift test re-derives it."""

NULL: Behavior = {"result": None}
_QUOTED_LITERAL = re.compile(r'"([^"]*)"')
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def res(value: Json) -> Behavior:
    """A call that succeeds with ``value`` (strings equal to a peer name become its peer id)."""
    return {"result": value}


def err(message: str, ret_code: int = 1) -> Behavior:
    """A call that fails as a peer's service call fails: ``ret_code`` and the message."""
    return {"error": {"message": message, "ret_code": ret_code}}


def b58encode(data: bytes) -> str:
    """Bitcoin-alphabet base58, as nox's ``op.string_to_b58`` encodes (stdlib has none)."""
    number = int.from_bytes(data, "big")
    digits = ""
    while number:
        number, rest = divmod(number, 58)
        digits = _B58_ALPHABET[rest] + digits
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + digits


@dataclasses.dataclass(frozen=True, slots=True)
class Example:
    """One exported function, the arguments it is called with and the answers its calls get."""

    file: str
    """The file's stem in ``examples/aqua``."""
    func: str
    arguments: dict[str, Json]
    """``getDataSrv`` answers: the arguments as js-client hands them to AquaVM (options as arrays)."""
    services: Services
    """Answers of the builtin and service calls the AIR makes, per peer name."""
    response: list[Json]
    """What ``callbackSrv.response`` must get (peer ids written as peer names, as the oracle reports)."""

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.file}_{self.func}"


def _deployed(service_ids: dict[str, str]) -> list[dict[str, str]]:
    return [{"worker": w, "service_id": sid} for w, sid in service_ids.items()]


# Service ids of the greeting service deployed on each worker (never equal to a peer name).
GREETING_IDS = {"peer_a": "greeting-on-a", "peer_b": "greeting-on-b", "peer_c": "greeting-on-c"}

GREETING_INTERFACE = {
    "function_signatures": [{"name": "greeting", "arguments": [["name", "string"]], "output_types": ["string"]}],
    "record_types": [],
}

EXAMPLES_RUN = (
    Example(
        "aliases",
        "by_alias",
        {"worker": "peer_a", "blueprint_name": "greeting", "alias": "hello", "name": "alias"},
        {
            "peer_a": {
                # two stored blueprints: the function creates the service from the one named "greeting"
                "dist.list_blueprints": res(
                    [
                        {"id": "bp-kv", "name": "kv", "dependencies": ["kv-storage", "kv-facade"]},
                        {"id": "bp-greeting", "name": "greeting", "dependencies": ["greeting-module"]},
                    ]
                ),
                "srv.create": res("made-here"),
                "srv.add_alias": NULL,
                "hello.greeting": res("Hi, alias"),
                "srv.resolve_alias": res("made-here"),
                "srv.info": res(
                    {
                        "id": "made-here",
                        "blueprint_id": "bp-greeting",
                        "service_type": "service",
                        "owner_id": "client",
                        "aliases": ["hello"],
                        "worker_id": "peer_a",
                    }
                ),
                "srv.get_interface": res(GREETING_INTERFACE),
                "srv.remove": NULL,
                "srv.resolve_alias_opt": res([]),
            },
        },
        [
            {
                "after_removal": [],
                "aliases": ["hello"],
                "functions": ["greeting"],
                "greeting": "Hi, alias",
                "same_service": True,
            }
        ],
    ),
    Example(
        "arithmetic",
        "calc",
        {"a": 17, "b": 5},
        {
            "relay": {
                "math.add": res(22),
                "math.sub": res(12),
                "math.mul": res(85),
                "math.div": res(3),
                "cmp.gt": res(True),
                "cmp.lt": res(False),
            },
            # On the client: (sum + product) * 2 - quotient = (22 + 85) * 2 - 3.
            "client": {"math.add": res(107), "math.mul": res(214), "math.sub": res(211)},
        },
        [22, 12, 85, 3, True, False, 211],
    ),
    Example(
        "failover",
        "failover",
        {"first": "peer_a", "backup": "peer_b", "service_id": GREETING_IDS["peer_b"], "name": "failover"},
        {
            # peer_a has no service with that id: nox's NoSuchService error, which `catch` takes.
            "peer_a": {
                f"{GREETING_IDS['peer_b']}.greeting": err(
                    f"Service with id '{GREETING_IDS['peer_b']}' not found (function greeting)"
                )
            },
            "peer_b": {f"{GREETING_IDS['peer_b']}.greeting": res("Hi, failover")},
        },
        [
            "Hi, failover",
            "Local service error, ret_code is 1, error message is "
            f"'\"Service with id '{GREETING_IDS['peer_b']}' not found (function greeting)\"'",
        ],
    ),
    Example(
        "fanout",
        "fan_out",
        {},
        {
            "relay": {
                "op.string_to_b58": res(b58encode(RELAY_PEER_ID.encode())),
                "kad.neighborhood": res(list(WORKERS)),
            },
            "client": {"op.array_length": res(len(WORKERS)), "math.sub": res(len(WORKERS) - 1)},
            **{w: {"sig.get_peer_id": res(w)} for w in WORKERS},
        },
        [list(WORKERS)],
    ),
    Example(
        "greeting",
        "greet_all",
        {"deployed": _deployed(GREETING_IDS), "name": "fluence"},
        {
            "client": {"math.sub": res(len(WORKERS) - 1)},
            **{w: {f"{GREETING_IDS[w]}.greeting": res("Hi, fluence")} for w in WORKERS},
        },
        [["Hi, fluence"] * len(WORKERS)],
    ),
    Example(
        "hello",
        "hello",
        {"name": "world"},
        {"relay": {"op.concat_strings": res("Hello, world"), "sig.get_peer_id": res("relay")}},
        ["Hello, world", "relay"],
    ),
    Example(
        "streammap",
        "by_worker",
        {"deployed": _deployed(GREETING_IDS), "name": "map"},
        {
            "client": {"math.sub": res(len(WORKERS) - 1)},
            **{w: {f"{GREETING_IDS[w]}.greeting": res("Hi, map")} for w in WORKERS},
        },
        [[{"greeting": "Hi, map", "worker": w} for w in WORKERS]],
    ),
    Example(
        "structures",
        "describe",
        # js-client's form of {name: "ann", nick: null, tags: ["x", "y"]} and extra = "e".
        {"profile": {"name": "ann", "nick": [], "tags": ["x", "y"]}, "extra": ["e"]},
        {
            "relay": {"op.concat_strings": res("ann!"), "op.array_length": res(2)},
            "client": {"cmp.gt": res(True), "op.concat": res(["x", "y", "aqua"])},
        },
        [{"first_tag": ["x"], "has_nick": False, "tag_count": 2, "title": "ann!"}, ["x", "y", "aqua"], ["e"]],
    ),
    Example(
        "timeout",
        "race",
        # "ghost" is no peer of the network: the particle sent there is dropped, as to a worker that is
        # down, and the relay's timeout answers instead.
        {"worker": "ghost", "service_id": GREETING_IDS["peer_a"], "name": "race", "wait_ms": 300},
        {"relay": {"peer.timeout": res("timed out")}},
        ["timed out"],
    ),
)


def script_for(air: str) -> str:
    """The vector script for compiled ``air``: the AIR itself, refused if the oracle would rewrite it."""
    clashes = sorted({m for m in _QUOTED_LITERAL.findall(air) if m in PEERS})
    if clashes:
        raise ValueError(f"the compiled AIR has literals equal to peer names {clashes}: rename the peers")
    return air


def compiled_functions() -> dict[tuple[str, str], str]:
    """``(file stem, function) -> AIR`` of every exported function of every example."""
    functions: dict[tuple[str, str], str] = {}
    for path in sorted(EXAMPLES.glob("*.aqua")):
        for name, function in compile_file(path).functions.items():
            functions[(path.stem, name)] = function.air
    return functions


def vector(example: Example, air: str) -> dict[str, Json]:
    client: dict[str, Behavior] = {
        "getDataSrv.-relay-": res("relay"),
        **{f"getDataSrv.{arg}": res(value) for arg, value in example.arguments.items()},
        "callbackSrv.response": NULL,
        "errorHandlingSrv.error": NULL,
    }
    services: Services = {peer: dict(behaviors) for peer, behaviors in example.services.items()}
    services["client"] = {**client, **services.get("client", {})}
    return {
        "name": example.name,
        "peers": list(PEERS),
        "init_peer": "client",
        "script": script_for(air),
        "services": services,
    }


def vectors(functions: dict[tuple[str, str], str] | None = None) -> list[dict[str, Json]]:
    """One vector per exported function; an example function without an ``Example`` is an error,
    so a new example cannot be left out of the corpus."""
    functions = compiled_functions() if functions is None else functions
    known = {(e.file, e.func) for e in EXAMPLES_RUN}
    missing = sorted(set(functions) - known)
    if missing:
        raise ValueError(f"example functions without a vector in aqua_src.EXAMPLES_RUN: {missing}")
    gone = sorted(known - set(functions))
    if gone:
        raise ValueError(f"aqua_src.EXAMPLES_RUN names functions the examples no longer export: {gone}")
    return [vector(e, functions[(e.file, e.func)]) for e in EXAMPLES_RUN]


def main() -> None:
    for v in vectors():
        sys.stdout.write(json.dumps(v, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
