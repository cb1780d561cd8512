"""Subnet handlers: identities, pods, the network objects and the deal's services on every worker.

The Subnet's own changes, every event of one of its pods and a slow timer run the same
convergence, so a pod that dies is recreated, a worker that turns Ready gets the deal's services,
a deploy that failed (a ConfigMap not there yet) is tried again, and the routers' address book
follows the workers' addresses.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping
from typing import Any, cast

import kopf

from cloudless_operator.billing import configure
from cloudless_operator.handlers import metrics, operator
from cloudless_operator.kube import children, client, deals, network
from cloudless_operator.kube import errors as kube_errors
from cloudless_operator.kube import subnets as subnet_store
from cloudless_operator.models import deal, errors, settings, subnet
from cloudless_operator.reconcile import deployments, identities, names, pods, workers
from cloudless_operator.reconcile import network as network_bodies
from cloudless_operator.workers import deploy

SUBNETS = (names.GROUP, names.VERSION, "subnets")
RECHECK_S = 15.0
"""How often a Subnet is converged with no event at all: retries failed deploys, notices lost runtimes."""


@kopf.on.resume(*SUBNETS)
@kopf.on.create(*SUBNETS)
@kopf.on.update(*SUBNETS, field="spec")
def reconcile(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """Converge the Subnet's children and status on its placement; retry soon when pods are refused for now."""
    try:
        converge(memo.api, body, logger, memo.metrics, config=memo.config)
    except kube_errors.Forbidden as error:
        raise kopf.TemporaryError(f"cannot create the workers yet: {error}", delay=2) from None


