"""A canary strategy's steps and settings: steps after full weight, pauses shorter than the
background analysis interval, a surprising ``replicaProgressThreshold``, an empty route
``match``."""

from __future__ import annotations

import contextlib

from canarysim.declarations.findings import Finding
from canarysim.declarations.lint.finding import at
from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.engine.durations import parse_duration, pause_seconds

__all__ = ["empty_route_matches", "progress_threshold", "step_timing"]


def step_timing(ro: Rollout, objs: Manifests) -> list[Finding]:
    """Steps that only delay promotion (after ``setWeight: 100``) and timed pauses shorter than
    the background analysis interval (no measurement may fall in them)."""
    c = ro.canary
    if c is None:
        return []
    out: list[Finding] = []
    base = ("spec", "strategy", "canary", "steps")
    full_at = None
    for i, step in enumerate(c.steps):
        if step.set_weight == 100 and full_at is None:
            full_at = i
        elif step.set_weight is not None and step.set_weight < 100:
            full_at = None
    if full_at is not None and full_at < len(c.steps) - 1:
        out.append(
            at(
                ro,
                (*base, full_at + 1),
                "lint/after-full-weight",
                "warning",
                f"steps after steps[{full_at}] (setWeight: 100) only delay promotion: the "
                "canary already takes all traffic",
            )
        )
    interval = _background_interval(ro, objs)
    if interval is not None:
        start = c.analysis.starting_step or 0 if c.analysis else 0
        for i, step in enumerate(c.steps):
            if i < start or step.pause is None or step.pause.duration is None:
                continue
            try:
                seconds = pause_seconds(step.pause.duration)
            except ValueError:
                continue
            if 0 <= seconds < interval:
                out.append(
                    at(
                        ro,
                        (*base, i, "pause"),
                        "lint/pause-shorter-than-interval",
                        "warning",
                        f"steps[{i}] pauses {seconds}s, less than the background analysis "
                        f"interval ({interval:g}s): no measurement may fall in it",
                    )
                )
    return out


def progress_threshold(ro: Rollout) -> list[Finding]:
    """``replicaProgressThreshold`` values the controller accepts but reads surprisingly
    (``ReplicaProgressThresholdMet``, utils/replicaset/canary.go)."""
    th = ro.canary.replica_progress_threshold if ro.canary is not None else None
    if th is None:
        return []
    path = ("spec", "strategy", "canary", "replicaProgressThreshold")
    if th.type not in ("Percent", "Pods"):
        return [
            at(
                ro,
                (*path, "type"),
                "lint/progress-threshold",
                "warning",
                f'type "{th.type}" is read as "Pods" (only "Percent" means a percentage): '
                f"{th.value} available pods complete a step",
            )
        ]
    if th.type == "Percent" and th.value > 100:
        return [
            at(
                ro,
                (*path, "value"),
                "lint/progress-threshold",
                "warning",
                f"{th.value}% of a step's canary pods can never be available: steps that "
                "scale the canary up never complete",
            )
        ]
    return []


def empty_route_matches(ro: Rollout) -> list[Finding]:
    """A header or mirror route step with ``match: []``. The routers remove the route only
    when ``Match == nil`` (missing or null); an empty list adds a route without conditions,
    which takes every request: all of it to the canary (header route) or all of it copied
    (mirror route). Argo accepts it, and canarysim simulates it; it is rarely meant."""
    steps = ro.raw_at("spec", "strategy", "canary", "steps")
    out: list[Finding] = []
    what = {
        "setHeaderRoute": "with Istio, ALB or APISIX sends every request to the canary",
        "setMirrorRoute": "with Istio mirrors every request to the canary",
    }
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        for kind, effect in what.items():
            body = step.get(kind) if isinstance(step, dict) else None
            if isinstance(body, dict) and body.get("match") == []:
                out.append(
                    at(
                        ro,
                        ("spec", "strategy", "canary", "steps", i, kind, "match"),
                        "lint/empty-route-match",
                        "warning",
                        f"an empty match is not a removal: steps[{i}] adds a route without "
                        f"conditions, which {effect}; leave match out to remove the route",
                    )
                )
    return out


def _background_interval(ro: Rollout, objs: Manifests) -> float | None:
    c = ro.canary
    if c is None or c.analysis is None:
        return None
    intervals = []
    for ref in c.analysis.templates:
        t = (
            objs.cluster_analysis_template(ref.template_name)
            if ref.cluster_scope
            else objs.analysis_template(ref.template_name, ro.namespace)
        )
        if t is None:
            continue
        for m in t.spec.metrics:
            if m.interval:
                with contextlib.suppress(ValueError):
                    intervals.append(parse_duration(m.interval))
    return min(intervals) if intervals else None
