"""Argo's canary-strategy validation (``validation.go::ValidateRolloutStrategyCanary``).

Split from :mod:`canarysim.declarations.argo.validation`; messages are Argo's verbatim.
"""

from __future__ import annotations

import re
from typing import Any

from canarysim.declarations.argo.fielderr import FieldError
from canarysim.declarations.argo.steps import validate_step
from canarysim.declarations.manifests.argo import Rollout

__all__ = ["validate_canary"]

MISSING = "Rollout has missing field '{}'"
STEP_MSG = (
    "Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or "
    "pause"
)
SAME_SVC = (
    "This rollout uses the same service for the stable and canary services, but two different "
    "services are required."
)
NEED_SVC = "Canary service and Stable service must to be set to use Traffic Routing"
MATCH_MULTI = "StringMatch match value must have exactly one of the following: exact, regex, prefix"
MATCH_MISSED = (
    "StringMatch value missed, match value must have one of the following: exact, regex, prefix"
)


def _int_or_percent_zero(value: int | str | None, default: str) -> bool:
    """``getIntOrPercentValue(...) == 0``: "N%" is a percentage; any other string goes
    through ``IntValue`` (Atoi, 0 on failure)."""
    v: int | str = default if value is None else value
    if isinstance(v, int):
        return v == 0
    if re.fullmatch(r"[0-9]+%", v):
        return int(v[:-1]) == 0
    try:
        return int(v) == 0
    except ValueError:
        return True


def _requires_services(ro: Rollout) -> bool:
    """``requireCanaryStableServices``."""
    c = ro.canary
    assert c is not None
    tr = c.traffic_routing
    if tr is None:
        return False
    return bool(
        (tr.alb is not None and c.ping_pong is None)
        or (tr.istio is not None and tr.istio.destination_rule is None and c.ping_pong is None)
        or tr.smi is not None
        or tr.apisix is not None
        or tr.ambassador is not None
        or tr.nginx is not None
        or tr.app_mesh is not None
        or tr.traefik is not None
    )


def validate_canary(ro: Rollout, path: str) -> list[FieldError]:
    """``ValidateRolloutStrategyCanary``; ``path`` is ``spec.strategy`` (upstream quirk)."""
    c = ro.canary
    assert c is not None
    errs: list[FieldError] = []
    tr = c.traffic_routing
    if _int_or_percent_zero(c.max_surge, "25") and _int_or_percent_zero(c.max_unavailable, "25"):
        errs.append(
            FieldError(
                f"{path}.maxSurge",
                "Invalid",
                c.max_surge,
                "MaxSurge and MaxUnavailable both can not be zero",
            )
        )
    if c.canary_service and c.stable_service and c.canary_service == c.stable_service:
        errs.append(FieldError(f"{path}.stableService", "Invalid", c.stable_service, SAME_SVC))
    if c.ping_pong is not None:
        pp = c.ping_pong
        if tr is not None and tr.alb is None and tr.istio is None and not tr.plugins:
            errs.append(
                FieldError(
                    f"{path}.trafficRouting.alb",
                    "Invalid",
                    None,
                    "Ping-pong feature works with the ALB, Istio, and plugin-based "
                    "traffic routers only",
                )
            )
        need = "Ping service and Pong service must to be set to use Ping-Pong feature"
        if not pp.ping_service:
            errs.append(FieldError(f"{path}.pingPong.pingService", "Invalid", "", need))
        if not pp.pong_service:
            errs.append(FieldError(f"{path}.pingPong.pongService", "Invalid", "", need))
        if pp.ping_service == pp.pong_service:
            errs.append(
                FieldError(
                    f"{path}.pingPong.pingService",
                    "Invalid",
                    pp.ping_service,
                    "This rollout uses the same service for the ping and pong "
                    "services, but two different services are required.",
                )
            )
        if tr is not None and tr.alb is not None and not tr.alb.get("rootService"):
            errs.append(
                FieldError(
                    f"{path}.trafficRouting.alb.rootService",
                    "Invalid",
                    "",
                    "Root service field is required for the configuration with "
                    "ALB and ping-pong feature enabled",
                )
            )
    if _requires_services(ro):
        if not c.stable_service:
            errs.append(FieldError(f"{path}.stableService", "Invalid", "", NEED_SVC))
        if not c.canary_service:
            errs.append(FieldError(f"{path}.canaryService", "Invalid", "", NEED_SVC))
    if tr is None:
        if c.scale_down_delay_seconds is not None:
            errs.append(
                FieldError(
                    f"{path}.scaleDownDelaySeconds",
                    "Invalid",
                    c.scale_down_delay_seconds,
                    "Canary scaleDownDelaySeconds can only be used with traffic routing",
                )
            )
        if c.dynamic_stable_scale:
            errs.append(
                FieldError(
                    f"{path}.dynamicStableScale",
                    "Invalid",
                    True,
                    "Canary dynamicStableScale can only be used with traffic routing",
                )
            )
    else:
        if c.scale_down_delay_seconds is not None and c.dynamic_stable_scale:
            errs.append(
                FieldError(
                    f"{path}.dynamicStableScale",
                    "Invalid",
                    True,
                    "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds",
                )
            )
        if tr.max_traffic_weight is not None and tr.nginx is None and not tr.plugins:
            errs.append(
                FieldError(
                    f"{path}.trafficRouting.maxTrafficWeight",
                    "Invalid",
                    tr.max_traffic_weight,
                    "Canary maxTrafficWeight in traffic routing only supported in "
                    "Nginx and Plugins",
                )
            )
    max_weight = tr.max_traffic_weight if tr is not None and tr.max_traffic_weight else 100
    raw_steps = ro.raw_at("spec", "strategy", "canary", "steps") or []
    for i, step in enumerate(c.steps):
        raw = raw_steps[i] if i < len(raw_steps) and isinstance(raw_steps[i], dict) else {}
        errs += validate_step(ro, step, raw, f"{path}.steps[{i}]", path, max_weight)
    if c.anti_affinity is not None:
        errs += anti_affinity_errors(c.anti_affinity, f"{path}.antiAffinity")
    return errs


def anti_affinity_errors(aa: dict[str, Any], path: str) -> list[FieldError]:
    """``ValidateRolloutStrategyAntiAffinity`` (canary and blue-green)."""
    errs = []
    pref = aa.get("preferredDuringSchedulingIgnoredDuringExecution")
    req = aa.get("requiredDuringSchedulingIgnoredDuringExecution")
    if (pref is None) == (req is None):
        errs.append(
            FieldError(
                path,
                "Invalid",
                "antiAffinity.PreferredDuringSchedulingIgnoredDuringExecution: "
                f"{_t(pref is not None)} antiAffinity.RequiredDuringScheduling"
                f"IgnoredDuringExecution: {_t(req is not None)}",
                "AntiAffinity must have exactly one strategy listed",
            )
        )
    if isinstance(pref, dict):
        weight = pref.get("weight", 0)
        if not isinstance(weight, int) or not 1 <= weight <= 100:
            errs.append(
                FieldError(
                    f"{path}.weight", "Invalid", weight, "AntiAffinity weight must be between 1-100"
                )
            )
    return errs


def _t(flag: bool) -> str:
    return "true" if flag else "false"
