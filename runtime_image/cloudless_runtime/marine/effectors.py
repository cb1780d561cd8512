"""Effectors: host binaries a module may run through `mx_host.effector`, only when granted.

The service config maps an effector name to an absolute host path; nothing else can be run. The
binary is executed directly (never through a shell) with the module's string arguments as argv, an
empty environment and a time limit, and its outcome comes back as JSON `{ret_code, error, stdout,
stderr}`, Marine's MountedBinaryResult with strings instead of byte arrays.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping

import orjson

from cloudless_runtime.marine import errors

OUTPUT_CAP = 1024 * 1024
"""Bytes of stdout and of stderr kept from one run."""

TIMED_OUT = 100000
SPAWN_FAILED = 100001
BAD_ARGUMENTS = 100002


def run(grants: Mapping[str, str], name: str, args: bytes, *, timeout_s: float) -> bytes:
    """Runs the granted binary `name` with `args` (a JSON array of strings); returns the JSON outcome."""
    path = grants.get(name)
    if path is None:
        raise errors.EffectorDenied(f"effector {name!r} is not granted to this service")
    try:
        argv = orjson.loads(args)
    except orjson.JSONDecodeError:
        argv = None
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        return _outcome(BAD_ARGUMENTS, "arguments must be a JSON array of strings")
    try:
        done = subprocess.run([path, *argv], capture_output=True, timeout=timeout_s, env={}, check=False, shell=False)
    except subprocess.TimeoutExpired:
        return _outcome(TIMED_OUT, f"{name} ran past {timeout_s:.3f} s and was killed")
    except OSError as e:
        return _outcome(SPAWN_FAILED, f"{name}: {e}")
    return _outcome(done.returncode, "", stdout=done.stdout, stderr=done.stderr)


def _outcome(ret_code: int, error: str, *, stdout: bytes = b"", stderr: bytes = b"") -> bytes:
    return orjson.dumps(
        {
            "ret_code": ret_code,
            "error": error,
            "stdout": stdout[:OUTPUT_CAP].decode("utf-8", "replace"),
            "stderr": stderr[:OUTPUT_CAP].decode("utf-8", "replace"),
        }
    )
