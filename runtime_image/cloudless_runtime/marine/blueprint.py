"""Blueprints: a name and an ordered list of module hashes whose last module is the facade.

Order is dependency order: a module may import only modules listed before it, so links are checked
when the blueprint is added, not when a service is created. A blueprint's id is the sha256 of its
canonical JSON, so the same name and modules always give the same id, on any peer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pathlib

import orjson

from cloudless_runtime.marine import errors, interface, linker, store


@dataclasses.dataclass(frozen=True, slots=True)
class Blueprint:
    """A named, ordered module list; `modules[-1]` is the facade."""

    name: str
    modules: tuple[str, ...]

    def to_json(self) -> bytes:
        return orjson.dumps({"name": self.name, "dependencies": list(self.modules)}, option=orjson.OPT_SORT_KEYS)

    @property
    def id(self) -> str:
        return hashlib.sha256(self.to_json()).hexdigest()

    @property
    def facade(self) -> str:
        return self.modules[-1]

    @classmethod
    def from_json(cls, raw: bytes) -> Blueprint:
        doc = orjson.loads(raw)
        return cls(name=doc["name"], modules=tuple(doc["dependencies"]))


class BlueprintStore:
    """Blueprints under `root` as `{id}.json`, checked against the module store when added."""

    def __init__(self, root: pathlib.Path, *, modules: store.ModuleStore) -> None:
        self._root = root
        self._modules = modules
        root.mkdir(parents=True, exist_ok=True)
        self._blueprints = {p.stem: Blueprint.from_json(p.read_bytes()) for p in sorted(root.glob("*.json"))}

    def add(self, name: str, modules: list[str] | tuple[str, ...]) -> str:
        """Checks and stores a blueprint; returns its id."""
        blueprint = Blueprint(name=name, modules=tuple(modules))
        if not blueprint.modules:
            raise errors.InvalidBlueprint(f"blueprint {name!r} lists no modules")
        records = [self._modules.get(digest) for digest in blueprint.modules]
        names = [r.name for r in records]
        if len(set(names)) != len(names):
            raise errors.InvalidBlueprint(f"blueprint {name!r} uses one import name twice: {names}")
        earlier: dict[str, interface.Interface] = {}
        for record in records:
            try:
                linker.check_imports(self._modules.load(record.hash).compiled, name=record.name, dependencies=earlier)
            except errors.LinkError as e:
                raise errors.InvalidBlueprint(f"blueprint {name!r}: {e}") from None
            earlier[record.name] = record.interface
        path = self._root / f"{blueprint.id}.json"
        partial = path.with_suffix(".partial")
        partial.write_bytes(blueprint.to_json())
        partial.replace(path)
        self._blueprints[blueprint.id] = blueprint
        return blueprint.id

    def get(self, blueprint_id: str) -> Blueprint:
        blueprint = self._blueprints.get(blueprint_id)
        if blueprint is None:
            raise errors.NotFound(f"no blueprint with id {blueprint_id!r}")
        return blueprint

    def list(self) -> list[Blueprint]:
        return list(self._blueprints.values())
