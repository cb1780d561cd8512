"""The builtins bound to one peer: `peer.*`, `kad.*`, `srv.*`, `dist.*`, `sig.*` and
`subnet.resolve`, over the peer's keys, clock, Marine runtime and address book.

`peer.connect(peer_id, ?multiaddrs)` says whether a peer answers now, as nox's does. A particle
sent to an unreachable peer is lost (the relay only records the failure), so a script that wants
failover asks first, on its relay, and lets `xor` move on:
`(seq (call relay ("peer" "connect") [p] up) (match up true (call p (...))))`.

`kad.neighborhood` has no DHT to walk: a subnet's workers are the peers a Cloudless Function
fans out over, so it answers with the workers of this peer's subnet (from the address book).
Functions of `builtin.aqua` that need state this peer does not keep (aliases, module and
blueprint listings, interfaces, the particle vault, `peer.timeout`, which would block the
particle's other branches here) answer a clear error instead of a wrong value. `sig.sign` signs
only in particles this peer initiated itself (nox's scope rule).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
from collections.abc import Callable, Sequence

import base58

from cloudless_runtime import identity
from cloudless_runtime.router import addressbook, particle, runtime
from cloudless_runtime.router.builtins import args as a
from cloudless_runtime.router.builtins import pure
from cloudless_runtime.router.builtins.args import BuiltinError, JValue

NODE_VERSION = "cloudless/0.1.0"
AIR_VERSION = "cloudless-air/0.62-compatible"
K_VALUE = 20
"""nox's default `count` for `kad.*`."""
UNSUPPORTED = (
    ("peer", "timeout"),
    ("srv", "add_alias"),
    ("srv", "resolve_alias"),
    ("srv", "resolve_alias_opt"),
    ("srv", "get_interface"),
    ("dist", "add_module_from_vault"),
    ("dist", "add_module_bytes_from_vault"),
    ("dist", "load_blueprint"),
    ("dist", "list_modules"),
    ("dist", "get_module_interface"),
    ("dist", "list_blueprints"),
    ("dist", "get_blueprint"),
)


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    """The particle a builtin call serves."""

    particle: particle.Particle
    host_id: str


