"""Serving one call request of the interpreter: a builtin if the service is one, else a Marine service.

Answers follow nox: a success is ret_code 0 with the JSON result; a builtin failure is ret_code 1
with the message as a JSON string; a call naming a service this peer does not have is ret_code 1
with nox's words, "Service with id '…' not found (function …)"; any other Marine failure carries
the Marine error code (docs/abi.md) so that scripts (`xor`, `%last_error%`) see why. Whatever the
ret_code, the AIR engine turns a failed call into the catchable error 10000 that Aqua's
`try`/`catch` handles. The tetraplets of the request go to the Marine service unchanged, so a
module can check where each argument came from. A Marine call's receipt comes back with its
result (step records keep it). A builtin's `Later` result is served with the time it is due,
for the dispatcher to hand over then. Each call is timed into the router's metrics by kind.
"""

from __future__ import annotations

import dataclasses

import orjson

from cloudless_runtime import air
from cloudless_runtime.router import builtins, metrics, particle, runtime


@dataclasses.dataclass(frozen=True, slots=True)
class Served:
    """What the engine is given back for one call, and the Marine receipt behind it, if any."""

    result: air.CallResult
    receipt: runtime.Receipt | None = None
    after_ms: int = 0
    """How long after the call the result is due (`peer.timeout`); 0 is now."""


def _failed(message: str, code: int = 1) -> Served:
    return Served(air.CallResult(code, orjson.dumps(message).decode()))


class LocalServices:
    def __init__(
        self, *, builtins: builtins.Builtins, runtime: runtime.Runtime, host_id: str, metrics: metrics.RouterMetrics
    ) -> None:
        self._builtins = builtins
        self._runtime = runtime
        self._host_id = host_id
        self._metrics = metrics

    def call(self, request: air.CallRequest, served: particle.Particle) -> Served:
        kind: metrics.CallKind = "builtin" if request.service_id in self._builtins.services else "marine"
        with self._metrics.calls.labels(kind).time():
            if kind == "builtin":
                return self._builtin(request, served)
            return self._marine(request, served)

    def _builtin(self, request: air.CallRequest, served: particle.Particle) -> Served:
        context = builtins.Context(particle=served, host_id=self._host_id)
        try:
            value = self._builtins.call(request.service_id, request.function_name, list(request.arguments), context)
        except builtins.BuiltinError as e:
            return _failed(str(e))
        if isinstance(value, builtins.Later):
            return Served(air.CallResult(0, orjson.dumps(value.value).decode()), after_ms=value.after_ms)
        return Served(air.CallResult(0, orjson.dumps(value).decode()))

    def _marine(self, request: air.CallRequest, served: particle.Particle) -> Served:
        context = runtime.CallContext(particle=served, host_id=self._host_id, tetraplets=request.tetraplets)
        try:
            called = self._runtime.call(request.service_id, request.function_name, request.arguments, context=context)
        except runtime.RuntimeFailure as e:
            if e.code == runtime.NOT_FOUND and not self._exists(request.service_id):
                return _failed(f"Service with id '{request.service_id}' not found (function {request.function_name})")
            return _failed(str(e), e.code)
        return Served(air.CallResult(0, orjson.dumps(called.value).decode()), called.receipt)

    def _exists(self, service_id: str) -> bool:
        """Asked only after a "not found": was it the service, or something inside it (a function)?
        When the runtime cannot say, the runtime's own error stands."""
        try:
            return any(s.answers_to(service_id) for s in self._runtime.list_services())
        except runtime.RuntimeFailure:
            return True
