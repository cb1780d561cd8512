"""`srv.*`, `dist.*` and `stat.*`: this peer's Marine services, modules and blueprints, over its
runtime, with aqua-lib's types and nox's results and error messages.

A cloudless peer is one worker of a subnet (its key is the worker's), so nox's answers are those
of a worker scope: `Service.worker_id` is this peer and "not found" errors name the scope the way
nox prints it. Services are found by id or alias, as nox finds them. nox lets a worker's creator
add aliases; a router does not know who created its worker, so the service's owner stands in: an
alias may be set by this peer itself or by the owner of the service it will name and, when it
names another service now, of that one too (no one can take over another owner's alias). Only a
service's owner or this peer may remove it.

`dist.add_module` takes the module as nox does, base64 text, and also as the byte array
builtin.aqua declares (`Bytes`), so Aqua code typed by aqua-lib runs too. Hashes are the
runtime's (sha256 hex, not nox's blake3 CIDs). A blueprint travels as nox's IPLD
form, DAG-JSON text with module hashes as links (`{"dependencies":[{"/":"…"}],"name":"…"}`);
`dist.add_blueprint` also takes the `{name, dependencies}` object of older aqua-lib releases.
`stat.service_stat` answers as a nox whose stats collection is off: the runtime keeps per-call
metrics for Prometheus, not the per-service series that call would report.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

import orjson

from cloudless_runtime.router import runtime
from cloudless_runtime.router.builtins import args as a
from cloudless_runtime.router.builtins import context, vault
from cloudless_runtime.router.builtins.args import BuiltinError, JValue

RESERVED_ALIASES: Final = frozenset({"spell", "self"})
HOST_ONLY_ALIASES: Final = frozenset({"worker-spell"})
"""nox lets only the host name a service `worker-spell`; here only the peer itself."""
_TYPES: Final = {"bytes": "[]u8"}
"""Marine's names for the ABI's types where they differ (docs/abi.md)."""


class Services:
    """The handlers of `srv.*`, `dist.*` and `stat.*` for one peer."""

    def __init__(self, *, runtime: runtime.Runtime, peer_id: str, vault: vault.Vault) -> None:
        self._runtime = runtime
        self._peer_id = peer_id
        self._vault = vault
        self.table: dict[tuple[str, str], context.Handler] = {
            ("srv", "create"): self._create,
            ("srv", "list"): lambda args, ctx: [self._describe(s) for s in self._runtime.list_services()],
            ("srv", "info"): lambda args, ctx: self._info(args),
            ("srv", "remove"): self._remove,
            ("srv", "add_alias"): self._add_alias,
            ("srv", "resolve_alias"): lambda args, ctx: self._resolve(a.string_field(args, 0, "alias")),
            ("srv", "resolve_alias_opt"): lambda args, ctx: self._resolve_opt(a.string_field(args, 0, "alias")),
            ("srv", "get_interface"): lambda args, ctx: self._interface(args),
            ("dist", "add_module"): lambda args, ctx: self._add_module(args),
            ("dist", "add_module_from_vault"): self._add_module_from_vault,
            ("dist", "add_module_bytes_from_vault"): self._add_module_bytes_from_vault,
            ("dist", "list_modules"): lambda args, ctx: [_module(m) for m in self._runtime.list_modules()],
            ("dist", "get_module_interface"): lambda args, ctx: self._module_interface(args),
            ("dist", "make_blueprint"): lambda args, ctx: _make_blueprint(args),
            ("dist", "add_blueprint"): lambda args, ctx: self._add_blueprint(args),
            ("dist", "load_blueprint"): self._load_blueprint,
            ("dist", "list_blueprints"): lambda args, ctx: [_blueprint(b) for b in self._runtime.list_blueprints()],
            ("dist", "get_blueprint"): lambda args, ctx: self._get_blueprint(args),
            ("dist", "default_module_config"): lambda args, ctx: _module_config(args, defaults_only=True),
            ("dist", "make_module_config"): lambda args, ctx: _module_config(args, defaults_only=False),
            ("stat", "service_stat"): lambda args, ctx: self._service_stat(args),
        }

    @property
    def _scope(self) -> str:
        """How nox prints a worker's scope in its errors (Rust's Debug of `PeerScope::WorkerId`)."""
        return f'WorkerId(WorkerId(PeerId("{self._peer_id}")))'

    def _describe(self, service: runtime.ServiceInfo) -> JValue:
        """builtin.aqua's `Service`."""
        return {
            "id": service.service_id,
            "blueprint_id": service.blueprint_id,
            "service_type": "service",
            "owner_id": service.owner_id,
            "aliases": list(service.aliases),
            "worker_id": self._peer_id,
        }

    def _info(self, args: list[JValue]) -> JValue:
        return self._describe(self._find(a.string_field(args, 0, "service_id_or_alias")))

    def _find(self, id_or_alias: str) -> runtime.ServiceInfo:
        """By id first, then by alias, as nox looks a service up."""
        services = self._runtime.list_services()
        by_id = next((s for s in services if s.service_id == id_or_alias), None)
        found = by_id or next((s for s in services if id_or_alias in s.aliases), None)
        if found is None:
            raise BuiltinError(f"Service with id '{id_or_alias}' not found on {self._scope}")
        return found

    def _create(self, args: list[JValue], ctx: context.Context) -> JValue:
        blueprint_id = a.string_field(args, 0, "blueprint_id")
        try:
            return self._runtime.create_service(blueprint_id, owner_id=ctx.particle.init_peer_id)
        except runtime.RuntimeFailure as e:
            if e.code == runtime.NOT_FOUND:
                raise BuiltinError(f"Blueprint '{blueprint_id}' wasn't found") from None
            raise

    def _remove(self, args: list[JValue], ctx: context.Context) -> JValue:
        found = self._find(a.string_field(args, 0, "service_id_or_alias"))
        caller = ctx.particle.init_peer_id
        if caller not in (found.owner_id, self._peer_id):
            raise BuiltinError(
                f"Forbidden. User id '{caller}' cannot call function 'remove_service': only creator can remove service"
            )
        self._runtime.remove_service(found.service_id)
        return ""

    def _add_alias(self, args: list[JValue], ctx: context.Context) -> JValue:
        alias = a.string_field(args, 0, "alias")
        service_id = a.string_field(args, 1, "service_id")
        caller = ctx.particle.init_peer_id
        services = self._runtime.list_services()
        if any(s.service_id == alias for s in services):
            raise BuiltinError(f"Cannot add alias '{alias}' because there is a service with that id")
        if alias in RESERVED_ALIASES or (alias in HOST_ONLY_ALIASES and caller != self._peer_id):
            raise BuiltinError(f"Cannot add alias '{alias}' because it is reserved")
        target = next((s for s in services if s.service_id == service_id), None)
        if target is None:
            raise BuiltinError(f"Service with id '{service_id}' not found on {self._scope}")
        owners = {target.owner_id, *(s.owner_id for s in services if alias in s.aliases)}
        if caller != self._peer_id and owners != {caller}:
            raise BuiltinError(
                f"Forbidden. User id '{caller}' cannot call function 'add_alias': only worker, worker creator "
                "and management peer id can add worker-level aliases"
            )
        self._runtime.add_alias(alias, service_id)
        return ""

    def _resolve_opt(self, alias: str) -> list[str]:
        """An Aqua option: `[id]`, or `[]` for an unknown alias."""
        return [s.service_id for s in self._runtime.list_services() if alias in s.aliases][:1]

    def _resolve(self, alias: str) -> str:
        for service_id in self._resolve_opt(alias):
            return service_id
        raise BuiltinError(f"Service with alias '{alias}' is not found on worker '{self._scope}'")

    def _interface(self, args: list[JValue]) -> JValue:
        """The facade module's interface, as nox answers for a service."""
        found = self._find(a.string_field(args, 0, "service_id"))
        facade = found.module_hashes[-1] if found.module_hashes else ""
        return _interface(self._module_named(facade, found.service_id))

    def _module_interface(self, args: list[JValue]) -> JValue:
        digest = a.string_field(args, 0, "hex_hash")
        return _interface(self._module_named(digest, digest))

    def _module_named(self, digest: str, asked: str) -> runtime.ModuleInfo:
        found = next((m for m in self._runtime.list_modules() if m.module_hash == digest), None)
        if found is None:
            raise BuiltinError(f"Module with hash '{asked}' not found")
        return found

    def _add_module(self, args: list[JValue]) -> JValue:
        content = a.field(args, 0, "module_bytes")
        name = _config_name(a.field(args, 1, "config"))
        if isinstance(content, list):  # builtin.aqua types it `Bytes`; nox reads base64 text
            return self._runtime.add_module(a.byte_array(content, "module_bytes"), name=name)
        try:
            wasm = base64.b64decode(a.string(content, "module_bytes"), validate=True)
        except binascii.Error as e:
            raise BuiltinError(f"dist.add_module: the module must be base64: {e}") from None
        return self._runtime.add_module(wasm, name=name)

    def _add_module_from_vault(self, args: list[JValue], ctx: context.Context) -> JValue:
        path = a.string_field(args, 0, "module_path")
        name = _config_name(a.field(args, 1, "config"))
        return self._runtime.add_module(self._vault.read(ctx.particle, path), name=name)

    def _add_module_bytes_from_vault(self, args: list[JValue], ctx: context.Context) -> JValue:
        name = a.string_field(args, 0, "module_name")
        path = a.string_field(args, 1, "module_path")
        return self._runtime.add_module(self._vault.read(ctx.particle, path), name=name)

    def _add_blueprint(self, args: list[JValue]) -> JValue:
        name, modules = _read_blueprint(a.field(args, 0, "blueprint"))
        if not modules:
            raise BuiltinError(f"Blueprint '{name}' has empty list of dependencies")
        return self._runtime.add_blueprint(name, modules)

    def _load_blueprint(self, args: list[JValue], ctx: context.Context) -> JValue:
        path = a.string_field(args, 0, "blueprint_path")
        raw = self._vault.read(ctx.particle, path)
        try:
            name, modules = _read_blueprint(raw.decode())
        except (BuiltinError, UnicodeDecodeError) as e:
            raise BuiltinError(f'Error parsing blueprint from vault "{path}": {e}') from None
        return _ipld(name, modules)

    def _get_blueprint(self, args: list[JValue]) -> JValue:
        blueprint_id = a.string_field(args, 0, "blueprint_id")
        for found in self._runtime.list_blueprints():
            if found.blueprint_id == blueprint_id:
                return _blueprint(found)
        raise BuiltinError(f"Blueprint '{blueprint_id}' wasn't found")

    def _service_stat(self, args: list[JValue]) -> JValue:
        self._find(a.string_field(args, 0, "service_id"))
        raise BuiltinError("Service stats collection is disabled")


