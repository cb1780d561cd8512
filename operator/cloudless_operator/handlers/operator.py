"""Operator-wide settings and startup: storage names, the finalizer, the API connection, the clock."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import kopf

from cloudless_operator.kube import client
from cloudless_operator.models import settings
from cloudless_operator.reconcile import names

PROGRESS_PREFIX = f"operator.{names.GROUP}"
"""kopf's progress and diff-base annotations; frozen: changing it makes every Deal look new."""


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    """kopf's storage under our names, our finalizer, no Events for every log line; one API connection in memo."""
    settings.persistence.finalizer = names.FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=PROGRESS_PREFIX)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=PROGRESS_PREFIX, key="last-handled-configuration"
    )
    settings.watching.server_timeout = 120
    settings.watching.client_timeout = 150
    memo.api = client.connect(os.environ.get("KUBECONFIG"))
    memo.config = settings_from_env()


def settings_from_env() -> settings.Settings:
    return settings.Settings.from_env(os.environ)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
