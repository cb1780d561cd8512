"""Kubeconfig files: how kubectl, the operator and the control-plane components find the apiserver.

The files are written as JSON, which is valid YAML and which every Kubernetes client reads, so no
YAML library is needed. Certificates are embedded (`*-data` fields), so a copied kubeconfig keeps
working wherever the state folder is.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from .pki import ClusterPKI

CLUSTER_NAME = "cloudless"


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def render(pki: ClusterPKI, server: str, identity: str, user: str) -> dict[str, object]:
    """A kubeconfig dict with one cluster, one user (the `identity` cert) and a current context."""
    context = f"{user}@{CLUSTER_NAME}"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": CLUSTER_NAME, "cluster": {"server": server, "certificate-authority-data": _b64(pki.crt("ca"))}}
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate-data": _b64(pki.crt(identity)),
                    "client-key-data": _b64(pki.key(identity)),
                },
            }
        ],
        "contexts": [{"name": context, "context": {"cluster": CLUSTER_NAME, "user": user}}],
        "current-context": context,
        "preferences": {},
    }


def write(path: Path, pki: ClusterPKI, server: str, identity: str, user: str) -> Path:
    """Write a kubeconfig readable by its owner only (it holds a private key); return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(render(pki, server, identity, user), indent=2) + "\n"
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(data)
    partial.replace(path)
    return path
