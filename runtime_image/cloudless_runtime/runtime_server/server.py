"""Starting and stopping the runtime's gRPC server: the Runtime API plus standard health checking.

`address` is anything grpc can bind: `127.0.0.1:0` (a free loopback port, reported back in
`Running.address`), `127.0.0.5:7100`, or `unix:/run/cloudless/runtime.sock` for a sidecar that
shares a volume with its router.
"""

from __future__ import annotations

import dataclasses
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from cloudless_runtime import marine
from cloudless_runtime.proto._gen.cloudless.v1 import runtime_pb2, runtime_pb2_grpc
from cloudless_runtime.runtime_server import metrics as runtime_metrics
from cloudless_runtime.runtime_server import servicer

SERVICE_NAME = runtime_pb2.DESCRIPTOR.services_by_name["Runtime"].full_name
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""Modules are sent whole in AddModule; 64 MiB is far above any module the examples build."""


@dataclasses.dataclass(frozen=True, slots=True)
class Running:
    """A started server and the address it really listens on."""

    server: grpc.Server
    address: str
    health: health.HealthServicer

    def stop(self, grace_s: float = 1.0) -> None:
        """Marks the service NOT_SERVING, then stops accepting and waits up to `grace_s` for calls."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace_s).wait()


def serve(
    host: marine.Host, *, address: str, max_workers: int = 16, metrics: runtime_metrics.RuntimeMetrics | None = None
) -> Running:
    """Starts serving `host` on `address`; raises RuntimeError if the address cannot be bound.

    Without `metrics` the calls are counted in a registry of their own, which nobody scrapes.
    """
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.so_reuseport", 0),
    ]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers), options=options)
    runtime_pb2_grpc.add_RuntimeServicer_to_server(
        servicer.RuntimeServicer(host, metrics=metrics or runtime_metrics.RuntimeMetrics()), server
    )
    checks = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checks, server)
    port = server.add_insecure_port(address)
    if port == 0 and not address.startswith("unix:"):
        raise RuntimeError(f"cannot listen on {address}")
    server.start()
    for name in ("", SERVICE_NAME):
        checks.set(name, health_pb2.HealthCheckResponse.SERVING)
    bound = address if address.startswith("unix:") else f"{address.rsplit(':', 1)[0]}:{port}"
    return Running(server=server, address=bound, health=checks)
