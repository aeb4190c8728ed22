"""Per-version behaviour over time: what a version's pods answer, possibly on a schedule.

:class:`VersionBehaviour` is what traffic needs from a version (error probability and code,
latency distribution, the ``destination_workload`` label); :class:`Schedule` lets the error
rate or latency change at given times (a bad canary that degrades after ten minutes). Latencies
are seconds here and milliseconds in telemetry. Re-exported by
:mod:`canarysim.sim.traffic.generator`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from canarysim.errors import SimulationError
from canarysim.sim.metrics.tally import UNKNOWN
from canarysim.sim.stochastic.distributions import Dist

__all__ = ["Schedule", "VersionBehaviour"]

_INSTANT = Dist.fixed(0.0)


@dataclass(frozen=True)
class Schedule:
    """A value that changes at given times: ``steps[i] = (t_i, v_i)`` holds from ``t_i`` on.

    Before the first time the first value holds.

    >>> s = Schedule(((0.0, 0.01), (600.0, 0.2)))
    >>> s.at(599.0), s.at(600.0)
    (0.01, 0.2)
    """

    steps: tuple[tuple[float, Any], ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a schedule needs at least one step")
        times = [t for t, _ in self.steps]
        if times != sorted(times):
            raise ValueError("schedule times must be increasing")

    def at(self, t: float) -> Any:
        value = self.steps[0][1]
        for ts, v in self.steps:
            if ts <= t:
                value = v
            else:
                break
        return value

    def breakpoints(self, t0: float, t1: float) -> list[float]:
        return [t for t, _ in self.steps if t0 < t < t1]


@dataclass(frozen=True)
class VersionBehaviour:
    """How the pods of one version answer: error probability and code, latency (seconds).

    ``error_rate`` and ``latency`` may be :class:`Schedule` s. ``workload`` is the
    ``destination_workload`` label (Istio derives it from the pod's owner: the Rollout name).
    """

    error_rate: float | Schedule = 0.0
    latency: Dist | Schedule = _INSTANT
    error_code: int = 500
    workload: str = UNKNOWN

    def at(self, t: float) -> tuple[float, Dist]:
        p = self.error_rate.at(t) if isinstance(self.error_rate, Schedule) else self.error_rate
        d = self.latency.at(t) if isinstance(self.latency, Schedule) else self.latency
        if not 0.0 <= float(p) <= 1.0:
            raise SimulationError(f"error rate must be within [0, 1], got {p!r}")
        return float(p), d

    def breakpoints(self, t0: float, t1: float) -> list[float]:
        out: list[float] = []
        for v in (self.error_rate, self.latency):
            if isinstance(v, Schedule):
                out += v.breakpoints(t0, t1)
        return out
