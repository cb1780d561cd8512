"""A service: the live instances of one blueprint's modules, linked, and callable through the facade.

A service serves one call at a time (a lock, as Marine's per-service mutex). Before each call it
replaces any instance that a previous call left poisoned, so a trap costs one re-instantiation of
the instances on the failed call's stack and never touches another service. Each service has its
own working directory, under which relative mapped dirs live, so two services never share files
unless a config maps the same absolute host path on purpose.
"""

from __future__ import annotations

import dataclasses
import logging
import pathlib
import threading
from collections.abc import Sequence

from cloudless_runtime.marine import abi, effectors, engine, errors, instance, interface, limits, owned, params

log = logging.getLogger("cloudless_runtime.marine.wasm")

_NO_PARAMETERS = params.CallParameters()

_LEVELS = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG, 5: logging.DEBUG}


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceConfig:
    """What a service is granted: limits, environment, mapped dirs (guest -> host) and effectors.

    A relative host dir is resolved under the service's working directory; absolute ones are used
    as given. Effectors map a name to an absolute host binary path.
    """

    limits: limits.Limits = dataclasses.field(default_factory=limits.Limits)
    envs: tuple[tuple[str, str], ...] = ()
    mapped_dirs: tuple[tuple[str, str], ...] = ()
    effectors: tuple[tuple[str, str], ...] = ()
    effector_timeout_ms: int = 2_000

    def to_json(self) -> dict[str, object]:
        return {
            "limits": self.limits.to_json(),
            "envs": dict(self.envs),
            "mapped_dirs": dict(self.mapped_dirs),
            "effectors": dict(self.effectors),
            "effector_timeout_ms": self.effector_timeout_ms,
        }

    @classmethod
    def from_json(cls, doc: dict[str, object]) -> ServiceConfig:
        def pairs(key: str) -> tuple[tuple[str, str], ...]:
            value = doc.get(key, {})
            assert isinstance(value, dict)
            return tuple((str(k), str(v)) for k, v in value.items())

        raw_limits = doc.get("limits", {})
        timeout = doc.get("effector_timeout_ms", 2_000)
        assert isinstance(raw_limits, dict) and isinstance(timeout, int)
        return cls(
            limits=limits.Limits(**raw_limits),
            envs=pairs("envs"),
            mapped_dirs=pairs("mapped_dirs"),
            effectors=pairs("effectors"),
            effector_timeout_ms=timeout,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class CallResult:
    """A successful call: the JSON result and the fuel the whole call chain used."""

    value: abi.Json
    fuel: int


class _Lines:
    """WASI stdout/stderr of one module into the log, one record per complete line."""

    LIMIT = 4096

    def __init__(self, source: str) -> None:
        self._source = source
        self._pending: dict[str, bytes] = {}

    def __call__(self, stream: str, data: bytes) -> None:
        *lines, rest = (self._pending.get(stream, b"") + data).split(b"\n")
        if len(rest) > self.LIMIT:
            lines.append(rest)
            rest = b""
        self._pending[stream] = rest
        for line in lines:
            log.info("%s %s: %s", self._source, stream, line.decode("utf-8", "replace"))


class Service(owned.Owned):
    """Live instances of a blueprint's modules; only the facade's declared functions are callable."""

    def __init__(
        self,
        *,
        service_id: str,
        modules: Sequence[instance.Loaded],
        config: ServiceConfig,
        workdir: pathlib.Path,
        engine: engine.Engine,
        fast: bool,
    ) -> None:
        self.id = service_id
        self.config = config
        self._modules = list(modules)
        self._engine = engine
        self._fast = fast
        self._workdir = workdir
        self._lock = threading.Lock()
        self._params = _NO_PARAMETERS
        self._deadline = 0
        self._grants = dict(config.effectors)
        self._instances: dict[str, instance.ModuleInstance] = {}
        try:
            for module in self._modules:
                self._instances[module.name] = self._instantiate(module)
        except BaseException:
            self._release()
            raise

    @property
    def facade(self) -> instance.Loaded:
        return self._modules[-1]

    @property
    def interface(self) -> interface.Interface:
        return self.facade.interface

    @property
    def module_hashes(self) -> tuple[str, ...]:
        return tuple(m.hash for m in self._modules)

    def _instantiate(self, module: instance.Loaded) -> instance.ModuleInstance:
        position = self._modules.index(module)
        wasi = instance.Wasi(
            envs=(("service_id", self.id), *self.config.envs),
            dirs=tuple((guest, self._workdir / host) for guest, host in self.config.mapped_dirs),
        )
        return instance.ModuleInstance(
            engine=self._engine,
            module=module,
            wasi=wasi,
            caps=self.config.limits,
            side=self,
            dependencies={m.name: m.interface for m in self._modules[:position]},
            output=_Lines(f"{self.id}/{module.name}"),
            fast=self._fast,
        )

    def call(
        self, function: str, args: Sequence[abi.Json], *, call_parameters: params.CallParameters | None = None
    ) -> CallResult:
        """Calls a facade function with JSON arguments; raises a `errors.MarineError` on failure."""
        self._check_open()
        declared = self.interface.get(function)
        if declared is None:
            raise errors.NotFound(f"service {self.id} has no function {function!r}")
        raws = abi.from_json(declared, args)
        budget = self.config.limits.fuel
        with self._lock:
            self._check_open()
            self._revive()
            self._params = call_parameters or _NO_PARAMETERS
            self._deadline = self._engine.deadline(self.config.limits.timeout_ms)
            result, left = self._instances[self.facade.name].invoke(
                declared, raws, fuel=budget, deadline=self._deadline
            )
        return CallResult(value=abi.to_json(declared.result, result), fuel=budget - left)

    def _revive(self) -> None:
        """Replaces instances poisoned by an earlier failure, in blueprint order."""
        for module in self._modules:
            current = self._instances[module.name]
            if current.poisoned:
                current.close()
                self._instances[module.name] = self._instantiate(module)

    # linker.Side: what the instances' imports ask of their service.

    def call_parameters(self) -> bytes:
        return dataclasses.replace(self._params, service_id=self.id).to_json()

    def deadline(self) -> int:
        return self._deadline

    def dependency(self, name: str) -> instance.ModuleInstance:
        return self._instances[name]

    def log(self, module: str, level: int, message: str) -> None:
        log.log(_LEVELS.get(level, logging.INFO), "%s/%s: %s", self.id, module, message)

    def effector(self, module: str, name: str, args: bytes) -> bytes:
        timeout_s = self.config.effector_timeout_ms / 1000
        log.info("%s/%s runs effector %s %s", self.id, module, name, args.decode("utf-8", "replace"))
        return effectors.run(self._grants, name, args, timeout_s=timeout_s)

    def _release(self) -> None:
        for inst in self._instances.values():
            inst.close()
        self._instances.clear()
