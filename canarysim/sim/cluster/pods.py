"""Pods: what a pod is, how long each stage of its life takes, and the kubelet rules that matter.

A pod goes through the stages KWOK-style simulators script (see the module docs of
:mod:`canarysim.sim.cluster.cluster`): created (``Pending``) -> bound to a node -> image pull
(``ContainerCreating``; skipped when the node already has the image) -> container start
(``Running``) -> ``Ready`` -> available once it has been Ready for the ReplicaSet's
``minReadySeconds``. Deletion makes it ``Terminating`` for up to its grace period.

This module holds the state (:class:`Pod`) and the per-image timing model
(:class:`PodBehaviour`); the kubelet's rules (probe timing, restart back-off) are in
:mod:`.kubelet`. The SimPy process that walks a pod through its life is :func:`pod_lifecycle`;
it talks to the cluster only through the small :class:`PodHost` protocol.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Container, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import simpy

from canarysim.sim.cluster.kubelet import (
    BACKOFF_INITIAL,
    ReadinessProbe,
    RestartBackoff,
    ready_time,
)
from canarysim.sim.cluster.templatehash import ALPHANUMS
from canarysim.sim.stochastic.distributions import Dist

__all__ = [
    "DEFAULT_GRACE_PERIOD",
    "CrashBehaviour",
    "Pod",
    "PodBehaviour",
    "PodHost",
    "can_start_warm",
    "container_ports",
    "new_pod",
    "pod_lifecycle",
]

#: ``terminationGracePeriodSeconds`` when the template does not set it.
DEFAULT_GRACE_PERIOD = 30.0
_NEVER = math.inf
_INSTANT = Dist.fixed(0.0)


@dataclass(frozen=True)
class CrashBehaviour:
    """How a running container crashes: ``after_start`` (each start crashes this long after
    it, e.g. ``Dist.fixed(0)`` for a crash loop) and/or ``mean_time_between`` (seconds; a
    memoryless crash rate while it runs). With both, the earlier crash wins."""

    after_start: Dist | None = None
    mean_time_between: float | None = None

    def next_crash(self, started: float, now: float, rng: np.random.Generator) -> float:
        """The absolute time of the next crash of a container started at *started*, judged
        at *now* (a crash whose ``after_start`` lies in the past happens now)."""
        t = _NEVER
        if self.after_start is not None:
            t = max(now, started + float(self.after_start.sample(rng)))
        if self.mean_time_between is not None and self.mean_time_between > 0:
            t = min(t, now + float(rng.exponential(self.mean_time_between)))
        return t


@dataclass(frozen=True)
class PodBehaviour:
    """How long the stages of one image's pods take, and how the image misbehaves.

    All durations are seconds, drawn from the ``pods`` stream when the stage begins.

    * ``scheduling``: creation until the scheduler binds the pod to a node.
    * ``image_pull``: one pull of the image on a node that does not have it yet.
    * ``container_start``: image present until the container runs (also after each restart).
    * ``readiness``: container start until the application can pass its readiness probe (its
      warm-up). Without a readinessProbe in the template the pod is Ready exactly this long
      after the container starts; with one, Ready waits for the probe schedule as well.
    * ``shutdown``: SIGTERM until the process exits; ``None`` means it uses the whole grace
      period. The pod object disappears at ``min(shutdown, grace period)``.
    * ``crash``: how running containers crash (None: never); ``crash_changes`` are
      ``(at, crash)`` pairs, sorted, each in force from simulated time ``at`` on (a running
      container is re-planned at each change).
    * ``never_ready``: the container runs but never passes readiness (``Running``, 0/1).
    * ``image_pull_fails``: the pull fails (``ErrImagePull``, then ``ImagePullBackOff``).
    * ``crash_after``: shorthand for ``crash=CrashBehaviour(after_start=crash_after)``.
    """

    scheduling: Dist = _INSTANT
    image_pull: Dist = _INSTANT
    container_start: Dist = _INSTANT
    readiness: Dist = _INSTANT
    shutdown: Dist | None = None
    crash: CrashBehaviour | None = None
    crash_changes: tuple[tuple[float, CrashBehaviour | None], ...] = ()
    never_ready: bool = False
    image_pull_fails: bool = False
    crash_after: Dist | None = None

    def crash_at(self, t: float) -> CrashBehaviour | None:
        """The crash behaviour in force at time *t*."""
        current = self.crash
        if current is None and self.crash_after is not None:
            current = CrashBehaviour(after_start=self.crash_after)
        for at, value in self.crash_changes:
            if at > t:
                break
            current = value
        return current

    def next_crash_change(self, t: float) -> float:
        """The first time after *t* at which the crash behaviour changes (inf if none)."""
        return next((at for at, _ in self.crash_changes if at > t), _NEVER)


def container_ports(template: Mapping[str, Any]) -> list[dict[str, Any]]:
    """All ``ports`` entries of the template's containers, in order."""
    out: list[dict[str, Any]] = []
    for c in (template.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            if isinstance(p, Mapping):
                out.append(dict(p))
    return out


COUNTED = frozenset({"ready", "available", "deleted_at", "gone"})
"""Pod fields a ReplicaSet's status counts (see :func:`share`)."""
SHOWN = COUNTED | {"containers_ready", "node", "reason", "running", "restarts"}
"""Pod fields its Result snapshot shows (``status`` is derived from several of them)."""


def share(state: Mapping[str, Any]) -> tuple[int, int, int, int]:
    """What a pod adds to its ReplicaSet's (replicas, ready, available, terminating), from the
    pod's ``__dict__``: nothing once gone, one terminating while deleted, else one replica."""
    if state["gone"]:
        return (0, 0, 0, 0)
    if state["deleted_at"] is not None:
        return (0, 0, 0, 1)
    return (1, 1 if state["ready"] else 0, 1 if state["available"] else 0, 0)


class PodWatcher(Protocol):
    """Told of every change of a :data:`SHOWN` field (``before``: the pod's :func:`share`
    before a :data:`COUNTED` field changed, else None)."""

    def changed(self, pod: Pod, before: tuple[int, int, int, int] | None) -> None: ...


@dataclass(eq=False)
class Pod:
    """One pod's observable state. Mutated only by the lifecycle and the cluster.

    ``status`` is the STATUS column of ``kubectl get pods``.
    """

    name: str
    uid: str
    namespace: str
    replica_set: str
    labels: dict[str, str]
    annotations: dict[str, str]
    template: dict[str, Any]
    behaviour: PodBehaviour
    created: float
    grace_period: float = DEFAULT_GRACE_PERIOD
    probe: ReadinessProbe | None = None
    startup_probe: ReadinessProbe | None = None
    node: str | None = None
    phase: str = "Pending"  # Pending until a container first runs, then Running
    reason: str | None = None  # ContainerCreating, CrashLoopBackOff, Error, ErrImagePull, ...
    running: bool = False
    ready: bool = False
    """The Pod's ``Ready`` condition: its containers are ready and every readiness gate
    (``spec.readinessGates``) has a condition of that type with status True."""
    ready_since: float | None = None
    containers_ready: bool = False
    """What the kubelet reports (``ContainersReady``; ``kubectl argo rollouts get`` counts
    these as ``ready:1/1``)."""
    gates: tuple[str, ...] = ()
    """Condition types of the template's ``readinessGates``."""
    conditions: dict[str, bool] = field(default_factory=dict)
    """Conditions set on the pod from outside (``markPodsReady``), by type."""
    available: bool = False
    restarts: int = 0
    started_at: float | None = None
    deleted_at: float | None = None
    gone: bool = False
    probe_origin: float = 0.0
    backoff: RestartBackoff = field(default_factory=RestartBackoff)
    process: simpy.Process | None = field(default=None, repr=False)
    crash_now: simpy.Event | None = field(default=None, repr=False)
    watcher: PodWatcher | None = field(default=None, init=False, repr=False)
    """Its ReplicaSet's :class:`~canarysim.sim.cluster.podgroup.PodGroup`, kept up to date
    from here so that nothing has to recount every pod on every change."""

    def __setattr__(self, name: str, value: Any) -> None:
        watcher = self.__dict__.get("watcher") if name in SHOWN else None
        if watcher is None:
            object.__setattr__(self, name, value)
            return
        before = share(self.__dict__) if name in COUNTED else None
        object.__setattr__(self, name, value)
        watcher.changed(self, before)

    @property
    def gates_open(self) -> bool:
        """Every readiness gate has its condition True (``podutil``'s ReadinessGates rule)."""
        return all(self.conditions.get(gate, False) for gate in self.gates)

    @property
    def images(self) -> list[str]:
        containers = (self.template.get("spec") or {}).get("containers") or []
        return [str(c.get("image", "")) for c in containers]

    @property
    def image(self) -> str:
        images = self.images
        return images[0] if images else ""

    @property
    def ports(self) -> list[dict[str, Any]]:
        return container_ports(self.template)

    @property
    def terminating(self) -> bool:
        return self.deleted_at is not None

    @property
    def active(self) -> bool:
        """Counted by its ReplicaSet (``controller.IsPodActive``: not being deleted)."""
        return not self.gone and self.deleted_at is None

    @property
    def status(self) -> str:
        if self.gone:
            return "Gone"
        if self.deleted_at is not None:
            return "Terminating"
        if self.node is None:
            return "Pending"
        if self.reason is not None:
            return self.reason
        return "Running" if self.running else "Pending"

    def snapshot(self) -> dict[str, Any]:
        """The fields of ``result.PodSnapshot``."""
        return {
            "name": self.name,
            "status": self.status,
            "ready": self.containers_ready,
            "available": self.available,
            "restarts": self.restarts,
            "created": self.created,
        }


def new_pod(
    owner: str,
    namespace: str,
    template: dict[str, Any],
    behaviour: PodBehaviour,
    created: float,
    taken: Container[str],
    rng: np.random.Generator,
) -> Pod:
    """A new pod of ReplicaSet *owner*: ``<owner>-<5 random characters>`` (as
    ``generateName`` does, names in *taken* are avoided), a random UID, labels and
    annotations from *template*, its grace period and readiness probe."""
    while True:
        suffix = "".join(ALPHANUMS[i] for i in rng.integers(0, len(ALPHANUMS), 5))
        name = f"{owner}-{suffix}"
        if name not in taken:
            break
    meta = template.get("metadata") or {}
    grace = (template.get("spec") or {}).get("terminationGracePeriodSeconds")
    return Pod(
        name=name,
        uid=str(uuid.UUID(bytes=rng.bytes(16), version=4)),
        namespace=namespace,
        replica_set=owner,
        labels=dict(meta.get("labels") or {}),
        annotations=dict(meta.get("annotations") or {}),
        template=template,
        behaviour=behaviour,
        created=created,
        grace_period=DEFAULT_GRACE_PERIOD if grace is None else float(grace),
        probe=ReadinessProbe.from_template(template),
        startup_probe=ReadinessProbe.from_template(template, "startupProbe"),
        gates=readiness_gates(template),
    )


def readiness_gates(template: dict[str, Any]) -> tuple[str, ...]:
    """The condition types of a pod template's ``spec.readinessGates``, in order."""
    gates = (template.get("spec") or {}).get("readinessGates") or []
    return tuple(str(g.get("conditionType", "")) for g in gates if isinstance(g, dict))


class PodHost(Protocol):
    """What :func:`pod_lifecycle` needs from the cluster."""

    env: simpy.Environment

    @property
    def pod_rng(self) -> np.random.Generator: ...

    def bind(self, pod: Pod) -> Generator[simpy.Event, Any, str]: ...

    def pull(
        self, pod: Pod, node: str, image: str, seconds: float
    ) -> Generator[simpy.Event, Any, None]: ...

    def pod_changed(self, pod: Pod, what: str, value: Any) -> None: ...

    def set_ready(self, pod: Pod, ready: bool) -> None:
        """The pod's containers became ready (or stopped being ready)."""

    def has_images(self, node: str, images: list[str]) -> None:
        """*node* holds *images* (a pod that was already running when the clock started)."""


def _draw(dist: Dist | None, rng: np.random.Generator) -> float:
    return _NEVER if dist is None else float(dist.sample(rng))


def can_start_warm(b: PodBehaviour) -> bool:
    """Whether a pod of this behaviour could have become Ready at all (see ``warm_until``)."""
    return not (b.image_pull_fails or b.never_ready)


def pod_lifecycle(
    pod: Pod, host: PodHost, warm_until: float | None = None
) -> Generator[simpy.Event, Any, None]:
    """The SimPy process of one pod, from creation until deletion interrupts it.

    *warm_until*: the pod belongs to the history before the simulated clock starts (a
    scenario's ``start: healthy``): it is bound, its images are on the node and its container
    runs and is Ready the moment it is created, with no draw from the ``pods`` stream; its
    crash clock (``afterStart``, the crash rate) starts at *warm_until* (time 0), so it does
    not crash before. A behaviour that could never be Ready
    (:func:`can_start_warm`) goes through the ordinary stages instead."""
    env, b = host.env, pod.behaviour
    rng = host.pod_rng
    if warm_until is not None and can_start_warm(b):
        try:
            for gate in pod.gates:
                pod.conditions[gate] = True
            node = yield from host.bind(pod)
            pod.probe_origin = env.now
            host.has_images(node, pod.images)
            host.pod_changed(pod, "node", node)
        except simpy.Interrupt:
            return
        yield from _restarts(pod, host, rng, warm_until)
        return
    try:
        yield env.timeout(_draw(b.scheduling, rng))
        node = yield from host.bind(pod)
        pod.probe_origin = env.now
        pod.reason = "ContainerCreating"
        host.pod_changed(pod, "node", node)
        if b.image_pull_fails:
            yield env.timeout(_draw(b.image_pull, rng))
            pod.reason = "ErrImagePull"
            host.pod_changed(pod, "status", pod.reason)
            # the kubelet retries with its own back-off; the status settles on ImagePullBackOff
            yield env.timeout(BACKOFF_INITIAL)
            pod.reason = "ImagePullBackOff"
            host.pod_changed(pod, "status", pod.reason)
            return
        for image in dict.fromkeys(pod.images):  # distinct, in order
            yield from host.pull(pod, node, image, _draw(b.image_pull, rng))
        yield env.timeout(_draw(b.container_start, rng))
    except simpy.Interrupt:
        return
    yield from _restarts(pod, host, rng)


def _restarts(
    pod: Pod, host: PodHost, rng: np.random.Generator, warm_until: float | None = None
) -> Generator[simpy.Event, Any, None]:
    """Runs of the container (the first one warm if *warm_until*), each crash followed by the
    kubelet's restart, until deletion interrupts the process."""
    env, b = host.env, pod.behaviour
    try:
        while True:
            yield from _container_run(pod, host, rng, warm_until)
            warm_until = None
            # crashed: Error, maybe CrashLoopBackOff, then a new container
            finished = env.now
            wait = pod.backoff.wait(finished)
            pod.reason = "CrashLoopBackOff" if wait > 0 else "Error"
            host.pod_changed(pod, "status", pod.reason)
            if wait > 0:
                yield env.timeout(wait)
            pod.backoff.restarted(finished, env.now)
            pod.restarts += 1
            host.pod_changed(pod, "restarts", pod.restarts)
            yield env.timeout(_draw(b.container_start, rng))
    except simpy.Interrupt:
        return


def _container_run(
    pod: Pod, host: PodHost, rng: np.random.Generator, warm_until: float | None = None
) -> Generator[simpy.Event, Any, None]:
    """One run of the container: start, maybe Ready, until it crashes (returns then).

    The process waits for the earliest of: Ready, the planned crash, a change of the crash
    behaviour (which re-plans the crash), or a crash fault (``pod.crash_now``). A warm run
    (*warm_until*, see :func:`pod_lifecycle`) is Ready at once and plans its first crash
    from *warm_until* on.
    """
    env, b = host.env, pod.behaviour
    pod.running, pod.phase, pod.reason = True, "Running", None
    started = pod.started_at = env.now
    pod.crash_now = env.event()
    host.pod_changed(pod, "status", "Running")
    if warm_until is not None:
        host.set_ready(pod, True)
        ready_at = started
        yield env.timeout(max(warm_until - env.now, 0.0)) | pod.crash_now
        if pod.crash_now.triggered:
            pod.running = False
            host.set_ready(pod, False)
            return
    else:
        warmup = _NEVER if b.never_ready else _draw(b.readiness, rng)
        ready_at = ready_time(started, warmup, pod.probe, pod.probe_origin, pod.startup_probe)
    # A warm container's crash clock starts with the simulated one: it did not crash before.
    since = started if warm_until is None else max(started, warm_until)
    crash_at, change_at = _plan_crash(b, since, env.now, rng)
    while True:
        candidates = [(crash_at, "crash"), (change_at, "change")]
        if not pod.containers_ready:
            candidates.append((ready_at, "ready"))
        at, what = min(candidates)
        if math.isinf(at):
            yield pod.crash_now
            break
        got = yield env.timeout(max(at - env.now, 0.0)) | pod.crash_now
        if pod.crash_now in got or what == "crash":
            break
        if what == "ready":
            host.set_ready(pod, True)
        else:
            crash_at, change_at = _plan_crash(b, since, env.now, rng)
    pod.running = False
    host.set_ready(pod, False)


def _plan_crash(
    b: PodBehaviour, started: float, now: float, rng: np.random.Generator
) -> tuple[float, float]:
    crash = b.crash_at(now)
    crash_at = _NEVER if crash is None else crash.next_crash(started, now, rng)
    return crash_at, b.next_crash_change(now)
