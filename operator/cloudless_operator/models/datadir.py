"""The epoch data folder: one layout shared by the epoch controller, the provers and the worker routers.

The operator sees it at `Settings.data_dir`, pods at `Settings.node_data_dir` (a hostPath): on the
local cluster both are the same folder, on a multi-node cluster a shared mount. Every writer owns
its own files, so no two processes ever append to the same one:

    challenge.json                               the controller (prover.challenge.publish)
    proofs/epoch-<e>/<unit>.jsonl                one prover per unit (prover.outbox)
    steps/<namespace>/<subnet>/<worker>/         one worker's router (--steps-dir, router.stepstore)
    ledger/ledger.jsonl                          the controller (billing.ledger.store)
"""

from __future__ import annotations

from pathlib import PurePosixPath

CHALLENGE = "challenge.json"
PROOFS = "proofs"
STEPS = "steps"
LEDGER = "ledger/ledger.jsonl"


def steps_dir(root: str, namespace: str, subnet: str, worker: str) -> PurePosixPath:
    """Where `worker`'s router keeps its executed step records."""
    return PurePosixPath(root, STEPS, namespace, subnet, worker)
