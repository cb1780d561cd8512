"""One connection to the API server, and the raw JSON calls every other `kube` module makes through it."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from cloudless_operator.kube import errors
from cloudless_operator.reconcile import names

MERGE_PATCH = "application/merge-patch+json"
TIMEOUT = 30
"""Seconds for one request: the API server is local or in-cluster, a slower answer means trouble."""


class Api:
    """The API groups the operator uses, on one `ApiClient` (so one connection pool)."""

    def __init__(self, api_client: client.ApiClient) -> None:
        self.custom = client.CustomObjectsApi(api_client)
        self.core = client.CoreV1Api(api_client)
        self.policy = client.PolicyV1Api(api_client)


def connect(kubeconfig: str | None = None) -> Api:
    """An Api from `kubeconfig` (else $KUBECONFIG or ~/.kube/config), or the in-cluster service account."""
    load: Any = config.new_client_from_config  # untyped in the client
    try:
        return Api(load(config_file=kubeconfig))
    except config.ConfigException:
        if kubeconfig is not None:
            raise
        load_incluster: Any = config.load_incluster_config  # untyped in the client
        load_incluster()
        return Api(client.ApiClient())


def call(method: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """`method(*args, **kwargs)` as decoded JSON, with errors.Forbidden / Conflict / Gone for 403 / 409 / 404."""
    try:
        response = method(*args, _preload_content=False, _request_timeout=TIMEOUT, **kwargs)
    except ApiException as error:
        if error.status == 403:
            raise errors.Forbidden(str(error.body or error.reason)) from None
        if error.status == 409:
            raise errors.Conflict(str(error.reason)) from None
        if error.status == 404:
            raise errors.Gone(str(error.reason)) from None
        raise
    decoded: dict[str, Any] = json.loads(response.data)
    return decoded


def merge_patch(api: Api, *, plural: str, namespace: str, name: str, patch: dict[str, Any]) -> dict[str, Any]:
    """A JSON merge patch of one namespaced cloudless object (not its status subresource)."""
    return call(
        api.custom.patch_namespaced_custom_object,
        names.GROUP,
        names.VERSION,
        namespace,
        plural,
        name,
        patch,
        _content_type=MERGE_PATCH,
    )
