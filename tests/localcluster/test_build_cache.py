"""The binary cache is keyed by the pins: same pins reuse, any change builds anew."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudless_localcluster import build


def test_key_changes_with_each_input() -> None:
    base = build.cache_key(b"mod", b"sum", "go1.26.8 linux amd64")
    assert base == build.cache_key(b"mod", b"sum", "go1.26.8 linux amd64")
    assert base != build.cache_key(b"mod2", b"sum", "go1.26.8 linux amd64")
    assert base != build.cache_key(b"mod", b"sum2", "go1.26.8 linux amd64")
    assert base != build.cache_key(b"mod", b"sum", "go1.27.3 linux amd64")


def test_the_pinned_release_is_stamped_into_the_binaries() -> None:
    module = build.module_dir()
    version = build.kubernetes_version(module / "go.mod")
    flags = build.ldflags(version)
    assert f"-X k8s.io/component-base/version.gitVersion={version}" in flags
    assert flags.startswith("-s -w")


def test_the_module_pins_every_staging_module() -> None:
    """Without a replace line per staging module, k8s.io/kubernetes' v0.0.0 requirements cannot resolve."""
    go_mod = (build.module_dir() / "go.mod").read_text()
    version = build.kubernetes_version(build.module_dir() / "go.mod")
    staging = "v0." + version.split(".", 1)[1]
    for module in ("k8s.io/api", "k8s.io/apimachinery", "k8s.io/apiserver", "k8s.io/client-go", "k8s.io/kubectl"):
        assert f"{module} => {module} {staging}" in go_mod


def _fake_pins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> build.Pins:
    monkeypatch.setenv("CLOUDLESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CLOUDLESS_K8S_BIN", raising=False)
    pins = build.Pins(tmp_path, "go", "go1.26.8 linux amd64", "v1.36.3", "0123456789abcdef")
    monkeypatch.setattr(build, "current_pins", lambda: pins)
    return pins


def test_a_complete_cache_folder_is_reused_without_building(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pins = _fake_pins(tmp_path, monkeypatch)
    assert pins.bin_dir == tmp_path / "cache" / "k8s" / "0123456789abcdef" / "bin"
    pins.bin_dir.mkdir(parents=True)
    for name in build.BINARIES:
        pins.binary(name).write_text("")
    (pins.folder / build.MANIFEST).write_text(json.dumps({}))

    def no_build(*_: object, **__: object) -> float:
        raise AssertionError("a cache hit must not build")

    monkeypatch.setattr(build, "build_one", no_build)
    lines: list[str] = []
    assert build.ensure_built(lines.append) == pins.bin_dir
    assert "cached" in lines[0]
    assert build.installed_bin_dir() == pins.bin_dir


def test_an_interrupted_build_resumes_with_the_missing_binaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pins = _fake_pins(tmp_path, monkeypatch)
    pins.bin_dir.mkdir(parents=True)
    pins.binary("etcd").write_text("")  # built before the interruption; no manifest yet
    assert build.installed_bin_dir() is None
    built: list[str] = []

    def fake_build(pins_: build.Pins, name: str, progress: build.Progress, tick: float = 30.0) -> float:
        built.append(name)
        pins_.binary(name).write_text("")
        return 1.0

    monkeypatch.setattr(build, "build_one", fake_build)
    build.ensure_built(lambda _line: None)
    assert built == [name for name in build.BINARIES if name != "etcd"]
    manifest = json.loads((pins.folder / build.MANIFEST).read_text())
    assert manifest["kubernetes"] == "v1.36.3"
    assert build.installed_bin_dir() == pins.bin_dir
