"""Operator-wide settings and startup: storage names, the finalizer, the API connection, the clock."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import kopf

from cloudless_operator.handlers import metrics
from cloudless_operator.kube import client
from cloudless_operator.models import settings
from cloudless_operator.reconcile import names

METRICS = "127.0.0.1:9090"
"""Where /metrics is served unless CLOUDLESS_METRICS says otherwise (`HOST:PORT`; in a pod, its pod IP)."""

PROGRESS_PREFIX = f"operator.{names.GROUP}"
"""kopf's progress and diff-base annotations; frozen: changing it makes every Deal look new."""


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    """kopf's storage under our names, our finalizer, Events only where handlers post them, shared state in memo."""
    settings.persistence.finalizer = names.FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=PROGRESS_PREFIX)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=PROGRESS_PREFIX, key="last-handled-configuration"
    )
    settings.posting.loggers = False
    settings.watching.server_timeout = 120
    settings.watching.client_timeout = 150
    memo.api = client.connect(os.environ.get("KUBECONFIG"))
    memo.config = settings_from_env()
    memo.metrics = metrics.OperatorMetrics()
    memo.metrics_endpoint = memo.metrics.serve(os.environ.get("CLOUDLESS_METRICS", METRICS))


@kopf.on.cleanup()
def stop_metrics(memo: kopf.Memo, **_: Any) -> None:
    """Close the metrics endpoint with the operator, so a restart in the same process can bind it again."""
    memo.metrics_endpoint.stop()


def settings_from_env() -> settings.Settings:
    return settings.Settings.from_env(os.environ)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
