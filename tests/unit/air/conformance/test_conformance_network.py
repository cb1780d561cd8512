"""The oracle's network rules (README "Network model"), checked with the scripted engine."""

from __future__ import annotations

import json
from typing import Any

from scripted_engine import ScriptedEngine

from cloudless_runtime.air.conformance import RunOptions, parse_vector, run_raw, run_vector
from cloudless_runtime.air.conformance.outcome import InvalidVector, VectorOutcome
from cloudless_runtime.air.conformance.peers import keypair_for_name, seed_for_name
from cloudless_runtime.air.interface import CallResult

BATCH = RunOptions()
PEERS = ["client", "peer_a", "peer_b", "peer_c"]
PING_PONG = {"client": [{"next": ["peer_a"]}] * 10, "peer_a": [{"next": ["client"]}] * 10}


def pid(name: str) -> str:
    return keypair_for_name(name).peer_id


def run(
    engine: ScriptedEngine,
    program: dict[str, list[dict[str, Any]]],
    options: RunOptions = BATCH,
    **fields: Any,
) -> VectorOutcome:
    raw = {"name": "v", "peers": PEERS, "init_peer": "client", "script": json.dumps(program), **fields}
    return run_vector(parse_vector(raw), options, engine)


def trail(engine: ScriptedEngine) -> list[tuple[str, int]]:
    names = {pid(n): n for n in PEERS}
    return [(names[r.peer_id], r.step) for r in engine.runs]


def test_deliveries_follow_the_peers_list_and_the_queue_is_fifo(engine: ScriptedEngine) -> None:
    outcome = run(
        engine,
        {
            "client": [{"next": ["peer_c", "peer_a"]}],
            "peer_c": [{"next": ["peer_b"]}],
            "peer_a": [{"next": ["peer_c", "peer_b"]}],
        },
    )
    # queue after each run: a c | c b c | b c b | c b | b
    assert trail(engine) == [
        ("client", 0),
        ("peer_a", 0),
        ("peer_c", 0),
        ("peer_b", 0),
        ("peer_c", 1),
        ("peer_b", 1),
    ]
    assert outcome.hops == 5
    assert outcome.invocations == 6
    assert outcome.truncated is None
    assert outcome.errors == {}


def test_a_delivery_carries_the_senders_new_data_and_the_start_is_empty(engine: ScriptedEngine) -> None:
    run(engine, {"client": [{"next": ["peer_a"]}]})
    start, delivery = engine.runs
    assert start.current_data == b""
    assert json.loads(delivery.current_data) == {"n": 1, "by": pid("client")}


def test_call_requests_are_answered_in_id_order_in_one_run(engine: ScriptedEngine) -> None:
    calls = [[3, "s", "three", []], [1, "s", "one", []], [2, "s", "two", []]]
    outcome = run(
        engine,
        {"client": [{"calls": calls, "next": ["peer_a"]}]},
        services={"*": {"s.*": {"echo": True}}},
    )
    assert trail(engine) == [("client", 0), ("peer_a", 0), ("client", 1)]
    results_run = engine.runs[2]
    assert list(results_run.call_results) == [1, 2, 3]
    assert results_run.current_data == b""
    assert outcome.calls["client"] == [["s", "one", []], ["s", "two", []], ["s", "three", []]]
    assert outcome.hops == 1


def test_single_feed_gives_one_run_per_result_in_id_order(engine: ScriptedEngine) -> None:
    calls = [[7, "s", "b", []], [5, "s", "a", []]]
    outcome = run(engine, {"client": [{"calls": calls}]}, RunOptions(feed="single"))
    assert [list(r.call_results) for r in engine.runs] == [[], [5], [7]]
    assert outcome.invocations == 3


def test_results_are_queued_after_the_deliveries_of_the_same_run(engine: ScriptedEngine) -> None:
    run(
        engine,
        {"client": [{"calls": [[1, "s", "f", []]], "next": ["peer_b"]}], "peer_b": [{"next": ["peer_a"]}]},
    )
    assert trail(engine) == [("client", 0), ("peer_b", 0), ("client", 1), ("peer_a", 0)]


def test_max_hops_stops_before_the_next_delivery(engine: ScriptedEngine) -> None:
    ping_pong = PING_PONG
    outcome = run(engine, ping_pong, RunOptions(max_hops=5))
    assert (outcome.hops, outcome.invocations, outcome.truncated) == (5, 6, "max_hops")


def test_vector_bound_wins_over_the_option(engine: ScriptedEngine) -> None:
    ping_pong = PING_PONG
    outcome = run(engine, ping_pong, RunOptions(max_hops=5), max_hops=2)
    assert (outcome.hops, outcome.truncated) == (2, "max_hops")


def test_results_runs_still_happen_at_the_hop_bound(engine: ScriptedEngine) -> None:
    outcome = run(engine, {"client": [{"calls": [[1, "s", "f", []]], "next": ["peer_a"]}]}, max_hops=0)
    assert trail(engine) == [("client", 0)]
    assert outcome.truncated == "max_hops"  # the delivery to peer_a is first in the queue


