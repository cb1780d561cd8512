"""The Marine host: modules, blueprints and services of one peer, persisted in a state dir.

Layout of `state_dir`: `modules/` (wasm by sha256), `blueprints/` (by id), `compiled/` (this host's
own compile cache), `services/{id}.json` (what to re-create on restart) and `services/{id}/` (the
service's working dir, home of its relative mapped dirs). Opening a host re-creates every persisted
service; one that can no longer be created is logged and left on disk, never deleted.
"""

from __future__ import annotations

import dataclasses
import logging
import pathlib
import shutil
import uuid
from collections.abc import Sequence

import orjson

from cloudless_runtime import identity
from cloudless_runtime.marine import (
    abi,
    blueprint,
    engine,
    errors,
    fastcall,
    owned,
    params,
    receipts,
    service,
    store,
)

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceRecord:
    """A service as persisted and listed: Marine's fields and the aliases it answers to."""

    service_id: str
    blueprint_id: str
    owner_id: str
    config: service.ServiceConfig
    aliases: tuple[str, ...] = ()

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "service_id": self.service_id,
                "blueprint_id": self.blueprint_id,
                "owner_id": self.owner_id,
                "config": self.config.to_json(),
                "aliases": list(self.aliases),
            }
        )

    @classmethod
    def from_json(cls, raw: bytes) -> ServiceRecord:
        doc = orjson.loads(raw)
        return cls(
            service_id=doc["service_id"],
            blueprint_id=doc["blueprint_id"],
            owner_id=doc["owner_id"],
            config=service.ServiceConfig.from_json(doc["config"]),
            aliases=tuple(doc.get("aliases", ())),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """A successful call: its JSON result, the fuel used and the signed receipt."""

    value: abi.Json
    fuel: int
    receipt: receipts.Receipt


class Host(owned.Owned):
    """All Marine services of one peer. Close it to stop the epoch ticker and free every instance."""

    def __init__(self, state_dir: pathlib.Path, *, keys: identity.KeyPair, fast: bool = fastcall.FAST_DEFAULT) -> None:
        self.keys = keys
        self._fast = fast
        self._state = state_dir
        self._engine = engine.Engine(cache_dir=state_dir / "compiled")
        self.modules = store.ModuleStore(state_dir / "modules", engine=self._engine)
        self.blueprints = blueprint.BlueprintStore(state_dir / "blueprints", modules=self.modules)
        self._services_dir = state_dir / "services"
        self._services_dir.mkdir(parents=True, exist_ok=True)
        self._records: dict[str, ServiceRecord] = {}
        self._services: dict[str, service.Service] = {}
        self._aliases: dict[str, str] = {}
        for path in sorted(self._services_dir.glob("*.json")):
            record = ServiceRecord.from_json(path.read_bytes())
            try:
                self._start(record)
            except errors.MarineError as e:
                log.error("service %s could not be re-created: %s", record.service_id, e)

    def add_module(self, wasm: bytes, *, name: str) -> str:
        self._check_open()
        return self.modules.add(wasm, name=name)

    def add_blueprint(self, name: str, modules: Sequence[str]) -> str:
        self._check_open()
        return self.blueprints.add(name, tuple(modules))

    def create_service(
        self, blueprint_id: str, *, config: service.ServiceConfig | None = None, owner_id: str = "", alias: str = ""
    ) -> str:
        """Creates and persists a service from a blueprint; returns its new id (a UUID4, as nox).

        An `alias` lets callers use a stable name instead of the id (an operator deploys a deal's
        service under the service's name on every worker); it must not name another service yet.
        """
        self._check_open()
        if alias and alias in self._aliases:
            raise errors.AlreadyExists(f"alias {alias!r} already names service {self._aliases[alias]}")
        record = ServiceRecord(
            service_id=str(uuid.uuid4()),
            blueprint_id=blueprint_id,
            owner_id=owner_id or self.keys.peer_id,
            config=config or service.ServiceConfig(),
            aliases=(alias,) if alias else (),
        )
        self._start(record)
        self._persist(record)
        return record.service_id

    def add_alias(self, alias: str, service_id: str) -> None:
        """Points `alias` at the service `service_id` (an id, not an alias), persisted.

        As on Fluence, an alias that names another service moves to this one rather than being
        refused; who may do that is the caller's policy (the router's `srv.add_alias`). An alias
        may not be the id of a service, or calls by that id would reach another service.
        """
        self._check_open()
        if not alias:
            raise errors.BadArguments("an alias must not be empty")
        if alias in self._records:
            raise errors.AlreadyExists(f"alias {alias!r} is the id of a service")
        record = self._records.get(service_id)
        if record is None:
            raise errors.NotFound(f"no service with id {service_id!r}")
        previous = self._aliases.get(alias)
        if previous == service_id:
            return
        if previous is not None:
            before = self._records[previous]
            self._persist(dataclasses.replace(before, aliases=tuple(a for a in before.aliases if a != alias)))
        self._persist(dataclasses.replace(record, aliases=(*record.aliases, alias)))
        self._aliases[alias] = service_id

    def _persist(self, record: ServiceRecord) -> None:
        """Writes a service's record through a temporary file and makes it the listed one."""
        path = self._services_dir / f"{record.service_id}.json"
        partial = path.with_suffix(".partial")
        partial.write_bytes(record.to_json())
        partial.replace(path)
        self._records[record.service_id] = record

    def _start(self, record: ServiceRecord) -> None:
        plan = self.blueprints.get(record.blueprint_id)
        self._services[record.service_id] = service.Service(
            service_id=record.service_id,
            modules=[self.modules.load(digest) for digest in plan.modules],
            config=record.config,
            workdir=self._services_dir / record.service_id,
            engine=self._engine,
            fast=self._fast,
        )
        self._records[record.service_id] = record
        self._aliases.update(dict.fromkeys(record.aliases, record.service_id))

    def remove_service(self, service_id: str) -> None:
        """Stops a service and deletes its record and working dir."""
        self._check_open()
        service_id = self.resolve(service_id)
        self.service(service_id).close()
        del self._services[service_id]
        for alias in self._records.pop(service_id).aliases:
            del self._aliases[alias]
        (self._services_dir / f"{service_id}.json").unlink(missing_ok=True)
        shutil.rmtree(self._services_dir / service_id, ignore_errors=True)

    def list_services(self) -> list[ServiceRecord]:
        return [self._records[sid] for sid in self._services]

    def resolve(self, service_id_or_alias: str) -> str:
        """The id of the service an alias names; an id (or an unknown name) is returned as it is."""
        return self._aliases.get(service_id_or_alias, service_id_or_alias)

    def service(self, service_id: str) -> service.Service:
        found = self._services.get(self.resolve(service_id))
        if found is None:
            raise errors.NotFound(f"no service with id {service_id!r}")
        return found

    def call(
        self,
        service_id: str,
        function: str,
        args: Sequence[abi.Json],
        *,
        call_parameters: params.CallParameters | None = None,
    ) -> Outcome:
        """Calls a service's facade function and signs a receipt for the result."""
        self._check_open()
        service_id = self.resolve(service_id)
        target = self.service(service_id)
        done = target.call(function, args, call_parameters=call_parameters)
        receipt = receipts.issue(
            self.keys,
            service_id=service_id,
            blueprint_id=self._records[service_id].blueprint_id,
            modules=target.module_hashes,
            function=function,
            args=list(args),
            result=done.value,
            fuel=done.fuel,
            particle_id=call_parameters.particle.id if call_parameters else "",
        )
        return Outcome(value=done.value, fuel=done.fuel, receipt=receipt)

    def _release(self) -> None:
        for running in self._services.values():
            running.close()
        self._services.clear()
        self._engine.close()
