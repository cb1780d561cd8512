"""The builtins of aqua-lib's builtin.aqua and math.aqua, one call each, with nox's results and,
for wrong arguments, nox's call errors (never an exception other than `BuiltinError`)."""

from __future__ import annotations

import hashlib

import base58
import orjson
import pytest
from tests.unit.router.test_router_builtins import FakeRuntime

from cloudless_runtime import identity
from cloudless_runtime.client import local
from cloudless_runtime.router import addressbook, builtins, particle

KEYS = identity.KeyPair.from_seed(bytes(range(32)))
OTHER = identity.KeyPair.from_seed(bytes(32))

RESULTS: list[tuple[str, list[object], object]] = [
    ("op.noop", [], ""),
    ("op.identity", [["x"]], ["x"]),
    ("op.array", ["a", "b"], ["a", "b"]),
    ("op.concat", [["a"], [], ["b"]], ["a", "b"]),
    ("op.array_length", [[1, 2, 3]], 3),
    ("op.concat_strings", ["a", "b", "c"], "abc"),
    ("op.string_to_b58", ["hello"], base58.b58encode(b"hello").decode()),
    ("op.string_from_b58", [base58.b58encode(b"hello").decode()], "hello"),
    ("op.bytes_to_b58", [[1, 2]], base58.b58encode(b"\x01\x02").decode()),
    ("op.bytes_from_b58", [base58.b58encode(b"\x01\x02").decode()], [1, 2]),
    ("op.sha256_string", ["a"], base58.b58encode(b"\x12\x20" + hashlib.sha256(b"a").digest()).decode()),
    ("op.sha256_string", ["a", True, True], list(hashlib.sha256(b"a").digest())),
    ("math.add", [2, 3], 5),
    ("math.sub", [2, 3], -1),
    ("math.mul", [-4, 3], -12),
    ("math.fmul", [2.5, 3], 7),
    ("math.div", [-7, 2], -3),
    ("math.rem", [-7, 2], -1),
    ("math.pow", [2, 10], 1024),
    ("math.log", [2, 1025], 10),
    ("cmp.gt", [2, 1], True),
    ("cmp.gte", [1, 1], True),
    ("cmp.lt", [2, 1], False),
    ("cmp.lte", [2, 1], False),
    ("cmp.cmp", [1, 2], -1),
    ("array.sum", [[1, 2, 3]], 6),
    ("array.dedup", [["b", "a", "b"]], ["b", "a"]),
    ("array.intersect", [["a", "b"], ["b", "c"]], ["b"]),
    ("array.diff", [["a", "b"], ["b", "c"]], ["a"]),
    ("array.sdiff", [["a", "b"], ["b", "c"]], ["a", "c"]),
    ("array.length", [[1, 2]], 2),
    ("array.slice", [[1, 2, 3, 4], 1, 3], [2, 3]),
    ("json.obj", ["a", 1, "b", [2]], {"a": 1, "b": [2]}),
    ("json.put", [{"a": 1}, "b", 2], {"a": 1, "b": 2}),
    ("json.puts", [{"a": 1}, "b", 2, "c", 3], {"a": 1, "b": 2, "c": 3}),
    ("json.obj_pairs", [[["a", 1]]], {"a": 1}),
    ("json.puts_pairs", [{"a": 1}, [["b", 2]]], {"a": 1, "b": 2}),
    ("json.parse", ['{"a": [1]}'], {"a": [1]}),
    ("json.stringify", [{"a": [1]}], '{"a":[1]}'),
    ("debug.stringify", [{"a": 1}], '{"a":1}'),
    ("debug.stringify", [], '"<empty argument list>"'),
    ("dist.default_module_config", ["m"], {"name": "m", "mem_pages_count": [], "max_heap_size": [],
        "logger_enabled": [], "preopened_files": [], "envs": [], "mapped_dirs": [], "mounted_binaries": [],
        "logging_mask": []}),
    ("dist.make_blueprint", ["bp", ["h1"]], {"name": "bp", "dependencies": ["h1"]}),
    ("kad.merge", ["abc", ["abc"], ["abc", "abd"], 1], ["abc"]),
]  # fmt: skip

ERRORS: list[tuple[str, list[object], str]] = [
    ("math.add", [1], "Field 'y' is missing from args to call_service"),
    ("math.add", ["1", 2], "Error while deserializing field 'x': invalid type: string \"1\", expected i64"),
    ("math.add", [True, 2], "invalid type: boolean `true`, expected i64"),
    ("math.add", [2**63 - 1, 1], "i64 add overflow"),
    ("math.div", [1, 0], "i64 div overflow"),
    ("math.rem", [1, 0], "i64 rem overflow"),
    ("math.pow", [2, -1], "invalid value: integer `-1`, expected u32"),
    ("math.pow", [2, 64], "i64 pow overflow"),
    ("math.log", [1, 8], "i64 log overflow"),
    ("cmp.gt", [[1], 2], "invalid type: sequence, expected i64"),
    ("array.sum", [[1, "a"]], "expected i64"),
    ("array.slice", [[1], 0, 5], "slice indexes out of range"),
    ("op.identity", [1, 2], "identity accepts up to 1 arguments, received 2 arguments"),
    ("op.concat", [[1], 2], "all arguments of 'concat' must be arrays: argument #1 is not"),
    ("op.concat_strings", ["a", 1], "all arguments of 'concat_strings' must be strings: argument #1 is not"),
    ("op.array_length", [1], "op array_length's argument must be an array"),
    ("op.string_from_b58", ["0OIl"], "error decoding base58"),
    ("json.obj", ["a"], "Expected odd number of arguments, got even. No value for key '\"a\"'"),
    ("json.obj", [1, 2], "All keys must be of type string"),
    ("json.parse", ["{"], "error parsing json {"),
    ("kad.neighborhood", ["0OIl"], "error decoding base58"),
    ("sig.sign", [[1, 2]], f"peer '{OTHER.peer_id}' is not allowed to sign data on '{KEYS.peer_id}'"),
    ("srv.info", ["missing"], "Service with id 'missing' not found"),
    ("peer.timeout", [10, "x"], "peer.timeout is not supported by this peer"),
    ("srv.add_alias", ["a", "b"], "srv.add_alias is not supported by this peer"),
    ("math.nope", [], "builtin service 'math' has no function 'nope'"),
]


