"""The router's metrics, scraped from its endpoint after real traffic: what arrived, what was
refused and why, what was handed on, and how long runs and calls took."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import grpc
import pytest
from tests import scrape
from tests.unit.router.conftest import StartRouter

from cloudless_runtime import client, identity
from cloudless_runtime.proto._gen.cloudless.v1 import particle_pb2_grpc
from cloudless_runtime.router import particle, server, wire
from cloudless_runtime.telemetry import endpoint

TIMEOUT = 60.0


@pytest.fixture
def relay(start_router: StartRouter) -> server.Running:
    return start_router()


@pytest.fixture
def metrics_address(relay: server.Running) -> Iterator[str]:
    running = endpoint.serve("127.0.0.1:0", relay.router.metrics.registry)
    yield running.address
    running.stop()


def test_counters_move_with_traffic(
    start_router: StartRouter, relay: server.Running, metrics_address: str, greeting: str
) -> None:
    other = start_router()
    script = f"""
    (seq
      (seq
        (call "{relay.peer_id}" ("op" "noop") [])
        (call "{other.peer_id}" ("{greeting}" "greeting") ["metrics"] answer))
      (seq
        (call "{relay.peer_id}" ("op" "noop") [])
        (call %init_peer_id% ("callbackSrv" "response") [answer])))
    """
    result = client.run(script, relay=relay.address, keys=identity.KeyPair.generate(), timeout_s=TIMEOUT)
    assert "metrics" in result.responses[0][0]
    bad = particle.make(identity.KeyPair.generate(), "(null)", ttl=60_000, now=particle.wall_clock())
    with grpc.insecure_channel(relay.address) as channel, pytest.raises(grpc.RpcError):
        stub = particle_pb2_grpc.PeerStub(channel)
        stub.Send(wire.to_message(dataclasses.replace(bad, script="(seq (null) (null))")), timeout=TIMEOUT)

    samples = scrape.scrape(metrics_address)
    received = "cloudless_router_particles_received_total"
    assert scrape.value(samples, received, via="client") == 1
    assert scrape.value(samples, received, via="peer") == 2  # the forged one, and the answer from `other`
    assert scrape.value(samples, "cloudless_router_particles_rejected_total", reason="bad_signature") == 1
    assert scrape.value(samples, "cloudless_router_particles_rejected_total", reason="expired") == 0
    assert scrape.value(samples, "cloudless_router_particles_forwarded_total", to="peer") == 1
    assert scrape.value(samples, "cloudless_router_particles_forwarded_total", to="client") == 1
    assert scrape.value(samples, "cloudless_router_interpretation_duration_seconds_count") >= 2
    assert scrape.value(samples, "cloudless_router_call_duration_seconds_count", kind="builtin") == 2
    marine_calls = [s for m in other.router.metrics.calls.collect() for s in m.samples if s.name.endswith("_count")]
    assert [(s.labels["kind"], s.value) for s in marine_calls if s.labels["kind"] == "marine"] == [("marine", 1)]


def test_failures_are_counted_by_stage_and_reason(
    start_router: StartRouter, relay: server.Running, metrics_address: str
) -> None:
    script = f'(seq (call "{relay.peer_id}" ("op" "noop") []) (call "{relay.peer_id}" ("op" "identity") [1 2]))'
    with pytest.raises(client.ClientError):
        client.run(script, relay=relay.address, keys=identity.KeyPair.generate(), timeout_s=3)
    samples = scrape.scrape(metrics_address)
    assert scrape.total(samples, "cloudless_router_failures_total", stage="interpretation") >= 1
