"""Prover handlers: each CapacityCommitment's prover pods follow its phase and its units' states.

A commitment's own changes (its phase, written by the epoch controller), any change of a unit on
its node (reserved by a deal, released, paused, deleted) and any event of one of its prover pods
(a killed prover is replaced at once) run the same convergence (`kube.provers.converge`); a slow
operator-wide recheck runs it for every commitment, in case a watch event was missed. That
recheck is one task rather than a kopf timer, because kopf puts a finalizer on every object a
timer watches, and a commitment should not need a running operator to be deleted. Nothing
converges while epochs are off (`Settings.data_dir` unset). A commitment whose body cannot be read
gets no provers: its own events log the problem and report it as a Warning event on it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

import kopf

from cloudless_operator.handlers import lastseen
from cloudless_operator.kube import provers
from cloudless_operator.models import commitment, computeunit, errors
from cloudless_operator.reconcile import names

COMMITMENTS = (names.GROUP, names.VERSION, provers.PLURAL)
UNITS = (names.GROUP, names.VERSION, "computeunits")
RECHECK_S = 30.0
"""How often every commitment's provers are converged with no event at all."""


@kopf.on.event(*COMMITMENTS)
def commitment_changed(event: kopf.RawEvent, body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """A commitment was listed, created or changed (a deleted one takes its pods along by ownerReference)."""
    if memo.config.data_dir is None or event.get("type") == "DELETED" or body.meta.get("deletionTimestamp"):
        return
    try:
        cc = commitment.CapacityCommitment.from_body(body)
    except errors.MalformedBody as error:
        logger.warning(f"cannot read the commitment, so it gets no provers: {error}")
        kopf.warn(body, reason=error.reason, message=f"no provers: {error}")
        cc = None
    _converge(memo, logger, str(body.meta.name), cc)


@kopf.on.event(*UNITS)
def unit_changed(event: kopf.RawEvent, body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """A unit's prover-relevant state changed, or it went away: converge the commitments of its node.

    The epoch controller rewrites every unit's status each epoch; only a change of node, state or
    pause (remembered per unit) is worth a converge.
    """
    if memo.config.data_dir is None:
        return
    try:
        unit = computeunit.ComputeUnit.from_body(body)
    except errors.MalformedBody:
        return
    seen: lastseen.LastSeen[str, object] = memo.setdefault("prover_units", lastseen.LastSeen())
    now = None if event.get("type") == "DELETED" else (unit.node, unit.state, unit.prover_paused)
    previous = seen.swap(unit.name, now)
    if previous is not None and previous == now:
        return
    for name, cc in _read_all(memo):
        if cc is not None and cc.node == unit.node:
            _converge(memo, logger, name, cc)


@kopf.on.event("pods", labels={names.COMMITMENT_LABEL: kopf.PRESENT})
def prover_pod_changed(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """A prover pod changed or went away: converge its commitment."""
    if memo.config.data_dir is not None and body.meta.namespace == memo.config.namespace:
        name = body.meta.labels[names.COMMITMENT_LABEL]
        found = provers.get(memo.api, name)
        if found is not None:
            _converge(memo, logger, name, _read(found))


@kopf.on.startup()
async def start_recheck(memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """The slow recheck, only when epochs are on: with them off there are no provers to keep."""
    memo.prover_recheck = None if memo.config.data_dir is None else asyncio.create_task(_recheck_forever(memo, logger))


@kopf.on.cleanup()
async def stop_recheck(memo: kopf.Memo, **_: Any) -> None:
    task: asyncio.Task[None] | None = getattr(memo, "prover_recheck", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _recheck_forever(memo: kopf.Memo, logger: kopf.Logger) -> None:
    """Every RECHECK_S, converge every commitment; a failed round is logged and the next one tried."""
    while True:
        await asyncio.sleep(RECHECK_S)
        try:
            await asyncio.to_thread(_recheck, memo, logger)
        except Exception:  # a round that failed (API server away) must not end the rechecks
            logger.exception("prover recheck failed; trying again in the next round")


def _recheck(memo: kopf.Memo, logger: kopf.Logger) -> None:
    for name, cc in _read_all(memo):
        _converge(memo, logger, name, cc)


def _read_all(memo: kopf.Memo) -> list[tuple[str, commitment.CapacityCommitment | None]]:
    """Every commitment by name, read, or None for one whose body cannot be (reported on its own events)."""
    return [(body["metadata"]["name"], _read(body)) for body in provers.bodies(memo.api)]


def _read(body: Mapping[str, Any]) -> commitment.CapacityCommitment | None:
    try:
        return commitment.CapacityCommitment.from_body(body)
    except errors.MalformedBody:
        return None


def _converge(memo: kopf.Memo, logger: kopf.Logger, name: str, cc: commitment.CapacityCommitment | None) -> None:
    if memo.config.data_dir is None:
        return
    with memo.metrics.reconciling("Prover"):
        changes = provers.converge(memo.api, name, cc, config=memo.config)
    if changes.created or changes.deleted:
        logger.info(f"provers of {name}: created {list(changes.created)}, deleted {list(changes.deleted)}")
