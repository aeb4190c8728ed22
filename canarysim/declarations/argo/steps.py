"""Argo's validation of each canary step (the loop in ``ValidateRolloutStrategyCanary``).

Split from :mod:`canarysim.declarations.argo.canary`; messages are Argo's verbatim.
"""

from __future__ import annotations

import re
from typing import Any

from canarysim.declarations.argo.fielderr import FieldError
from canarysim.declarations.manifests.argo import (
    CanaryStep,
    Rollout,
    SetHeaderRoute,
    SetMirrorRoute,
    StringMatch,
)
from canarysim.engine.durations import pause_seconds

__all__ = ["validate_step"]

MISSING = "Rollout has missing field '{}'"
STEP_MSG = (
    "Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or "
    "pause"
)
MATCH_MULTI = "StringMatch match value must have exactly one of the following: exact, regex, prefix"
MATCH_MISSED = (
    "StringMatch value missed, match value must have one of the following: exact, regex, prefix"
)


def validate_step(
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
                    _go_header_route(hr),
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
                    _go_mirror_route(step.set_mirror_route),
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


# The bad values below print as Go's encoding/json renders the structs: fields in declaration
# order, ``omitempty`` ones dropped when empty (types.go: SetHeaderRoute, HeaderRoutingMatch,
# SetMirrorRoute, RouteMatch, StringMatch).
def _go_string_match(m: StringMatch | None) -> dict[str, str] | None:
    if m is None:
        return None
    return {k: v for k, v in (("exact", m.exact), ("prefix", m.prefix), ("regex", m.regex)) if v}


def _go_header_route(hr: SetHeaderRoute) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if hr.name:
        out["name"] = hr.name
    if hr.match:
        out["match"] = [
            {"headerName": m.header_name, "headerValue": _go_string_match(m.header_value)}
            for m in hr.match
        ]
    return out


def _go_mirror_route(mr: SetMirrorRoute | None) -> dict[str, Any]:
    assert mr is not None
    out: dict[str, Any] = {"name": mr.name}
    if mr.match:
        matches = []
        for m in mr.match:
            entry: dict[str, Any] = {}
            if m.method is not None:
                entry["method"] = _go_string_match(m.method)
            if m.path is not None:
                entry["path"] = _go_string_match(m.path)
            if m.headers:
                entry["headers"] = {k: _go_string_match(v) for k, v in sorted(m.headers.items())}
            matches.append(entry)
        out["match"] = matches
    if mr.percentage is not None:
        out["percentage"] = mr.percentage
    return out