@kopf.timer(*SUBNETS, interval=RECHECK_S, idle=RECHECK_S)
def recheck(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """The same convergence when nothing happened for a while (kopf's timers skip busy objects)."""
    if not body.meta.get("deletionTimestamp"):
        converge(memo.api, body, logger, memo.metrics, config=memo.config)


@kopf.on.event("pods", labels={names.SUBNET_LABEL: kopf.PRESENT})
def pod_changed(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """A worker pod changed (started, turned Ready, died): converge its Subnet, unless that is going away."""
    found = subnet_store.get(memo.api, namespace=str(body.meta.namespace), name=body.meta.labels[names.SUBNET_LABEL])
    if found is not None and not found["metadata"].get("deletionTimestamp"):
        converge(memo.api, kopf.Body(cast(kopf.RawBody, found)), logger, memo.metrics, config=memo.config)


@kopf.on.event(*SUBNETS)
def subnet_event(event: kopf.RawEvent, body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    """Forget a deleted Subnet's ready count, so the metric does not outlive it."""
    if event.get("type") == "DELETED":
        memo.metrics.observed.workers_ready(str(body.meta.namespace), str(body.meta.name), None)


def converge(
    api: client.Api, body: kopf.Body, logger: kopf.Logger, meter: metrics.OperatorMetrics, *, config: settings.Settings
) -> None:
    with meter.reconciling("Subnet"):
        _converge(api, body, logger, meter, config=config)


def _converge(
    api: client.Api, body: kopf.Body, logger: kopf.Logger, meter: metrics.OperatorMetrics, *, config: settings.Settings
) -> None:
    try:
        net = subnet.Subnet.from_body(body)
    except errors.MalformedBody as error:
        logger.warning(f"cannot read the subnet: {error}")
        return
    order = _deal(api, net, logger)
    previous = body.get("status", {})
    network.ensure(api, network_bodies.headless_service(net))
    if order is not None:
        network.ensure(api, network_bodies.disruption_budget(net, min_workers=order.min_workers))
    stored = children.secrets_of(api, namespace=net.namespace, subnet=net.name)
    steps = _step_records(config)
    found = children.pods_of(api, namespace=net.namespace, subnet=net.name)
    placed = {worker.name: worker for worker in net.workers}
    for name, pod in list(found.items()):
        if name not in placed or pod["spec"].get("nodeName") != placed[name].node:
            children.delete_pod(api, namespace=net.namespace, name=pod["metadata"]["name"])
            del found[name]
    for name in stored.keys() - placed.keys():
        children.delete_secret(api, namespace=net.namespace, name=stored.pop(name)["metadata"]["name"])
    if placed.keys() - found.keys():  # new routers mount the book: it must exist before their pods do
        network.ensure(api, network_bodies.address_book(net, previous.get("workers", [])))
    for worker in net.workers:
        if worker.name not in stored:
            seed = secrets.token_bytes(identities.SEED_LENGTH)
            stored[worker.name] = children.create_secret(api, identities.secret(net, worker, seed=seed))
        if worker.name not in found and (
            created := children.create_pod(api, pods.worker_pod(net, worker, steps=steps))
        ):
            found[worker.name] = created
            replaced = "re" if any(w.get("name") == worker.name for w in previous.get("workers", [])) else ""
            kopf.info(body, reason="WorkerCreated", message=f"{replaced}created pod {worker.name} on {worker.node}")
    peer_ids = {name: peer for name, secret in stored.items() if (peer := identities.peer_id(secret)) is not None}
    services = _deploy(api, net, order=order, found=found, previous=previous, body=body)
    new = workers.compute(
        net, found_pods=found, peer_ids=peer_ids, services=services, previous=previous, now=operator.now()
    )
    network.ensure(api, network_bodies.address_book(net, new["workers"]))
    meter.observed.workers_ready(net.namespace, net.name, new["readyWorkers"])
    if workers.changed(previous, new):
        subnet_store.patch_status(api, namespace=net.namespace, name=net.name, status=new)
        if previous.get("readyWorkers") != new["readyWorkers"]:
            deals.poke(api, namespace=net.namespace, name=net.deal_name, news=f"ready={new['readyWorkers']}")


@functools.cache
def _step_records(config: settings.Settings) -> pods.StepRecords | None:
    """Where routers keep step records when epochs are on, kept by the epoch length the epoch controller closes
    by (its billing settings, read once per process); None when epochs are off."""
    folder = pods.node_epoch_dir(config)
    return None if folder is None else pods.StepRecords(folder, configure.from_config(config).epoch_duration)


def _deal(api: client.Api, net: subnet.Subnet, logger: kopf.Logger) -> deal.Deal | None:
    """The Subnet's Deal (its services and minWorkers), or None when it is gone or unreadable."""
    found = deals.get(api, namespace=net.namespace, name=net.deal_name)
    if found is None:
        return None
    try:
        return deal.Deal.from_body(found)
    except errors.MalformedBody as error:
        logger.warning(f"cannot read deal {net.deal_name}: {error}")
        return None


def _deploy(
    api: client.Api,
    net: subnet.Subnet,
    *,
    order: deal.Deal | None,
    found: Mapping[str, Mapping[str, Any]],
    previous: Mapping[str, Any],
    body: kopf.Body,
) -> dict[str, list[dict[str, Any]]]:
    """Each Ready worker's service states after deploying what it lacks; the others' are pending."""
    if order is None:
        return {}
    before = {w.get("name"): w.get("services", []) for w in previous.get("workers", [])}
    result: dict[str, list[dict[str, Any]]] = {}
    for worker in net.workers:
        pod = found.get(worker.name)
        pod_ip = (pod or {}).get("status", {}).get("podIP")
        if pod is None or pod_ip is None or workers.phase(pod) != "Ready":
            result[worker.name] = deployments.pending(order.services)
            continue
        states = deploy.deploy(
            pods.runtime_address(pod_ip),
            order.services,
            fetch=lambda module: network.module_bytes(api, net.namespace, module),
        )
        result[worker.name] = states
        if states != before.get(worker.name):
            for state in states:
                if state["state"] == deployments.DEPLOYED:
                    kopf.info(body, reason="ServiceDeployed", message=f"{state['name']} runs on {worker.name}")
                else:
                    kopf.warn(
                        body, reason="DeployFailed", message=f"{state['name']} on {worker.name}: {state['message']}"
                    )
    return result
