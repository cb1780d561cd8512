"""Every name, label and finalizer the operator puts on objects, in one place.

Children get deterministic names derived from their owner, so a handler re-run after a crash finds
what it created instead of creating it again.
"""

from __future__ import annotations

GROUP = "cloudless.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"

FINALIZER = f"{GROUP}/finalizer"
PROVIDER_LABEL = f"{GROUP}/provider"
NODE_LABEL = f"{GROUP}/node"
DEAL_LABEL = f"{GROUP}/deal"
SUBNET_LABEL = f"{GROUP}/subnet"
"""On every pod and identity Secret of a Subnet: how the operator lists them, and how a pod event finds its Subnet."""
WORKER_LABEL = f"{GROUP}/worker"
RETRY_ANNOTATION = f"{GROUP}/units-changed"
"""Set on a waiting Deal when a unit frees up, so its update handler runs the matcher again."""

MANAGED_BY = {"app.kubernetes.io/managed-by": "cloudless-operator", "app.kubernetes.io/part-of": "cloudless"}


def unit_name(node: str, index: int) -> str:
    """`<node>-cu<index>`: unit names follow the node, so a second sync finds the units of the first."""
    return f"{node}-cu{index}"


def unit_labels(*, provider: str, node: str) -> dict[str, str]:
    return {**MANAGED_BY, PROVIDER_LABEL: provider, NODE_LABEL: node}


def subnet_name(deal_name: str) -> str:
    """A deal has one subnet, named after it."""
    return deal_name


def deal_label(namespace: str, name: str) -> str:
    """`namespace.name`: a label value naming a deal across namespaces (both parts are DNS labels)."""
    return f"{namespace}.{name}"


def worker_name(deal_name: str, index: int) -> str:
    return f"{deal_name}-w{index}"


def worker_labels(*, deal_name: str, subnet: str, worker: str) -> dict[str, str]:
    """The labels of a worker's pod and identity Secret: selectable by deal, by subnet and one by one."""
    return {**MANAGED_BY, DEAL_LABEL: deal_name, SUBNET_LABEL: subnet, WORKER_LABEL: worker}


def pod_name(worker: str) -> str:
    """A worker's pod is named after it, so a re-run finds the pod instead of making a second one."""
    return worker


def identity_secret_name(worker: str) -> str:
    """`<worker>-identity`: the Secret outlives the pod, so a restarted pod keeps the worker's peer id."""
    return f"{worker}-identity"


ADDRESS_BOOK_KEY = "book.json"


def address_book_name(subnet: str) -> str:
    """`<subnet>-addressbook`: the ConfigMap every router of the subnet reads its peers from."""
    return f"{subnet}-addressbook"


def node_key_secret_name(node: str) -> str:
    """`cloudless-node-<node>`: the Secret holding the node's Ed25519 key, in the operator's namespace."""
    return f"cloudless-node-{node}"


def node_key_labels(node: str) -> dict[str, str]:
    return {**MANAGED_BY, NODE_LABEL: node}


UNIT_LABEL = f"{GROUP}/unit"
COMMITMENT_LABEL = f"{GROUP}/commitment"
"""On every prover pod: how a commitment's converge lists its provers."""
PROVER_COMPONENT = {"app.kubernetes.io/component": "prover"}
PROVER_TEMPLATE_ANNOTATION = f"{GROUP}/prover-template"
"""A digest of the prover pod as the operator built it: a pod whose digest differs is replaced."""


def prover_pod_name(unit: str) -> str:
    """`prover-<unit>`: one prover per unit, in the operator's namespace."""
    return f"prover-{unit}"


def prover_labels(*, commitment: str, node: str, unit: str) -> dict[str, str]:
    return {**MANAGED_BY, **PROVER_COMPONENT, COMMITMENT_LABEL: commitment, NODE_LABEL: node, UNIT_LABEL: unit}


LEDGER_CONFIGMAP = "cloudless-ledger"
"""In the operator's namespace: the ledger's clock, signer and head, and the serving log (`reconcile.ledgermirror`)."""
LEDGER_KEY_SECRET = "cloudless-ledger-key"
"""In the operator's namespace: the Ed25519 key that signs every ledger record."""
