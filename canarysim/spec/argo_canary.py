"""Argo's canary-strategy validation (``validation.go::ValidateRolloutStrategyCanary``).

Split from :mod:`canarysim.spec.argo_validation`; messages are Argo's verbatim.
"""

from __future__ import annotations

import re
from typing import Any

from canarysim.engine.durations import pause_seconds
from canarysim.spec.fielderr import FieldError
from canarysim.spec.manifests.argo import CanaryStep, Rollout, StringMatch

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


def _raw(ro: Rollout, *path: str) -> Any:
    node: Any = ro.raw
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


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
    raw_steps = _raw(ro, "spec", "strategy", "canary", "steps") or []
    for i, step in enumerate(c.steps):
        raw = raw_steps[i] if i < len(raw_steps) and isinstance(raw_steps[i], dict) else {}
        errs += _step(ro, step, raw, f"{path}.steps[{i}]", path, max_weight)
    if c.anti_affinity is not None:
        errs += _anti_affinity(c.anti_affinity, f"{path}.antiAffinity")
    return errs


def _step(
    ro: Rollout, step: CanaryStep, raw: dict[str, Any], sp: str, path: str, max_weight: int
) -> list[FieldError]:
    c = ro.canary
    assert c is not None
    tr = c.traffic_routing
    errs: list[FieldError] = []
    four = [
        step.set_weight is not None,
        step.pause is not None,
        step.experiment is not None,
        step.analysis is not None,
    ]
    if sum(four) > 1:  # hasMultipleStepsType
        errs.append(
            FieldError(
                sp,
                "Invalid",
                f"step.Experiment: {_t(four[2])} step.Pause: {_t(four[1])} "
                f"step.SetWeight: {_t(four[0])} step.Analysis: {_t(four[3])}",
                STEP_MSG,
            )
        )
    if not step.kinds:
        errs.append(
            FieldError(
                sp,
                "Invalid",
                " ".join(
                    f"step.{n}: true"
                    for n in (
                        "Experiment",
                        "Pause",
                        "SetWeight",
                        "Analysis",
                        "SetCanaryScale",
                        "SetHeaderRoute",
                        "SetMirrorRoute",
                        "Plugin",
                    )
                ),
                STEP_MSG,
            )
        )
    if step.set_weight is not None and not 0 <= step.set_weight <= max_weight:
        errs.append(
            FieldError(
                f"{sp}.setWeight",
                "Invalid",
                step.set_weight,
                f"SetWeight needs to be between 0 and {max_weight}",
            )
        )
    if step.pause is not None:
        seconds = _pause_seconds(step.pause.duration)
        if seconds < 0:
            errs.append(
                FieldError(
                    f"{sp}.pause.duration",
                    "Invalid",
                    seconds,
                    "Duration needs to be greater than 0",
                )
            )
    if step.set_canary_scale is not None and tr is None:
        errs.append(
            FieldError(
                f"{path}.trafficRouting",
                "Required",
                "",
                "SetCanaryScale requires TrafficRouting to be set",
            )
        )
    if step.set_header_route is not None:
        hr = step.set_header_route
        if tr is None or (
            tr.istio is None and tr.alb is None and tr.apisix is None and not tr.plugins
        ):
            errs.append(
                FieldError(
                    f"{sp}.setHeaderRoute",
                    "Invalid",
                    raw.get("setHeaderRoute"),
                    "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix",
                )
            )
        else:
            for j, m in enumerate(hr.match):
                mp = f"{sp}.setHeaderRoute.match[{j}]"
                if tr.alb is not None:
                    errs += _alb_match(m.header_value, mp)
                else:
                    errs += _match_values(m.header_value, mp)
    if step.set_mirror_route is not None:
        if tr is None or (tr.istio is None and not tr.plugins):
            errs.append(
                FieldError(
                    f"{sp}.setMirrorRoute",
                    "Invalid",
                    raw.get("setMirrorRoute"),
                    "SetMirrorRoute requires TrafficRouting, supports Istio and Plugins",
                )
            )
        for j, rm in enumerate(step.set_mirror_route.match):
            mp = f"{sp}.setMirrorRoute.match[{j}]"
            # upstream checks method twice and never the headers; kept as is
            if rm.method is not None:
                errs += _match_values(rm.method, mp)
            if rm.path is not None:
                errs += _match_values(rm.path, mp)
            if rm.method is not None:
                errs += _match_values(rm.method, mp)
    if tr is not None and (step.set_header_route is not None or step.set_mirror_route is not None):
        if tr.managed_routes is None:
            errs.append(
                FieldError(
                    f"{path}.trafficRouting.managedRoutes",
                    "Required",
                    "",
                    MISSING.format("spec.strategy.canary.trafficRouting.managedRoutes"),
                )
            )
        else:
            managed = {r.name for r in tr.managed_routes}
            for key, body in (
                ("setHeaderRoute", step.set_header_route),
                ("setMirrorRoute", step.set_mirror_route),
            ):
                if body is not None and body.name not in managed:
                    errs.append(
                        FieldError(
                            f"{sp}.{key}",
                            "Invalid",
                            body.name,
                            "Steps define a route that does not exist in "
                            "spec.strategy.canary.trafficRouting.managedRoutes",
                        )
                    )
    args = []
    if step.experiment is not None:
        for k, tmpl in enumerate(step.experiment.templates):
            if tmpl.weight is None:
                continue
            wp = f"{sp}.experiment.templates[{k}].weight"
            if tr is None:
                errs.append(
                    FieldError(
                        wp,
                        "Invalid",
                        tmpl.weight,
                        "Experiment template weight cannot be set unless TrafficRouting is enabled",
                    )
                )
            elif tr.alb is None and tr.smi is None and tr.istio is None and not tr.plugins:
                errs.append(
                    FieldError(
                        wp,
                        "Invalid",
                        tmpl.weight,
                        "Experiment template weight "
                        "is only available for TrafficRouting with SMI, ALB, Istio "
                        "and Plugins at this time",
                    )
                )
        for a in step.experiment.analyses:
            args += a.args
    if step.analysis is not None:
        args += step.analysis.args
    for arg in args:
        fr = arg.value_from.field_ref if arg.value_from is not None else None
        if (
            fr is not None
            and fr.field_path.startswith("metadata")
            and not _downward_ok(ro, fr.field_path)
        ):
            errs.append(
                FieldError(
                    f"{sp}.analyses",
                    "Invalid",
                    [a.model_dump(exclude_none=True, exclude_defaults=True) for a in args],
                    "Analyses arguments must refer to valid object metadata "
                    "supported by downwardAPI",
                )
            )
    return errs


