"""Deploying a deal's services to one worker over its runtime's gRPC API, with the router's own client.

Thin glue over `reconcile.deployments`: list what runs, then for each service that is missing or
stale, add its modules (fetched and checked only then), its blueprint, and a service under the
service's name as alias. Every step is idempotent on the runtime's side (modules and blueprints
are content-addressed; an alias taken by a racing deploy means the service exists), so a deploy
cut short by a crash is simply run again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cloudless_operator.models import deal
from cloudless_operator.reconcile import deployments
from cloudless_runtime.router import runtime, runtime_client

TIMEOUT = 30.0
"""Seconds for one runtime call; compiling a large module on a loaded node is the slow case."""

Fetch = Callable[[deal.Module], bytes | None]
"""The bytes of a module as stored (its ConfigMap key), or None when missing."""


def deploy(address: str, services: Sequence[deal.Service], *, fetch: Fetch) -> list[dict[str, Any]]:
    """Make the worker at `address` (the runtime's host:port) run `services`; their status entries.

    A worker that cannot be reached fails every service with the reason; a bad module fails its
    own service only.
    """
    client = runtime_client.RuntimeClient(address, timeout_s=TIMEOUT)
    try:
        try:
            installed = client.list_services()
        except runtime.RuntimeFailure as failure:
            return [deployments.failed(service, f"runtime unreachable: {_reason(failure)}") for service in services]
        return [_apply(client, step, fetch=fetch) for step in deployments.steps(services, installed)]
    finally:
        client.close()


def _apply(client: runtime_client.RuntimeClient, step: deployments.Step, *, fetch: Fetch) -> dict[str, Any]:
    service = step.service
    if step.current is not None:
        return deployments.deployed(service, step.current.blueprint_id)
    try:
        wasm = [deployments.verified(module, fetch(module)) for module in service.modules]
    except deployments.BadArtifact as error:
        return deployments.failed(service, str(error))
    try:
        if step.stale is not None:
            client.remove_service(step.stale.service_id)
        hashes = [client.add_module(data, name=module.name) for module, data in zip(service.modules, wasm, strict=True)]
        blueprint = client.add_blueprint(service.name, hashes)
        try:
            client.create_service(blueprint, owner_id="", settings=deployments.settings(service))
        except runtime.RuntimeFailure as failure:
            if failure.kind != "already_exists":
                raise
    except runtime.RuntimeFailure as failure:
        return deployments.failed(service, f"runtime refused: {_reason(failure)}")
    return deployments.deployed(service, blueprint)


def _reason(failure: runtime.RuntimeFailure) -> str:
    return f"{failure.kind.upper()}: {failure}"
