"""Build the control-plane binaries from the pinned Go module, once per set of pins.

The binaries (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl) are compiled
from `localcluster/k8s` (go.mod + go.sum name every source exactly) into
`$CLOUDLESS_CACHE/k8s/<key>/bin`, where `<key>` hashes go.mod, go.sum, the Go version and the build
flags. Changing a pin or the toolchain therefore builds into a new folder, and an unchanged
checkout finds its binaries already there: `make install` is cheap after the first time. A folder
counts as complete only once `manifest.json` is written after the last binary, so an interrupted
build is resumed, never trusted.

Run it as `python -m cloudless_localcluster.build` (what `make install` does).
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

#: Binary name -> Go package, in build order (the apiserver first: it compiles most shared code).
BINARIES: dict[str, str] = {
    "etcd": "go.etcd.io/etcd/server/v3",
    "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
    "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
    "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
    "kubectl": "k8s.io/kubernetes/cmd/kubectl",
}

#: Static, stripped, path-free binaries: no C toolchain needed, smaller, reproducible across checkouts.
BUILD_FLAGS = ("-trimpath",)
LDFLAGS = ("-s", "-w")
BUILD_ENV = {"CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"}

MODULE_DIR = Path(__file__).resolve().parent.parent / "k8s"
MANIFEST = "manifest.json"

Progress = Callable[[str], None]


class BuildError(RuntimeError):
    """A binary could not be built; the message carries the Go toolchain's own output."""


def module_dir() -> Path:
    """The pinned Go module (`localcluster/k8s`); `CLOUDLESS_K8S_MODULE` points elsewhere."""
    return Path(os.environ.get("CLOUDLESS_K8S_MODULE") or MODULE_DIR)


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


def go_version(go: str) -> str:
    """The version the go command would build with (after GOTOOLCHAIN), e.g. `go1.26.8`."""
    env = {**os.environ, **BUILD_ENV}
    result = subprocess.run(
        [go, "env", "GOVERSION", "GOOS", "GOARCH"],
        cwd=module_dir(),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BuildError(f"`go env` failed in {module_dir()}:\n{result.stderr.strip()}")
    return " ".join(result.stdout.split())


def kubernetes_version(go_mod: Path) -> str:
    """The pinned `k8s.io/kubernetes` release, stamped into the binaries as `kubectl version` shows."""
    match = re.search(r"^\s*k8s\.io/kubernetes\s+(v\S+)", go_mod.read_text(), re.MULTILINE)
    if match is None:
        raise BuildError(f"{go_mod} does not require k8s.io/kubernetes")
    return match.group(1)


def ldflags(kube_version: str) -> str:
    """`-s -w` plus the version stamps that Kubernetes' own build (hack/lib/version.sh) sets."""
    major, minor = kube_version.lstrip("v").split(".")[:2]
    stamps = {"gitVersion": kube_version, "gitMajor": major, "gitMinor": minor, "gitTreeState": "clean"}
    flags = list(LDFLAGS)
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [f"-X {package}.{key}={value}" for key, value in stamps.items()]
    return " ".join(flags)


def cache_key(go_mod: bytes, go_sum: bytes, version: str) -> str:
    """What decides the binaries' content: the pins, the toolchain, the flags and the binary set."""
    digest = hashlib.sha256()
    for part in (go_mod, go_sum, version.encode(), repr((BUILD_FLAGS, LDFLAGS, BUILD_ENV, BINARIES)).encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class Pins:
    """The inputs of one build, and the cache folder they map to."""

    module: Path
    go: str
    go_version: str
    kubernetes: str
    key: str

    @property
    def folder(self) -> Path:
        return cache_root() / "k8s" / self.key

    @property
    def bin_dir(self) -> Path:
        return self.folder / "bin"

    def binary(self, name: str) -> Path:
        return self.bin_dir / name


def current_pins() -> Pins:
    """Read go.mod, go.sum and the Go version now; cheap (one `go env`), so callers need not cache it."""
    module = module_dir()
    go_mod, go_sum = module / "go.mod", module / "go.sum"
    if not go_mod.exists() or not go_sum.exists():
        raise BuildError(f"{module} has no go.mod/go.sum: the pinned control-plane module is missing")
    go = go_binary()
    version = go_version(go)
    return Pins(
        module, go, version, kubernetes_version(go_mod), cache_key(go_mod.read_bytes(), go_sum.read_bytes(), version)
    )


def is_complete(pins: Pins) -> bool:
    """Whether every binary is there and the manifest says the build finished."""
    return (pins.folder / MANIFEST).exists() and all(pins.binary(name).exists() for name in BINARIES)


def installed_bin_dir() -> Path | None:
    """The binaries for the checkout's pins, or None if `make install` has not built them."""
    explicit = os.environ.get("CLOUDLESS_K8S_BIN")
    if explicit:
        return Path(explicit)
    try:
        pins = current_pins()
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
    package = BINARIES[name]
    target = pins.binary(name)
    partial = target.with_name(f".{name}.partial")
    command = [
        pins.go,
        "build",
        *BUILD_FLAGS,
        f"-ldflags={ldflags(pins.kubernetes)}",
        "-o",
        str(partial),
        package,
    ]
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


def ensure_built(progress: Progress = print, force: bool = False) -> Path:
    """Build whatever the current pins lack and return the bin folder; a no-op on a cache hit."""
    pins = current_pins()
    if is_complete(pins) and not force:
        progress(f"control plane {pins.kubernetes} ({pins.go_version}): cached in {pins.bin_dir}")
        return pins.bin_dir
    with _locked(pins.folder):
        if is_complete(pins) and not force:  # another build finished while we waited for the lock
            progress(f"control plane {pins.kubernetes}: built meanwhile in {pins.bin_dir}")
            return pins.bin_dir
        (pins.folder / MANIFEST).unlink(missing_ok=True)
        pins.bin_dir.mkdir(parents=True, exist_ok=True)
        progress(f"building control plane {pins.kubernetes} with {pins.go_version} into {pins.bin_dir}")
        seconds: dict[str, float] = {}
        total = time.monotonic()
        for index, name in enumerate(BINARIES, start=1):
            if pins.binary(name).exists() and not force:
                progress(f"[{index}/{len(BINARIES)}] {name}: already built")
                continue
            progress(f"[{index}/{len(BINARIES)}] {name} ({BINARIES[name]})")
            seconds[name] = build_one(pins, name, progress)
            progress(f"[{index}/{len(BINARIES)}] {name}: {seconds[name]:.0f}s")
        manifest = {
            "kubernetes": pins.kubernetes,
            "go": pins.go_version,
            "binaries": {name: BINARIES[name] for name in BINARIES},
            "build_seconds": {name: round(value, 1) for name, value in seconds.items()},
        }
        (pins.folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        progress(f"control plane built in {time.monotonic() - total:.0f}s: {pins.bin_dir}")
    return pins.bin_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cloudless_localcluster.build", description="Build the pinned control-plane binaries."
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if the cache has these pins")
    parser.add_argument("--print-bin-dir", action="store_true", help="only print where the binaries go, build nothing")
    args = parser.parse_args(argv)

    def progress(line: str) -> None:
        print(line, flush=True)

    try:
        if args.print_bin_dir:
            print(current_pins().bin_dir)
            return 0
        ensure_built(progress, force=args.force)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
