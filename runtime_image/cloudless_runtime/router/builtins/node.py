"""The builtins bound to one peer: `peer.*`, `kad.*`, `sig.*`, `vault.*`, `run-console.print` and
`subnet.resolve`, over the peer's keys, clock and address book, plus the runtime-backed `srv.*`,
`dist.*` and `stat.*` of `services`: one table per peer, answering aqua-lib's `builtin.aqua`.

`peer.connect(peer_id, ?multiaddrs)` says whether a peer answers now, as nox's does. A particle
sent to an unreachable peer is lost (the relay only records the failure), so a script that wants
failover asks first, on its relay, and lets `xor` move on:
`(seq (call relay ("peer" "connect") [p] up) (match up true (call p (...))))`.
`peer.timeout` answers `Later`: the router hands the message back when the time is up, and the
particle's other branches run meanwhile, as on nox.

`kad.neighborhood` has no DHT to walk: a subnet's workers are the peers a Cloudless Function
fans out over, so it answers with the workers of this peer's subnet (from the address book).
`sig.sign` and `run-console.print` serve only particles this peer initiated itself (nox's rule
for the host: a peer's signature and its log are not for anyone to use). `stat.service_memory`
answers a clear error: the runtime does not report a service's memory per module.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence

import base58
import orjson

from cloudless_runtime import identity
from cloudless_runtime.router import addressbook, particle, runtime
from cloudless_runtime.router.builtins import args as a
from cloudless_runtime.router.builtins import pure, services, vault
from cloudless_runtime.router.builtins.args import BuiltinError, JValue
from cloudless_runtime.router.builtins.context import Context, Handler, Later

log = logging.getLogger(__name__)

NODE_VERSION = "cloudless/0.1.0"
AIR_VERSION = "cloudless-air/0.62-compatible"
K_VALUE = 20
"""nox's default `count` for `kad.*`."""
UNSUPPORTED = (("stat", "service_memory"),)
FAMILIES = frozenset({"peer", "kad", "sig", "subnet", "vault", "run-console", "srv", "dist", "stat"})
"""The services a peer's own table serves; the table is built per peer (over its keys and runtime),
so the names are declared here, and a peer whose table strays from them refuses to start."""
SERVICES = FAMILIES | pure.SERVICES | {service for service, _ in UNSUPPORTED}
"""Every service name a router answers itself, without Marine (its calls carry no receipt)."""


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
        self._book = book
        self._reachable = reachable
        self._addresses = list(external_addresses)
        self._vault = vault.Vault(clock=clock)
        own: dict[tuple[str, str], Handler] = {
            ("peer", "identify"): lambda args, ctx: self._identify(),
            ("peer", "timestamp_ms"): lambda args, ctx: self._clock(),
            ("peer", "timestamp_sec"): lambda args, ctx: self._clock() // 1000,
            ("peer", "timeout"): lambda args, ctx: _timeout(args),
            ("peer", "connect"): lambda args, ctx: self._connect(args),
            ("peer", "is_connected"): lambda args, ctx: self._is_up(a.string(a.field(args, 0, "peer_id"), "peer_id")),
            ("peer", "get_contact"): lambda args, ctx: self._contact(args),
            ("kad", "neighborhood"): lambda args, ctx: self._neighborhood(args),
            ("kad", "merge"): lambda args, ctx: _kad_merge(args),
            ("sig", "sign"): self._sign,
            ("sig", "verify"): lambda args, ctx: self._verify(args),
            ("sig", "get_peer_id"): lambda args, ctx: self._keys.peer_id,
            ("subnet", "resolve"): lambda args, ctx: self._resolve(args),
            ("vault", "put"): lambda args, ctx: self._vault.put(ctx.particle, a.string_field(args, 0, "data").encode()),
            ("vault", "cat"): self._cat,
            ("run-console", "print"): self._print,
            **services.Services(runtime=runtime, peer_id=keys.peer_id, vault=self._vault).table,
        }
        strays = {service for service, _ in own} - FAMILIES
        if strays:
            raise AssertionError(f"builtin services {sorted(strays)} are missing from FAMILIES")
        self._table = own
        self.services = SERVICES

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

    def _cat(self, args: list[JValue], context: Context) -> JValue:
        path = a.string_field(args, 0, "path")
        try:
            return self._vault.read(context.particle, path).decode()
        except (BuiltinError, UnicodeDecodeError):
            raise BuiltinError(f"Error reading vault file `{path}`") from None

    def _print(self, args: list[JValue], context: Context) -> JValue:
        if context.particle.init_peer_id != self._keys.peer_id:
            raise BuiltinError("This function is only available to the host or worker spells")
        log.info("run-console: %s", orjson.dumps(args).decode(), extra={"particle_id": context.particle.id})
        return ""

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


def _timeout(args: list[JValue]) -> Later:
    """nox's `peer.timeout(duration_ms, ?message)`: the message (or nothing) once the time is up."""
    duration = a.field(args, 0, "duration_ms")
    if isinstance(duration, str) and duration.isdigit():
        duration = int(duration)  # nox parses the duration from a number or a string of digits
    after_ms = a.integer(duration, "duration_ms", (0, 2**64 - 1), "u64")
    message = a.optional(args, 1, "message")
    return Later(after_ms, "" if message is None else a.string(message, "message"))
