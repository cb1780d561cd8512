"""Build the local cluster's Go tools from pinned Go modules, once per set of pins.

Each toolset is built the same way: the control plane (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler, kubectl) from `localcluster/k8s`, `helm` from
`localcluster/helm` (the chart tests and `make helm-install`), and `kind` from `localcluster/kind`
(`make kind-up`, on machines with Docker). Each module's go.mod + go.sum name every source exactly; its binaries go to
`$CLOUDLESS_CACHE/<toolset>/<key>/bin`, where `<key>` hashes go.mod, go.sum, the Go version and
the build flags. Changing a pin or the toolchain therefore builds into a new folder, and an
unchanged checkout finds its binaries already there: `make install` is cheap after the first
time. A folder counts as complete only once `manifest.json` is written after the last binary, so
an interrupted build is resumed, never trusted.

Run it as `python -m cloudless_localcluster.build [k8s|helm|kind]` (what `make install` does).
"""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: Static, stripped, path-free binaries: no C toolchain needed, smaller, reproducible across checkouts.
BUILD_FLAGS = ("-trimpath",)
LDFLAGS = ("-s", "-w")
BUILD_ENV = {"CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"}

MODULES = Path(__file__).resolve().parent.parent
MANIFEST = "manifest.json"

Progress = Callable[[str], None]


class BuildError(RuntimeError):
    """A binary could not be built; the message carries the Go toolchain's own output."""


def pinned_version(go_mod: Path, module: str) -> str:
    """The version go.mod requires of `module` (e.g. `v1.36.3` for k8s.io/kubernetes)."""
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", go_mod.read_text(), re.MULTILINE)
    if match is None:
        raise BuildError(f"{go_mod} does not require {module}")
    return match.group(1)


def kubernetes_stamps(go_mod: Path) -> list[str]:
    """The version stamps Kubernetes' own build (hack/lib/version.sh) sets, so `kubectl version` shows the pin."""
    version = pinned_version(go_mod, "k8s.io/kubernetes")
    major, minor = version.lstrip("v").split(".")[:2]
    stamps = {"gitVersion": version, "gitMajor": major, "gitMinor": minor, "gitTreeState": "clean"}
    return [
        f"-X {package}.{key}={value}"
        for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")
        for key, value in stamps.items()
    ]


def helm_stamps(go_mod: Path) -> list[str]:
    """What Helm's Makefile stamps: its version, and the Kubernetes version of its client-go (1.N for v0.N),
    which `helm template` and `helm lint` assume when no cluster tells them."""
    version = pinned_version(go_mod, "helm.sh/helm/v3")
    client_minor = pinned_version(go_mod, "k8s.io/client-go").lstrip("v").split(".")[1]
    flags = [
        f"-X helm.sh/helm/v3/internal/version.version={version}",
        "-X helm.sh/helm/v3/internal/version.gitTreeState=clean",
    ]
    for package in ("helm.sh/helm/v3/pkg/lint/rules", "helm.sh/helm/v3/pkg/chartutil"):
        flags += [f"-X {package}.k8sVersionMajor=1", f"-X {package}.k8sVersionMinor={client_minor}"]
    return flags


@dataclasses.dataclass(frozen=True)
class Toolset:
    """One pinned Go module and the commands compiled from it."""

    name: str
    """Cache folder name, and the word in `CLOUDLESS_<NAME>_MODULE` / `CLOUDLESS_<NAME>_BIN`."""
    title: str
    release: str
    """The module whose pinned version names the build (what progress lines and the manifest show)."""
    binaries: dict[str, str]
    """Binary name -> Go package, in build order."""
    stamps: Callable[[Path], list[str]]
    """go.mod -> the `-X` version stamps of the build."""

    def module_dir(self) -> Path:
        """`localcluster/<name>`; `CLOUDLESS_<NAME>_MODULE` points elsewhere."""
        return Path(os.environ.get(f"CLOUDLESS_{self.name.upper()}_MODULE") or MODULES / self.name)

    def ldflags(self, go_mod: Path) -> str:
        return " ".join([*LDFLAGS, *self.stamps(go_mod)])


