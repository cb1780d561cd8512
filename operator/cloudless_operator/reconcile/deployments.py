"""What a worker must run of its deal, and what the operator records about it: pure decisions, no I/O.

A deal's service is deployed on a worker under the service's name as its alias, so every worker of
the subnet answers `(call worker ("greeting" "greeting") ...)` the same way. A service counts as
deployed when a service with that alias runs exactly the deal's modules (by sha256, facade last);
one with other modules (the deal was edited) is replaced. Module bytes come from ConfigMaps and are
refused unless their sha256 is the one the deal names, so an edited ConfigMap cannot swap code in.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from cloudless_operator.models import deal
from cloudless_operator.reconcile import capacity
from cloudless_runtime.router import runtime

DEPLOYED, FAILED, NOT_DEPLOYED = "Deployed", "Failed", "NotDeployed"


class BadArtifact(ValueError):
    """A module's bytes are missing or are not what the deal names; the message says which and why."""


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """What to do for one service: nothing (`current` runs it), or replace `stale` (if any) by a fresh deploy."""

    service: deal.Service
    current: runtime.ServiceInfo | None
    stale: runtime.ServiceInfo | None


def steps(services: Sequence[deal.Service], installed: Sequence[runtime.ServiceInfo]) -> list[Step]:
    """One step per deal service, given what the worker runs now."""
    by_alias = {alias: item for item in installed for alias in item.aliases}
    result = []
    for service in services:
        found = by_alias.get(service.name)
        wanted = tuple(module.sha256 for module in service.modules)
        if found is not None and found.module_hashes == wanted:
            result.append(Step(service, current=found, stale=None))
        else:
            result.append(Step(service, current=None, stale=found))
    return result


def verified(module: deal.Module, data: bytes | None) -> bytes:
    """`data` if it is the module the deal names; BadArtifact otherwise."""
    where = f"configmap {module.config_map!r} key {module.key!r}"
    if data is None:
        raise BadArtifact(f"module {module.name!r}: {where} not found")
    digest = hashlib.sha256(data).hexdigest()
    if digest != module.sha256:
        raise BadArtifact(f"module {module.name!r}: {where} has sha256 {digest}, the deal names {module.sha256}")
    return data


def settings(service: deal.Service) -> runtime.ServiceSettings:
    """How the runtime creates the service: under its name, with its memory limit (a quantity), env and dirs."""
    return runtime.ServiceSettings(
        alias=service.name,
        memory_bytes=int(capacity.quantity(service.memory_limit)),
        envs=service.env,
        mapped_dirs=service.mapped_dirs,
    )


def deployed(service: deal.Service, blueprint_id: str) -> dict[str, Any]:
    return {"name": service.name, "state": DEPLOYED, "blueprintId": blueprint_id}


def failed(service: deal.Service, message: str) -> dict[str, Any]:
    return {"name": service.name, "state": FAILED, "message": message[:4096]}


def pending(services: Sequence[deal.Service]) -> list[dict[str, Any]]:
    """The services of a worker that is not Ready yet: nothing can be deployed to it."""
    return [{"name": service.name, "state": NOT_DEPLOYED} for service in services]


def all_deployed(states: Sequence[Mapping[str, Any]]) -> bool:
    return all(state.get("state") == DEPLOYED for state in states)
