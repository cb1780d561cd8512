"""The agent's one door to the apiserver: the official `kubernetes` client, spoken in JSON dicts.

Every call asks for the raw response (`_preload_content=False`) and decodes it as JSON, so the
rest of the agent works on the same shapes `kubectl get -o json` shows (and a kubelet writes),
not on the client's generated models; 404s come back as None, because an object that is already
gone is an ordinary outcome for a node agent, not an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

#: A Kubernetes object (or part of one) as JSON.
Obj = dict[str, Any]

STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
#: Seconds for one ordinary request; the machine may be busy, the apiserver is local.
TIMEOUT = 30


class Gone(Exception):
    """The object is not there (any more)."""


def _decode(response: Any) -> Obj:
    data: Obj = json.loads(response.data)
    return data


class Kube:
    """The few API calls a kubelet makes, for one kubeconfig."""

    def __init__(self, kubeconfig: Path) -> None:
        load: Any = config.new_client_from_config  # untyped in the client
        self._api = load(config_file=str(kubeconfig))
        self._core = client.CoreV1Api(self._api)
        self._coordination = client.CoordinationV1Api(self._api)

    @property
    def server(self) -> str:
        """The apiserver's URL, as the kubeconfig names it."""
        return str(self._api.configuration.host)

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Obj | None:
        try:
            return _decode(method(*args, _preload_content=False, _request_timeout=TIMEOUT, **kwargs))
        except ApiException as error:
            if error.status == 404:
                return None
            raise

    # -- nodes and leases ----------------------------------------------------------------------

    def get_node(self, name: str) -> Obj | None:
        return self._call(self._core.read_node, name)

    def create_node(self, body: Obj) -> Obj | None:
        return self._call(self._core.create_node, body)

    def delete_node(self, name: str) -> None:
        self._call(self._core.delete_node, name)

    def patch_node_status(self, name: str, patch: Obj) -> Obj | None:
        return self._call(self._core.patch_node_status, name, patch, _content_type=STRATEGIC)

    def renew_lease(self, body: Obj) -> None:
        """Create the node's Lease, or move its renewTime forward."""
        name, namespace = body["metadata"]["name"], body["metadata"]["namespace"]
        patch = {"spec": body["spec"]}
        if self._call(self._coordination.patch_namespaced_lease, name, namespace, patch, _content_type=MERGE) is None:
            self._call(self._coordination.create_namespaced_lease, namespace, body)

    # -- pods ------------------------------------------------------------------------------------

    def list_pods(self, node: str) -> tuple[list[Obj], str]:
        """The pods bound to `node`, and the resourceVersion to watch from."""
        listed = self._call(self._core.list_pod_for_all_namespaces, field_selector=f"spec.nodeName={node}")
        if listed is None:
            return [], ""
        return list(listed.get("items") or []), str(listed["metadata"].get("resourceVersion", ""))

    def watch_pods(self, node: str, resource_version: str, timeout: int) -> Iterator[tuple[str, Obj]]:
        """(type, pod) events for `node` from `resource_version`, for at most `timeout` seconds.

        Raises `Gone` when the version is too old (410): the caller lists again.
        """
        # Unpreloaded, the call returns the raw urllib3 response (its annotation says V1PodList).
        response: Any = self._core.list_pod_for_all_namespaces(
            field_selector=f"spec.nodeName={node}",
            resource_version=resource_version,
            watch=True,
            allow_watch_bookmarks=True,
            timeout_seconds=timeout,
            _preload_content=False,
            _request_timeout=(TIMEOUT, timeout + TIMEOUT),
        )
        try:
            buffer = b""
            for chunk in response.stream(64 * 1024):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if not line.strip():
                        continue
                    event = json.loads(line)
                    if event["type"] == "ERROR":
                        if event["object"].get("code") == 410:
                            raise Gone(event["object"].get("message", "resource version too old"))
                        raise RuntimeError(f"watch error: {event['object']}")
                    yield str(event["type"]), event["object"]
        finally:
            response.release_conn()

    def patch_pod_status(self, namespace: str, name: str, patch: Obj) -> Obj | None:
        return self._call(self._core.patch_namespaced_pod_status, name, namespace, patch, _content_type=STRATEGIC)

    def delete_pod_now(self, namespace: str, name: str, uid: str) -> None:
        """The kubelet's final delete: grace 0, only the incarnation we ran (a new pod may reuse the name)."""
        body = {"gracePeriodSeconds": 0, "preconditions": {"uid": uid}}
        try:
            self._call(self._core.delete_namespaced_pod, name, namespace, body=body)
        except ApiException as error:
            if error.status != 409:  # another uid holds the name now: ours is already gone
                raise

    # -- events ----------------------------------------------------------------------------------

    def create_event(self, namespace: str, body: Obj) -> Obj | None:
        return self._call(self._core.create_namespaced_event, namespace, body)

    def patch_event(self, namespace: str, name: str, patch: Obj) -> Obj | None:
        """Raise an Event's count; None if it is gone (expired)."""
        return self._call(self._core.patch_namespaced_event, name, namespace, patch, _content_type=STRATEGIC)

    # -- what pods refer to -----------------------------------------------------------------------

    def get_secret(self, namespace: str, name: str) -> Obj | None:
        return self._call(self._core.read_namespaced_secret, name, namespace)

    def get_config_map(self, namespace: str, name: str) -> Obj | None:
        return self._call(self._core.read_namespaced_config_map, name, namespace)

    def service_account_token(self, namespace: str, name: str, *, audiences: list[str], seconds: int) -> str | None:
        """A bound token for the pod's service account (what a kubelet puts in the projected volume)."""
        body = {"spec": {"audiences": audiences, "expirationSeconds": seconds}}
        answer = self._call(self._core.create_namespaced_service_account_token, name, namespace, body)
        return None if answer is None else str(answer["status"]["token"])
