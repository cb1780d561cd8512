"""The Deal as a value: what the customer ordered (spec) and what the operator last recorded (status).

`Deal.from_body` is the only way in: it checks every field the matcher, billing and the pod
builders rely on, so they never re-check. The phase enum lives here because status and matcher share it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from decimal import Decimal

from cloudless_operator.models import errors, fields, ids, money, raw


class Phase(enum.StrEnum):
    """Fluence's deal status, for display; listed in precedence order, the first that holds wins."""

    ENDED = "ENDED"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    SMALL_BALANCE = "SMALL_BALANCE"
    NOT_ENOUGH_WORKERS = "NOT_ENOUGH_WORKERS"
    ACTIVE = "ACTIVE"


@dataclasses.dataclass(frozen=True, slots=True)
class Module:
    """One Wasm module of a blueprint: its import name and where its bytes are (ConfigMap key, sha256)."""

    name: str
    config_map: str
    key: str
    sha256: str


@dataclasses.dataclass(frozen=True, slots=True)
class Service:
    """A Marine service: modules in dependency order, the last being the facade."""

    name: str
    modules: tuple[Module, ...]
    mapped_dirs: tuple[tuple[str, str], ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    memory_limit: str = "64Mi"

    @property
    def facade(self) -> Module:
        return self.modules[-1]


@dataclasses.dataclass(frozen=True, slots=True)
class ProviderAccess:
    """Allow and deny lists; `allow=None` means every provider not denied."""

    allow: frozenset[ids.ProviderName] | None = None
    deny: frozenset[ids.ProviderName] = frozenset()

    def permits(self, provider: ids.ProviderName) -> bool:
        return provider not in self.deny and (self.allow is None or provider in self.allow)


@dataclasses.dataclass(frozen=True, slots=True)
class Deal:
    """A validated Deal spec plus its identity; `max_workers_per_provider` is already resolved (no cap = target)."""

    namespace: str
    name: str
    uid: ids.DealUid
    generation: int
    services: tuple[Service, ...]
    min_workers: int
    target_workers: int
    max_workers_per_provider: int
    price: Decimal
    deposit: Decimal
    required_effectors: frozenset[ids.Effector] = frozenset()
    providers: ProviderAccess = ProviderAccess()
    stopped: bool = False
    payment_token: str = "USDC"

    @property
    def key(self) -> str:
        """`namespace/name`, how logs and events name the deal."""
        return f"{self.namespace}/{self.name}"

    @classmethod
    def from_body(cls, body: raw.RawDeal | Mapping[str, object]) -> Deal:
        meta = fields.mapping(body, "metadata", path="")
        spec = fields.mapping(body, "spec", path="")
        path = "spec"
        target = fields.integer(spec, "targetWorkers", path=path, minimum=1)
        minimum = fields.integer(spec, "minWorkers", path=path, minimum=1, default=1)
        if minimum > target:
            raise errors.MalformedBody(f"{path}.minWorkers", f"{minimum} is more than targetWorkers {target}")
        cap = fields.optional_integer(spec, "maxWorkersPerProvider", path=path, minimum=1)
        price = money.parse(spec.get("pricePerWorkerEpoch"), path=f"{path}.pricePerWorkerEpoch")
        if price == 0:
            raise errors.MalformedBody(f"{path}.pricePerWorkerEpoch", "must be greater than zero")
        services = tuple(
            _service(item, path=f"{path}.services[{index}]")
            for index, item in enumerate(fields.objects(spec, "services", path=path))
        )
        if not services:
            raise errors.MalformedBody(f"{path}.services", "a deal needs at least one service")
        providers = fields.mapping(spec, "providers", path=path, required=False)
        allow = fields.strings(providers, "allow", path=f"{path}.providers") if "allow" in providers else None
        return cls(
            namespace=fields.string(meta, "namespace", path="metadata"),
            name=fields.string(meta, "name", path="metadata"),
            uid=ids.DealUid(fields.string(meta, "uid", path="metadata")),
            generation=fields.integer(meta, "generation", path="metadata", default=0),
            services=services,
            min_workers=minimum,
            target_workers=target,
            max_workers_per_provider=min(cap, target) if cap is not None else target,
            price=price,
            deposit=money.parse(spec.get("deposit"), path=f"{path}.deposit"),
            required_effectors=frozenset(ids.Effector(e) for e in fields.strings(spec, "requiredEffectors", path=path)),
            providers=ProviderAccess(
                allow=None if allow is None else frozenset(ids.ProviderName(p) for p in allow),
                deny=frozenset(
                    ids.ProviderName(p) for p in fields.strings(providers, "deny", path=f"{path}.providers")
                ),
            ),
            stopped=fields.boolean(spec, "stopped", path=path, default=False),
            payment_token=fields.string(spec, "paymentToken", path=path, default="USDC"),
        )


def _service(body: Mapping[str, object], *, path: str) -> Service:
    modules = tuple(
        Module(
            name=fields.string(item, "name", path=f"{path}.modules[{index}]"),
            config_map=fields.string(
                fields.mapping(item, "configMapRef", path=f"{path}.modules[{index}]"),
                "name",
                path=f"{path}.modules[{index}].configMapRef",
            ),
            key=fields.string(
                fields.mapping(item, "configMapRef", path=f"{path}.modules[{index}]"),
                "key",
                path=f"{path}.modules[{index}].configMapRef",
                default="module.wasm",
            ),
            sha256=fields.string(item, "sha256", path=f"{path}.modules[{index}]"),
        )
        for index, item in enumerate(fields.objects(body, "modules", path=path))
    )
    if not modules:
        raise errors.MalformedBody(f"{path}.modules", "a service needs at least one module (its facade)")
    dirs = fields.mapping(body, "mappedDirs", path=path, required=False)
    for alias, target in dirs.items():
        if not isinstance(target, str):
            raise errors.MalformedBody(f"{path}.mappedDirs.{alias}", f"expected a path string, got {target!r}")
    env = fields.objects(body, "env", path=path, required=False)
    return Service(
        name=fields.string(body, "name", path=path),
        modules=modules,
        mapped_dirs=tuple(sorted((alias, str(target)) for alias, target in dirs.items())),
        env=tuple(
            (
                fields.string(var, "name", path=f"{path}.env[{index}]"),
                fields.optional_string(var, "value", path=f"{path}.env[{index}]") or "",
            )
            for index, var in enumerate(env)
        ),
        memory_limit=fields.string(body, "memoryLimit", path=path, default="64Mi"),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class DealStatus:
    """What the operator recorded last: the balance (None before the first write), billing and matched units."""

    balance: Decimal | None = None
    last_billed_epoch: int | None = None
    matched_units: tuple[ids.UnitName, ...] = ()
    phase: Phase | None = None

    @classmethod
    def from_body(cls, body: raw.RawDeal | Mapping[str, object]) -> DealStatus:
        status = fields.mapping(body, "status", path="", required=False)
        balance = status.get("balance")
        phase = fields.optional_string(status, "phase", path="status")
        if phase is not None and phase not in Phase.__members__:
            raise errors.MalformedBody("status.phase", f"unknown phase {phase!r}")
        return cls(
            balance=None if balance is None else money.parse(balance, path="status.balance"),
            last_billed_epoch=fields.optional_integer(status, "lastBilledEpoch", path="status"),
            matched_units=tuple(ids.UnitName(u) for u in fields.strings(status, "matchedUnits", path="status")),
            phase=None if phase is None else Phase(phase),
        )
