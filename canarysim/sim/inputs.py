"""Translate a loaded scenario into the simulator's own inputs.

The spec layer speaks the user's language (``Delay`` with median/p99, versions keyed by
image, a traffic pattern, an operator timeline); the sim modules take distributions
(:class:`~canarysim.sim.stochastic.distributions.Dist`), schedules, arrival processes and
the router's request classes. Keeping the translation in one place means neither side knows
the other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from canarysim.declarations.scenario.behaviour.versions import Crash, Version
from canarysim.declarations.scenario.model import ErrorSpike, Scenario
from canarysim.declarations.scenario.traffic import RateShape
from canarysim.declarations.scenario.values import Delay
from canarysim.engine.memo import LastEntry
from canarysim.errors import SimulationError
from canarysim.sim.cluster.pods.behaviour import PodBehaviour
from canarysim.sim.mesh.router import MESH, RequestClass
from canarysim.sim.stochastic.distributions import (
    Arrivals,
    ConstantArrivals,
    Dist,
    DiurnalArrivals,
    PoissonArrivals,
    TraceArrivals,
)
from canarysim.sim.traffic.generator import OwnArrivals, Schedule, VersionBehaviour

__all__ = [
    "arrivals_for",
    "arrivals_of",
    "dist_of",
    "own_arrivals",
    "pod_behaviour_for",
    "request_classes",
    "version_behaviour",
]


def dist_of(delay: Delay | None) -> Dist | None:
    """A scenario ``Delay`` (seconds) as a sampling distribution."""
    if delay is None:
        return None
    if delay.fixed is not None:
        return Dist.fixed(float(delay.fixed))
    if delay.median is not None and delay.p99 is not None:
        if delay.p99 == delay.median:
            return Dist.fixed(float(delay.median))
        return Dist.lognormal(float(delay.median), float(delay.p99))
    if delay.mean is not None:
        return Dist.exponential(float(delay.mean))
    raise SimulationError(f"cannot turn {delay!r} into a distribution")


def _crash_dist(crash: Crash | None) -> Dist | None:
    if crash is None:
        return None
    if crash.after_start is not None:
        return dist_of(crash.after_start)
    if crash.mean_time_between is not None and crash.mean_time_between > 0:
        return Dist.exponential(float(crash.mean_time_between))
    return None


_BEHAVIOURS: LastEntry[
    Any, tuple[dict[str, PodBehaviour], dict[str, tuple[Crash | None, bool, PodBehaviour]]]
] = LastEntry()
"""One entry: a scenario's ``pods`` section, with the behaviours resolved from it so far (see
:func:`pod_behaviour_for`)."""


def _resolved_for(
    pods: Any,
) -> tuple[dict[str, PodBehaviour], dict[str, tuple[Crash | None, bool, PodBehaviour]]]:
    known = _BEHAVIOURS.get(pods)
    if known is not None:
        return known
    return _BEHAVIOURS.put(pods, ({}, {}))


def pod_behaviour_for(
    scenario: Scenario, now: Callable[[], float]
) -> Callable[[str], PodBehaviour]:
    """``image -> PodBehaviour`` for the cluster: start-up stages from ``pods``, crashes and
    readiness from ``versions`` (as they stand when the pod is created)."""

    # The stages depend on the image and the scenario's ``pods`` section only (immutable, as
    # the loaded scenario is): resolved once per image, not once per pod, and shared by the
    # runs of a scenario (its other seeds) through the section they read.
    resolved, shared = _resolved_for(scenario.pods)

    def behaviour(image: str) -> PodBehaviour:
        base = resolved.get(image)
        if base is None:
            stages = scenario.pod_behaviour(image)
            base = resolved[image] = PodBehaviour(
                scheduling=dist_of(stages.scheduling) or Dist.fixed(0.0),
                image_pull=dist_of(stages.image_pull) or Dist.fixed(0.0),
                container_start=dist_of(stages.container_start) or Dist.fixed(0.0),
                readiness=dist_of(stages.readiness) or Dist.fixed(0.0),
                shutdown=dist_of(stages.termination),
                image_pull_fails=bool(stages.image_pull_fails),
            )
        version = scenario.version_for(image)
        crash, never_ready = version.crash_at(now()), not version.ready
        # Pods of an image mostly share its crash settings (frozen models): one behaviour
        # (immutable) for all of them until those change.
        last = shared.get(image)
        if last is not None and last[0] is crash and last[1] == never_ready:
            return last[2]
        out = dataclasses.replace(base, crash_after=_crash_dist(crash), never_ready=never_ready)
        shared[image] = (crash, never_ready, out)
        return out

    return behaviour


def _schedule(version: Version, field: str, spikes: list[ErrorSpike]) -> Any:
    """A constant, or a :class:`Schedule` when the value changes over time (changes written
    in the scenario, or error spikes laid over the error rate)."""
    value = getattr(version, field)
    convert = dist_of if field == "latency" else float
    if field != "error_rate" or not spikes:
        if not isinstance(value, list):
            return convert(value)
        steps = [(float(c.at), convert(c.value)) for c in value]
        if steps[0][0] > 0:
            steps.insert(0, (0.0, steps[0][1]))
        return Schedule(tuple(steps))
    times = {0.0, *version.change_times()}
    for s in spikes:
        times.update({float(s.at), float(s.at + s.duration)})
    steps = []
    for t in sorted(times):
        active = [s.error_rate for s in spikes if s.at <= t < s.at + s.duration]
        rate = max(active) if active else version.error_rate_at(t)
        steps.append((t, float(rate)))
    return Schedule(tuple(steps))


def version_behaviour(scenario: Scenario, image: str, workload: str) -> VersionBehaviour:
    """How pods running *image* answer requests (error spikes from ``faults`` included)."""
    version = scenario.version_for(image)
    spikes = [f for f in scenario.faults if isinstance(f, ErrorSpike) and f.image in (None, image)]
    return VersionBehaviour(
        error_rate=_schedule(version, "error_rate", spikes),
        latency=_schedule(version, "latency", []),
        workload=workload,
    )


def arrivals_for(scenario: Scenario) -> Arrivals:
    """The scenario's arrival process (of the classes that take a share of it)."""
    return arrivals_of(scenario.traffic)


