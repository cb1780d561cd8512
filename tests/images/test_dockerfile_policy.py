"""The image rules of issue 10, read off the Dockerfiles: pinned base, multi-stage build from the
wheel, non-root numeric user, read-only-root friendly, health check, OCI labels.

Each rule is something a provider's cluster policy (runAsNonRoot, readOnlyRootFilesystem, image
pinning) or a registry's UI depends on; checking them statically keeps them true while no engine
builds the images here.
"""

from __future__ import annotations

import re

import pytest
from tests.images import dockerfiles

PINNED_PYTHON = re.compile(r"^python:\d+\.\d+\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?$")
OCI_LABELS = (
    "org.opencontainers.image.title",
    "org.opencontainers.image.description",
    "org.opencontainers.image.version",
    "org.opencontainers.image.revision",
    "org.opencontainers.image.licenses",
    "org.opencontainers.image.base.name",
)

PARSED = {name: dockerfiles.parse(path) for name, path in dockerfiles.DOCKERFILES.items()}
TARGETS = [(name, image, stage) for name, parsed in PARSED.items() for image, stage in sorted(parsed.targets().items())]
IDS = [image for _, image, _ in TARGETS]


def external_bases(parsed: dockerfiles.Dockerfile) -> set[str]:
    stage_names = {s.name for s in parsed.stages if s.name}
    return {s.base for s in parsed.stages if s.base not in stage_names}


@pytest.mark.parametrize("name", sorted(PARSED))
def test_base_image_is_pinned(name: str) -> None:
    bases = external_bases(PARSED[name])
    assert len(bases) == 1, f"one pinned base per Dockerfile, got {bases}"
    (base,) = bases
    assert PINNED_PYTHON.match(base), base


def test_both_dockerfiles_share_the_base() -> None:
    """One Python for every image, the same one the wheel is tested with (requires-python >= 3.11)."""
    bases = {b for parsed in PARSED.values() for b in external_bases(parsed)}
    assert len(bases) == 1, bases
    assert next(iter(bases)).startswith("python:3.11.")


@pytest.mark.parametrize(("name", "image", "stage"), TARGETS, ids=IDS)
def test_target_installs_the_wheel_from_a_builder(name: str, image: str, stage: dockerfiles.Stage) -> None:
    """Multi-stage: the final target copies a built virtualenv and never sees the source tree."""
    parsed = PARSED[name]
    lineage = parsed.lineage(stage)
    copies = [i.arguments for s in lineage for i in s.all("COPY")]
    assert copies and all(c.startswith("--from=builder ") for c in copies), copies
    builder = parsed.stage("builder")
    runs = " ".join(i.arguments for i in builder.all("RUN"))
    assert "pip wheel" in runs and ".whl" in runs, runs


@pytest.mark.parametrize(("name", "image", "stage"), TARGETS, ids=IDS)
def test_runs_as_numeric_non_root_user(name: str, image: str, stage: dockerfiles.Stage) -> None:
    """Numeric, so the kubelet can verify runAsNonRoot without reading /etc/passwd."""
    user = PARSED[name].effective(stage, "USER")
    assert user is not None, image
    uid = user.arguments.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, user.arguments


@pytest.mark.parametrize(("name", "image", "stage"), TARGETS, ids=IDS)
def test_read_only_root_friendly(name: str, image: str, stage: dockerfiles.Stage) -> None:
    """No bytecode writes at run time, HOME and scratch space on a declared volume."""
    parsed = PARSED[name]
    env: dict[str, str] = {}
    volumes: list[str] = []
    for s in reversed(parsed.lineage(stage)):
        for i in s.all("ENV"):
            env.update(dockerfiles.parse_pairs(i.arguments))
        for i in s.all("VOLUME"):
            volumes.extend(dockerfiles.exec_form(i.arguments))
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1"
    assert "/tmp" in volumes
    assert env.get("HOME", "").startswith(tuple(volumes)), (env.get("HOME"), volumes)


@pytest.mark.parametrize(("name", "image", "stage"), TARGETS, ids=IDS)
def test_has_exec_form_healthcheck(name: str, image: str, stage: dockerfiles.Stage) -> None:
    check = PARSED[name].effective(stage, "HEALTHCHECK")
    assert check is not None, image
    argv = dockerfiles.healthcheck_argv(check.arguments)
    assert argv[0] == "python"
    assert "--timeout=" in check.arguments and "--start-period=" in check.arguments


@pytest.mark.parametrize(("name", "image", "stage"), TARGETS, ids=IDS)
def test_oci_labels(name: str, image: str, stage: dockerfiles.Stage) -> None:
    labels = PARSED[name].labels(stage)
    missing = [key for key in OCI_LABELS if not labels.get(key)]
    assert not missing, missing
    base = next(iter(external_bases(PARSED[name])))
    assert labels["org.opencontainers.image.base.name"].endswith(base.split("@")[0])
