"""The facts of one epoch, turned from what the cluster shows into what `billing.close` reads.

Pure: the `kube` layer lists the objects and reads the files; this module decides which units
a commitment covers, which deals each unit served and what each deal is billed for, and which
retained steps are offered to the processing samples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from cloudless_operator.billing import close, commitments, deals
from cloudless_operator.billing.samples import candidates
from cloudless_operator.models import commitment, deal
from cloudless_operator.reconcile import serving
from cloudless_runtime.router import builtins


def commitment_specs(
    found: Sequence[commitment.CapacityCommitment],
    *,
    node_units: Mapping[str, Sequence[str]],
    peers: Mapping[str, str],
) -> list[commitments.Spec]:
    """The declared commitments, each signed for by its node's peer id; a node without a key is left out
    (the close carries its commitment over unchanged). Without `units`, a commitment covers every unit of its node."""
    return [
        commitments.Spec(
            id=cc.name,
            peer_id=peers[cc.node],
            units=tuple(cc.units if cc.units is not None else sorted(node_units.get(cc.node, ()))),
            duration=cc.duration,
            staker_reward_rate=cc.staker_reward_rate,
            collateral_posted=cc.collateral_posted,
        )
        for cc in found
        if cc.node in peers
    ]


def deal_terms(found: Sequence[deal.Deal], served: Mapping[str, Sequence[str]]) -> list[deals.Terms]:
    """Each deal's terms with the units that served it during the epoch (`served`: unit -> deal ids)."""
    units_of: dict[str, list[str]] = {}
    for unit, deal_ids in served.items():
        for deal_id in deal_ids:
            units_of.setdefault(deal_id, []).append(unit)
    terms = []
    for order in found:
        deal_id = serving.deal_id(order.namespace, order.name, order.uid)
        terms.append(
            deals.Terms(
                id=deal_id,
                price=order.price,
                min_workers=order.min_workers,
                target_workers=order.target_workers,
                units=tuple(sorted(units_of.get(deal_id, ()))),
                deposit=order.deposit,
                stopped=order.stopped,
            )
        )
    return terms


def in_deal(served: Mapping[str, Sequence[str]]) -> frozenset[str]:
    """The units that served any deal during the epoch: they had no proof duty."""
    return frozenset(unit for unit, deal_ids in served.items() if deal_ids)


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerSteps:
    """One worker's retained step records, as its router wrote them (`--steps-dir`)."""

    subnet: str
    """`<namespace>/<subnet>`: a subnet's id in the samples, unique in the cluster."""
    peer_id: str
    units: tuple[str, ...]
    """The units the worker runs on, which pay for its failed samples."""
    lines: Sequence[bytes]


def complete_lines(content: bytes) -> list[bytes]:
    """The records of one steps file as read at any moment: the lines ended by their newline.

    A router appends a record (often several pages) while the controller may be reading, so the
    read can end inside the record being written. That unfinished tail is not a record yet: offered,
    it would be unreadable, and `unavailable` if drawn, which slashes an honest worker for the
    controller's timing. Once complete it is offered with its epoch. A tail cut short by a crash
    stays unfinished and is never offered, like a step its router never recorded.
    """
    return content.split(b"\n")[:-1]


def samples(workers: Sequence[WorkerSteps], *, start_ms: int, end_ms: int) -> close.SampleInputs:
    """The candidates of the sampled window `[start_ms, end_ms)`, by subnet, and who executed them."""
    offered: dict[str, list[candidates.StepKey]] = {}
    records = {}
    for worker in workers:
        collected = candidates.collect(worker.subnet, worker.peer_id, worker.lines, start_ms=start_ms, end_ms=end_ms)
        offered.setdefault(worker.subnet, []).extend(collected.keys)
        records.update(collected.records)
    return close.SampleInputs(
        offered={subnet: tuple(keys) for subnet, keys in offered.items()},
        records=records,
        workers={worker.peer_id: worker.units for worker in workers},
        builtin_services=builtins.SERVICES,
    )