def _config_name(config: JValue) -> str:
    """nox reads only the module's name from a ModuleConfig."""
    name = a.object_(config, "config").get("name")
    if not isinstance(name, str):
        raise BuiltinError("Error while deserializing field 'config': missing field `name`")
    return name


def _interface(module: runtime.ModuleInfo) -> JValue:
    """builtin.aqua's `Interface`: Marine's function signatures (the ABI has no record types)."""
    return {
        "function_signatures": [
            {
                "name": f["name"],
                "arguments": [[name, _TYPES.get(t, t)] for name, t in f["params"]],
                "output_types": [_TYPES.get(t, t) for t in f["results"]],
            }
            for f in module.functions
        ],
        "record_types": [],
    }


def _module(module: runtime.ModuleInfo) -> JValue:
    """builtin.aqua's `Module`; the runtime applies no per-module config, so it is the default one."""
    return {"name": module.name, "hash": module.module_hash, "config": _module_config([module.name], True)}


def _blueprint(found: runtime.BlueprintInfo) -> JValue:
    """builtin.aqua's `Blueprint`."""
    return {"id": found.blueprint_id, "name": found.name, "dependencies": list(found.module_hashes)}


def _ipld(name: str, modules: list[str]) -> str:
    """nox's `AddBlueprint` as DAG-JSON: sorted keys, module hashes as links."""
    return orjson.dumps(
        {"name": name, "dependencies": [{"/": m} for m in modules]}, option=orjson.OPT_SORT_KEYS
    ).decode()


