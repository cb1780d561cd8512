"""Builders of CR bodies for the operator's unit tests, shaped as the API server returns them (defaults filled)."""

from __future__ import annotations

from typing import Any

SHA = "d8127fea7532101f4770d5f5e9924328092dcd176b6a4e816d6d0b5e94d801e0"


def deal_body(name: str = "greeting", *, uid: str = "uid-greeting", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "Deal",
        "metadata": {"name": name, "namespace": "default", "uid": uid, "generation": 1},
        "spec": {
            "services": [
                {
                    "name": "greeting",
                    "modules": [{"name": "greeting", "configMapRef": {"name": "greeting-c"}, "sha256": SHA}],
                }
            ],
            "minWorkers": 1,
            "targetWorkers": 3,
            "pricePerWorkerEpoch": "0.5",
            "deposit": "15",
        },
    }
    body["spec"].update(spec)
    return body


def unit_body(
    name: str,
    *,
    provider: str = "acme",
    node: str | None = None,
    price: str = "0.33",
    effectors: tuple[str, ...] = (),
    state: str | None = None,
    deal_uid: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "ComputeUnit",
        "metadata": {"name": name, "resourceVersion": "1"},
        "spec": {
            "provider": provider,
            "nodeName": node or f"node-{name}",
            "pricePerEpoch": price,
            "effectors": list(effectors),
        },
    }
    if state is not None:
        body["status"] = {"state": state}
    if deal_uid is not None:
        body["status"] = {"state": "Reserved", "dealRef": {"namespace": "default", "name": "d", "uid": deal_uid}}
    return body