Handler = Callable[[list[JValue], Context], JValue]


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
        own: dict[tuple[str, str], Handler] = {
            ("peer", "identify"): lambda args, ctx: self._identify(),
            ("peer", "timestamp_ms"): lambda args, ctx: self._clock(),
            ("peer", "timestamp_sec"): lambda args, ctx: self._clock() // 1000,
            ("peer", "connect"): lambda args, ctx: self._connect(args),
            ("peer", "is_connected"): lambda args, ctx: self._is_up(a.string(a.field(args, 0, "peer_id"), "peer_id")),
            ("peer", "get_contact"): lambda args, ctx: self._contact(args),
            ("kad", "neighborhood"): lambda args, ctx: self._neighborhood(args),
            ("kad", "merge"): lambda args, ctx: _kad_merge(args),
            ("srv", "create"): self._srv_create,
            ("srv", "list"): lambda args, ctx: self._srv_list(),
            ("srv", "info"): lambda args, ctx: self._srv_info(args),
            ("srv", "remove"): self._srv_remove,
            ("dist", "add_module"): lambda args, ctx: self._add_module(args),
            ("dist", "add_blueprint"): lambda args, ctx: self._add_blueprint(args),
            ("dist", "make_blueprint"): lambda args, ctx: _make_blueprint(args),
            ("dist", "default_module_config"): lambda args, ctx: _module_config(args, defaults_only=True),
            ("dist", "make_module_config"): lambda args, ctx: _module_config(args, defaults_only=False),
            ("sig", "sign"): self._sign,
            ("sig", "verify"): lambda args, ctx: self._verify(args),
            ("sig", "get_peer_id"): lambda args, ctx: self._keys.peer_id,
            ("subnet", "resolve"): lambda args, ctx: self._resolve(args),
        }
        self._table = own
        self.services = (
            frozenset(service for service, _ in own) | pure.SERVICES | {service for service, _ in UNSUPPORTED}
        )

    def call(self, service: str, function: str, args: list[JValue], context: Context) -> JValue:
        """The builtin's result; raises `BuiltinError` for a failure or an unknown function."""
        handler = self._table.get((service, function))
        shared = pure.TABLE.get((service, function))
        if handler is None and shared is None:
            if (service, function) in UNSUPPORTED:
                raise BuiltinError(f"{service}.{function} is not supported by this peer")
            raise BuiltinError(f"builtin service {service!r} has no function {function!r}")
        try:
            if handler is not None:
                return handler(args, context)
            assert shared is not None
            return shared(args)
        except BuiltinError:
            raise
        except runtime.RuntimeFailure as e:
            raise BuiltinError(f"{service}.{function}: {e}") from None
        except Exception as e:  # a builtin's bug answers the script, it never takes the router down
            raise BuiltinError(f"{service}.{function} failed: {type(e).__name__}: {e}") from None

    def _identify(self) -> JValue:
        return {
            "external_addresses": self._addresses,
            "node_version": NODE_VERSION,
            "air_version": AIR_VERSION,
            "spell_version": "",
            "allowed_binaries": [],
            "allowed_effectors": {},
        }

    def _is_up(self, peer_id: str) -> bool:
        if peer_id == self._keys.peer_id:
            return True
        entry = self._book.lookup(peer_id)
        return entry is not None and self._reachable(entry.address)

    def _connect(self, args: list[JValue]) -> JValue:
        if len(args) not in (1, 2):
            raise BuiltinError(f"peer.connect takes a peer id and optional multiaddrs, got {len(args)} arguments")
        return self._is_up(a.string(args[0], "peer_id"))

    def _contact(self, args: list[JValue]) -> JValue:
        """An Aqua option: `[Contact]` when the peer is known and answers, else `[]`."""
        peer_id = a.string(a.field(args, 0, "peer_id"), "peer_id")
        entry = self._book.lookup(peer_id)
        if entry is None or not self._is_up(peer_id):
            return []
        return [{"peer_id": peer_id, "addresses": [entry.address]}]

    def _neighborhood(self, args: list[JValue]) -> JValue:
        key = a.string(a.field(args, 0, "key"), "key")
        try:
            base58.b58decode(key)
        except ValueError as e:
            raise BuiltinError(f"error decoding base58 key: {e}") from None
        count = a.optional(args, 2, "count")
        limit = K_VALUE if count is None else a.integer(count, "count", a.U32, "u32")
        own = self._book.lookup(self._keys.peer_id)
        if own is None or not own.subnet:
            return [self._keys.peer_id][:limit]
        return [w.peer_id for w in self._book.subnet(own.subnet)][:limit]

    def _srv_create(self, args: list[JValue], context: Context) -> JValue:
        blueprint_id = a.string(a.field(args, 0, "blueprint_id"), "blueprint_id")
        return self._runtime.create_service(blueprint_id, owner_id=context.particle.init_peer_id)

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

    def _srv_info(self, args: list[JValue]) -> JValue:
        service_id = a.string(a.field(args, 0, "service_id"), "service_id")
        found = next((s for s in self._srv_list() if s["id"] == service_id), None)
        if found is None:
            raise BuiltinError(f"Service with id '{service_id}' not found")
        return {**found, "service_type": "service"}

    def _srv_remove(self, args: list[JValue], context: Context) -> JValue:
        """Only the service's owner (or this peer itself) may remove it, as in nox."""
        if len(args) != 1:
            raise BuiltinError(f"srv.remove takes 1 argument(s), got {len(args)}")
        service_id = a.string(args[0], "service_id")
        found = next((s for s in self._runtime.list_services() if s.service_id == service_id), None)
        if found is None:
            raise BuiltinError(f"srv.remove: no service {service_id!r}")
        if context.particle.init_peer_id not in (found.owner_id, self._keys.peer_id):
            raise BuiltinError(f"srv.remove: {context.particle.init_peer_id} does not own service {service_id}")
        self._runtime.remove_service(found.service_id)
        return ""

    def _add_module(self, args: list[JValue]) -> JValue:
        content = a.string(a.field(args, 0, "module_bytes"), "module_bytes")
        config = a.field(args, 1, "config")
        if not isinstance(config, dict) or not isinstance(config.get("name"), str):
            raise BuiltinError("dist.add_module: the config must be an object with a name")
        try:
            wasm = base64.b64decode(content, validate=True)
        except binascii.Error as e:
            raise BuiltinError(f"dist.add_module: the module must be base64: {e}") from None
        return self._runtime.add_module(wasm, name=config["name"])

    def _add_blueprint(self, args: list[JValue]) -> JValue:
        blueprint = a.field(args, 0, "blueprint_request")
        if not isinstance(blueprint, dict) or not isinstance(blueprint.get("name"), str):
            raise BuiltinError("dist.add_blueprint: expected {name, dependencies}")
        modules = [d.removeprefix("hash:") for d in a.strings(blueprint.get("dependencies"), "dependencies")]
        return self._runtime.add_blueprint(blueprint["name"], modules)

    def _sign(self, args: list[JValue], context: Context) -> JValue:
        """Only for the peer's own particles, as nox allows it: signing for anyone would let any
        script obtain this peer's signature over its data, receipts or session hellos."""
        if context.particle.init_peer_id != self._keys.peer_id:
            raise BuiltinError(
                f"peer '{context.particle.init_peer_id}' is not allowed to sign data on '{self._keys.peer_id}'"
            )
        data = a.byte_array(a.field(args, 0, "data"), "data")
        return {"success": True, "signature": [list(self._keys.sign(data))], "error": []}

    def _verify(self, args: list[JValue]) -> JValue:
        signature = a.byte_array(a.field(args, 0, "signature"), "signature")
        data = a.byte_array(a.field(args, 1, "data"), "data")
        return identity.verify(self._keys.peer_id, data, signature)

    def _resolve(self, args: list[JValue]) -> JValue:
        subnet_id = a.string(a.field(args, 0, "deal_id"), "deal_id")
        workers = self._book.subnet(subnet_id)
        return {
            "success": True,
            "workers": [
                {"host_id": w.peer_id, "worker_id": [w.peer_id], "cu_ids": [], "address": w.address} for w in workers
            ],
            "error": [],
        }


