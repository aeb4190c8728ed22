"""The step plan of an update, canary or blue-green: when each step can be reached at the
earliest, how long it lasts at least, and the whole rollout's minimum duration ("how long will
my rollout take?").

The bound is a *lower* bound, honest about what it assumes: pods become ready the moment they
are created, so a step that needs more canary pods waits only ``minReadySeconds`` (Argo counts a
pod available that long after it is ready, and a ``setWeight`` step completes only when the
canary's pods are all available, rollout/canary.go); timed pauses last exactly their duration;
an analysis step lasts at least ``initialDelay + (count - 1) * interval`` of its slowest metric
when those are known; a ``pause: {}`` or an analysis without a count waits for someone, which
the plan says instead of inventing a number. After the last step the canary is scaled to the
full replica count before the rollout is Healthy (rollout/canary.go, promotion needs the new
ReplicaSet fully available).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from canarysim.engine import model as m
from canarysim.engine.replicas import (
    active_set_canary_scale,
    current_set_weight,
    resolve_fenceposts,
    traffic_weight_to_replicas,
    weighted_split,
)
from canarysim.engine.rollout.step_facts import step_mapping
from canarysim.report.durations import offset, span


@dataclass(frozen=True)
class PlannedStep:
    """One row of the plan. ``index`` is Argo's step index (None for the final promotion);
    ``reached`` the earliest simulated time the rollout can be at this step; ``minimum`` how long
    the step lasts at least, None when it waits for a person (promote) or an unbounded run."""

    index: int | None
    action: str
    canary_pods: int
    reached: float
    minimum: float | None
    why: str


@dataclass(frozen=True)
class StepPlan:
    steps: tuple[PlannedStep, ...]
    start: float
    replicas: int
    min_ready_seconds: float

    @property
    def minimum_duration(self) -> float | None:
        """The whole rollout at least, from the update to Healthy; None if it waits for
        a person somewhere."""
        total = 0.0
        for s in self.steps:
            if s.minimum is None:
                return None
            total += s.minimum
        return total


def describe(step: Any) -> str:
    """A step as one would write it in the manifest, shortened."""
    if isinstance(step, m.CompoundStep):
        return " + ".join(describe(p) for p in step.parts)
    if isinstance(step, m.SetWeight):
        return f"setWeight {step.weight}"
    if isinstance(step, m.Pause):
        if step.seconds is None:
            return "pause (until promoted)"
        return f"pause {step.raw if step.raw is not None else span(step.seconds)}"
    if isinstance(step, m.SetCanaryScale):
        if step.match_traffic_weight:
            return "setCanaryScale matchTrafficWeight"
        if step.replicas is not None:
            return f"setCanaryScale replicas {step.replicas}"
        return f"setCanaryScale weight {step.weight}"
    if isinstance(step, m.Analysis):
        return f"analysis {', '.join(step.templates)}".rstrip()
    if isinstance(step, m.Experiment):
        return "experiment" + (f" {span(step.duration)}" if step.duration is not None else "")
    if isinstance(step, m.SetHeaderRoute):
        return f"setHeaderRoute {step.name}"
    if isinstance(step, m.SetMirrorRoute):
        return f"setMirrorRoute {step.name}"
    return type(step).__name__


def canary_pods(plan: Any, index: int | None) -> int:
    """Canary pods the controller wants at step ``index`` (None: past the last step)."""
    # (each step as the replica arithmetic reads it: the engine's own mapping)
    steps = [step_mapping(s) for s in plan.steps]
    if index is None or index >= len(steps):
        return int(plan.replicas)
    scale = active_set_canary_scale(steps, index, traffic_routing=plan.traffic_routing)
    if scale is not None:
        if scale.get("replicas") is not None:
            return int(scale["replicas"])
        return traffic_weight_to_replicas(plan.replicas, int(scale["weight"]), plan.max_weight)
    weight = current_set_weight(steps, index, max_weight=plan.max_weight)
    if plan.traffic_routing:
        return traffic_weight_to_replicas(plan.replicas, weight, plan.max_weight)
    surge, _ = resolve_fenceposts(plan.max_surge, plan.max_unavailable, plan.replicas)
    return weighted_split(plan.replicas, weight, surge, plan.max_weight)[0]


#: Lower bound of an analysis step's length by template name, or None when unbounded/unknown.
AnalysisBound = Callable[[Sequence[str]], float | None]


def plan_steps(
    plan: Any,
    *,
    start: float = 0.0,
    analysis_bound: AnalysisBound | None = None,
    promotes: Sequence[float] = (),
) -> StepPlan:
    """The plan of ``plan`` (an :class:`canarysim.engine.model.Plan`) for an update at
    ``start``. ``promotes`` are the times of the operator's ``promote`` commands: a step that
    waits for someone (``pause: {}``, an open-ended analysis) ends at the first of them after
    the step is reached (``kubectl argo rollouts promote`` ends a pause and skips an analysis
    step)."""
    ready = float(plan.min_ready_seconds)
    pending = sorted(float(p) for p in promotes if p >= start)
    rows: list[PlannedStep] = []
    t = float(start)
    pods_before = 0
    for i, whole in enumerate(plan.steps):
        # a step with several fields waits as its pause/analysis/experiment part does
        step = next(
            (p for p in m.step_parts(whole) if isinstance(p, m.Pause | m.Analysis | m.Experiment)),
            whole,
        )
        pods = canary_pods(plan, i)
        minimum: float | None = 0.0
        why = ""
        if pods > pods_before:
            minimum = ready
            why = f"+{pods - pods_before} canary pod(s)" + (
                f", minReadySeconds {span(ready)}" if ready else ""
            )
        if isinstance(step, m.Pause):
            if step.seconds is None:
                minimum, why = None, "waits for promote"
            else:
                minimum, why = (minimum or 0.0) + step.seconds, "timed pause"
        elif isinstance(step, m.Analysis):
            bound = analysis_bound(step.templates) if analysis_bound else None
            if bound is None:
                minimum, why = None, "until the analysis run ends"
            else:
                minimum, why = (minimum or 0.0) + bound, "analysis measurements"
        elif isinstance(step, m.Experiment):
            if step.duration is None:
                minimum, why = None, "until the experiment ends"
            else:
                minimum, why = (minimum or 0.0) + step.duration, "experiment duration"
        if minimum is None and not isinstance(step, m.Experiment):
            later = [p for p in pending if p >= t]
            if later:
                pending.remove(later[0])
                minimum, why = later[0] - t, f"until the operator's promote at {offset(later[0])}"
        rows.append(PlannedStep(i, describe(whole), pods, t, minimum, why))
        pods_before = pods
        t = t + minimum if minimum is not None else math.inf
    full = int(plan.replicas)
    last = PlannedStep(
        None,
        "promote (stable switch, Healthy)",
        full,
        t,
        ready if full > pods_before else 0.0,
        "canary scaled to all replicas" if full > pods_before else "",
    )
    rows.append(last)
    return StepPlan(tuple(rows), float(start), int(plan.replicas), ready)


def blue_green_steps(
    plan: Any,
    *,
    start: float = 0.0,
    analysis_bound: AnalysisBound | None = None,
    promotes: Sequence[float] = (),
) -> StepPlan:
    """The stages of a blue-green update (rollout/bluegreen.go) for an update at ``start``:
    the preview comes up (``previewReplicaCount`` pods, or all), pre-promotion analysis, the
    ``BlueGreenPause`` (until promote, or ``autoPromotionSeconds``), the preview scaled to
    every replica, the active Service switch, post-promotion analysis."""
    bg = plan.blue_green
    ready = float(plan.min_ready_seconds)
    full = int(plan.replicas)
    preview = full if bg.preview_replica_count is None else int(bg.preview_replica_count)
    pending = sorted(float(p) for p in promotes if p >= start)
    rows: list[PlannedStep] = []
    t = float(start)

    def add(action: str, pods: int, minimum: float | None, why: str) -> None:
        nonlocal t
        if minimum is None:
            later = [p for p in pending if p >= t]
            if later:
                pending.remove(later[0])
                minimum, why = later[0] - t, f"until the operator's promote at {offset(later[0])}"
        rows.append(PlannedStep(None, action, pods, t, minimum, why))
        t = t + minimum if minimum is not None else math.inf

    wait = f", minReadySeconds {span(ready)}" if ready else ""
    add(f"preview: {preview} new pod(s)", preview, ready, "behind the preview Service" + wait)
    for label, spec in (("prePromotionAnalysis", bg.pre_promotion_analysis),):
        if spec is not None:
            bound = analysis_bound(spec.templates) if analysis_bound else None
            why = "analysis measurements" if bound is not None else "until the analysis run ends"
            add(f"{label}: {', '.join(spec.templates)}", preview, bound, why)
    if not bg.auto_promotion_enabled:
        add("pause (BlueGreenPause)", preview, None, "waits for promote")
    elif bg.auto_promotion_seconds > 0:
        add(
            f"pause (BlueGreenPause) {bg.auto_promotion_seconds}s",
            preview,
            float(bg.auto_promotion_seconds),
            "autoPromotionSeconds",
        )
    if preview < full:
        add(f"preview: {full} new pod(s)", full, ready, "scaled up for the switch" + wait)
    post = bg.post_promotion_analysis
    add(
        "switch the active Service" + ("" if post is not None else " (stable, Healthy)"),
        full,
        0.0,
        "users now reach the new pods",
    )
    if post is not None:
        bound = analysis_bound(post.templates) if analysis_bound else None
        why = "analysis measurements" if bound is not None else "until the analysis run ends"
        add(
            f"postPromotionAnalysis: {', '.join(post.templates)} (stable, Healthy)",
            full,
            bound,
            why,
        )
    return StepPlan(tuple(rows), float(start), full, ready)
