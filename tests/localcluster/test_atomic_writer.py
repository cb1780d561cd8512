"""Kept-current volumes on disk: the kubelet's AtomicWriter layout, and subPaths that stay as they started."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cloudless_localcluster.agent import atomic_writer, volumes
from cloudless_localcluster.agent.atomic_writer import File


def _versions(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir() if entry.name.startswith("..2"))


def test_the_layout_is_a_timestamped_version_a_data_link_and_a_link_per_top_level_name(tmp_path: Path) -> None:
    folder = tmp_path / "vol"
    assert atomic_writer.write(folder, {"a": File(b"one"), "dir/b": File(b"two", 0o600)})
    (version,) = _versions(folder)
    assert os.readlink(folder / "..data") == version
    assert os.readlink(folder / "a") == "..data/a"
    assert os.readlink(folder / "dir") == "..data/dir"
    assert sorted(entry.name for entry in folder.iterdir()) == sorted(["..data", version, "a", "dir"])
    assert (folder / "a").read_bytes() == b"one"
    assert (folder / "dir" / "b").read_bytes() == b"two"
    assert (folder / "dir" / "b").stat().st_mode & 0o777 == 0o600
    assert (folder / "a").stat().st_mode & 0o777 == 0o644


def test_an_unchanged_payload_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "vol"
    atomic_writer.write(folder, {"a": File(b"one")})
    before = (os.readlink(folder / "..data"), (folder / "a").stat().st_mtime_ns)
    assert not atomic_writer.write(folder, {"a": File(b"one")})
    assert (os.readlink(folder / "..data"), (folder / "a").stat().st_mtime_ns) == before


def test_an_update_swaps_the_version_and_stat_through_the_link_sees_a_later_mtime(tmp_path: Path) -> None:
    folder = tmp_path / "vol"
    atomic_writer.write(folder, {"a": File(b"one"), "gone": File(b"x")})
    (old,) = _versions(folder)
    first = os.stat(folder / "a").st_mtime_ns
    updates = [b"two", b"three", b"four"]  # back to back: within one tick of the file system's clock
    mtimes = []
    for data in updates:
        assert atomic_writer.write(folder, {"a": File(data)})
        mtimes.append(os.stat(folder / "a").st_mtime_ns)
    assert (folder / "a").read_bytes() == b"four"
    assert first < mtimes[0] < mtimes[1] < mtimes[2]
    (new,) = _versions(folder)
    assert new != old
    assert not (folder / "gone").is_symlink() and not (folder / "gone").exists()
    assert os.readlink(folder / "a") == "..data/a"


def test_a_mode_change_alone_is_a_new_version(tmp_path: Path) -> None:
    folder = tmp_path / "vol"
    atomic_writer.write(folder, {"key": File(b"secret", 0o644)})
    assert atomic_writer.write(folder, {"key": File(b"secret", 0o400)})
    assert (folder / "key").stat().st_mode & 0o777 == 0o400


def test_files_of_an_older_plain_layout_become_links(tmp_path: Path) -> None:
    """A pod folder written by an agent from before kept-current volumes, re-adopted."""
    folder = tmp_path / "vol"
    folder.mkdir()
    (folder / "a").write_bytes(b"plain")
    (folder / "sub").mkdir()
    (folder / "sub" / "b").write_bytes(b"plain")
    (folder / "stale").write_bytes(b"no longer a key")
    atomic_writer.write(folder, {"a": File(b"new"), "sub/b": File(b"new")})
    assert (folder / "a").is_symlink() and (folder / "a").read_bytes() == b"new"
    assert (folder / "sub").is_symlink() and (folder / "sub" / "b").read_bytes() == b"new"
    assert not (folder / "stale").exists()


@pytest.mark.parametrize("path", ["/etc/passwd", "../escape", "a/../../b", "..data", "..hidden/x", "", "n" * 256])
def test_paths_the_kubelet_refuses_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(atomic_writer.BadPath, match="invalid path"):
        atomic_writer.write(tmp_path / "vol", {path: File(b"x")})


def test_a_subpath_of_a_kept_current_volume_is_a_copy_fixed_at_the_container_start(tmp_path: Path) -> None:
    config, scratch = tmp_path / "volumes" / "config", tmp_path / "volumes" / "scratch"
    atomic_writer.write(config, {"greeting": File(b"hello")})
    scratch.mkdir()
    mounted = {
        "config": volumes.Volume(config, kept_current=True),
        "scratch": volumes.Volume(scratch, kept_current=False),
    }
    container = {
        "name": "app",
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/app"},
            {"name": "config", "mountPath": "/etc/greeting", "subPath": "greeting"},
            {"name": "scratch", "mountPath": "/data", "subPath": "part"},
        ],
    }
    subpaths = tmp_path / "volume-subpaths"
    mounts = dict(volumes.mounts(container, mounted, subpaths, starting=True))
    assert mounts["/etc/app"] == config
    assert mounts["/etc/greeting"] == subpaths / "config" / "app" / "1"
    assert mounts["/data"] == scratch / "part"  # writable volumes are shared, never copied
    atomic_writer.write(config, {"greeting": File(b"bonjour")})
    assert (config / "greeting").read_bytes() == b"bonjour"
    assert mounts["/etc/greeting"].read_bytes() == b"hello"
    volumes.mounts(container, mounted, subpaths, starting=False)  # an adopted container keeps its copy
    assert mounts["/etc/greeting"].read_bytes() == b"hello"
    volumes.mounts(container, mounted, subpaths, starting=True)  # a restart takes the current content
    assert mounts["/etc/greeting"].read_bytes() == b"bonjour"
