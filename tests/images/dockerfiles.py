"""A small Dockerfile reader for the static image tests.

There is no container engine here, so the images are checked by reading their Dockerfiles: this
module turns one into stages of (instruction, arguments) pairs, enough to compare ENTRYPOINTs with
the node agent's image table and to check labels, users and health checks. It follows Docker's own
rules for what the tests rely on: `\\` continues a line, `#` starts a comment only at the start of a
line, exec form is a JSON array, and LABEL takes `key="value"` pairs.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import shlex

REPO = pathlib.Path(__file__).resolve().parents[2]
DOCKERFILES = {
    "runtime_image": REPO / "runtime_image" / "Dockerfile",
    "operator": REPO / "operator" / "Dockerfile",
}
IMAGE_LABEL = "dev.cloudless.image"
"""The label each final target carries: the one place an image name is tied to a Dockerfile target."""


@dataclasses.dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str
    """Upper-case instruction name: FROM, RUN, ENTRYPOINT..."""
    arguments: str
    line: int


@dataclasses.dataclass(slots=True)
class Stage:
    name: str | None
    base: str
    """The FROM image or an earlier stage's name."""
    instructions: list[Instruction] = dataclasses.field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        """Docker keeps only the last ENTRYPOINT/CMD/USER/HEALTHCHECK of a stage."""
        found = self.all(keyword)
        return found[-1] if found else None


@dataclasses.dataclass(frozen=True, slots=True)
class Dockerfile:
    path: pathlib.Path
    stages: tuple[Stage, ...]

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(f"{self.path}: no stage {name!r}")

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stage and the earlier stages it is built FROM, nearest first: what a target inherits."""
        chain = [stage]
        names = {s.name: s for s in self.stages if s.name}
        while chain[-1].base in names:
            chain.append(names[chain[-1].base])
        return chain

    def effective(self, stage: Stage, keyword: str) -> Instruction | None:
        """The instruction a built target ends up with, inherited through FROM <stage> when absent."""
        for s in self.lineage(stage):
            found = s.last(keyword)
            if found is not None:
                return found
        return None

    def labels(self, stage: Stage) -> dict[str, str]:
        """Every label of the target, inherited ones included; later stages win."""
        merged: dict[str, str] = {}
        for s in reversed(self.lineage(stage)):
            for instruction in s.all("LABEL"):
                merged.update(parse_pairs(instruction.arguments))
        return merged

    def targets(self) -> dict[str, Stage]:
        """Image name -> the stage that builds it, from the `dev.cloudless.image` labels."""
        found: dict[str, Stage] = {}
        for s in self.stages:
            for instruction in s.all("LABEL"):
                image = parse_pairs(instruction.arguments).get(IMAGE_LABEL)
                if image is not None:
                    if image in found:
                        raise ValueError(f"{self.path}: {image} labelled on two stages")
                    found[image] = s
        return found


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Joins continuation lines and drops comments and blank lines; keeps each line's first number."""
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction are removed by Docker
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        lines.append((start, " ".join(part.strip() for part in pending if part.strip())))
        pending = []
    if pending:
        raise ValueError("Dockerfile ends inside a continued line")
    return lines


def parse(path: pathlib.Path) -> Dockerfile:
    stages: list[Stage] = []
    for number, line in logical_lines(path.read_text()):
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        arguments = arguments.strip()
        if keyword == "FROM":
            words = [w for w in arguments.split() if not w.startswith("--platform")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(name=name, base=words[0]))
        elif not stages:
            if keyword != "ARG":
                raise ValueError(f"{path}:{number}: {keyword} before the first FROM")
        else:
            stages[-1].instructions.append(Instruction(keyword, arguments, number))
    return Dockerfile(path, tuple(stages))


def exec_form(arguments: str) -> tuple[str, ...]:
    """The argv of an exec-form ENTRYPOINT/CMD; shell form is refused (it would not get signals)."""
    value = json.loads(arguments)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"not exec form: {arguments}")
    return tuple(value)


def healthcheck_argv(arguments: str) -> tuple[str, ...]:
    """The command of `HEALTHCHECK [--options] CMD [...]` in exec form."""
    _, found, command = arguments.partition("CMD ")
    if not found:
        raise ValueError(f"HEALTHCHECK without CMD: {arguments}")
    return exec_form(command.strip())


def parse_pairs(arguments: str) -> dict[str, str]:
    """`key="value" key2=value2` as LABEL and ENV write them (the legacy `KEY value` form is refused)."""
    pairs: dict[str, str] = {}
    for word in shlex.split(arguments):
        key, found, value = word.partition("=")
        if not found:
            raise ValueError(f"not a key=value pair: {word!r} in {arguments!r}")
        pairs[key] = value
    return pairs