def _kad_merge(args: list[JValue]) -> JValue:
    """Merges two lists of base58 keys, sorted by XOR distance (of their SHA-256) to the target."""
    target = a.string(a.field(args, 0, "target"), "target")
    keys = a.strings(a.field(args, 1, "left"), "left") + a.strings(a.field(args, 2, "right"), "right")
    count = a.optional(args, 3, "count")
    limit = K_VALUE if count is None else a.integer(count, "count", a.U32, "u32")

    def point(key: str) -> int:
        try:
            return int.from_bytes(hashlib.sha256(base58.b58decode(key)).digest())
        except ValueError as e:
            raise BuiltinError(f"error decoding base58: {e}") from None

    origin = point(target)
    return sorted(dict.fromkeys(keys), key=lambda k: point(k) ^ origin)[:limit]


def _make_blueprint(args: list[JValue]) -> JValue:
    name = a.string(a.field(args, 0, "name"), "name")
    return {"name": name, "dependencies": a.strings(a.field(args, 1, "dependencies"), "dependencies")}


def _module_config(args: list[JValue], *, defaults_only: bool) -> JValue:
    """builtin.aqua's ModuleConfig: the name, and the optional settings as Aqua options."""
    config: dict[str, JValue] = {"name": a.string(a.field(args, 0, "name"), "name")}
    settings = ("mem_pages_count", "max_heap_size", "logger_enabled", "preopened_files", "envs", "mapped_dirs")
    for index, setting in enumerate((*settings, "mounted_binaries", "logging_mask"), start=1):
        value = None if defaults_only else a.optional(args, index, setting)
        config[setting] = [] if value is None else [value]
    return config
