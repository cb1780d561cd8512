"""The CLI's failure paths: each names what failed and what to do, without real binaries."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloudless_localcluster.cli import cluster

FAILING_ETCD = """#!/bin/sh
echo "etcd: cannot open data dir: simulated failure" >&2
exit 3
"""


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    """A bin folder whose etcd fails at once; the other binaries are never reached."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        path = folder / name
        path.write_text(FAILING_ETCD if name == "etcd" else "#!/bin/sh\nexit 1\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return folder


def test_a_failing_component_is_named_with_its_log_tail(tmp_path: Path, fake_bin: Path) -> None:
    result = CliRunner().invoke(cluster, ["up", f"--state={tmp_path / 'state'}", f"--bin-dir={fake_bin}"])
    assert result.exit_code == 1
    assert "etcd failed to start: exited with code 3" in result.output
    assert "simulated failure" in result.output
    assert not (tmp_path / "state" / "run" / "etcd.pid").exists()


def test_missing_binaries_say_make_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDLESS_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("CLOUDLESS_K8S_BIN", raising=False)
    result = CliRunner().invoke(cluster, ["up", f"--state={tmp_path / 'state'}"])
    assert result.exit_code == 1
    assert "run `make install`" in result.output


def test_an_incomplete_bin_dir_lists_what_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(cluster, ["up", f"--state={tmp_path / 'state'}", f"--bin-dir={tmp_path}"])
    assert result.exit_code == 1
    assert "lacks etcd, kube-apiserver" in result.output


def test_status_and_down_of_a_cluster_that_never_ran(tmp_path: Path) -> None:
    state = f"--state={tmp_path / 'never'}"
    status = CliRunner().invoke(cluster, ["status", state])
    assert status.exit_code == 1
    assert status.output.count("stopped") == 5
    down = CliRunner().invoke(cluster, ["down", state])
    assert down.exit_code == 0
    assert "not running" in down.output


def test_kubeconfig_before_up_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cluster, ["kubeconfig", f"--state={tmp_path / 'never'}"])
    assert result.exit_code == 1
    assert "cluster up" in result.output


def test_the_root_command_dispatches_cluster() -> None:
    """`cloudless cluster ...` is how the README and the issue say to run it."""
    from cloudless_runtime.cli import main

    result = CliRunner().invoke(main, ["cluster", "--help"])
    assert result.exit_code == 0, result.output
    assert "up" in result.output and "kubeconfig" in result.output
