"""Capacity provers as pods: which units of a CapacityCommitment get one, and the pod each gets.

A unit is proven while its node's commitment is in `WaitStart` or `Active` (the ledger expects its
proofs then), the unit is idle (a Reserved unit serves a deal and is paid for that instead), and
its provider has not paused it (`cloudless.dev/prover: paused`, see `models.computeunit`). The
units are the ones the ledger lists for the commitment (`status.units`: proof duty is counted on
that list, frozen once the collateral is posted); before the ledger has one, `spec.units`, and
without that, every unit on its node. A listed unit on another node is not proven: the node's
key signs its proofs, and that key is on the commitment's node only.

One pod per unit, `prover-<unit>`, in the operator's namespace, pinned to the unit's node, owned
by the commitment (the garbage collector removes the provers with it). It runs
`python -m cloudless_runtime.prover` with the node's key (Secret `cloudless-node-<node>`, made by
`kube.nodekeys`), reads the controller's challenge and writes its proofs into the node's epoch data
folder (`models.datadir`), mounted by hostPath at the same path. It requests little CPU but may
use a whole core (the unit's): an idle unit's core is what it proves.

Pure: the commitment comes read (`models.commitment`); no kopf, no Kubernetes client.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from cloudless_operator.models import commitment, computeunit, datadir
from cloudless_operator.reconcile import identities, names, owners, pods

PROVER_IMAGE = "cloudless/prover:dev"
METRICS_PORT = 9103
PROVING_PHASES = frozenset({"WaitStart", "Active"})
"""Commitment phases in which the ledger counts a unit's proofs (and fails a unit without them)."""
RESOURCES = {"requests": {"cpu": "50m"}, "limits": {"cpu": "1"}}


def proving_units(
    cc: commitment.CapacityCommitment, units: Iterable[computeunit.ComputeUnit]
) -> list[computeunit.ComputeUnit]:
    """The units of `cc` that must run a prover now, by name."""
    if cc.phase not in PROVING_PHASES:
        return []
    listed = cc.units if cc.ledger_units is None else cc.ledger_units
    return sorted(
        (
            unit
            for unit in units
            if unit.node == cc.node
            and (listed is None or unit.name in listed)
            and unit.state is not computeunit.State.RESERVED
            and not unit.prover_paused
        ),
        key=lambda unit: unit.name,
    )


def desired(
    cc: commitment.CapacityCommitment, units: Iterable[computeunit.ComputeUnit], *, namespace: str, node_data_dir: str
) -> dict[str, dict[str, Any]]:
    """The prover pods `cc` should have, by pod name."""
    made = (prover_pod(cc, unit, namespace=namespace, node_data_dir=node_data_dir) for unit in proving_units(cc, units))
    return {pod["metadata"]["name"]: pod for pod in made}


def prover_pod(
    cc: commitment.CapacityCommitment, unit: computeunit.ComputeUnit, *, namespace: str, node_data_dir: str
) -> dict[str, Any]:
    """The prover pod of `unit`, with a digest of itself under `names.PROVER_TEMPLATE_ANNOTATION`."""
    key_file = f"{pods.IDENTITY_DIR}/{identities.KEY_FILE}"
    root = PurePosixPath(node_data_dir)
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": names.prover_pod_name(unit.name),
            "namespace": namespace,
            "labels": names.prover_labels(commitment=cc.name, node=unit.node, unit=unit.name),
            "ownerReferences": [owners.commitment_owner(name=cc.name, uid=cc.uid)],
        },
        "spec": {
            "nodeName": unit.node,
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 5,
            "containers": [
                {
                    "name": "prover",
                    "image": PROVER_IMAGE,
                    "args": [
                        "--unit",
                        unit.name,
                        "--key-file",
                        key_file,
                        "--out",
                        str(root / datadir.PROOFS),
                        "--challenge",
                        str(root / datadir.CHALLENGE),
                        "--metrics",
                        f"$(POD_IP):{METRICS_PORT}",
                    ],
                    "env": [pods.POD_IP_ENV],
                    "ports": [{"name": "metrics", "containerPort": METRICS_PORT}],
                    "resources": {kind: dict(amounts) for kind, amounts in RESOURCES.items()},
                    "volumeMounts": [
                        pods.identity_mount(),
                        pods.data_mount(node_data_dir),
                    ],
                }
            ],
            "volumes": [
                {"name": "identity", "secret": {"secretName": names.node_key_secret_name(unit.node)}},
                pods.data_volume(node_data_dir),
            ],
        },
    }
    pod["metadata"]["annotations"] = {names.PROVER_TEMPLATE_ANNOTATION: _digest(pod)}
    return pod


def stale(found: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """True when the pod `found` was built from another template than `wanted` (another node, owner, image, args):
    the API server fills in defaults, so the digest the operator stored is compared, not the specs."""
    annotation = names.PROVER_TEMPLATE_ANNOTATION
    stored = found.get("metadata", {}).get("annotations", {}).get(annotation)
    return bool(stored != wanted["metadata"]["annotations"][annotation])


def _digest(pod: Mapping[str, Any]) -> str:
    canonical = json.dumps({"metadata": pod["metadata"], "spec": pod["spec"]}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