def _t(flag: bool) -> str:
    return "true" if flag else "false"


def _pause_seconds(duration: int | str | None) -> int:
    """``RolloutPause.DurationSeconds``: unset is 0, unparseable is -1."""
    if duration is None:
        return 0
    try:
        return pause_seconds(duration)
    except (ValueError, OverflowError):
        return -1


def _match_values(match: StringMatch | None, path: str) -> list[FieldError]:
    """``hasMultipleMatchValues``."""
    if match is None:
        return [FieldError(path, "Invalid", None, MATCH_MISSED)]
    count = sum(bool(v) for v in (match.exact, match.regex, match.prefix))
    value = match.model_dump(exclude_defaults=True)
    if count > 1:
        return [FieldError(path, "Invalid", value, MATCH_MULTI)]
    if count == 0:
        return [FieldError(path, "Invalid", value, MATCH_MISSED)]
    return []


def _alb_match(match: StringMatch | None, path: str) -> list[FieldError]:
    if match is None:
        return [FieldError(path, "Invalid", None, MATCH_MISSED)]
    if not match.exact or match.regex or match.prefix:
        return [
            FieldError(
                path,
                "Invalid",
                match.model_dump(exclude_defaults=True),
                "SetHeaderRoute match value invalid. ALB supports 'exact' value only",
            )
        ]
    return []


def _downward_ok(ro: Rollout, field_path: str) -> bool:
    """``fieldpath.ExtractFieldPathAsString`` on the rollout's metadata."""
    if field_path in (
        "metadata.name",
        "metadata.namespace",
        "metadata.uid",
        "metadata.annotations",
        "metadata.labels",
    ):
        return True
    m = re.fullmatch(r"metadata\.(labels|annotations)\['([^']*)'\]", field_path)
    return m is not None


def _anti_affinity(aa: dict[str, Any], path: str) -> list[FieldError]:
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
