"""The step plan of a loaded scenario: its rollout's engine Plan, the update time (the first
``setImage``), the operator's ``promote`` times, a lower bound for each analysis step from its
templates' metrics, and the title line naming replicas, routing and background analysis."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from canarysim.engine import model as m
from canarysim.report.durations import offset
from canarysim.report.steps.plan import AnalysisBound, StepPlan, blue_green_steps, plan_steps


def _seconds(value: Any) -> float | None:
    from canarysim.engine.durations import parse_duration

    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError:
        return None


def engine_plan(rollout: Any) -> m.Plan:
    """The engine's Plan of a spec ``Rollout``, from the spec layer's own conversion (so the
    defaults live in one place). Raises ScenarioError for a rollout that cannot be simulated."""
    from canarysim.declarations import to_plan

    return to_plan(rollout, pod_template_hash="")


def _analysis_bound(scenario: Any) -> AnalysisBound:
    """Lower bound of an analysis step: its slowest metric's ``initialDelay + (count-1) *
    interval``; None (open-ended) when a template or a metric's count is unknown."""

    def bound(names: Sequence[str]) -> float | None:
        worst = 0.0
        for name in names:
            manifests = scenario.manifests
            tpl = manifests.analysis_template(name, scenario.rollout.namespace or "default")
            tpl = tpl or manifests.cluster_analysis_template(name)
            if tpl is None:
                return None
            for metric in tpl.spec.metrics:
                try:
                    count = int(metric.count) if metric.count is not None else None
                except ValueError:
                    return None
                if count is None:
                    return None
                delay = _seconds(metric.initial_delay) or 0.0
                interval = _seconds(metric.interval) or 0.0
                worst = max(worst, delay + max(count - 1, 0) * interval)
        return worst

    return bound


_ROUTER_LABELS = {
    "istio": "Istio",
    "nginx": "NGINX",
    "alb": "ALB",
    "smi": "SMI",
    "ambassador": "Ambassador",
    "appMesh": "App Mesh",
    "traefik": "Traefik",
    "apisix": "APISIX",
}


def _router_names(rollout: Any) -> str:
    """The routers a Rollout's ``trafficRouting`` names, as people call them."""
    raw = ((rollout.raw.get("spec") or {}).get("strategy") or {}).get("canary") or {}
    tr = raw.get("trafficRouting") or {}
    names = [label for key, label in _ROUTER_LABELS.items() if tr.get(key)]
    names += [f"plugin {name}" for name in sorted(tr.get("plugins") or {})]
    return " + ".join(names) or "Istio"


def plan_of_scenario(scenario: Any) -> tuple[StepPlan, str]:
    """The step plan of the scenario's rollout for its first ``setImage``, and a title."""
    rollout = scenario.rollout
    plan = engine_plan(rollout)
    updates = [
        a
        for a in scenario.operator
        if getattr(a, "do", "") == "setImage" and getattr(a, "at", None) is not None
    ]
    start = float(updates[0].at) if updates else 0.0
    routing = "basic canary (no routing)"
    if plan.traffic_routing:
        routing = f"{_router_names(rollout)} traffic routing"
    if plan.blue_green is not None:
        routing = (
            f"blue-green (active {plan.blue_green.active_service}, "
            f"preview {plan.blue_green.preview_service or 'none'})"
        )
    ns = getattr(rollout, "namespace", None) or scenario.namespace
    title = (
        f"Rollout {ns}/{rollout.name}: {plan.replicas} replicas, {routing}, "
        f"minReadySeconds {int(plan.min_ready_seconds)}\n"
    )
    background = getattr(plan, "background_analysis", None)
    if background is not None:
        names = ", ".join(background.templates) or "(no templates)"
        title += (
            f"Background analysis {names} from step {background.starting_step}: "
            "a failed run aborts the rollout at any step\n"
        )
    if updates:
        title += f"Update at {offset(start)}: setImage {updates[0].image}\n"
    else:
        title += (
            "No setImage in the operator timeline: the first deploy skips the steps; "
            "this is the plan for the next update, timed from its start.\n"
        )
    promotes = [
        float(a.at)
        for a in scenario.operator
        if getattr(a, "do", "") == "promote"
        and not getattr(a, "full", False)
        and getattr(a, "at", None) is not None
    ]
    build = blue_green_steps if plan.blue_green is not None else plan_steps
    steps = build(plan, start=start, analysis_bound=_analysis_bound(scenario), promotes=promotes)
    return steps, title
