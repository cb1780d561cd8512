"""One container of a pod over its lifetime: start, exit, restart back-off, probes, and its status view.

The pod worker calls `step()` about twice a second. A container starts when it never ran or its
back-off has passed; an exit is recorded as the kubelet records it (lastState, restartCount)
and, per restartPolicy, restarted: the first restart at once, then after 10 s, 20 s, ... up to
5 min (CrashLoopBackOff), the back-off forgotten after 10 min of running. A failed startup or
liveness probe restarts the container; readiness decides `ready`. Failures to start (unknown
image, missing ConfigMap) become a waiting reason with a message, never an exception. Each step
the kubelet reports as an Event is reported here too, with its reason and message (`events.py`).
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from . import checkpoint, images, probes, runtime
from .events import NORMAL, WARNING, Emit
from .kube import Obj
from .status import ContainerView
from .volumes import ConfigError

BACKOFF_START = 10.0
BACKOFF_MAX = 300.0
#: Running this long without a crash forgets the back-off.
BACKOFF_RESET = 600.0
#: How often a container that cannot be created (image, config) is tried again.
RETRY_CREATE = 5.0


class Prepare(Protocol):
    """Builds the container's Launch and probe target (reads Secrets etc.); raises on what is missing.

    `starting` is False for a container adopted after an agent restart: it only needs the target,
    and what was fixed at its start (its subPath copies) stays as it is.
    """

    def __call__(self, container: Obj, log: Path, *, starting: bool) -> tuple[runtime.Launch, probes.Target]: ...


@dataclass
class _Waiting:
    reason: str
    message: str


#: The probes a container may have, by spec field, with the word events and messages use for each.
PROBE_KINDS = {"startupProbe": "Startup", "livenessProbe": "Liveness", "readinessProbe": "Readiness"}


class Container:
    def __init__(
        self,
        spec: Obj,
        record: checkpoint.ContainerRecord,
        *,
        restart_policy: str,
        log_dir: Path,
        emit: Emit,
        pod: str,
        pending: str = "ContainerCreating",
    ) -> None:
        """`emit` records an event about this container; `pod` names its pod as kubelet messages do.

        `pending` is the waiting reason before the first start: `PodInitializing` in a pod with
        init containers, as the kubelet reports it.
        """
        self.spec = spec
        self.name: str = spec["name"]
        self.emit = emit
        self.pod = pod
        self.record = record
        self.restart_policy = restart_policy
        self.log_dir = log_dir
        self.pending = pending
        self.process: runtime.Process | None = None
        self.waiting: _Waiting | None = _Waiting(pending, "")
        self.target: probes.Target | None = None
        self.ready = False
        self.started = False
        self._next_start = 0.0
        self._running_since = time.monotonic()
        self._crashes = 0
        self._trackers: dict[str, probes.Tracker] = {}
        if (
            checkpoint.alive(record.pid, record.start_ticks)
            and record.pid is not None
            and record.start_ticks is not None
        ):
            self.process = runtime.Process.adopt(record.pid, record.start_ticks, record.started_at or runtime.now())
            self.waiting = None
            self._arm_probes()
        elif record.pid is not None:
            # It ended while no agent watched: count it as an exit we could not see.
            self._exited(runtime.UNKNOWN_EXIT, record.started_at or runtime.now(), reason="Unknown")
        elif record.last_terminated is not None and not self._restarts(int(record.last_terminated["exitCode"])):
            # It had ended for good before the agent restarted (a completed init container): not again.
            self.waiting = None
            self._next_start = float("inf")

    # -- paths --------------------------------------------------------------------------------

    def log_file(self, restart: int | None = None) -> Path:
        return self.log_dir / f"{self.record.restart_count if restart is None else restart}.log"

    @property
    def done(self) -> bool:
        """Ended for good: not running and never to be started again (restartPolicy)."""
        return self.process is None and self._next_start == float("inf")

    @property
    def succeeded(self) -> bool:
        """Ended for good with exit code 0 (what an init container must do before the next one runs)."""
        return self.done and (self.record.last_terminated or {}).get("exitCode") == 0

    def _restarts(self, code: int) -> bool:
        return self.restart_policy == "Always" or (self.restart_policy == "OnFailure" and code != 0)

    # -- lifecycle ----------------------------------------------------------------------------

    def _arm_probes(self) -> None:
        began = self._running_since = time.monotonic()
        self._trackers = {}
        for kind, initial in (("startupProbe", None), ("livenessProbe", True), ("readinessProbe", None)):
            if self.spec.get(kind):
                self._trackers[kind] = probes.Tracker(
                    probes.Probe.from_obj(self.spec[kind]), started=began, initial=initial
                )
        self.started = "startupProbe" not in self._trackers
        self.ready = "readinessProbe" not in self._trackers

    def _exited(self, code: int, started_at: str, *, reason: str | None = None) -> None:
        self.record.last_terminated = {
            "exitCode": code,
            "reason": reason or ("Completed" if code == 0 else "Error"),
            "startedAt": started_at,
            "finishedAt": runtime.now(),
        }
        self.record.pid = self.record.start_ticks = None
        self.process = None
        self.ready = self.started = False
        if self._restarts(code):
            self._crashes += 1
            delay = 0.0 if self._crashes == 1 else min(BACKOFF_START * 2 ** (self._crashes - 2), BACKOFF_MAX)
            self._next_start = time.monotonic() + delay
            if delay:
                self.waiting = _Waiting(
                    "CrashLoopBackOff", f"back-off {delay:.0f}s restarting failed container={self.name}"
                )
                self.emit(WARNING, "BackOff", f"Back-off restarting failed container {self.name} in pod {self.pod}")
        else:
            self._next_start = float("inf")

    def _start(self, prepare: Prepare) -> bool:
        restart = self.record.restart_count + (self.record.last_terminated is not None)
        try:
            launch, self.target = prepare(self.spec, self.log_file(restart), starting=True)
        except images.UnknownImage as error:
            image = self.spec["image"]
            if self.waiting is None or self.waiting.reason != "ErrImagePull":
                self.waiting = _Waiting("ErrImagePull", str(error))
                self.emit(WARNING, "Failed", f'Failed to pull image "{image}": {error}')
            else:
                self.waiting = _Waiting("ImagePullBackOff", str(error))
                self.emit(NORMAL, "BackOff", f'Back-off pulling image "{image}"')
            self.emit(WARNING, "Failed", f"Error: {self.waiting.reason}")
            self._next_start = time.monotonic() + RETRY_CREATE
            return False
        except ConfigError as error:
            self.waiting = _Waiting(error.reason, error.message)
            self.emit(WARNING, "Failed", f"Error: {error.message}")
            self._next_start = time.monotonic() + RETRY_CREATE
            return False
        entry = " ".join(images.entrypoint(self.spec["image"]))
        self.emit(NORMAL, "Pulled", f'Container image "{self.spec["image"]}" already present on machine ({entry})')
        self.record.restart_count = restart
        try:
            self.process = runtime.spawn(launch)
        except runtime.LaunchError as error:
            self.waiting = _Waiting("RunContainerError", str(error))
            self.emit(WARNING, "Failed", f"Error: {error}")
            self._exited(128, runtime.now(), reason="StartError")
            return True
        self.emit(NORMAL, "Created", "Container created")
        self.emit(NORMAL, "Started", "Container started")
        self.record.pid, self.record.start_ticks = self.process.pid, self.process.ticks
        self.record.started_at = self.process.started_at
        self.waiting = None
        self._arm_probes()
        return True

    def step(self, prepare: Prepare) -> bool:
        """Advance one tick; True if the checkpoint must be saved."""
        if self.process is None:
            if time.monotonic() >= self._next_start:
                return self._start(prepare)
            return False
        code = self.process.poll()
        if code is not None:
            self._exited(code, self.process.started_at)
            return True
        if time.monotonic() - self._running_since > BACKOFF_RESET:
            self._crashes = 0
        if self.target is None:
            # Adopted from a checkpoint: where to probe comes from the spec, as at a start.
            try:
                self.target = prepare(self.spec, self.log_file(), starting=False)[1]
            except (images.UnknownImage, ConfigError):
                return False
        return self._probe(self.target)

    def _run_probe(self, kind: str, target: probes.Target) -> bool | None:
        """One probe's (possibly new) result; a failed try is an Unhealthy event, as each is for a kubelet."""
        tracker = self._trackers[kind]
        result = tracker.run(target)
        if tracker.failure is not None:
            self.emit(WARNING, "Unhealthy", f"{PROBE_KINDS[kind]} probe failed: {tracker.failure}")
        return result

    def _probe(self, target: probes.Target) -> bool:
        if "startupProbe" in self._trackers and not self.started:
            result = self._run_probe("startupProbe", target)
            if result is False:
                return self._kill_for("startupProbe")
            self.started = bool(result)
            if not self.started:
                return False
        if "livenessProbe" in self._trackers and self._run_probe("livenessProbe", target) is False:
            return self._kill_for("livenessProbe")
        if "readinessProbe" in self._trackers:
            self.ready = self._run_probe("readinessProbe", target) is True
        return False

    def _kill_for(self, kind: str) -> bool:
        """A failed startup/liveness probe: stop this instance (the next step restarts it, per restartPolicy)."""
        if self.process is not None:
            process = self.process
            word = PROBE_KINDS[kind]
            restarts = ", will be restarted" if self.restart_policy != "Never" else ""
            self.emit(NORMAL, "Killing", f"Container {self.name} failed {word.lower()} probe{restarts}")
            self.terminate(grace=float(self.spec.get("terminationGracePeriodSeconds", 5)))
            code = process.poll()
            self._exited(137 if code is None else code, process.started_at)
            if self.waiting is None:
                self.waiting = _Waiting("Unhealthy", f"{word} probe failed: {self._trackers[kind].message}")
        return True

    def stop(self, grace: float) -> None:
        """The pod is being deleted: Killing, then `terminate`."""
        if self.process is not None and self.process.poll() is None:
            self.emit(NORMAL, "Killing", f"Stopping container {self.name}")
        self.terminate(grace)

    def terminate(self, grace: float) -> None:
        """SIGTERM, wait up to `grace` seconds, then SIGKILL the process group."""
        if self.process is None:
            return
        self.process.signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.process.poll() is None:
            self.process.signal(signal.SIGKILL)
            while self.process.poll() is None and time.monotonic() < deadline + 10:
                time.sleep(0.05)

    # -- status -------------------------------------------------------------------------------

    def view(self) -> ContainerView:
        last = {"terminated": self.record.last_terminated} if self.record.last_terminated else None
        if self.process is not None:
            state: Obj = {"running": {"startedAt": self.process.started_at}}
        elif self.waiting is not None or self._next_start != float("inf"):
            waiting = self.waiting or _Waiting(self.pending, "")
            state = {"waiting": {"reason": waiting.reason, **({"message": waiting.message} if waiting.message else {})}}
        else:
            state = {"terminated": self.record.last_terminated or {"exitCode": 0, "reason": "Completed"}}
            last = None
        return ContainerView(
            name=self.name,
            image=self.spec["image"],
            state=state,
            last_state=last,
            restart_count=self.record.restart_count,
            ready=self.ready and self.process is not None,
            started=self.started and self.process is not None,
            pid=None if self.process is None else self.process.pid,
        )
