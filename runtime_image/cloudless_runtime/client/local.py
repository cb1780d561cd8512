"""The init peer's local services, as Fluence clients provide them to compiled Aqua:

* `getDataSrv.<name>()` returns the value passed with `--data name=json` (an unknown name fails);
  `getDataSrv.-relay-()` returns the relay's peer id, as js-client serves it to compiled Aqua, and
  so does `getDataSrv.relay()` unless `relay` was passed (the AIR examples' convention);
* `callbackSrv.response(...)` hands the script's answer back: its arguments are the result;
* `errorHandlingSrv.error(error, index)` reports an error the script caught; it ends the run too;
* the pure builtins (`op`, `math`, `cmp`, `array`, `json`, `debug`), as js-client serves them,
  because compiled Aqua calls them on whichever peer runs the line, the init peer included;
* anything else fails with js-client's words ("No service found for service call: ...").

No I/O: the relay session feeds requests in and reads `finished`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from cloudless_runtime import air
from cloudless_runtime.router.builtins import BuiltinError, pure

JValue = Any


RELAY_NAMES = ("-relay-", "relay")
"""`getDataSrv` functions answered with the relay's peer id when not passed as data."""


class LocalServices:
    def __init__(self, data: Mapping[str, JValue], *, relay_id: str) -> None:
        self._data = {**dict.fromkeys(RELAY_NAMES, relay_id), **data}
        self.responses: list[list[JValue]] = []
        self.errors: list[JValue] = []

    def finished(self) -> bool:
        """A method, not a property: it changes under the caller's feet as calls are served."""
        return bool(self.responses or self.errors)

    def call(self, request: air.CallRequest) -> air.CallResult:
        service, function, args = request.service_id, request.function_name, list(request.arguments)
        if service == "getDataSrv":
            if function not in self._data:
                return _fail(f"getDataSrv has no {function!r}: pass it with --data {function}=JSON")
            return air.CallResult(0, orjson.dumps(self._data[function]).decode())
        if (service, function) == ("callbackSrv", "response"):
            self.responses.append(args)
            return air.CallResult(0, '""')
        if (service, function) == ("errorHandlingSrv", "error"):
            self.errors.append(args[0] if args else None)
            return air.CallResult(0, '""')
        if service in pure.SERVICES:
            try:
                return air.CallResult(0, orjson.dumps(pure.call(service, function, args)).decode())
            except BuiltinError as e:
                return _fail(str(e))
        return _fail(
            f"No service found for service call: serviceId='{service}', fnName='{function}' "
            f"args='{orjson.dumps(args).decode()}'"
        )


def _fail(message: str) -> air.CallResult:
    return air.CallResult(1, orjson.dumps(message).decode())
