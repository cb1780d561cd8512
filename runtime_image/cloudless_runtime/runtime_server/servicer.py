"""`cloudless.v1.Runtime` over one `marine.Host`: decode, call the host, encode; errors become statuses.

Changes to the host's tables (modules, blueprints, services) are serialised by one lock, because
the host's dictionaries are not meant for concurrent writers; calls are not, since each service
already serves one call at a time under its own lock and different services run in parallel.
Every call is counted and timed in the server's `metrics.RuntimeMetrics`.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import NoReturn, TypeVar

import grpc
import orjson

from cloudless_runtime import marine
from cloudless_runtime.proto._gen.cloudless.v1 import runtime_pb2, runtime_pb2_grpc
from cloudless_runtime.runtime_server import convert, metrics, status

log = logging.getLogger(__name__)

Request = TypeVar("Request")
Response = TypeVar("Response")


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str, *, marine_code: int = 0) -> NoReturn:
    if marine_code:
        context.set_trailing_metadata(((status.CODE_KEY, str(marine_code)),))
    context.abort(code, message)
    raise AssertionError("grpc's abort always raises")  # for type checkers: abort never returns


def _answering(
    method: Callable[[RuntimeServicer, Request, grpc.ServicerContext], Response],
) -> Callable[[RuntimeServicer, Request, grpc.ServicerContext], Response]:
    """Turns the host's and the converters' errors into gRPC statuses with the reason."""

    @functools.wraps(method)
    def wrapper(self: RuntimeServicer, request: Request, context: grpc.ServicerContext) -> Response:
        try:
            return method(self, request, context)
        except marine.MarineError as e:
            _abort(context, status.status_code(e), str(e), marine_code=e.code)
        except convert.BadRequest as e:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, str(e))

    return wrapper


class RuntimeServicer(runtime_pb2_grpc.RuntimeServicer):
    """The runtime API of one peer's Marine host."""

    def __init__(self, host: marine.Host, *, metrics: metrics.RuntimeMetrics) -> None:
        self._host = host
        self._metrics = metrics
        self._tables = threading.Lock()

    @_answering
    def AddModule(
        self, request: runtime_pb2.AddModuleRequest, context: grpc.ServicerContext
    ) -> runtime_pb2.AddModuleResponse:
        with self._tables:
            digest = self._host.add_module(request.wasm, name=request.name)
        log.info("module %s added as %r", digest, request.name)
        return runtime_pb2.AddModuleResponse(module_hash=digest)

    @_answering
    def AddBlueprint(
        self, request: runtime_pb2.AddBlueprintRequest, context: grpc.ServicerContext
    ) -> runtime_pb2.AddBlueprintResponse:
        with self._tables:
            blueprint_id = self._host.add_blueprint(request.name, list(request.module_hashes))
        return runtime_pb2.AddBlueprintResponse(blueprint_id=blueprint_id)

    @_answering
    def CreateService(
        self, request: runtime_pb2.CreateServiceRequest, context: grpc.ServicerContext
    ) -> runtime_pb2.CreateServiceResponse:
        config = convert.service_config(request.config)
        with self._tables:
            service_id = self._host.create_service(
                request.blueprint_id, config=config, owner_id=request.owner_id, alias=request.alias
            )
        log.info("service %s created from blueprint %s", service_id, request.blueprint_id)
        return runtime_pb2.CreateServiceResponse(service_id=service_id)

    @_answering
    def RemoveService(
        self, request: runtime_pb2.RemoveServiceRequest, context: grpc.ServicerContext
    ) -> runtime_pb2.RemoveServiceResponse:
        with self._tables:
            self._host.remove_service(request.service_id)
        log.info("service %s removed", request.service_id)
        return runtime_pb2.RemoveServiceResponse()

    @_answering
    def ListServices(
        self, request: runtime_pb2.ListServicesRequest, context: grpc.ServicerContext
    ) -> runtime_pb2.ListServicesResponse:
        with self._tables:
            infos = [convert.service_info(r, self._host.service(r.service_id)) for r in self._host.list_services()]
        return runtime_pb2.ListServicesResponse(services=infos)

    @_answering
    def AddAlias(
        self, request: runtime_pb2.AddAliasRequest, context: grpc.ServicerContext
    ) -> runtime_pb2.AddAliasResponse:
        with self._tables:
            self._host.add_alias(request.alias, request.service_id)
        log.info("alias %r names service %s", request.alias, request.service_id)
        return runtime_pb2.AddAliasResponse()

    @_answering
    def ListModules(
        self, request: runtime_pb2.ListModulesRequest, context: grpc.ServicerContext
    ) -> runtime_pb2.ListModulesResponse:
        with self._tables:
            return runtime_pb2.ListModulesResponse(modules=[convert.module_info(m) for m in self._host.modules.list()])

    @_answering
    def ListBlueprints(
        self, request: runtime_pb2.ListBlueprintsRequest, context: grpc.ServicerContext
    ) -> runtime_pb2.ListBlueprintsResponse:
        with self._tables:
            return runtime_pb2.ListBlueprintsResponse(
                blueprints=[
                    runtime_pb2.BlueprintInfo(blueprint_id=b.id, name=b.name, module_hashes=list(b.modules))
                    for b in self._host.blueprints.list()
                ]
            )

    @_answering
    def Call(self, request: runtime_pb2.CallRequest, context: grpc.ServicerContext) -> runtime_pb2.CallResponse:
        service_id, function = request.service_id, request.function_name
        arguments = convert.arguments(request.arguments_json)
        call_parameters = convert.call_parameters(request.call_parameters)
        started = time.perf_counter()
        try:
            outcome = self._host.call(service_id, function, arguments, call_parameters=call_parameters)
        except marine.MarineError as e:
            self._metrics.failed(service_id, function, error=e, seconds=time.perf_counter() - started)
            raise
        self._metrics.succeeded(service_id, function, fuel=outcome.fuel, seconds=time.perf_counter() - started)
        return runtime_pb2.CallResponse(
            result_json=orjson.dumps(outcome.value).decode(),
            fuel=outcome.fuel,
            receipt=convert.receipt(outcome.receipt),
        )