#: Binary name -> Go package, in build order (the apiserver first: it compiles most shared code).
BINARIES: dict[str, str] = {
    "etcd": "go.etcd.io/etcd/server/v3",
    "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
    "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
    "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
    "kubectl": "k8s.io/kubernetes/cmd/kubectl",
}
K8S = Toolset("k8s", "control plane", "k8s.io/kubernetes", BINARIES, kubernetes_stamps)
HELM = Toolset("helm", "helm", "helm.sh/helm/v3", {"helm": "helm.sh/helm/v3/cmd/helm"}, helm_stamps)
KIND = Toolset("kind", "kind", "sigs.k8s.io/kind", {"kind": "sigs.k8s.io/kind"}, lambda _go_mod: [])
"""kind's version is a constant of its source; it stamps nothing else that matters here."""
TOOLSETS = {toolset.name: toolset for toolset in (K8S, HELM, KIND)}


def cache_root() -> Path:
    """`$CLOUDLESS_CACHE`, else `$XDG_CACHE_HOME/cloudless`, else `~/.cache/cloudless`."""
    explicit = os.environ.get("CLOUDLESS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cloudless"


def go_binary() -> str:
    """`$GO`, else `go` on PATH, else the toolchain's usual place."""
    candidate = os.environ.get("GO") or shutil.which("go") or "/usr/local/go/bin/go"
    if not Path(candidate).exists() and shutil.which(candidate) is None:
        raise BuildError("the Go toolchain was not found (set GO=/path/to/go or put go on PATH)")
    return candidate


def go_version(go: str, module: Path) -> str:
    """The version the go command would build with in `module` (after GOTOOLCHAIN), e.g. `go1.26.8 linux amd64`."""
    env = {**os.environ, **BUILD_ENV}
    result = subprocess.run(
        [go, "env", "GOVERSION", "GOOS", "GOARCH"], cwd=module, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BuildError(f"`go env` failed in {module}:\n{result.stderr.strip()}")
    return " ".join(result.stdout.split())


def cache_key(go_mod: bytes, go_sum: bytes, version: str, binaries: dict[str, str] = BINARIES) -> str:
    """What decides the binaries' content: the pins, the toolchain, the flags and the binary set."""
    digest = hashlib.sha256()
    for part in (go_mod, go_sum, version.encode(), repr((BUILD_FLAGS, LDFLAGS, BUILD_ENV, binaries)).encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class Pins:
    """The inputs of one build, and the cache folder they map to."""

    module: Path
    go: str
    go_version: str
    release: str
    """The pinned version of the toolset's release module, e.g. `v1.36.3`."""
    key: str
    toolset: Toolset = K8S

    @property
    def folder(self) -> Path:
        return cache_root() / self.toolset.name / self.key

    @property
    def bin_dir(self) -> Path:
        return self.folder / "bin"

    def binary(self, name: str) -> Path:
        return self.bin_dir / name


def current_pins(toolset: Toolset = K8S) -> Pins:
    """Read go.mod, go.sum and the Go version now; cheap (one `go env`), so callers need not cache it."""
    module = toolset.module_dir()
    go_mod, go_sum = module / "go.mod", module / "go.sum"
    if not go_mod.exists() or not go_sum.exists():
        raise BuildError(f"{module} has no go.mod/go.sum: the pinned {toolset.title} module is missing")
    go = go_binary()
    version = go_version(go, module)
    key = cache_key(go_mod.read_bytes(), go_sum.read_bytes(), version, toolset.binaries)
    return Pins(module, go, version, pinned_version(go_mod, toolset.release), key, toolset)


def is_complete(pins: Pins) -> bool:
    """Whether every binary is there and the manifest says the build finished."""
    return (pins.folder / MANIFEST).exists() and all(pins.binary(name).exists() for name in pins.toolset.binaries)


def installed_bin_dir(toolset: Toolset = K8S) -> Path | None:
    """The binaries for the checkout's pins, or None if `make install` has not built them."""
    explicit = os.environ.get(f"CLOUDLESS_{toolset.name.upper()}_BIN")
    if explicit:
        return Path(explicit)
    try:
        pins = current_pins(toolset)
    except BuildError:
        return None
    return pins.bin_dir if is_complete(pins) else None


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One build per cache folder at a time: a second `make install` waits, then finds it done."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ticker(label: str, started: float, progress: Progress, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        progress(f"{label} ... {time.monotonic() - started:.0f}s")


def build_one(pins: Pins, name: str, progress: Progress, tick: float = 30.0) -> float:
    """Compile one binary into the cache (atomically: a temp name, then rename); return the seconds."""
    package = pins.toolset.binaries[name]
    target = pins.binary(name)
    partial = target.with_name(f".{name}.partial")
    ldflags = pins.toolset.ldflags(pins.module / "go.mod")
    command = [pins.go, "build", *BUILD_FLAGS, f"-ldflags={ldflags}", "-o", str(partial), package]
    env = {**os.environ, **BUILD_ENV}
    started = time.monotonic()
    stop = threading.Event()
    ticker = threading.Thread(target=_ticker, args=(f"  {name}", started, progress, stop, tick), daemon=True)
    ticker.start()
    try:
        result = subprocess.run(command, cwd=pins.module, env=env, capture_output=True, text=True, check=False)
    finally:
        stop.set()
        ticker.join()
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BuildError(f"building {name} ({package}) failed:\n$ {' '.join(command)}\n{result.stderr.strip()}")
    partial.replace(target)
    return time.monotonic() - started


def ensure_built(progress: Progress = print, force: bool = False, toolset: Toolset = K8S) -> Path:
    """Build whatever the current pins lack and return the bin folder; a no-op on a cache hit."""
    pins = current_pins(toolset)
    what = f"{toolset.title} {pins.release}"
    if is_complete(pins) and not force:
        progress(f"{what} ({pins.go_version}): cached in {pins.bin_dir}")
        return pins.bin_dir
    with _locked(pins.folder):
        if is_complete(pins) and not force:  # another build finished while we waited for the lock
            progress(f"{what}: built meanwhile in {pins.bin_dir}")
            return pins.bin_dir
        (pins.folder / MANIFEST).unlink(missing_ok=True)
        pins.bin_dir.mkdir(parents=True, exist_ok=True)
        progress(f"building {what} with {pins.go_version} into {pins.bin_dir}")
        binaries = toolset.binaries
        seconds: dict[str, float] = {}
        total = time.monotonic()
        for index, name in enumerate(binaries, start=1):
            if pins.binary(name).exists() and not force:
                progress(f"[{index}/{len(binaries)}] {name}: already built")
                continue
            progress(f"[{index}/{len(binaries)}] {name} ({binaries[name]})")
            seconds[name] = build_one(pins, name, progress)
            progress(f"[{index}/{len(binaries)}] {name}: {seconds[name]:.0f}s")
        manifest = {
            "release": {"module": toolset.release, "version": pins.release},
            "go": pins.go_version,
            "binaries": dict(binaries),
            "build_seconds": {name: round(value, 1) for name, value in seconds.items()},
        }
        (pins.folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        progress(f"{what} built in {time.monotonic() - total:.0f}s: {pins.bin_dir}")
    return pins.bin_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cloudless_localcluster.build", description="Build the pinned Go tools of the local cluster."
    )
    parser.add_argument(
        "toolset", nargs="?", default=K8S.name, choices=sorted(TOOLSETS), help="what to build (default: k8s)"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if the cache has these pins")
    parser.add_argument("--print-bin-dir", action="store_true", help="only print where the binaries go, build nothing")
    args = parser.parse_args(argv)
    toolset = TOOLSETS[args.toolset]

    def progress(line: str) -> None:
        print(line, flush=True)

    try:
        if args.print_bin_dir:
            print(current_pins(toolset).bin_dir)
            return 0
        ensure_built(progress, force=args.force, toolset=toolset)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
