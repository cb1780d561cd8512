"""The builtins of aqua-lib's builtin.aqua and math.aqua, one call each, with nox's results and,
for wrong arguments, nox's call errors (never an exception other than `BuiltinError`). The peer
runs over a real runtime server; `tests/unit/router/test_router_services.py` goes through `srv`,
`dist`, `stat` and the vault in depth."""

from __future__ import annotations

import hashlib
import logging
import pathlib
import re
from collections.abc import Iterator

import base58
import orjson
import pytest

from cloudless_runtime import identity, marine, runtime_server
from cloudless_runtime.aqua import compile
from cloudless_runtime.client import local
from cloudless_runtime.router import addressbook, builtins, particle, runtime_client

KEYS = identity.KeyPair.from_seed(bytes(range(32)))
OTHER = identity.KeyPair.from_seed(bytes(32))
SCOPE = f'WorkerId(WorkerId(PeerId("{KEYS.peer_id}")))'
BUILTIN_AQUA = compile.imports_folder() / "@fluencelabs" / "aqua-lib" / "builtin.aqua"

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
    ("dist.make_module_config", ["m", [2], [], [True]], {"name": "m", "mem_pages_count": [2], "max_heap_size": [],
        "logger_enabled": [True], "preopened_files": [], "envs": [], "mapped_dirs": [], "mounted_binaries": [],
        "logging_mask": []}),
    ("dist.make_blueprint", ["bp", ["h1"]], '{"dependencies":[{"/":"h1"}],"name":"bp"}'),
    ("dist.list_modules", [], []),
    ("dist.list_blueprints", [], []),
    ("srv.list", [], []),
    ("srv.resolve_alias_opt", ["x"], []),
    ("peer.timeout", [10, "x"], builtins.Later(10, "x")),
    ("peer.timeout", ["25"], builtins.Later(25, "")),
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
    ("srv.info", ["missing"], f"Service with id 'missing' not found on {SCOPE}"),
    ("srv.remove", ["missing"], f"Service with id 'missing' not found on {SCOPE}"),
    ("srv.get_interface", ["missing"], f"Service with id 'missing' not found on {SCOPE}"),
    ("srv.create", ["missing"], "Blueprint 'missing' wasn't found"),
    ("srv.add_alias", ["a", "b"], f"Service with id 'b' not found on {SCOPE}"),
    ("srv.resolve_alias", ["a"], f"Service with alias 'a' is not found on worker '{SCOPE}'"),
    ("dist.get_blueprint", ["b"], "Blueprint 'b' wasn't found"),
    ("dist.get_module_interface", ["h"], "Module with hash 'h' not found"),
    ("dist.add_module", ["AAAA"], "Field 'config' is missing from args to call_service"),
    ("dist.add_blueprint", ['{"dependencies":[],"name":"bp"}'], "Blueprint 'bp' has empty list of dependencies"),
    ("dist.add_module_from_vault", ["/etc/passwd", {"name": "m"}], "doesn't belong to vault"),
    ("dist.add_module_bytes_from_vault", ["m", "nothing"], "Incorrect vault  path `nothing`: doesn't exist"),
    ("dist.load_blueprint", ["nothing"], "Incorrect vault  path `nothing`: doesn't exist"),
    ("vault.cat", ["/tmp/vault/x/y"], "Error reading vault file `/tmp/vault/x/y`"),
    ("stat.service_stat", ["x"], f"Service with id 'x' not found on {SCOPE}"),
    ("stat.service_memory", ["x"], "stat.service_memory is not supported by this peer"),
    ("run-console.print", ["x"], "This function is only available to the host or worker spells"),
    ("peer.timeout", ["x"], "Error while deserializing field 'duration_ms': invalid type: string \"x\", expected u64"),
    ("peer.timeout", [], "Field 'duration_ms' is missing from args to call_service"),
    ("math.nope", [], "builtin service 'math' has no function 'nope'"),
]


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[builtins.Builtins]:
    """A peer whose runtime stores nothing: every table entry above calls it without changing it."""
    book = addressbook.AddressBook(
        [
            addressbook.Entry(KEYS.peer_id, "127.0.0.2:7001", subnet="deal-1"),
            addressbook.Entry(OTHER.peer_id, "127.0.0.3:7001", subnet="deal-1"),
        ]
    )
    with marine.Host(tmp_path_factory.mktemp("runtime"), keys=KEYS) as host:
        running = runtime_server.serve(host, address="127.0.0.1:0")
        client = runtime_client.RuntimeClient(running.address, timeout_s=60)
        yield builtins.Builtins(
            keys=KEYS, clock=lambda: 1_000, runtime=client, book=book, reachable=lambda a: a == "127.0.0.3:7001"
        )
        client.close()
        running.stop(0)


def _call(peer: builtins.Builtins, name: str, args: list[object], *, by: identity.KeyPair = OTHER) -> object:
    service, function = name.split(".")
    served = particle.make(by, "(null)", ttl=1000, now=0)
    return peer.call(service, function, list(args), builtins.Context(particle=served, host_id=KEYS.peer_id))


def _declared(path: pathlib.Path) -> list[tuple[str, str]]:
    """(service id, function) of every function a builtin.aqua-style file declares."""
    declared, service = [], None
    for line in path.read_text().splitlines():
        header = re.match(r'service \w+\("([^"]+)"\):', line)
        if header:
            service = header.group(1)
        elif not line.startswith((" ", "\t")) and line.strip():
            service = None
        elif service and (function := re.match(r"\s+(\w+)\(", line)):
            declared.append((service, function.group(1)))
    return declared


def test_every_function_of_builtin_aqua_is_answered(peer: builtins.Builtins) -> None:
    """Each one is either answered (a value or nox's call error) or, for one, said unsupported."""
    declared = _declared(BUILTIN_AQUA)
    assert len(declared) > 40 and ("srv", "add_alias") in declared and ("vault", "cat") in declared
    unknown, unsupported = [], []
    for service, function in declared:
        try:
            _call(peer, f"{service}.{function}", [])
        except builtins.BuiltinError as e:
            unknown += [f"{service}.{function}"] if "has no function" in str(e) else []
            unsupported += [f"{service}.{function}"] if "is not supported" in str(e) else []
    assert unknown == []
    assert unsupported == ["stat.service_memory"]


def test_the_peer_itself_may_print_to_its_log(peer: builtins.Builtins, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        assert _call(peer, "run-console.print", ["hello", {"n": 1}], by=KEYS) == ""
    assert 'run-console: ["hello",{"n":1}]' in caplog.text


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