def _make_blueprint(args: list[JValue]) -> JValue:
    name = a.string_field(args, 0, "name")
    return _ipld(name, a.strings(a.field(args, 1, "dependencies"), "dependencies"))


def _read_blueprint(value: JValue) -> tuple[str, list[str]]:
    """(name, module hashes) of nox's IPLD text or of the older `{name, dependencies}` object."""
    if isinstance(value, dict):
        name = a.string(value.get("name"), "name")
        return name, [d.removeprefix("hash:") for d in a.strings(value.get("dependencies"), "dependencies")]
    text = a.string(value, "blueprint")
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise BuiltinError(f"Error deserializing blueprint from IPLD: {e}") from None
    title = doc.get("name") if isinstance(doc, dict) else None
    links = doc.get("dependencies") if isinstance(doc, dict) else None
    if not isinstance(title, str):
        raise BuiltinError("Error deserializing blueprint from IPLD: name field is missing or not a string")
    if not isinstance(links, list):
        raise BuiltinError("Error deserializing blueprint from IPLD: dependencies field is missing or not a list")
    modules = [link.get("/") if isinstance(link, dict) else None for link in links]
    if not all(isinstance(m, str) for m in modules):
        raise BuiltinError("Error deserializing blueprint from IPLD: dependency is not a link")
    return title, [m for m in modules if isinstance(m, str)]


def _module_config(args: list[JValue], defaults_only: bool) -> JValue:
    """builtin.aqua's ModuleConfig: the name, and the optional settings as Aqua options."""
    config: dict[str, JValue] = {"name": a.string_field(args, 0, "name")}
    settings = ("mem_pages_count", "max_heap_size", "logger_enabled", "preopened_files", "envs", "mapped_dirs")
    for index, setting in enumerate((*settings, "mounted_binaries", "logging_mask"), start=1):
        value = None if defaults_only else a.optional(args, index, setting)
        config[setting] = [] if value is None else [value]
    return config
