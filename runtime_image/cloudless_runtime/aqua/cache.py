"""The compiler's answers, cached by hash so that running an unchanged program skips the Node
start (seconds): `~/.cache/cloudless/aqua/<sha256>.json` (or under `XDG_CACHE_HOME`).

The key covers everything the answer depends on: the source, every file it imports (found the
way the compiler resolves them: next to the importing file, then in the import folders), and what
fixes the compiler's output (its lockfile, the script that calls it). A file that cannot be read
makes the key miss rather than fail; the compiler then reports the problem itself.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import re
from collections.abc import Sequence
from typing import Any

import orjson

_IMPORT = re.compile(rb'^\s*(?:import|use)\s+(?:[^"\n]*\s+from\s+)?"([^"]+)"', re.MULTILINE)


def folder() -> pathlib.Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(pathlib.Path.home() / ".cache")
    return pathlib.Path(base) / "cloudless" / "aqua"


def key(source: pathlib.Path, *, imports: Sequence[pathlib.Path], compiler: Sequence[pathlib.Path]) -> str:
    """`compiler`: the files that fix what the compiler emits (its lockfile, the script calling it)."""
    digest = hashlib.sha256()
    for path in compiler:
        digest.update(hashlib.sha256(_read(path)).digest())
    seen: set[pathlib.Path] = set()
    pending = [source]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        content = _read(path)
        digest.update(str(path).encode() + b"\0" + hashlib.sha256(content).digest())
        for found in _IMPORT.findall(content):
            name = found.decode(errors="replace")
            name = name if name.endswith(".aqua") else f"{name}.aqua"
            candidates = [path.parent / name, *(base / name for base in imports)]
            pending.extend(c.resolve() for c in candidates if c.exists())
    return digest.hexdigest()


def load(digest: str) -> dict[str, Any] | None:
    try:
        answer: dict[str, Any] = orjson.loads((folder() / f"{digest}.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return answer


def store(digest: str, answer: dict[str, Any]) -> None:
    """Best effort: a cache that cannot be written only costs the next run a compilation."""
    target = folder() / f"{digest}.json"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_bytes(orjson.dumps(answer))
        scratch.replace(target)
    except OSError:
        pass


def _read(path: pathlib.Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
