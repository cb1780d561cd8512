"""Executed step records: a router keeping them (`steps_dir`) writes one per AIR run, and running
`air.run` again on each record gives the recorded outcome; Marine calls carry receipts that
verify against the recorded arguments and result. The files stay within their count, age and
size budget, and a restarted store takes over what is already in its folder."""

from __future__ import annotations

import base64
import pathlib

import orjson
import pytest
from tests.unit.router.conftest import StartRouter

from cloudless_runtime import air, client, identity, marine
from cloudless_runtime.air.data import codec
from cloudless_runtime.router import particle, steps, stepstore

TIMEOUT = 60.0


def _greet_script(relay: str, other: str, service_id: str) -> str:
    return f"""
    (seq
      (seq
        (call "{relay}" ("op" "noop") [])
        (call "{other}" ("{service_id}" "greeting") ["steps"] greeting))
      (seq
        (call "{relay}" ("{service_id}" "greeting") [greeting] twice)
        (call %init_peer_id% ("callbackSrv" "response") [twice])))
    """


def test_every_run_is_recorded_and_runs_again_to_the_same_outcome(
    start_router: StartRouter, greeting: str, tmp_path: pathlib.Path
) -> None:
    relay = start_router(steps_dir=tmp_path / "relay")
    other = start_router(steps_dir=tmp_path / "other")
    script = _greet_script(relay.peer_id, other.peer_id, greeting)
    result = client.run(script, relay=relay.address, keys=identity.KeyPair.generate(), timeout_s=TIMEOUT)
    assert result.responses == [["Hi, Hi, steps"]]
    for running in (relay, other):
        assert running.router.dispatcher.wait_idle(TIMEOUT)
        records = list(stepstore.read(tmp_path / ("relay" if running is relay else "other")))
        assert records and all(r.particle.id == result.particle_id for r in records)
        assert running.router.metrics.registry.get_sample_value(
            "cloudless_router_step_records_total", {"result": "written"}
        ) == len(records)
        for record in records:
            again = air.run(
                record.particle.script,
                record.prev_data,
                record.current_data,
                record.run_parameters(running.router.config.keys.seed),
                record.call_results(),
            )
            assert again == record.outcome
        marine_calls = [c for r in records for c in r.calls.values() if c.request.service_id == greeting]
        assert len(marine_calls) == 1 and marine_calls[0].receipt is not None
        receipt = marine_calls[0].receipt
        assert receipt["particle_id"] == result.particle_id  # signed by the runtime these routers share
        checked = marine.Receipt(
            **{**receipt, "modules": tuple(receipt["modules"]), "signature": base64.b64decode(receipt["signature"])}
        )
        value = orjson.loads(marine_calls[0].result.result)
        assert marine.verify(checked, args=marine_calls[0].request.arguments, result=value)
        assert not marine.verify(checked, args=["tampered"], result=value)


def test_another_key_reruns_to_the_same_outcome_but_its_own_signature(
    start_router: StartRouter, greeting: str, tmp_path: pathlib.Path
) -> None:
    """What a verifier without the peer's key compares: everything but the peer's signature."""
    relay, other = start_router(steps_dir=tmp_path), start_router()
    script = _greet_script(relay.peer_id, other.peer_id, greeting)
    client.run(script, relay=relay.address, keys=identity.KeyPair.generate(), timeout_s=TIMEOUT)
    assert relay.router.dispatcher.wait_idle(TIMEOUT)
    stranger = identity.KeyPair.generate().seed
    for record in stepstore.read(tmp_path):
        params = record.run_parameters(stranger)
        again = air.run(record.particle.script, record.prev_data, record.current_data, params, record.call_results())
        assert (again.ret_code, again.next_peer_pks, again.call_requests) == (
            record.outcome.ret_code,
            record.outcome.next_peer_pks,
            record.outcome.call_requests,
        )
        mine, theirs = codec.decode(again.data), codec.decode(record.outcome.data)
        assert mine.trace == theirs.trace and mine.values == theirs.values
        others = {p: s for p, s in theirs.signatures.items() if p != relay.peer_id}
        assert {p: s for p, s in mine.signatures.items() if p != relay.peer_id} == others


