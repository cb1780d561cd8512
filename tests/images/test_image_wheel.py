"""The builder stage's COPY lines are enough to build the wheel, and the wheel holds every ENTRYPOINT.

The image build would fail (or ship an image missing a module) if a COPY forgot a package or
.dockerignore hid one; this replays the builder's COPYs into a scratch context and builds the wheel.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest
from tests.images import dockerfiles


@pytest.mark.parametrize("name", sorted(dockerfiles.DOCKERFILES))
def test_builder_context_builds_a_wheel_with_the_entrypoints(name: str, tmp_path: pathlib.Path) -> None:
    parsed = dockerfiles.parse(dockerfiles.DOCKERFILES[name])
    context = tmp_path / "src"
    context.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for copy in parsed.stage("builder").all("COPY"):
        *sources, destination = copy.arguments.split()
        for source in sources:
            origin = dockerfiles.REPO / source
            target = context / (source if destination.endswith("/") or destination == "./" else destination)
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=ignore)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target)
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist), "."],
        cwd=context,
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("cloudless-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for image, stage in parsed.targets().items():
        entrypoint = parsed.effective(stage, "ENTRYPOINT")
        assert entrypoint is not None
        module = dockerfiles.exec_form(entrypoint.arguments)[2]
        main = module.replace(".", "/") + "/__main__.py"
        assert main in names or module.replace(".", "/") + ".py" in names, f"{image}: {module} not in the wheel"
