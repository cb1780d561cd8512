"""The ownerReference every child of a Subnet carries, so the garbage collector removes it with the Subnet."""

from __future__ import annotations

from cloudless_operator.models import subnet
from cloudless_operator.reconcile import names


def subnet_owner(net: subnet.Subnet) -> dict[str, object]:
    """A controller reference to `net`: its pods and Secrets are the operator's to replace, no one else's."""
    return {
        "apiVersion": names.API_VERSION,
        "kind": "Subnet",
        "name": net.name,
        "uid": net.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }
