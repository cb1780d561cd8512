"""The builtin services every peer offers to AIR scripts, under Fluence's names and conventions.

`peer.*` (identify, timestamp_ms, timestamp_sec, connect), `op.*` (noop, identity, array, concat,
array_length, concat_strings), `srv.*` (create, list, remove), `dist.*` (add_module,
add_blueprint, make_blueprint), `sig.*` (sign, verify, get_peer_id) and `subnet.resolve`. Arguments
and results are the JSON values nox uses: `dist.add_module(wasm_base64, {name})`, results like
`sig.sign`'s `{success, signature: ?[]u8, error: []string}`. A failure raises `BuiltinError`; the
dispatcher answers it as a service error (ret_code 1, the message as a JSON string), as nox does.
No I/O beyond the runtime, address book and reachability probe it is given; no gRPC.

`peer.connect(peer_id, ?multiaddrs)` says whether a peer answers now, as nox's does. A particle
sent to an unreachable peer is lost (the relay only records the failure), so a script that wants
failover asks first, on its relay, and lets `xor` move on:
`(seq (call relay ("peer" "connect") [p] up) (match up true (call p (...))))`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from cloudless_runtime import identity
from cloudless_runtime.router import addressbook, particle, runtime

JValue: TypeAlias = Any
"""A JSON value (see `air.interface.JValue`)."""

NODE_VERSION = "cloudless/0.1.0"
AIR_VERSION = "cloudless-air/0.62-compatible"


class BuiltinError(Exception):
    """A builtin refused its arguments or failed; the message goes back to the script."""


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    """The particle a builtin call serves."""

    particle: particle.Particle
    host_id: str


class Builtins:
    """Builtin services of one peer."""

    def __init__(
        self,
        *,
        keys: identity.KeyPair,
        clock: particle.Clock,
        runtime: runtime.Runtime,
        book: addressbook.AddressBook,
        reachable: Callable[[str], bool],
        external_addresses: Sequence[str] = (),
    ) -> None:
        """`reachable(address)` probes a peer's router at its address book address."""
        self._keys = keys
        self._clock = clock
        self._runtime = runtime
        self._book = book
        self._reachable = reachable
        self._addresses = list(external_addresses)
        self._table: dict[tuple[str, str], Callable[[list[JValue], Context], JValue]] = {
            ("peer", "identify"): lambda args, ctx: self._identify(),
            ("peer", "timestamp_ms"): lambda args, ctx: self._clock(),
            ("peer", "timestamp_sec"): lambda args, ctx: self._clock() // 1000,
            ("peer", "connect"): lambda args, ctx: self._connect(args),
            ("op", "noop"): lambda args, ctx: "",
            ("op", "identity"): lambda args, ctx: _identity(args),
            ("op", "array"): lambda args, ctx: list(args),
            ("op", "concat"): lambda args, ctx: _concat(args),
            ("op", "array_length"): lambda args, ctx: len(_array(_exactly(args, 1, "op.array_length")[0])),
            ("op", "concat_strings"): lambda args, ctx: "".join(_string(a) for a in args),
            ("srv", "create"): self._srv_create,
            ("srv", "list"): lambda args, ctx: self._srv_list(),
            ("srv", "remove"): self._srv_remove,
            ("dist", "add_module"): lambda args, ctx: self._add_module(args),
            ("dist", "add_blueprint"): lambda args, ctx: self._add_blueprint(args),
            ("dist", "make_blueprint"): lambda args, ctx: _make_blueprint(args),
            ("sig", "sign"): lambda args, ctx: self._sign(args),
            ("sig", "verify"): lambda args, ctx: self._verify(args),
            ("sig", "get_peer_id"): lambda args, ctx: self._keys.peer_id,
            ("subnet", "resolve"): lambda args, ctx: self._resolve(args),
        }
        self.services = frozenset(service for service, _ in self._table)

    def call(self, service: str, function: str, args: list[JValue], context: Context) -> JValue:
        """The builtin's result; raises `BuiltinError` for a failure or an unknown function."""
        handler = self._table.get((service, function))
        if handler is None:
            raise BuiltinError(f"builtin service {service!r} has no function {function!r}")
        try:
            return handler(args, context)
        except runtime.RuntimeFailure as e:
            raise BuiltinError(f"{service}.{function}: {e}") from None

    def _identify(self) -> JValue:
        return {
            "external_addresses": self._addresses,
            "node_version": NODE_VERSION,
            "air_version": AIR_VERSION,
            "spell_version": "",
            "allowed_effectors": {},
        }

    def _connect(self, args: list[JValue]) -> JValue:
        if len(args) not in (1, 2):
            raise BuiltinError(f"peer.connect takes a peer id and optional multiaddrs, got {len(args)} arguments")
        peer_id = _string(args[0])
        if peer_id == self._keys.peer_id:
            return True
        entry = self._book.lookup(peer_id)
        return entry is not None and self._reachable(entry.address)

    def _srv_create(self, args: list[JValue], context: Context) -> JValue:
        (blueprint_id,) = _exactly(args, 1, "srv.create")
        return self._runtime.create_service(_string(blueprint_id), owner_id=context.particle.init_peer_id)

    def _srv_list(self) -> JValue:
        return [
            {
                "id": s.service_id,
                "blueprint_id": s.blueprint_id,
                "owner_id": s.owner_id,
                "aliases": [],
                "worker_id": self._keys.peer_id,
            }
            for s in self._runtime.list_services()
        ]

    def _srv_remove(self, args: list[JValue], context: Context) -> JValue:
        """Only the service's owner (or this peer itself) may remove it, as in nox."""
        (service_id,) = _exactly(args, 1, "srv.remove")
        found = next((s for s in self._runtime.list_services() if s.service_id == service_id), None)
        if found is None:
            raise BuiltinError(f"srv.remove: no service {service_id!r}")
        if context.particle.init_peer_id not in (found.owner_id, self._keys.peer_id):
            raise BuiltinError(f"srv.remove: {context.particle.init_peer_id} does not own service {service_id}")
        self._runtime.remove_service(found.service_id)
        return ""

    def _add_module(self, args: list[JValue]) -> JValue:
        content, config = _exactly(args, 2, "dist.add_module")
        if not isinstance(config, dict) or not isinstance(config.get("name"), str):
            raise BuiltinError("dist.add_module: the config must be an object with a name")
        try:
            wasm = base64.b64decode(_string(content), validate=True)
        except binascii.Error as e:
            raise BuiltinError(f"dist.add_module: the module must be base64: {e}") from None
        return self._runtime.add_module(wasm, name=config["name"])

    def _add_blueprint(self, args: list[JValue]) -> JValue:
        (blueprint,) = _exactly(args, 1, "dist.add_blueprint")
        if not isinstance(blueprint, dict) or not isinstance(blueprint.get("name"), str):
            raise BuiltinError("dist.add_blueprint: expected {name, dependencies}")
        modules = [_string(d).removeprefix("hash:") for d in _array(blueprint.get("dependencies"))]
        return self._runtime.add_blueprint(blueprint["name"], modules)

    def _sign(self, args: list[JValue]) -> JValue:
        (data,) = _exactly(args, 1, "sig.sign")
        return {"success": True, "signature": [list(self._keys.sign(_bytes(data)))], "error": []}

    def _verify(self, args: list[JValue]) -> JValue:
        signature, data = _exactly(args, 2, "sig.verify")
        return identity.verify(self._keys.peer_id, _bytes(data), _bytes(signature))

    def _resolve(self, args: list[JValue]) -> JValue:
        (subnet_id,) = _exactly(args, 1, "subnet.resolve")
        workers = self._book.subnet(_string(subnet_id))
        return {
            "success": True,
            "workers": [
                {"host_id": w.peer_id, "worker_id": [w.peer_id], "cu_ids": [], "address": w.address} for w in workers
            ],
            "error": [],
        }


