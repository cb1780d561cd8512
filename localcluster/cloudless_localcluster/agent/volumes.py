"""Pod volumes as plain folders: Secret, ConfigMap, emptyDir, downwardAPI and projected sources.

A process has no mount namespace, so a volume is a folder under the pod's state folder and the
container sees it through path rewriting (`spec.py`): any argument, env value or workingDir that
starts with a mountPath is pointed at the folder. hostPath volumes are the host path itself.

ConfigMap, Secret, downwardAPI and projected volumes are kept current as a kubelet keeps them:
`PodVolumes.sync` runs at every container start and every couple of seconds while the pod runs,
and writes through `atomic_writer.py` (a timestamped version folder, `..data`, a link per key),
only when the content changed. A running program that re-reads a file when its mtime changes
sees an edited ConfigMap without a restart. A `subPath` of such a volume is a copy taken when the
container starts (`mounts`), as the kubelet's bind mount of it is: it changes only at a restart.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from . import atomic_writer
from .atomic_writer import File
from .kube import Kube, Obj

TOKEN_SECONDS = 3600
#: A bound service-account token is fetched again after this share of its lifetime, as the kubelet does.
TOKEN_REFRESH = 0.8


class ConfigError(RuntimeError):
    """Something the pod refers to is missing; `reason` is the kubelet's waiting reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Volume:
    """Where one volume of a pod lives, and whether its files are kept current (so `subPath`s are copies)."""

    path: Path
    kept_current: bool


def _keyed(data: dict[str, bytes], items: list[Obj] | None, default_mode: int) -> dict[str, File]:
    """The files of a Secret/ConfigMap source: every key, or only `items` (key -> path, with its own mode)."""
    if not items:
        return {key: File(value, default_mode) for key, value in data.items()}
    return {
        item["path"]: File(data[item["key"]], int(item.get("mode", default_mode)))
        for item in items
        if item["key"] in data
    }


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


def _map_lines(mapping: dict[str, str] | None) -> str:
    """A whole label or annotation map as a downwardAPI file: `key="value"` lines, sorted, values quoted."""
    return "".join(f"{key}={json.dumps(value)}\n" for key, value in sorted((mapping or {}).items()))


def _downward(pod: Obj, source: Obj, pod_ip: str, default_mode: int) -> dict[str, File]:
    meta = pod["metadata"]
    files = {}
    for item in source.get("items") or []:
        if "fieldRef" not in item:
            continue
        path = item["fieldRef"]["fieldPath"]
        if path in ("metadata.labels", "metadata.annotations"):
            value = _map_lines(meta.get(path.split(".", 1)[1]))
        else:
            value = field_value(pod, path, pod_ip)
        files[item["path"]] = File(value.encode(), int(item.get("mode", default_mode)))
    return files


def _mode(source: Obj) -> int:
    return int(source.get("defaultMode", atomic_writer.DEFAULT_MODE))


