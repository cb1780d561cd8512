"""The Marine runtime's gRPC server: `cloudless.v1.Runtime` over a `marine.Host`, with health checks.

`marine` stays pure (no network); this package is only the transport around it: converting
messages, mapping Marine errors to gRPC status codes and serving on a loopback port or a unix
socket. Run it with `python -m cloudless_runtime.runtime_server`.
"""

from cloudless_runtime.runtime_server.server import Running, serve

__all__ = ["Running", "serve"]
