"""Gathering the facts of one epoch for `billing.close`: CapacityCommitments, node keys, Deals, proofs, steps.

The objects come from the API server (listed by the caller once per tick, or here), the proofs and
step records from the epoch data folder (`models.datadir`); `reconcile.closeinputs` decides what
they mean. An object that does not parse is left out (the close carries what the ledger knew of
it), and so is a node whose key Secret is unusable; both are logged, neither stops the close.
"""

from __future__ import annotations

import logging
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from cloudless_operator.billing import close
from cloudless_operator.kube import client, nodekeys
from cloudless_operator.models import commitment, computeunit, datadir, deal, errors
from cloudless_operator.reconcile import closeinputs, epochclock, names
from cloudless_runtime.prover import outbox
from cloudless_runtime.router import stepstore

log = logging.getLogger(__name__)
T = TypeVar("T")


def list_all(api: client.Api, plural: str) -> list[dict[str, Any]]:
    """Every object of a cloudless kind, in all namespaces."""
    listed = client.call(api.custom.list_cluster_custom_object, names.GROUP, names.VERSION, plural)
    items: list[dict[str, Any]] = listed.get("items", [])
    return items


def gather(
    api: client.Api,
    *,
    epoch: int,
    namespace: str,
    root: pathlib.Path,
    clock: epochclock.Clock,
    served: Mapping[str, Sequence[str]],
    deal_bodies: Sequence[Mapping[str, Any]],
    unit_bodies: Sequence[Mapping[str, Any]],
    commitment_bodies: Sequence[Mapping[str, Any]],
) -> close.Inputs:
    """The inputs of the close of `epoch`; `served` is the serving log's entry for it (unit -> deal ids)."""
    found = [
        cc
        for body in commitment_bodies
        if not body["metadata"].get("deletionTimestamp")
        and (cc := _parsed(commitment.CapacityCommitment.from_body, body))
    ]
    node_units: dict[str, list[str]] = {}
    for body in unit_bodies:
        if unit := _parsed(computeunit.ComputeUnit.from_body, body):
            node_units.setdefault(unit.node, []).append(unit.name)
    peers: dict[str, str] = {}
    for node in sorted({cc.node for cc in found}):
        try:
            peers[node] = nodekeys.ensure(api, namespace, node)
        except nodekeys.BadNodeKey as error:
            log.warning("commitments of node %s left out of the close: %s", node, error)
    submissions = outbox.read_epoch(root / datadir.PROOFS, epoch)
    return close.Inputs(
        epoch=epoch,
        commitments=closeinputs.commitment_specs(found, node_units=node_units, peers=peers),
        in_deal=closeinputs.in_deal(served),
        proofs=submissions.proofs,
        malformed_proofs=submissions.malformed,
        deals=closeinputs.deal_terms([d for body in deal_bodies if (d := _parsed(deal.Deal.from_body, body))], served),
        samples=_samples(api, root, clock, epoch - 1) if epoch > 1 else close.SampleInputs(),
    )


def _samples(api: client.Api, root: pathlib.Path, clock: epochclock.Clock, sampled: int) -> close.SampleInputs:
    """The steps every worker's router retained from epoch `sampled` (the one before the close's)."""
    workers = []
    for body in list_all(api, "subnets"):
        meta, status = body["metadata"], body.get("status", {})
        peers = {w.get("name"): w.get("peerId") for w in status.get("workers", [])}
        for worker in body.get("spec", {}).get("workers", []):
            peer = peers.get(worker["name"])
            folder = pathlib.Path(datadir.steps_dir(str(root), meta["namespace"], meta["name"], worker["name"]))
            if peer is None or not folder.is_dir():
                continue
            workers.append(
                closeinputs.WorkerSteps(
                    subnet=f"{meta['namespace']}/{meta['name']}",
                    peer_id=peer,
                    units=(worker["computeUnit"],),
                    lines=retained_lines(folder),
                )
            )
    window = clock.window(sampled)
    return closeinputs.samples(workers, start_ms=window.start * 1000, end_ms=window.end * 1000)


def retained_lines(folder: pathlib.Path) -> list[bytes]:
    """The complete record lines of one worker's steps folder, read while its router may be appending
    to it and deleting its oldest files (`closeinputs.complete_lines` says which lines count)."""
    lines = []
    for path in sorted(folder.glob(stepstore.PATTERN)):
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            continue  # deleted by the router's retention since it was listed: as if listed a moment later
        lines += closeinputs.complete_lines(content)
    return lines


def _parsed(parse: Callable[[Mapping[str, Any]], T], body: Mapping[str, Any]) -> T | None:
    """`parse(body)`, or None (logged) when the body does not parse."""
    try:
        return parse(body)
    except errors.MalformedBody as error:
        log.warning("%s %s left out of the close: %s", body.get("kind"), body["metadata"].get("name"), error)
        return None
