"""Each image's ENTRYPOINT is the node agent's entrypoint for that image name.

The local cluster runs pods without images: the agent maps an image name to a local program
(cloudless_localcluster.agent.images.IMAGES). If a Dockerfile's ENTRYPOINT drifted from that table,
a pod would behave differently under the agent than on a real kubelet; this test pins them together.
The image name <-> Dockerfile target mapping is declared once, by the `dev.cloudless.image` label.
"""

from __future__ import annotations

import re

import pytest
from tests.images import dockerfiles

from cloudless_localcluster.agent import images
from cloudless_operator.reconcile import pods, provers

AGENT_ONLY = frozenset({"cloudless/tiny-http:dev"})
"""Images the agent knows that no Dockerfile builds: test fixtures of the local cluster itself."""

NOT_YET_IN_AGENT: dict[str, tuple[str, ...]] = {}
"""Images built here that the agent's table does not list yet, with the entrypoint it must get.

Empty since the chart runs the operator as a pod (issue 10). A new image goes here until the agent
maps it; once the row exists, `test_gap_table_is_only_a_gap` fails until the entry is removed here,
so the table stays the single source.
"""


def all_targets() -> dict[str, tuple[dockerfiles.Dockerfile, dockerfiles.Stage]]:
    found: dict[str, tuple[dockerfiles.Dockerfile, dockerfiles.Stage]] = {}
    for path in dockerfiles.DOCKERFILES.values():
        parsed = dockerfiles.parse(path)
        for image, stage in parsed.targets().items():
            assert image not in found, f"{image} is built by two Dockerfiles"
            found[image] = (parsed, stage)
    return found


TARGETS = all_targets()


@pytest.mark.parametrize("image", sorted(TARGETS))
def test_entrypoint_matches_agent_table(image: str) -> None:
    parsed, stage = TARGETS[image]
    entrypoint = parsed.effective(stage, "ENTRYPOINT")
    assert entrypoint is not None, f"{image}: target {stage.name} has no ENTRYPOINT"
    expected = images.IMAGES.get(image, NOT_YET_IN_AGENT.get(image))
    assert expected is not None, f"{image} is neither in the agent's table nor in NOT_YET_IN_AGENT"
    assert dockerfiles.exec_form(entrypoint.arguments) == expected


@pytest.mark.parametrize("image", sorted(TARGETS))
def test_no_default_cmd(image: str) -> None:
    """The agent has no default arguments; a CMD would make `args`-less pods differ between the two."""
    parsed, stage = TARGETS[image]
    assert parsed.effective(stage, "CMD") is None


def test_every_agent_image_has_a_dockerfile_target() -> None:
    missing = set(images.IMAGES) - AGENT_ONLY - set(TARGETS)
    assert not missing, f"the agent maps images no Dockerfile builds: {sorted(missing)}"


def test_every_image_the_operator_runs_is_built_and_known_to_the_agent() -> None:
    """A pod the operator makes (worker, prover) must start on the agent and on a real kubelet alike."""
    for image in (pods.RUNTIME_IMAGE, pods.ROUTER_IMAGE, provers.PROVER_IMAGE):
        assert image in TARGETS, f"no Dockerfile target labels {image}"
        assert image in images.IMAGES, f"the node agent cannot run {image}"


def test_gap_table_is_only_a_gap() -> None:
    assert not set(NOT_YET_IN_AGENT) & set(images.IMAGES), "the agent lists it now: drop it from NOT_YET_IN_AGENT"
    assert set(NOT_YET_IN_AGENT) <= set(TARGETS)


def test_agent_python_resolves_like_the_image() -> None:
    """`python` in the table is the image's virtualenv python through PATH; the agent must accept the name."""
    for argv in (*images.IMAGES.values(), *NOT_YET_IN_AGENT.values()):
        assert argv[0] in images.PYTHON_NAMES


MAKE_BUILD = re.compile(r"build\b(?P<args>[^\n]*?)-f\s+(?P<file>\S+)(?P<rest>[^\n]*)")


def makefile_builds(makefile: str) -> int:
    """Checks each `ENGINE build -f F [--target T] -t NAME` line against F's label on T; returns how many."""
    checked = 0
    for match in MAKE_BUILD.finditer(makefile):
        words = (match["args"] + " " + match["rest"]).split()
        tag = words[words.index("-t") + 1]
        target = words[words.index("--target") + 1] if "--target" in words else None
        parsed = dockerfiles.parse(dockerfiles.REPO / match["file"])
        stage = parsed.stage(target) if target else parsed.stages[-1]
        assert parsed.labels(stage).get(dockerfiles.IMAGE_LABEL) == tag, match[0]
        checked += 1
    return checked


def test_makefile_image_target_uses_the_labels() -> None:
    """When `make image` exists, every image it builds carries that name's label, and it builds them all."""
    makefile = (dockerfiles.REPO / "Makefile").read_text()
    if not re.search(r"^image:", makefile, re.MULTILINE):
        pytest.skip("the Makefile has no `image` target yet")
    checked = makefile_builds(makefile)
    assert checked == len(TARGETS), f"`make image` builds {checked} images, the Dockerfiles label {len(TARGETS)}"


def test_makefile_check_catches_a_wrong_tag() -> None:
    """The Makefile check itself: a build line whose tag disagrees with the label fails."""
    good = "\t$(IMAGE_ENGINE) build -f runtime_image/Dockerfile --target router -t cloudless/router:dev .\n"
    assert makefile_builds(good) == 1
    with pytest.raises(AssertionError):
        makefile_builds(good.replace("router:dev", "runtime:dev"))
