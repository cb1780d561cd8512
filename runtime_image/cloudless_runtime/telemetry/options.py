"""The command-line options every peer process shares: where to serve metrics and how to log.

`start(...)` applies them once the process knows its peer id (which every log line then carries).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import click
import prometheus_client

from cloudless_runtime.telemetry import endpoint, logs

F = TypeVar("F", bound=Callable[..., object])

log = logging.getLogger(__name__)


def options(command: F) -> F:
    """Adds --metrics, --log-format and --log-level to a click command."""
    command = click.option(
        "--log-level",
        type=click.Choice(["debug", "info", "warning", "error"]),
        default="info",
        show_default=True,
    )(command)
    command = click.option(
        "--log-format",
        type=click.Choice(["json", "text"]),
        default="json",
        show_default=True,
        help="json: one object per line, with particle ids as fields",
    )(command)
    return click.option(
        "--metrics",
        "metrics_address",
        metavar="[HOST:]PORT",
        help="serve Prometheus metrics at http://HOST:PORT/metrics (HOST defaults to 127.0.0.1)",
    )(command)


def start(
    *,
    component: str,
    peer_id: str,
    metrics_address: str | None,
    log_format: logs.Format,
    log_level: str,
    registry: prometheus_client.CollectorRegistry,
) -> endpoint.Running | None:
    """Configures logging, then starts the metrics endpoint if asked; a bad address is a usage error."""
    logs.configure(log_format=log_format, level=log_level, fields={"component": component, "peer_id": peer_id})
    if metrics_address is None:
        return None
    try:
        running = endpoint.serve(metrics_address, registry)
    except endpoint.BadAddress as e:
        raise click.BadParameter(str(e), param_hint="--metrics") from None
    except OSError as e:
        raise click.ClickException(f"--metrics {metrics_address}: {e.strerror}") from None
    log.info("metrics at http://%s/metrics", running.address, extra={"metrics": running.address})
    return running
