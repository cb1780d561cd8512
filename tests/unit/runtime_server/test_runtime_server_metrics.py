"""The runtime's metrics, scraped from its endpoint after real Marine calls: calls by service,
function and outcome, fuel and durations; unknown names do not make new series."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import grpc
import orjson
import pytest
from tests import scrape
from tests.unit.marine.conftest import SEED

from cloudless_runtime import identity, marine, runtime_server
from cloudless_runtime.proto._gen.cloudless.v1 import runtime_pb2, runtime_pb2_grpc
from cloudless_runtime.runtime_server import metrics
from cloudless_runtime.telemetry import endpoint

TIMEOUT = 60.0


@pytest.fixture
def measured(tmp_path: pathlib.Path) -> Iterator[tuple[runtime_pb2_grpc.RuntimeStub, str]]:
    """A runtime server counting into its own registry, a stub, and its metrics endpoint."""
    counters = metrics.RuntimeMetrics()
    with marine.Host(tmp_path / "state", keys=identity.KeyPair.from_seed(SEED)) as host:
        running = runtime_server.serve(host, address="127.0.0.1:0", metrics=counters)
        scraped = endpoint.serve("127.0.0.1:0", counters.registry)
        with grpc.insecure_channel(running.address) as channel:
            yield runtime_pb2_grpc.RuntimeStub(channel), scraped.address
        scraped.stop()
        running.stop(0)


def _call(stub: runtime_pb2_grpc.RuntimeStub, service_id: str, function: str, *args: object) -> None:
    request = runtime_pb2.CallRequest(
        service_id=service_id, function_name=function, arguments_json=orjson.dumps(list(args)).decode()
    )
    stub.Call(request, timeout=TIMEOUT)


def test_calls_fuel_and_durations_are_counted(
    measured: tuple[runtime_pb2_grpc.RuntimeStub, str], wasm: dict[str, bytes]
) -> None:
    stub, address = measured
    digest = stub.AddModule(runtime_pb2.AddModuleRequest(wasm=wasm["greeting_c"], name="greeting"), timeout=TIMEOUT)
    blueprint = stub.AddBlueprint(
        runtime_pb2.AddBlueprintRequest(name="greeting", module_hashes=[digest.module_hash]), timeout=TIMEOUT
    )
    sid = stub.CreateService(
        runtime_pb2.CreateServiceRequest(blueprint_id=blueprint.blueprint_id), timeout=TIMEOUT
    ).service_id
    _call(stub, sid, "greeting", "one")
    _call(stub, sid, "greeting", "two")
    for service, function in ((sid, "no_such_function"), ("no-such-service", "greeting")):
        with pytest.raises(grpc.RpcError):
            _call(stub, service, function, "x")

    samples = scrape.scrape(address)
    calls = "cloudless_runtime_marine_calls_total"
    assert scrape.value(samples, calls, service=sid, function="greeting", outcome="ok") == 2
    assert scrape.value(samples, calls, service="unknown", function="unknown", outcome="NotFound") == 2
    assert scrape.total(samples, calls) == 4
    assert scrape.value(samples, "cloudless_runtime_marine_fuel_used_total", service=sid, function="greeting") > 0
    duration = "cloudless_runtime_marine_call_duration_seconds_count"
    assert scrape.value(samples, duration, service=sid, function="greeting") == 2
