"""From a pod's container to a `Launch`: argv, environment, working dir, memory limit.

This follows the kubelet's rules: `command` replaces the image's entrypoint and `args` its
default arguments, `envFrom` comes before `env` (so `env` wins), `$(VAR)` refers to variables
defined earlier (`$$` escapes), and every container sees the Kubernetes service variables. Since
a process has no mount namespace, paths under a volume's mountPath are rewritten to the folder
holding that volume (see `volumes.py`), in argv, env values and workingDir.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from . import images
from .kube import Kube, Obj
from .runtime import Launch
from .volumes import ConfigError, config_map_data, field_value, secret_data

_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_QUANTITY = re.compile(r"^([0-9.]+)([A-Za-z]*)$")
_UNITS = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}
#: What every container inherits from the agent: enough to find programs and speak UTF-8.
INHERITED = ("PATH", "LANG", "LC_ALL", "TZ", "VIRTUAL_ENV", "PYTHONPATH")


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes `$(VAR)` expansion: known names are replaced, unknown ones stay as written."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return _REFERENCE.sub(replace, text)


def memory_bytes(quantity: str) -> int:
    """A memory quantity (`512Mi`, `4Gi`, `1G`, `1e9` not supported) in bytes."""
    match = _QUANTITY.match(quantity.strip())
    if match is None or match.group(2) not in _UNITS:
        raise ConfigError("CreateContainerConfigError", f"cannot read memory quantity {quantity!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def rewrite(value: str, mounts: list[tuple[str, Path]]) -> str:
    """Point a path under a mountPath (at the start, or after `=`) at the volume's folder."""
    for mount_path, folder in mounts:
        for prefix in ("", "="):
            needle = prefix + mount_path
            index = value.find(needle) if prefix else (0 if value.startswith(mount_path) else -1)
            if index < 0:
                continue
            end = index + len(needle)
            if end == len(value) or value[end] == "/":
                return value[: index + len(prefix)] + str(folder) + value[end:]
    return value


def environment(pod: Obj, container: Obj, *, pod_ip: str, kube_api: tuple[str, int], kube: Kube) -> dict[str, str]:
    """The container's environment, in the kubelet's order."""
    namespace = pod["metadata"]["namespace"]
    host, port = kube_api
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.update(
        {
            "HOSTNAME": pod["metadata"]["name"],
            "POD_IP": pod_ip,
            "KUBERNETES_SERVICE_HOST": host,
            "KUBERNETES_SERVICE_PORT": str(port),
            "KUBERNETES_SERVICE_PORT_HTTPS": str(port),
        }
    )
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        if (ref := source.get("configMapRef")) is not None:
            data = config_map_data(kube, namespace, ref["name"], optional=bool(ref.get("optional")))
        elif (ref := source.get("secretRef")) is not None:
            data = secret_data(kube, namespace, ref["name"], optional=bool(ref.get("optional")))
        else:
            continue
        env.update({prefix + key: value.decode(errors="replace") for key, value in (data or {}).items()})
    for item in container.get("env") or []:
        name = item["name"]
        if "valueFrom" not in item:
            env[name] = expand(item.get("value", ""), env)
            continue
        source = item["valueFrom"]
        if "fieldRef" in source:
            env[name] = field_value(pod, source["fieldRef"]["fieldPath"], pod_ip)
        elif "configMapKeyRef" in source or "secretKeyRef" in source:
            is_map = "configMapKeyRef" in source
            ref = source["configMapKeyRef" if is_map else "secretKeyRef"]
            read = config_map_data if is_map else secret_data
            data = read(kube, namespace, ref["name"], optional=bool(ref.get("optional")))
            if data is not None and ref["key"] in data:
                env[name] = data[ref["key"]].decode(errors="replace")
            elif not ref.get("optional"):
                kind = "configmap" if is_map else "secret"
                raise ConfigError(
                    "CreateContainerConfigError", f"couldn't find key {ref['key']} in {kind} {ref['name']}"
                )
        elif "resourceFieldRef" in source:
            limits = container.get("resources", {}).get("limits", {})
            env[name] = str(memory_bytes(limits["memory"])) if "memory" in limits else "0"
    return env


def launch(
    pod: Obj,
    container: Obj,
    *,
    env: dict[str, str],
    mounts: list[tuple[str, Path]],
    scratch: Path,
    log: Path,
) -> Launch:
    """The Launch for one container, its paths under `mounts` ((mountPath, folder), see `volumes.mounts`) rewritten.

    Raises `images.UnknownImage` or `ConfigError`.
    """
    entry = list(images.entrypoint(container["image"]))
    command = container.get("command")
    args = container.get("args")
    argv = (list(command) if command else entry) + list(args or [])
    argv = images.resolve_python([rewrite(expand(part, env), mounts) for part in argv])
    env = {name: rewrite(value, mounts) for name, value in env.items()}
    working_dir = container.get("workingDir")
    cwd = scratch
    if working_dir:
        mounted = rewrite(working_dir, mounts)
        # Not under a volume, it is a folder of the container's own filesystem: the scratch folder stands for it.
        cwd = Path(mounted) if mounted != working_dir else scratch / working_dir.lstrip("/")
    cwd.mkdir(parents=True, exist_ok=True)
    limits = (container.get("resources") or {}).get("limits") or {}
    memory = memory_bytes(str(limits["memory"])) if "memory" in limits else None
    return Launch(tuple(argv), env, cwd, log, memory)
