"""The kubelet's rules that shape a pod's timing: readiness probes and restart back-off.

Pure functions and a small state object, no SimPy: :func:`ready_time` says when a started
container turns Ready, :class:`RestartBackoff` how long a crashed one waits before it is
restarted (``CrashLoopBackOff``), :func:`pod_event` which Kubernetes event a pod change
produces (``kubectl get events``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BACKOFF_CAP",
    "BACKOFF_INITIAL",
    "ReadinessProbe",
    "RestartBackoff",
    "pod_event",
    "ready_time",
]

#: The container restart back-off: first wait, doubling up to the cap
#: (``pkg/kubelet/kubelet.go``: backOffPeriod = 10 s, MaxContainerBackOff = 300 s).
BACKOFF_INITIAL = 10.0
BACKOFF_CAP = 300.0
_NEVER = math.inf


@dataclass(frozen=True)
class ReadinessProbe:
    """The timing fields of a ``readinessProbe`` or ``startupProbe`` (Kubernetes defaults
    when absent)."""

    initial_delay: float = 0.0
    period: float = 10.0
    success_threshold: int = 1

    @classmethod
    def from_template(
        cls, template: Mapping[str, Any], kind: str = "readinessProbe"
    ) -> ReadinessProbe | None:
        """The first container's probe of *kind* that has one, or None."""
        for c in (template.get("spec") or {}).get("containers") or []:
            probe = c.get(kind)
            if isinstance(probe, Mapping):
                return cls(
                    initial_delay=float(probe.get("initialDelaySeconds", 0) or 0),
                    period=float(probe.get("periodSeconds", 10) or 10),
                    success_threshold=max(1, int(probe.get("successThreshold", 1) or 1)),
                )
        return None


def _first_tick(earliest: float, origin: float, period: float) -> float:
    """The first probe tick ``origin + k * period`` at or after *earliest*."""
    k = max(math.ceil((earliest - origin) / period - 1e-9), 0)
    return origin + k * period


def ready_time(
    started: float,
    warmup: float,
    probe: ReadinessProbe | None,
    probe_origin: float,
    startup: ReadinessProbe | None = None,
) -> float:
    """When a container started at *started* becomes Ready.

    Without a probe: ``started + warmup``. With one, the kubelet's probe worker (created when
    the pod reaches the node, at *probe_origin*) probes at ``probe_origin + k * period``, and
    once more right when a new container shows up with no result yet
    (``pkg/kubelet/prober/prober_manager.go::UpdatePodStatus`` triggers a manual run). Probes
    before ``initialDelaySeconds`` are skipped without a result
    (``prober/worker.go::doProbe``); a probe succeeds once the application has warmed up; Ready
    needs ``successThreshold`` consecutive successes. Success is monotone here, so Ready is the
    ``successThreshold``-th probe at or after ``started + max(initialDelay, warmup)``.

    A *startup* probe holds readiness back: it ticks the same way (no manual run) and succeeds
    once past its own initial delay and the warm-up; until then the readiness worker skips
    its probes (``worker.go::doProbe``), and without a readiness probe the container is Ready
    right when it has started.

    >>> ready_time(100.0, 3.0, None, 0.0)
    103.0
    >>> ready_time(100.0, 0.0, ReadinessProbe(initial_delay=5, period=10), 97.0)
    107.0
    >>> ready_time(100.0, 0.0, ReadinessProbe(period=10, success_threshold=3), 97.0)
    117.0
    """
    if not math.isfinite(warmup):
        return _NEVER
    if startup is not None:
        up = _first_tick(started + max(startup.initial_delay, warmup), probe_origin, startup.period)
        if probe is None:
            return up
        earliest = max(up, started + probe.initial_delay)
        first = _first_tick(earliest, probe_origin, probe.period)
        return first + (probe.success_threshold - 1) * probe.period
    if probe is None:
        return started + warmup
    earliest = started + max(probe.initial_delay, warmup)
    needed = probe.success_threshold
    if earliest <= started:  # the manual run at container start already succeeds
        needed -= 1
        if needed == 0:
            return started
    first_tick = _first_tick(earliest, probe_origin, probe.period)
    if first_tick <= started and earliest <= started:
        # that tick coincides with the manual run already counted
        first_tick += probe.period
    return first_tick + (needed - 1) * probe.period


class RestartBackoff:
    """The kubelet's per-container restart back-off (``client-go/util/flowcontrol.Backoff``
    as used by ``kuberuntime_manager.go::doBackOff``).

    After a crash the kubelet restarts at once if the container has no back-off entry (or
    the entry expired: the previous restart was more than ``2 * cap`` = 10 min before this
    crash); otherwise it waits until ``finished + backoff`` (shown as ``CrashLoopBackOff``).
    Each restart then sets the entry: 10 s for a new or expired one, else double, capped at
    300 s. So the waits are 0, 10, 20, 40, 80, 160, 300, 300, ...

    >>> b = RestartBackoff()
    >>> waits = []
    >>> t = 0.0
    >>> for _ in range(8):
    ...     w = b.wait(t)
    ...     waits.append(w)
    ...     t += w
    ...     b.restarted(finished=t - w, now=t)
    ...     t += 1.0  # crashes one second after each start
    >>> waits
    [0.0, 10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0]
    """

    def __init__(self, initial: float = BACKOFF_INITIAL, cap: float = BACKOFF_CAP) -> None:
        self.initial = initial
        self.cap = cap
        self.backoff: float | None = None
        self.last_update: float | None = None

    def _expired(self, event_time: float) -> bool:
        return self.last_update is None or event_time - self.last_update > 2 * self.cap

    def wait(self, finished: float) -> float:
        """Seconds to wait, from the crash at *finished*, before the restart."""
        if self.backoff is None or self._expired(finished):
            return 0.0
        return self.backoff

    def restarted(self, finished: float, now: float) -> None:
        """Record the restart at *now* of the container that finished at *finished*."""
        if self.backoff is None or self._expired(finished):
            self.backoff = self.initial
        else:
            self.backoff = min(self.backoff * 2, self.cap)
        self.last_update = now


def pod_event(
    name: str, namespace: str, uid: str, container: str, image: str, status: str
) -> tuple[str, str, str] | None:
    """``(type, reason, message)`` of the event the kubelet records when a pod's status
    becomes *status*, or None."""
    if status == "Running":
        return ("Normal", "Started", f"Started container {container}")
    if status == "CrashLoopBackOff":
        return (
            "Warning",
            "BackOff",
            f"Back-off restarting failed container {container} in pod {name}_{namespace}({uid})",
        )
    if status == "ErrImagePull":
        return ("Warning", "Failed", f'Failed to pull image "{image}"')
    return None
