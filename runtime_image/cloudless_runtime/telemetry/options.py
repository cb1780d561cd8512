"""The command-line options every peer process shares: where to serve metrics and how to log.

`options` gathers them into one `Telemetry` argument; `Telemetry.serving(...)` applies them once
the process knows its peer id (which every log line then carries) and stops the endpoint on exit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click
import prometheus_client

from cloudless_runtime.telemetry import endpoint, logs

F = TypeVar("F", bound=Callable[..., object])

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class Telemetry:
    metrics_address: str | None
    log_format: logs.Format
    log_level: str

    @contextlib.contextmanager
    def serving(
        self, *, component: str, peer_id: str, registry: prometheus_client.CollectorRegistry
    ) -> Iterator[endpoint.Running | None]:
        """Logging configured and the metrics endpoint up (if asked) while the block runs; a bad address
        is a usage error."""
        logs.configure(
            log_format=self.log_format, level=self.log_level, fields={"component": component, "peer_id": peer_id}
        )
        running = None if self.metrics_address is None else _serve(self.metrics_address, registry)
        try:
            yield running
        finally:
            if running is not None:
                running.stop()


def options(command: F) -> F:
    """Adds --metrics, --log-format and --log-level to a click command, passed to it as `telemetry`."""

    @functools.wraps(command)
    def gathered(
        *args: Any, metrics_address: str | None, log_format: logs.Format, log_level: str, **kwargs: Any
    ) -> Any:
        return command(*args, telemetry=Telemetry(metrics_address, log_format, log_level), **kwargs)

    wrapped: Any = click.option(
        "--log-level",
        type=click.Choice(["debug", "info", "warning", "error"]),
        default="info",
        show_default=True,
    )(gathered)
    wrapped = click.option(
        "--log-format",
        type=click.Choice(["json", "text"]),
        default="json",
        show_default=True,
        help="json: one object per line, with particle ids as fields",
    )(wrapped)
    decorated: F = click.option(
        "--metrics",
        "metrics_address",
        metavar="[HOST:]PORT",
        help="serve Prometheus metrics at http://HOST:PORT/metrics (HOST defaults to 127.0.0.1)",
    )(wrapped)
    return decorated


def _serve(address: str, registry: prometheus_client.CollectorRegistry) -> endpoint.Running:
    try:
        running = endpoint.serve(address, registry)
    except endpoint.BadAddress as e:
        raise click.BadParameter(str(e), param_hint="--metrics") from None
    except OSError as e:
        raise click.ClickException(f"--metrics {address}: {e.strerror}") from None
    log.info("metrics at http://%s/metrics", running.address, extra={"metrics": running.address})
    return running