def arrivals_of(tr: RateShape) -> Arrivals:
    """The arrival process of a rate shape (``traffic``'s, or a request class's own)."""
    if tr.pattern == "constant":
        if tr.arrival == "constant":
            return ConstantArrivals(float(tr.rate))
        return PoissonArrivals(float(tr.rate))
    if tr.pattern == "diurnal":
        d = tr.diurnal
        return DiurnalArrivals(float(tr.rate), float(d.amplitude), float(d.period), float(d.peak))
    points = list(tr.points)
    if not points:
        return PoissonArrivals(0.0)
    times = [float(p.at) for p in points]
    rates = [float(p.rate) for p in points]
    if times[0] > 0:  # before the first point its rate holds (Traffic.rate_at)
        times.insert(0, 0.0)
        rates.insert(0, rates[0])
    return TraceArrivals(tuple(times), tuple(rates))


def own_arrivals(
    scenario: Scenario, classes: list[tuple[RequestClass, float]]
) -> dict[RequestClass, OwnArrivals]:
    """The request classes with a rate shape of their own, each with its arrival process and
    the random stream it draws from (named after its place in ``traffic.headers``, so adding
    a class shifts no other class's arrivals)."""
    traffic = scenario.traffic
    out: dict[RequestClass, OwnArrivals] = {}
    for i, mix in enumerate(traffic.headers):
        if mix.own_shape:
            cls = classes[i][0]
            out[cls] = OwnArrivals(arrivals_of(mix.shape(traffic)), f"traffic.headers[{i}]")
    return out


def request_classes(
    scenario: Scenario, default_host: str, default_gateway: str | None = None
) -> list[tuple[RequestClass, float]]:
    """The request classes (``traffic.headers``) as router request classes with their shares
    (summing to 1; 0 for a class with a rate shape of its own, see :func:`own_arrivals`),
    entering through ``traffic.gateway`` (else ``default_gateway``; None or
    ``mesh``: from a sidecar). The requests no class claims form the ``default`` class."""
    traffic = scenario.traffic
    host = traffic.host or default_host
    gateway = traffic.gateway or default_gateway
    gateway = None if gateway in (None, MESH) else gateway
    outside = gateway is None and traffic.source == "outside"
    classes: list[tuple[RequestClass, float]] = []
    rest = 1.0
    for mix in traffic.headers:
        headers = tuple(sorted((k.lower(), str(v)) for k, v in mix.headers.items()))
        method = mix.method or traffic.method
        path = mix.path or traffic.path
        cls = RequestClass(
            host=mix.host or host,
            headers=headers,
            uri=path,
            method=method,
            gateway=gateway,
            name=mix.name or class_name(method, path, headers, mix.host),
            outside=outside,
        )
        # A class with its own rate shape takes no share of traffic's rate.
        share = float(mix.fraction) if mix.fraction is not None else 0.0
        classes.append((cls, share))
        rest -= share
    if rest > 1e-12 or not classes:
        default = RequestClass(
            host=host,
            uri=traffic.path,
            method=traffic.method,
            gateway=gateway,
            name="default",
            outside=outside,
        )
        classes.append((default, max(rest, 0.0)))
    total = sum(s for _, s in classes)
    return [(c, s / total) for c, s in classes]


def class_name(
    method: str, path: str, headers: tuple[tuple[str, str], ...], host: str | None
) -> str:
    """A readable name for a class the scenario did not name: ``GET /api x-canary=true``."""
    parts = [method, path, *(f"{k}={v}" for k, v in headers)]
    if host:
        parts.append(f"@{host}")
    return " ".join(parts)
