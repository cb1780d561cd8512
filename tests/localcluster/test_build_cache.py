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
    go_mod = build.K8S.module_dir() / "go.mod"
    version = build.pinned_version(go_mod, "k8s.io/kubernetes")
    flags = build.K8S.ldflags(go_mod)
    assert f"-X k8s.io/component-base/version.gitVersion={version}" in flags
    assert flags.startswith("-s -w")


def test_helm_is_stamped_with_its_pin_and_its_client_go_kubernetes_version() -> None:
    go_mod = build.HELM.module_dir() / "go.mod"
    version = build.pinned_version(go_mod, "helm.sh/helm/v3")
    assert version.startswith("v3.")
    client_minor = build.pinned_version(go_mod, "k8s.io/client-go").split(".")[1]
    flags = build.HELM.ldflags(go_mod)
    assert f"-X helm.sh/helm/v3/internal/version.version={version}" in flags
    assert f"-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor={client_minor}" in flags


def test_each_toolset_has_its_own_cache_folder_and_key() -> None:
    k8s, helm = (build.current_pins(toolset) for toolset in (build.K8S, build.HELM))
    assert (k8s.folder.parent.name, helm.folder.parent.name) == ("k8s", "helm")
    assert k8s.key != helm.key
    assert helm.release == build.pinned_version(helm.module / "go.mod", "helm.sh/helm/v3")


def test_the_module_pins_every_staging_module() -> None:
    """Without a replace line per staging module, k8s.io/kubernetes' v0.0.0 requirements cannot resolve."""
    go_mod = (build.K8S.module_dir() / "go.mod").read_text()
    version = build.pinned_version(build.K8S.module_dir() / "go.mod", "k8s.io/kubernetes")
    staging = "v0." + version.split(".", 1)[1]
    for module in ("k8s.io/api", "k8s.io/apimachinery", "k8s.io/apiserver", "k8s.io/client-go", "k8s.io/kubectl"):
        assert f"{module} => {module} {staging}" in go_mod


def _fake_pins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> build.Pins:
    monkeypatch.setenv("CLOUDLESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CLOUDLESS_K8S_BIN", raising=False)
    pins = build.Pins(tmp_path, "go", "go1.26.8 linux amd64", "v1.36.3", "0123456789abcdef")
    monkeypatch.setattr(build, "current_pins", lambda _toolset=build.K8S: pins)
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
    assert manifest["release"] == {"module": "k8s.io/kubernetes", "version": "v1.36.3"}
    assert build.installed_bin_dir() == pins.bin_dir
