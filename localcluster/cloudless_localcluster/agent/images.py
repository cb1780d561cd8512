"""Which local program an image name stands for: the one table the agent runs containers from.

There is no image pull here. A container's image selects an entrypoint, which must be the same
as that image's Dockerfile ENTRYPOINT (a test keeps the two in step once the Dockerfiles exist),
so a pod behaves the same on this agent and on a real cluster. `python` in an entrypoint (or in a
container's own `command`) means the interpreter the agent runs with: the project's virtualenv,
which is what the images install.
"""

from __future__ import annotations

import sys

#: image (repository:tag) -> entrypoint argv.
IMAGES: dict[str, tuple[str, ...]] = {
    "cloudless/tiny-http:dev": ("python", "-m", "cloudless_localcluster.agent.tinyhttp"),
    "cloudless/runtime:dev": ("python", "-m", "cloudless_runtime.runtime_server"),
    "cloudless/router:dev": ("python", "-m", "cloudless_runtime.router"),
    "cloudless/prover:dev": ("python", "-m", "cloudless_runtime.prover"),
    "cloudless/operator:dev": ("python", "-m", "cloudless_operator"),
}

#: argv[0] values that mean "the image's Python".
PYTHON_NAMES = frozenset({"python", "python3", "/usr/bin/python", "/usr/bin/python3", "/usr/local/bin/python"})


class UnknownImage(LookupError):
    """The image is not in the table: a real kubelet would fail to pull it."""

    def __init__(self, image: str) -> None:
        known = ", ".join(sorted(IMAGES))
        super().__init__(
            f'image "{image}" is not known to the cloudless node agent (it runs processes, not images); '
            f"known images: {known}; add it to cloudless_localcluster/agent/images.py"
        )


def entrypoint(image: str) -> tuple[str, ...]:
    """The entrypoint of `image`; a missing tag means `latest`, as for a registry."""
    name = image if ":" in image.rsplit("/", 1)[-1] else f"{image}:latest"
    try:
        return IMAGES[name]
    except KeyError:
        raise UnknownImage(image) from None


def resolve_python(argv: list[str]) -> list[str]:
    """Replace a leading `python` with the agent's interpreter."""
    if argv and argv[0] in PYTHON_NAMES:
        return [sys.executable, *argv[1:]]
    return argv
