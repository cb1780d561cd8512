"""`cloudless cu`: the provider's side of the market, starting with `sync` (offer a node's capacity as units).

`sync` is idempotent: units are named after their node (`<node>-cu<i>`) and created only when
absent, so running it again, or after a crash, creates nothing twice and never changes a unit a
deal may hold.
"""

from __future__ import annotations

import os

import click

from cloudless_operator.kube import client, computeunits, nodes
from cloudless_operator.models import errors, money, settings
from cloudless_operator.reconcile import capacity


@click.group()
def cu() -> None:
    """Manage ComputeUnits, the fixed-size slots (1 CPU, 4 GiB, 5 GiB disk) providers offer."""


@cu.command()
@click.option(
    "--provider",
    default="local",
    show_default=True,
    envvar="CLOUDLESS_PROVIDER",
    show_envvar=True,
    help="provider name the units are labelled with",
)
@click.option(
    "--price",
    default="0.33",
    show_default=True,
    envvar="CLOUDLESS_CU_PRICE",
    show_envvar=True,
    help="price per epoch of each unit (decimal)",
)
@click.option("--node", "only_node", default=None, help="sync this node only (default: every node)")
@click.option("--kubeconfig", default=None, help="kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
def sync(*, provider: str, price: str, only_node: str | None, kubeconfig: str | None) -> None:
    """Create the ComputeUnits each node's allocatable capacity holds; existing units are left as they are.

    Options not given come from the variables the Helm chart sets on the operator's Deployment
    (CLOUDLESS_PROVIDER, CLOUDLESS_CU_PRICE, CLOUDLESS_UNITS_PER_NODE), so the release's values can be
    passed on without retyping them (docs/install.md, step 5).
    """
    try:
        money.parse(price, path="--price")
        limit = settings.Settings.from_env(os.environ).units_per_node
    except errors.MalformedBody as error:
        raise click.BadParameter(error.problem, param_hint=error.path) from None
    api = client.connect(kubeconfig)
    found = nodes.allocatable(api)
    if only_node is not None and only_node not in found:
        raise click.ClickException(f"no node named {only_node!r}; nodes: {', '.join(sorted(found)) or 'none'}")
    created = existing = 0
    for node, allocatable in sorted(found.items()):
        if only_node is not None and node != only_node:
            continue
        for body in capacity.node_units(node, allocatable=allocatable, provider=provider, price=price, limit=limit):
            made = computeunits.create_if_absent(api, body)
            created, existing = created + made, existing + (not made)
            click.echo(f"{body['metadata']['name']}: {'created' if made else 'exists'}")
    click.echo(f"{created} created, {existing} already present")
