"""The SimPy process that walks a pod through its life (:func:`pod_lifecycle`), as KWOK-style
simulators script it: scheduled and bound, image pull, container start, Ready (through the
kubelet's probe timing), crashes and restarts with the kubelet's back-off, or a warm start for
a pod that was Running before the clock started. It talks to the cluster only through the
small :class:`PodHost` protocol."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any, Protocol

import numpy as np
import simpy

from canarysim.sim.cluster.kubelet import BACKOFF_INITIAL, ready_time
from canarysim.sim.cluster.pods.behaviour import PodBehaviour
from canarysim.sim.cluster.pods.pod import Pod
from canarysim.sim.stochastic.distributions import Dist

__all__ = ["PodHost", "can_start_warm", "pod_lifecycle"]

_NEVER = math.inf


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