def _step(recorded_at: int, *, script: str = '(call %init_peer_id% ("op" "noop") [])') -> steps.Step:
    keys = identity.KeyPair.from_seed(bytes(32))
    made = particle.make(keys, script, ttl=60_000, now=recorded_at)
    params = air.RunParameters(keys.peer_id, keys.peer_id, recorded_at, 60_000, made.id, keys.seed)
    outcome = air.run(script, b"", b"", params, {})
    request = air.CallRequest("op", "noop", [1, {"a": [True, None]}], [[air.Tetraplet("p", "s", "f", ".$.a")]])
    call = steps.Call(request, air.CallResult(0, '""'), None)
    return steps.Step(
        peer_id=keys.peer_id,
        recorded_at=recorded_at,
        particle=made,
        prev_data=b"\x00\xff",
        current_data=b"",
        calls={1: call},
        outcome=outcome,
    )


def test_a_record_reads_back_as_the_step_it_was() -> None:
    step = _step(1_000)
    raw = orjson.loads(orjson.dumps(steps.to_json(step)))
    assert raw["prev_data"] == "AP8=" and raw["call_results"]["1"]["arguments"] == [1, {"a": [True, None]}]
    assert steps.from_json(raw) == step
    with pytest.raises(steps.BadRecord, match="format"):
        steps.from_json({**raw, "format": "other/1"})
    with pytest.raises(steps.BadRecord, match="base64"):
        steps.from_json({**raw, "prev_data": "!!"})
    with pytest.raises(steps.BadRecord, match="KeyError"):
        steps.from_json({k: v for k, v in raw.items() if k != "outcome"})


def _kept(folder: pathlib.Path) -> list[int]:
    return [s.recorded_at for s in stepstore.read(folder)]


def test_the_store_keeps_its_count_budget_in_rotated_files(tmp_path: pathlib.Path) -> None:
    results: list[str] = []
    store = stepstore.Store(
        tmp_path, retention=stepstore.Retention(max_records=6, files=3), clock=lambda: 50, observer=results.append
    )
    for at in range(1, 21):
        store.record(_step(at))
    kept = _kept(tmp_path)
    assert len(kept) <= 6 and kept == list(range(21 - len(kept), 21))
    assert len(list(tmp_path.glob(stepstore.PATTERN))) <= 3
    assert results == ["written"] * 20


def test_the_store_drops_records_past_their_age(tmp_path: pathlib.Path) -> None:
    now = [10_000]
    retention = stepstore.Retention(max_records=4, max_age_ms=5_000, files=2)  # two records a file
    store = stepstore.Store(tmp_path, retention=retention, clock=lambda: now[0])
    for at in (9_000, 9_001):
        store.record(_step(at))
    now[0] = 16_000
    store.record(_step(16_000))
    assert _kept(tmp_path) == [16_000]


def test_the_store_keeps_its_byte_budget_and_skips_a_record_too_large(tmp_path: pathlib.Path) -> None:
    size = len(orjson.dumps(steps.to_json(_step(100)))) + 1  # every record below is this long: one a file
    results: list[str] = []
    retention = stepstore.Retention(max_bytes=4 * size, files=4)
    store = stepstore.Store(tmp_path, retention=retention, clock=lambda: 500, observer=results.append)
    for at in range(100, 110):
        store.record(_step(at))
    assert _kept(tmp_path) == [106, 107, 108, 109]
    assert sum(p.stat().st_size for p in tmp_path.glob(stepstore.PATTERN)) == 4 * size
    store.record(_step(110, script=f'(call %init_peer_id% ("op" "noop") ["{"x" * size}"])'))
    assert results == ["written"] * 10 + ["too_large"] and _kept(tmp_path)[-1] == 109


def test_a_restarted_store_takes_over_the_folder(tmp_path: pathlib.Path) -> None:
    retention = stepstore.Retention(max_records=4, files=2)
    first = stepstore.Store(tmp_path, retention=retention, clock=lambda: 50)
    for at in range(1, 4):
        first.record(_step(at))
    second = stepstore.Store(tmp_path, retention=retention, clock=lambda: 50)
    for at in range(4, 7):
        second.record(_step(at))
    kept = _kept(tmp_path)
    assert kept == list(range(7 - len(kept), 7)) and 2 <= len(kept) <= 4
    older = stepstore.Store(tmp_path, retention=stepstore.Retention(max_age_ms=10), clock=lambda: 1_000)
    assert _kept(older.folder) == []  # what is past its age goes when a store starts