def test_max_invocations(engine: ScriptedEngine) -> None:
    ping_pong = PING_PONG
    outcome = run(engine, ping_pong, RunOptions(max_invocations=4))
    assert (outcome.hops, outcome.invocations, outcome.truncated) == (3, 4, "max_invocations")


def test_unknown_next_peers_are_undelivered_sorted(engine: ScriptedEngine) -> None:
    stranger_b, stranger_a = pid("stranger_b"), pid("stranger_a")
    outcome = run(engine, {"client": [{"next": [stranger_b, "peer_a", stranger_a]}]})
    assert outcome.undelivered == [
        ("client", min(stranger_a, stranger_b)),
        ("client", max(stranger_a, stranger_b)),
    ]
    assert trail(engine) == [("client", 0), ("peer_a", 0)]
    assert outcome.to_json()["undelivered"] == [
        ["client", min(stranger_a, stranger_b)],
        ["client", max(stranger_a, stranger_b)],
    ]


def test_a_failed_run_forwards_nothing_and_serves_no_call(engine: ScriptedEngine) -> None:
    outcome = run(
        engine,
        {
            "client": [{"next": ["peer_a"]}],
            "peer_a": [{"fail": 7, "next": ["peer_b", "stranger"], "calls": [[1, "s", "f", []]]}],
        },
    )
    assert trail(engine) == [("client", 0), ("peer_a", 0)]
    assert outcome.to_json()["errors"] == {"peer_a": [{"ret_code": 7, "message": "failed at peer_a!"}]}
    assert outcome.calls["peer_a"] == []
    assert outcome.undelivered == []


def test_data_is_stored_whatever_the_ret_code(engine: ScriptedEngine) -> None:
    outcome = run(
        engine,
        {
            "client": [{"next": ["peer_a", "peer_b"]}],
            "peer_a": [{"fail": 3}, {}],
            "peer_b": [{"next": ["peer_a"]}],
        },
    )
    # peer_a's second run sees the data its failed first run returned: step 1, not step 0 again
    assert trail(engine) == [("client", 0), ("peer_a", 0), ("peer_b", 0), ("peer_a", 1)]
    assert list(outcome.errors) == ["peer_a"]


def test_an_engine_that_raises_is_an_error_minus_one(engine: ScriptedEngine) -> None:
    outcome = run(engine, {"client": [{"next": ["peer_a", "peer_b"]}], "peer_a": [{"raise": True}]})
    assert outcome.invocations == 3
    [error] = outcome.errors["peer_a"]
    assert error.ret_code == -1
    assert "engine bug at peer_a" in error.message


def test_run_parameters(engine: ScriptedEngine) -> None:
    run(engine, {"client": [{"next": ["peer_a"]}]}, timestamp=42, ttl=7, particle_id="p-1")
    start, delivery = engine.runs
    assert delivery.params.init_peer_id == pid("client")
    assert delivery.params.current_peer_id == pid("peer_a")
    assert delivery.params.secret_key == seed_for_name("peer_a")
    assert (delivery.params.timestamp, delivery.params.ttl, delivery.params.particle_id) == (42, 7, "p-1")
    assert start.params.current_peer_id == pid("client")


def test_default_particle_fields(engine: ScriptedEngine) -> None:
    run(engine, {})
    params = engine.runs[0].params
    assert (params.timestamp, params.ttl, params.particle_id) == (
        1700000000000,
        120000,
        "avm-oracle-particle",
    )


def test_calls_and_services_see_names_and_answers_keep_ids(engine: ScriptedEngine) -> None:
    args = [f"at {pid('peer_b')}", {pid("peer_a"): "peer_a"}]
    outcome = run(
        engine,
        {"client": [{"calls": [[1, "peer_a", "whois", args]]}]},
        services={"*": {"peer_a.whois": {"result": ["peer_b", "peer_bb"]}}},
    )
    assert outcome.calls["client"] == [["peer_a", "whois", ["at peer_b", {"peer_a": "peer_a"}]]]
    assert engine.runs[1].call_results == {
        1: CallResult(0, json.dumps([pid("peer_b"), "peer_bb"], separators=(",", ":")))
    }


def test_outcome_json_has_the_oracles_keys_in_order(engine: ScriptedEngine) -> None:
    outcome = run(engine, {"client": [{"next": ["peer_a"]}]}).to_json()
    assert list(outcome) == [
        "name",
        "calls",
        "hops",
        "errors",
        "final_data_bytes",
        "invocations",
        "undelivered",
        "truncated",
        "ms",
    ]
    assert outcome["calls"] == {name: [] for name in PEERS}
    assert outcome["final_data_bytes"] == len(json.dumps({"n": 1, "by": pid("client")}))
    assert isinstance(outcome["ms"], float)


def test_malformed_vectors_become_invalid_outcomes(engine: ScriptedEngine) -> None:
    assert run_raw({"name": "x", "script": "", "peers": []}, engine) == InvalidVector(
        "x", 'x: "peers" must be a non-empty array of names'
    )
    assert run_raw([1], engine) == InvalidVector(None, "vector must be a JSON object")
    assert run_raw({"name": "x", "peers": ["a"], "init_peer": "a", "script": "{"}, engine).to_json()["name"] == "x"
