"""The Marine host: Marine-style multi-module WebAssembly services on wasmtime, without gRPC.

Modules follow the MX ABI of docs/abi.md (no Fluence SDK needed); `Host` keeps modules by sha256,
blueprints (ordered module hashes, facade last) and services in a state dir, runs calls under
per-module memory caps and per-call fuel and deadlines, and signs a receipt for every call.
This package knows nothing of particles' transport: the router calls it.
"""

from cloudless_runtime.marine.errors import (
    AlreadyExists,
    BadArguments,
    Closed,
    EffectorDenied,
    InvalidBlueprint,
    InvalidModule,
    LinkError,
    MarineError,
    MemoryLimit,
    ModuleError,
    NotFound,
    OutOfFuel,
    Timeout,
    Trap,
)
from cloudless_runtime.marine.host import Host, Outcome, ServiceRecord
from cloudless_runtime.marine.limits import Limits
from cloudless_runtime.marine.params import CallParameters, Particle, SecurityTetraplet
from cloudless_runtime.marine.receipts import Receipt, verify
from cloudless_runtime.marine.service import CallResult, Service, ServiceConfig

__all__ = [
    "AlreadyExists",
    "BadArguments",
    "CallParameters",
    "CallResult",
    "Closed",
    "EffectorDenied",
    "Host",
    "InvalidBlueprint",
    "InvalidModule",
    "Limits",
    "LinkError",
    "MarineError",
    "MemoryLimit",
    "ModuleError",
    "NotFound",
    "OutOfFuel",
    "Outcome",
    "Particle",
    "Receipt",
    "SecurityTetraplet",
    "Service",
    "ServiceConfig",
    "ServiceRecord",
    "Timeout",
    "Trap",
    "verify",
]
