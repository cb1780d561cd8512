"""The `cloudless` command: a thin dispatcher whose subcommands live with the code they drive.

Subcommands are imported only when invoked, so `cloudless cluster ...` does not load the AIR
engine and the runtime image does not need the local cluster's code to start.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

SUBCOMMANDS: dict[str, str] = {
    "cluster": "cloudless_localcluster.cli:cluster",
    "cu": "cloudless_operator.kube.cli:cu",
    "demo": "cloudless_operator.demo:demo",
    "aqua": "cloudless_runtime.aqua.cli:aqua",
    "keys": "cloudless_runtime.identity.cli:keys",
    "ledger": "cloudless_operator.billing.cli:ledger",
    "run": "cloudless_runtime.client.cli:run",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: Any = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_LazyGroup)
def main() -> None:
    """Fluence-style cloudless computing on Kubernetes."""
