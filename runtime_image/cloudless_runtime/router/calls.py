"""Serving one call request of the interpreter: a builtin if the service is one, else a Marine service.

Answers follow nox: a success is ret_code 0 with the JSON result; a builtin failure is ret_code 1
with the message as a JSON string; a Marine failure carries the Marine error code (docs/abi.md)
so that scripts (`xor`, `%last_error%`) see why. The tetraplets of the request go to the Marine
service unchanged, so a module can check where each argument came from. Each call is timed into
the router's metrics by kind (builtin or marine).
"""

from __future__ import annotations

import orjson

from cloudless_runtime import air
from cloudless_runtime.router import builtins, metrics, particle, runtime


class LocalServices:
    def __init__(
        self, *, builtins: builtins.Builtins, runtime: runtime.Runtime, host_id: str, metrics: metrics.RouterMetrics
    ) -> None:
        self._builtins = builtins
        self._runtime = runtime
        self._host_id = host_id
        self._metrics = metrics

    def call(self, request: air.CallRequest, served: particle.Particle) -> air.CallResult:
        kind: metrics.CallKind = "builtin" if request.service_id in self._builtins.services else "marine"
        with self._metrics.calls.labels(kind).time():
            return self._call(request, served, kind=kind)

    def _call(self, request: air.CallRequest, served: particle.Particle, *, kind: metrics.CallKind) -> air.CallResult:
        if kind == "builtin":
            try:
                value = self._builtins.call(
                    request.service_id,
                    request.function_name,
                    list(request.arguments),
                    builtins.Context(particle=served, host_id=self._host_id),
                )
            except builtins.BuiltinError as e:
                return air.CallResult(1, orjson.dumps(str(e)).decode())
        else:
            context = runtime.CallContext(particle=served, host_id=self._host_id, tetraplets=request.tetraplets)
            try:
                value = self._runtime.call(
                    request.service_id, request.function_name, request.arguments, context=context
                )
            except runtime.RuntimeFailure as e:
                return air.CallResult(e.code, orjson.dumps(str(e)).decode())
        return air.CallResult(0, orjson.dumps(value).decode())
