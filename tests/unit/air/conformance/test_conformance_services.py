"""Service behaviors, their lookup order and js-client's failure texts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudless_runtime.air.conformance.peers import PeerMap
from cloudless_runtime.air.conformance.services import Services
from cloudless_runtime.air.conformance.vectors import parse_vector
from cloudless_runtime.air.interface import CallResult

PEERS = PeerMap(["client", "peer_a"])
A = PEERS.peer_id("peer_a")


def services(table: dict[str, Any]) -> Services:
    vector = parse_vector(
        {"name": "v", "script": "", "peers": ["client", "peer_a"], "init_peer": "client", "services": table}
    )
    return Services(vector.services, PEERS)


def ok(value: Any) -> CallResult:
    return CallResult(0, json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def failed(message: str, ret_code: int = 1) -> CallResult:
    return CallResult(ret_code, json.dumps(message, ensure_ascii=False))


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        (["own.exact", "own.any", "all.exact", "all.any"], "own.exact"),
        (["own.any", "all.exact", "all.any"], "own.any"),
        (["all.exact", "all.any"], "all.exact"),
        (["all.any"], "all.any"),
    ],
)
def test_lookup_order(present: list[str], expected: str) -> None:
    keys = {"exact": "kv.get", "any": "kv.*"}
    table: dict[str, Any] = {}
    for where in present:
        owner, which = where.split(".")
        table.setdefault("peer_a" if owner == "own" else "*", {})[keys[which]] = {"result": where}
    assert services(table).answer("peer_a", "kv", "get", []) == ok(expected)


def test_another_peers_table_is_not_used() -> None:
    assert services({"client": {"kv.get": {"result": 1}}}).answer("peer_a", "kv", "get", []).ret_code == 1


def test_result_hands_out_peer_ids_for_names() -> None:
    s = services({"*": {"s.f": {"result": {"peer_a": ["peer_a", "peer_a!", 1.0, None]}}}})
    assert s.answer("client", "s", "f", []) == ok({"peer_a": [A, "peer_a!", 1, None]})


def test_echo_and_echo_first() -> None:
    s = services({"*": {"s.echo": {"echo": True}, "s.first": {"echo_first": True}}})
    assert s.answer("client", "s", "echo", [A, 2.0, {"k": [0.5]}]) == ok([A, 2, {"k": [0.5]}])
    assert s.answer("client", "s", "first", [[1, 2], 3]) == ok([1, 2])
    assert s.answer("client", "s", "first", []) == failed("echo_first: call has no arguments")


def test_error_behavior() -> None:
    s = services(
        {
            "*": {
                "s.a": {"error": {"message": "it broke"}},
                "s.b": {"error": {"message": "peer_a", "ret_code": 7}},
            }
        }
    )
    assert s.answer("client", "s", "a", []) == failed("it broke")
    assert s.answer("client", "s", "b", []) == failed(A, 7)


def test_seq_counts_per_peer_and_key_and_repeats_its_last_step() -> None:
    s = services({"*": {"s.*": {"seq": [{"error": {"message": "not yet"}}, {"result": "done"}]}}})
    assert s.answer("client", "s", "f", []) == failed("not yet")
    assert s.answer("peer_a", "s", "f", []) == failed("not yet")
    assert s.answer("client", "s", "g", []) == ok("done")  # same key "s.*" on the same peer
    assert s.answer("client", "s", "f", []) == ok("done")


def test_missing_service_message_is_js_clients_with_json_stringify_args() -> None:
    # The message the real AquaVM reported for these arguments (oracle run, peer ids mapped to names):
    # args='[1,0.5,{"10":2,"a":[1.5,"x\"y",null,"peer_a"],"b":1},"peer_a",0.000001]'
    args = [1.0, 0.5, {"10": 2, "a": [1.5, 'x"y', None, A], "b": 1.0}, A, 1e-6]
    answer = services({}).answer("peer_a", "nope", "missing", args)
    assert answer.ret_code == 1
    assert PEERS.names_in(json.loads(answer.result)) == (
        "No service found for service call: serviceId='nope', fnName='missing' "
        """args='[1,0.5,{"10":2,"a":[1.5,"x\\"y",null,"peer_a"],"b":1},"peer_a",0.000001]'"""
    )
