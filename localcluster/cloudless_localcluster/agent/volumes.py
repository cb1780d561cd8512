"""Pod volumes as plain folders: Secret, ConfigMap, emptyDir, downwardAPI and projected sources.

A process has no mount namespace, so a volume is a folder under the pod's state folder and the
container sees it through path rewriting (`spec.py`): any argument, env value or workingDir that
starts with a mountPath is pointed at the folder. hostPath volumes are the host path itself.
Files are rewritten at every container start, so an edited ConfigMap reaches the next restart.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

from .kube import Kube, Obj

TOKEN_SECONDS = 3600


class ConfigError(RuntimeError):
    """Something the pod refers to is missing; `reason` is the kubelet's waiting reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        target = folder / relative
        if not target.resolve().is_relative_to(folder.resolve()):
            raise ConfigError("CreateContainerConfigError", f"volume file path {relative!r} leaves the volume")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _keyed(data: dict[str, bytes], items: list[Obj] | None) -> dict[str, bytes]:
    """The files of a Secret/ConfigMap source: every key, or only `items` (key -> path)."""
    if not items:
        return data
    return {item["path"]: data[item["key"]] for item in items if item["key"] in data}


def config_map_data(kube: Kube, namespace: str, name: str, *, optional: bool) -> dict[str, bytes] | None:
    found = kube.get_config_map(namespace, name)
    if found is None:
        if optional:
            return None
        raise ConfigError("CreateContainerConfigError", f'configmap "{name}" not found')
    data = {key: value.encode() for key, value in (found.get("data") or {}).items()}
    data.update({key: base64.b64decode(value) for key, value in (found.get("binaryData") or {}).items()})
    return data


def secret_data(kube: Kube, namespace: str, name: str, *, optional: bool) -> dict[str, bytes] | None:
    found = kube.get_secret(namespace, name)
    if found is None:
        if optional:
            return None
        raise ConfigError("CreateContainerConfigError", f'secret "{name}" not found')
    return {key: base64.b64decode(value) for key, value in (found.get("data") or {}).items()}


def field_value(pod: Obj, path: str, pod_ip: str) -> str:
    """A downward-API fieldRef (the fields a kubelet supports)."""
    meta, spec = pod["metadata"], pod["spec"]
    simple = {
        "metadata.name": meta["name"],
        "metadata.namespace": meta["namespace"],
        "metadata.uid": meta["uid"],
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.podIP": pod_ip,
        "status.podIPs": pod_ip,
        "status.hostIP": "127.0.0.1",
        "status.hostIPs": "127.0.0.1",
    }
    if path in simple:
        return str(simple[path])
    for prefix, mapping in (("metadata.labels", meta.get("labels")), ("metadata.annotations", meta.get("annotations"))):
        if path.startswith(prefix + "['") and path.endswith("']"):
            return str((mapping or {}).get(path[len(prefix) + 2 : -2], ""))
    raise ConfigError("CreateContainerConfigError", f"unsupported downward API field {path!r}")


def _projected(kube: Kube, pod: Obj, source: Obj, pod_ip: str) -> dict[str, bytes]:
    namespace = pod["metadata"]["namespace"]
    files: dict[str, bytes] = {}
    for item in source.get("sources") or []:
        if "configMap" in item:
            ref = item["configMap"]
            data = config_map_data(kube, namespace, ref["name"], optional=bool(ref.get("optional")))
            files.update(_keyed(data or {}, ref.get("items")))
        elif "secret" in item:
            ref = item["secret"]
            data = secret_data(kube, namespace, ref["name"], optional=bool(ref.get("optional")))
            files.update(_keyed(data or {}, ref.get("items")))
        elif "downwardAPI" in item:
            files.update(_downward(pod, item["downwardAPI"], pod_ip))
        elif "serviceAccountToken" in item:
            ref = item["serviceAccountToken"]
            token = kube.service_account_token(
                namespace,
                pod["spec"].get("serviceAccountName", "default"),
                audiences=[ref["audience"]] if ref.get("audience") else [],
                seconds=int(ref.get("expirationSeconds", TOKEN_SECONDS)),
            )
            if token is not None:
                files[ref["path"]] = token.encode()
    return files


def _downward(pod: Obj, source: Obj, pod_ip: str) -> dict[str, bytes]:
    files = {}
    for item in source.get("items") or []:
        if "fieldRef" in item:
            files[item["path"]] = field_value(pod, item["fieldRef"]["fieldPath"], pod_ip).encode()
    return files


def materialise(kube: Kube, pod: Obj, *, folder: Path, pod_ip: str) -> dict[str, Path]:
    """Write every volume of `pod` under `folder`; returns volume name -> the folder that stands for it."""
    namespace = pod["metadata"]["namespace"]
    paths: dict[str, Path] = {}
    for volume in pod["spec"].get("volumes") or []:
        name = volume["name"]
        target = folder / name
        files: dict[str, bytes] | None = None
        source: Any
        if (source := volume.get("hostPath")) is not None:
            paths[name] = Path(source["path"])
            continue
        if "emptyDir" in volume:
            target.mkdir(parents=True, exist_ok=True)
        elif (source := volume.get("configMap")) is not None:
            data = config_map_data(kube, namespace, source["name"], optional=bool(source.get("optional")))
            files = _keyed(data or {}, source.get("items"))
        elif (source := volume.get("secret")) is not None:
            data = secret_data(kube, namespace, source["secretName"], optional=bool(source.get("optional")))
            files = _keyed(data or {}, source.get("items"))
        elif (source := volume.get("downwardAPI")) is not None:
            files = _downward(pod, source, pod_ip)
        elif (source := volume.get("projected")) is not None:
            files = _projected(kube, pod, source, pod_ip)
        else:
            kinds = sorted(set(volume) - {"name"})
            raise ConfigError("CreateContainerConfigError", f"volume {name!r}: unsupported type {kinds}")
        if files is not None:
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            _write(target, files)
        paths[name] = target
    return paths
