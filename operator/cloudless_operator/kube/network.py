"""A Subnet's network objects on the API server: the address-book ConfigMap, the headless Service, the PDB.

`ensure` makes the stored object carry the body's content: created when absent, merge-patched when
its content (data or spec) differs, untouched otherwise, so converging often writes rarely. The
module bytes a deal names are read here too, from their ConfigMaps.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from cloudless_operator.kube import client, errors
from cloudless_operator.models import deal

_CONTENT = {"ConfigMap": "data", "Service": "spec", "PodDisruptionBudget": "spec"}


def ensure(api: client.Api, body: Mapping[str, Any]) -> bool:
    """Make the object `body` describes exist with the body's content; whether anything was written."""
    kind, meta = body["kind"], body["metadata"]
    create, read, patch = _methods(api, kind)
    try:
        client.call(create, meta["namespace"], body)
        return True
    except errors.Conflict:
        pass
    stored = client.call(read, meta["name"], meta["namespace"])
    key = _CONTENT[kind]
    wanted = body[key]
    if all(stored.get(key, {}).get(field) == value for field, value in wanted.items()):
        return False
    client.call(patch, meta["name"], meta["namespace"], {key: wanted})
    return True


def module_bytes(api: client.Api, namespace: str, module: deal.Module) -> bytes | None:
    """The bytes under the module's ConfigMap key (binaryData or data), None when the map or key is missing."""
    try:
        found = client.call(api.core.read_namespaced_config_map, module.config_map, namespace)
    except errors.Gone:
        return None
    if module.key in (found.get("binaryData") or {}):
        return base64.b64decode(found["binaryData"][module.key])
    text = (found.get("data") or {}).get(module.key)
    return None if text is None else str(text).encode()


def _methods(api: client.Api, kind: str) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    if kind == "ConfigMap":
        core = api.core
        return core.create_namespaced_config_map, core.read_namespaced_config_map, core.patch_namespaced_config_map
    if kind == "Service":
        return api.core.create_namespaced_service, api.core.read_namespaced_service, api.core.patch_namespaced_service
    if kind == "PodDisruptionBudget":
        policy = api.policy
        return (
            policy.create_namespaced_pod_disruption_budget,
            policy.read_namespaced_pod_disruption_budget,
            policy.patch_namespaced_pod_disruption_budget,
        )
    raise ValueError(f"no API methods known for kind {kind!r}")
