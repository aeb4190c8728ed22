"""How long each stage of one image's pods takes and how their containers crash: the timing
model (:class:`PodBehaviour`, :class:`CrashBehaviour`) the lifecycle draws from the ``pods``
stream."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from canarysim.sim.stochastic.distributions import Dist

__all__ = ["CrashBehaviour", "PodBehaviour"]

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
