"""Which steps to re-verify: k per subnet per epoch, chosen by the epoch's global nonce.

Each candidate step is ranked by SHA-256(domain ‖ nonce ‖ its key) and the k lowest are taken:
the choice depends only on the nonce and the set of candidates (not on the order they were
listed in), anyone can recompute it from the ledger, and nobody can know it before the nonce.
The close of epoch e samples the steps executed in epoch e - 1 with the nonce of epoch e, which
exists only once e - 1 is closed: a peer executing a step cannot know whether it will be checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from cloudless_operator.billing.samples import candidates

_DOMAIN = b"cloudless-samples/v1\n"


def rank(nonce: bytes, key: candidates.StepKey) -> bytes:
    return hashlib.sha256(_DOMAIN + nonce + key.text().encode()).digest()


def select(nonce: bytes, offered: Mapping[str, Iterable[candidates.StepKey]], k: int) -> list[candidates.StepKey]:
    """The sampled steps, subnet by subnet (in name order), each subnet's in rank order.

    A candidate listed under a subnet other than its own is ignored: a subnet's sample is its own.
    """
    chosen: list[candidates.StepKey] = []
    for subnet in sorted(offered):
        keys = {key for key in offered[subnet] if key.subnet == subnet}
        chosen.extend(sorted(keys, key=lambda key: rank(nonce, key))[:k])
    return chosen
