"""Nodes as `cu sync` needs them: name and allocatable capacity."""

from __future__ import annotations

from cloudless_operator.kube import client


def allocatable(api: client.Api) -> dict[str, dict[str, str]]:
    """Each node's `status.allocatable`, by node name."""
    listed = client.call(api.core.list_node)
    return {item["metadata"]["name"]: dict(item.get("status", {}).get("allocatable", {})) for item in listed["items"]}
