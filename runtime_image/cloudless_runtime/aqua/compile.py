"""Compiling an Aqua file with the real compiler: one `node aqua/compile.mjs` subprocess per
compilation (no network), its JSON answer turned into `Compiled`, cached by the sources' hash.

The npm folder is the repository's `aqua/` (`make install` runs `npm ci` there), or the folder
named by `CLOUDLESS_AQUA_DIR` when the package is installed elsewhere. aqua-lib ships in that
folder's `node_modules`, so `import "@fluencelabs/aqua-lib/builtin.aqua"` resolves as with
Fluence's own tooling.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

import orjson

from cloudless_runtime.aqua import cache

JValue = Any
"""A JSON value."""

NODE_TIMEOUT_S = 120.0
"""The compiler is a Scala.js bundle: a cold start takes a few seconds, a big file longer."""
MIN_NODE_MAJOR = 18
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class CompilerMissing(RuntimeError):
    """Node or the npm folder is not there; the message says how to get them."""


class CompileError(Exception):
    """The compiler rejected the program; `messages` are its own, each naming file, line and column."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclasses.dataclass(frozen=True, slots=True)
class Function:
    name: str
    air: str
    signature: Mapping[str, JValue]
    """The compiler's function definition (`functionName`, `arrow` with `domain` and `codomain`, `names`)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Compiled:
    functions: dict[str, Function]
    warnings: list[str]


def npm_folder() -> pathlib.Path:
    configured = os.environ.get("CLOUDLESS_AQUA_DIR")
    if configured:
        return pathlib.Path(configured)
    return pathlib.Path(__file__).resolve().parents[3] / "aqua"


def imports_folder() -> pathlib.Path:
    """Where `@fluencelabs/...` imports resolve (aqua-lib)."""
    return npm_folder() / "node_modules"


def compile_file(path: pathlib.Path, *, use_cache: bool = True) -> Compiled:
    """The exported functions of `path`; raises `CompileError` or `CompilerMissing`."""
    path = path.resolve()
    folder = npm_folder()
    script = folder / "compile.mjs"
    if not (folder / "node_modules" / "@fluencelabs" / "aqua-api").is_dir():
        raise CompilerMissing(f"the Aqua compiler is not installed in {folder}: run `make install` (needs Node >= 18)")
    key = cache.key(path, imports=[imports_folder()], compiler=[folder / "package-lock.json", script])
    answer = cache.load(key) if use_cache else None
    if answer is None:
        answer = _run_node(script, path)
        if not answer.get("errors"):
            cache.store(key, answer)
    errors = [_ANSI.sub("", str(e)).rstrip() for e in answer.get("errors", [])]
    if errors:
        raise CompileError(errors)
    functions = {
        name: Function(name=name, air=str(f["air"]), signature=f["signature"])
        for name, f in answer.get("functions", {}).items()
    }
    return Compiled(functions=functions, warnings=[_ANSI.sub("", str(w)) for w in answer.get("warnings", [])])


def _run_node(script: pathlib.Path, path: pathlib.Path) -> dict[str, JValue]:
    node = shutil.which("node")
    if node is None:
        raise CompilerMissing("compiling Aqua needs Node >= 18 (`node` is not on PATH)")
    request = orjson.dumps({"file": str(path), "imports": [str(imports_folder())]})
    try:
        done = subprocess.run(
            [node, str(script)], input=request, capture_output=True, timeout=NODE_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise CompilerMissing(f"the Aqua compiler did not finish within {NODE_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        hint = " (Node >= 18 is required)" if _node_too_old(node) else ""
        raise CompilerMissing(f"the Aqua compiler failed{hint}: {detail[-1] if detail else done.returncode}")
    answer: dict[str, JValue] = orjson.loads(done.stdout)
    return answer


def _node_too_old(node: str) -> bool:
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout
    major = re.match(r"v(\d+)", version)
    return major is None or int(major.group(1)) < MIN_NODE_MAJOR