def _exactly(args: list[JValue], count: int, name: str) -> list[JValue]:
    if len(args) != count:
        raise BuiltinError(f"{name} takes {count} argument(s), got {len(args)}")
    return args


def _identity(args: list[JValue]) -> JValue:
    if len(args) > 1:
        raise BuiltinError(f"op.identity accepts up to 1 arguments, received {len(args)} arguments")
    return args[0] if args else ""


def _concat(args: list[JValue]) -> JValue:
    return [item for arg in args for item in _array(arg)]


def _array(value: JValue) -> list[JValue]:
    if not isinstance(value, list):
        raise BuiltinError(f"expected an array, got {type(value).__name__}")
    return value


def _string(value: JValue) -> str:
    if not isinstance(value, str):
        raise BuiltinError(f"expected a string, got {type(value).__name__}")
    return value


def _bytes(value: JValue) -> bytes:
    """A []u8 argument: a JSON array of integers 0..255."""
    if not isinstance(value, list) or not all(isinstance(b, int) and 0 <= b < 256 for b in value):
        raise BuiltinError("expected an array of bytes (integers 0..255)")
    return bytes(value)


def _make_blueprint(args: list[JValue]) -> JValue:
    name, dependencies = _exactly(args, 2, "dist.make_blueprint")
    return {"name": _string(name), "dependencies": [_string(d) for d in _array(dependencies)]}
