"""Volume contents replaced in one rename, the way the kubelet's AtomicWriter projects them.

A volume folder holding the keys `a` and `dir/b` looks like this:

    ..2026_05_01_10_00_00.k3j4h5x2/    the current version: a, dir/b (real files)
    ..data -> ..2026_05_01_10_00_00.k3j4h5x2
    a -> ..data/a
    dir -> ..data/dir

An update writes a new timestamped folder, points a temporary `..data_tmp` link at it and renames
that link over `..data` (a rename is atomic), so a reader sees the old version or the new one,
never a mix; then it links new top-level names, drops the links of names that are gone, and
deletes the old version. The visible names resolve through `..data` into the newest folder,
whose files were just written, so `os.stat(key)` (which follows links) shows a new mtime exactly
when the content changed: what a program that re-reads a file on an mtime change relies on.
Nothing is written while content and modes are unchanged. Names starting with `..` are this
module's; payload paths may not use them.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DATA = "..data"
DATA_TMP = "..data_tmp"
#: The kubelet's default file mode in ConfigMap, Secret, downwardAPI and projected volumes.
DEFAULT_MODE = 0o644
MAX_NAME = 255
MAX_PATH = 4096


@dataclass(frozen=True)
class File:
    data: bytes
    mode: int = DEFAULT_MODE


class BadPath(ValueError):
    """A payload path the writer refuses: absolute, with `..`, starting with `..`, or too long."""


def clean(path: str) -> str:
    """The normalised form of a payload path; raises `BadPath` as the kubelet's validatePath does."""
    if not path:
        raise BadPath("invalid path: must not be empty")
    if path.startswith("/"):
        raise BadPath(f"invalid path: must be relative path: {path}")
    if len(path) > MAX_PATH:
        raise BadPath(f"invalid path: must be less than or equal to {MAX_PATH} characters")
    parts = path.split("/")
    if ".." in parts:
        raise BadPath(f"invalid path: must not contain '..': {path}")
    if any(len(part) > MAX_NAME for part in parts):
        raise BadPath(f"invalid path: filenames must be less than or equal to {MAX_NAME} characters")
    if parts[0].startswith("..") and len(parts[0]) > 2:
        raise BadPath(f"invalid path: must not start with '..': {path}")
    return os.path.normpath(path)


def _read_version(folder: Path) -> dict[str, File]:
    """The files of one timestamped version, by path relative to it."""
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            found[str(path.relative_to(folder))] = File(path.read_bytes(), stat.S_IMODE(path.lstat().st_mode))
    return found


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _mtimes(folder: Path) -> dict[str, int]:
    return {str(path.relative_to(folder)): path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


def _publish(folder: Path, payload: Mapping[str, File], previous: dict[str, int]) -> str:
    """Write a new timestamped version and switch `..data` to it; returns the version's name.

    Every file's mtime ends up later than its previous version's, even when two updates come
    within one tick of the file system's clock, so a reader polling mtimes never misses one.
    """
    prefix = time.strftime("..%Y_%m_%d_%H_%M_%S.", time.gmtime())
    version = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
    version.chmod(0o755)
    for relative, file in payload.items():
        target = version / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.data)
        target.chmod(file.mode)
        written = target.stat()
        if written.st_mtime_ns <= previous.get(relative, -1):
            os.utime(target, ns=(written.st_atime_ns, previous[relative] + 1))
    staged = folder / DATA_TMP
    staged.unlink(missing_ok=True)
    staged.symlink_to(version.name)
    staged.replace(folder / DATA)
    return version.name


def write(folder: Path, payload: Mapping[str, File]) -> bool:
    """Make `folder` show exactly `payload` (path -> file); True if a new version was published."""
    files = {clean(path): file for path, file in payload.items()}
    folder.mkdir(parents=True, exist_ok=True)
    try:
        current: str | None = os.readlink(folder / DATA)
    except OSError:  # a new volume (or a folder of an older layout)
        current = None
    changed = current is None or _read_version(folder / current) != files
    if changed:
        current = _publish(folder, files, {} if current is None else _mtimes(folder / current))
    visible = {path.split("/", 1)[0] for path in files}
    for name in visible:
        link = folder / name
        wanted = f"{DATA}/{name}"
        if link.is_symlink() and os.readlink(link) == wanted:
            continue
        if link.exists() or link.is_symlink():
            _remove(link)  # a plain file or folder of an older layout, or a link elsewhere
        link.symlink_to(wanted)
    for entry in folder.iterdir():
        keep = entry.name in visible or entry.name in (DATA, current)
        if not keep:
            _remove(entry)  # a key that is gone, an old version, or what an interrupted write left
    return changed
