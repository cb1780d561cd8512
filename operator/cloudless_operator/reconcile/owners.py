"""The ownerReferences the operator puts on its children, so the garbage collector removes them with their owner."""

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


def commitment_owner(*, name: str, uid: str) -> dict[str, object]:
    """A controller reference to a CapacityCommitment (cluster-scoped): its prover pods go when it goes.

    No blockOwnerDeletion: nothing needs the commitment's deletion to wait for its provers, and
    setting it would need update rights on the commitments' finalizers.
    """
    return {"apiVersion": names.API_VERSION, "kind": "CapacityCommitment", "name": name, "uid": uid, "controller": True}