@pytest.fixture
def peer() -> builtins.Builtins:
    book = addressbook.AddressBook(
        [
            addressbook.Entry(KEYS.peer_id, "127.0.0.2:7001", subnet="deal-1"),
            addressbook.Entry(OTHER.peer_id, "127.0.0.3:7001", subnet="deal-1"),
        ]
    )
    return builtins.Builtins(
        keys=KEYS, clock=lambda: 1_000, runtime=FakeRuntime(), book=book, reachable=lambda a: a == "127.0.0.3:7001"
    )


def _call(peer: builtins.Builtins, name: str, args: list[object]) -> object:
    service, function = name.split(".")
    served = particle.make(OTHER, "(null)", ttl=1000, now=0)
    return peer.call(service, function, list(args), builtins.Context(particle=served, host_id=KEYS.peer_id))


@pytest.mark.parametrize(("name", "args", "expected"), RESULTS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(RESULTS)])
def test_builtin_results(peer: builtins.Builtins, name: str, args: list[object], expected: object) -> None:
    assert _call(peer, name, args) == expected


@pytest.mark.parametrize(("name", "args", "message"), ERRORS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(ERRORS)])
def test_wrong_arguments_get_noxs_call_errors(
    peer: builtins.Builtins, name: str, args: list[object], message: str
) -> None:
    with pytest.raises(builtins.BuiltinError) as failed:
        _call(peer, name, args)
    assert message in str(failed.value)


def test_peer_family_and_kad_neighborhood_is_the_subnet(peer: builtins.Builtins) -> None:
    key = base58.b58encode(b"any").decode()
    assert _call(peer, "kad.neighborhood", [key, [], []]) == sorted([KEYS.peer_id, OTHER.peer_id])
    assert _call(peer, "kad.neighborhood", [key, None, [1]]) == sorted([KEYS.peer_id, OTHER.peer_id])[:1]
    assert _call(peer, "peer.is_connected", [OTHER.peer_id]) is True
    assert _call(peer, "peer.get_contact", [OTHER.peer_id]) == [
        {"peer_id": OTHER.peer_id, "addresses": ["127.0.0.3:7001"]}
    ]
    assert _call(peer, "peer.get_contact", [identity.KeyPair.generate().peer_id]) == []
    identify = _call(peer, "peer.identify", [])
    assert isinstance(identify, dict) and identify["allowed_binaries"] == []


def test_srv_info_describes_a_service(peer: builtins.Builtins) -> None:
    sid = _call(peer, "srv.create", ["bp"])
    assert _call(peer, "srv.info", [sid]) == {
        "id": sid, "blueprint_id": "bp", "owner_id": OTHER.peer_id, "aliases": [], "worker_id": KEYS.peer_id,
        "service_type": "service",
    }  # fmt: skip


def test_the_client_serves_the_pure_builtins_too() -> None:
    from cloudless_runtime import air

    services = local.LocalServices({}, relay_id=KEYS.peer_id)
    request = air.CallRequest(service_id="math", function_name="add", arguments=[1, 2], tetraplets=[])
    assert services.call(request) == air.CallResult(0, "3")
    bad = air.CallRequest(service_id="math", function_name="add", arguments=[1], tetraplets=[])
    assert services.call(bad) == air.CallResult(1, "\"Field 'y' is missing from args to call_service\"")


def test_the_client_answers_a_missing_service_as_js_client_does() -> None:
    from cloudless_runtime import air

    services = local.LocalServices({}, relay_id=KEYS.peer_id)
    request = air.CallRequest(service_id="incorrect", function_name="incorrect", arguments=[1, "a"], tetraplets=[])
    expected = "No service found for service call: serviceId='incorrect', fnName='incorrect' args='[1,\"a\"]'"
    assert services.call(request) == air.CallResult(1, orjson.dumps(expected).decode())


def test_the_client_serves_the_relay_id_unless_relay_was_passed() -> None:
    from cloudless_runtime import air

    def get(services: local.LocalServices, name: str) -> air.CallResult:
        return services.call(air.CallRequest(service_id="getDataSrv", function_name=name, arguments=[], tetraplets=[]))

    served = local.LocalServices({"name": "x"}, relay_id=KEYS.peer_id)
    assert get(served, "-relay-") == get(served, "relay") == air.CallResult(0, f'"{KEYS.peer_id}"')
    passed = local.LocalServices({"relay": OTHER.peer_id}, relay_id=KEYS.peer_id)
    assert get(passed, "relay") == air.CallResult(0, f'"{OTHER.peer_id}"')
    assert get(passed, "-relay-") == air.CallResult(0, f'"{KEYS.peer_id}"')
    assert get(passed, "missing").ret_code == 1