class PodVolumes:
    """One pod's volumes under `folder`: written at each container start and re-synced while the pod runs.

    Remembers the pod's bound service-account tokens, so a re-sync asks for a new one only when
    the old one has lived most of its lifetime (a new token at every sync would be a new version
    of the volume every time).
    """

    def __init__(self, kube: Kube, folder: Path) -> None:
        self.kube = kube
        self.folder = folder
        #: (service account, audience, seconds) -> (token, when to fetch the next one, monotonic)
        self._tokens: dict[tuple[str, str, int], tuple[str, float]] = {}

    def sync(self, pod: Obj, pod_ip: str) -> dict[str, Volume]:
        """Bring every volume of `pod` up to date; returns volume name -> where it lives. Raises ConfigError."""
        volumes: dict[str, Volume] = {}
        for volume in pod["spec"].get("volumes") or []:
            name = volume["name"]
            target = self.folder / name
            if (host := volume.get("hostPath")) is not None:
                volumes[name] = Volume(Path(host["path"]), kept_current=False)
            elif "emptyDir" in volume:
                target.mkdir(parents=True, exist_ok=True)
                volumes[name] = Volume(target, kept_current=False)
            else:
                files = self._files(pod, volume, pod_ip)
                try:
                    atomic_writer.write(target, files)
                except atomic_writer.BadPath as error:
                    raise ConfigError("CreateContainerConfigError", f"volume {name!r}: {error}") from None
                volumes[name] = Volume(target, kept_current=True)
        return volumes

    def _files(self, pod: Obj, volume: Obj, pod_ip: str) -> dict[str, File]:
        namespace = pod["metadata"]["namespace"]
        for kind in ("configMap", "secret"):
            if (source := volume.get(kind)) is not None:
                return self._referenced(namespace, kind, source, _mode(source))
        if (source := volume.get("downwardAPI")) is not None:
            return _downward(pod, source, pod_ip, _mode(source))
        if (source := volume.get("projected")) is not None:
            return self._projected(pod, source, pod_ip)
        kinds = sorted(set(volume) - {"name"})
        raise ConfigError("CreateContainerConfigError", f"volume {volume['name']!r}: unsupported type {kinds}")

    def _projected(self, pod: Obj, source: Obj, pod_ip: str) -> dict[str, File]:
        namespace = pod["metadata"]["namespace"]
        mode = _mode(source)
        files: dict[str, File] = {}
        for item in source.get("sources") or []:
            if kind := next((k for k in ("configMap", "secret") if k in item), None):
                files.update(self._referenced(namespace, kind, item[kind], mode))
            elif "downwardAPI" in item:
                files.update(_downward(pod, item["downwardAPI"], pod_ip, mode))
            elif "serviceAccountToken" in item:
                ref = item["serviceAccountToken"]
                account = pod["spec"].get("serviceAccountName", "default")
                token = self._token(
                    namespace, account, ref.get("audience", ""), int(ref.get("expirationSeconds", TOKEN_SECONDS))
                )
                if token is not None:
                    files[ref["path"]] = File(token.encode(), mode)
        return files

    def _referenced(self, namespace: str, kind: str, ref: Obj, mode: int) -> dict[str, File]:
        """The files of a ConfigMap or Secret, as a volume or as a projected volume's source names it
        (a Secret volume says `secretName`, a projected source `name`)."""
        optional = bool(ref.get("optional"))
        if kind == "configMap":
            data = config_map_data(self.kube, namespace, ref["name"], optional=optional)
        else:
            data = secret_data(self.kube, namespace, ref.get("secretName") or ref["name"], optional=optional)
        return _keyed(data or {}, ref.get("items"), mode)

    def _token(self, namespace: str, account: str, audience: str, seconds: int) -> str | None:
        key = (account, audience, seconds)
        cached = self._tokens.get(key)
        if cached is not None and time.monotonic() < cached[1]:
            return cached[0]
        token = self.kube.service_account_token(
            namespace, account, audiences=[audience] if audience else [], seconds=seconds
        )
        if token is not None:
            self._tokens[key] = (token, time.monotonic() + TOKEN_REFRESH * seconds)
        return token


def mounts(container: Obj, volumes: dict[str, Volume], subpaths: Path, *, starting: bool) -> list[tuple[str, Path]]:
    """(mountPath, folder or file) for the container's mounts, longest mountPath first so nested mounts win.

    A `subPath` of a kept-current volume is copied, when the container starts, to
    `subpaths/<volume>/<container>/<mount index>` (the kubelet's own `volume-subpaths` layout), so
    it stays as it was at the start. `starting=False` (a container adopted after an agent restart)
    keeps the copy that is there.
    """
    result = []
    for index, mount in enumerate(container.get("volumeMounts") or []):
        volume = volumes[mount["name"]]
        path = volume.path
        if sub := mount.get("subPath"):
            path = path / sub
            if volume.kept_current:
                pinned = subpaths / mount["name"] / container["name"] / str(index)
                if starting or not (pinned.exists() or pinned.is_symlink()):
                    _copy(path, pinned)
                path = pinned
        result.append((mount["mountPath"].rstrip("/") or "/", path))
    return sorted(result, key=lambda pair: len(pair[0]), reverse=True)


def _copy(source: Path, target: Path) -> None:
    """A snapshot of `source` (links followed) at `target`; a missing source becomes an empty folder, as kubelets do."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, symlinks=False)
    elif source.exists():
        shutil.copy2(source, target)
    else:
        target.mkdir()
