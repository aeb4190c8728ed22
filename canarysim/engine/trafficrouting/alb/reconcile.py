"""Argo's ALB reconciler as pure rewrites (``rollout/trafficrouting/alb/alb.go``).

Everything works on plain dict manifests (camelCase, as loaded from YAML): the Rollout and the
``networking.k8s.io/v1`` Ingresses. Each function returns the writes one call makes, in
Argo's order, each with the Ingress as it is afterwards and Argo's event; the first problem
raises :class:`TrafficRoutingError` with Argo's text.

The annotation values are JSON as Go's ``encoding/json`` writes them (no spaces, object keys
in struct order, map keys sorted, ``<``, ``>`` and ``&`` escaped): :func:`go_json`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canarysim.engine.trafficrouting.fields import annotations_of, as_dict, as_list
from canarysim.errors import TrafficRoutingError

__all__ = [
    "ALB_ANNOTATION_PREFIX",
    "MANAGED_ANNOTATIONS",
    "IngressWrite",
    "action_key",
    "alb_ingresses",
    "alb_settings",
    "condition_key",
    "forward_action",
    "go_json",
    "header_action_key",
    "remove_managed_routes",
    "set_header_route",
    "set_weight",
    "stable_and_canary_services",
]

Manifest = dict[str, Any]

ALB_ANNOTATION_PREFIX = "alb.ingress.kubernetes.io"
MANAGED_ANNOTATIONS = "rollouts.argoproj.io/managed-alb-annotations"
ACTION_PREFIX = "/actions."
CONDITION_PREFIX = "/conditions."
STICKINESS_ERROR = (
    "TargetGroupStickinessConfig's duration must be between 1 and 604800 seconds (7 days)!"
)


def go_json(value: Any) -> str:
    """``json.Marshal``: compact, HTML characters escaped as Go escapes them."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _canary(rollout: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))


def alb_settings(rollout: Mapping[str, Any]) -> dict[str, Any] | None:
    """``spec.strategy.canary.trafficRouting.alb``, or None."""
    value = as_dict(_canary(rollout).get("trafficRouting")).get("alb")
    return value if isinstance(value, dict) else None


def alb_ingresses(rollout: Mapping[str, Any]) -> list[str]:
    """``ingresses`` when set (even empty), else ``[ingress]`` (``SetWeight``)."""
    alb = alb_settings(rollout) or {}
    many = alb.get("ingresses")
    if isinstance(many, list):
        return [str(x) for x in many]
    return [str(alb.get("ingress") or "")]


def stable_and_canary_services(rollout: Mapping[str, Any]) -> tuple[str, str]:
    """``GetStableAndCanaryServices(rollout, true)``: with ``pingPong`` the ping and pong
    Services (ping is stable only when ``status.canary.stablePingPong`` is ``ping``), else
    ``stableService`` and ``canaryService``."""
    canary = _canary(rollout)
    ping_pong = canary.get("pingPong")
    if isinstance(ping_pong, dict):
        ping = str(ping_pong.get("pingService") or "")
        pong = str(ping_pong.get("pongService") or "")
        status = as_dict(as_dict(rollout.get("status")).get("canary"))
        if status.get("stablePingPong") == "ping":
            return ping, pong
        return pong, ping
    return str(canary.get("stableService") or ""), str(canary.get("canaryService") or "")


def _prefix(rollout: Mapping[str, Any]) -> str:
    return str((alb_settings(rollout) or {}).get("annotationPrefix") or ALB_ANNOTATION_PREFIX)


def action_service(rollout: Mapping[str, Any]) -> str:
    """The Service whose action Argo writes: ``rootService``, else ``stableService``."""
    alb = alb_settings(rollout) or {}
    return str(alb.get("rootService") or _canary(rollout).get("stableService") or "")


def action_key(rollout: Mapping[str, Any]) -> str:
    """``ALBActionAnnotationKey``: ``<prefix>/actions.<root or stable Service>``."""
    return f"{_prefix(rollout)}{ACTION_PREFIX}{action_service(rollout)}"


def header_action_key(rollout: Mapping[str, Any], route: str) -> str:
    """``ALBHeaderBasedActionAnnotationKey``."""
    return f"{_prefix(rollout)}{ACTION_PREFIX}{route}"


def condition_key(rollout: Mapping[str, Any], route: str) -> str:
    """``ALBHeaderBasedConditionAnnotationKey``."""
    return f"{_prefix(rollout)}{CONDITION_PREFIX}{route}"


def _port(rollout: Mapping[str, Any]) -> str:
    try:
        return str(int((alb_settings(rollout) or {}).get("servicePort") or 0))
    except (TypeError, ValueError):
        return "0"


def _with_stickiness(rollout: Mapping[str, Any], forward: dict[str, Any]) -> dict[str, Any]:
    sticky = as_dict((alb_settings(rollout) or {}).get("stickinessConfig"))
    if sticky.get("enabled"):
        seconds = int(sticky.get("durationSeconds") or 0)
        if seconds < 1 or seconds > 604800:
            raise TrafficRoutingError(STICKINESS_ERROR)
        forward["TargetGroupStickinessConfig"] = {"Enabled": True, "DurationSeconds": seconds}
    return {"Type": "forward", "ForwardConfig": forward}


def _target_group(service: str, port: str, weight: int) -> dict[str, Any]:
    """``ALBTargetGroup``: ``ServiceName`` is ``omitempty`` (an empty name is left out)."""
    group: dict[str, Any] = {"ServiceName": service} if service else {}
    return group | {"ServicePort": port, "Weight": weight}


def forward_action(
    rollout: Mapping[str, Any], weight: int, additional: Sequence[Mapping[str, Any]] = ()
) -> str:
    """``getForwardActionString``: canary first, then each additional destination, then the
    stable Service with what is left of 100 (not ``maxTrafficWeight``: ALB weights are
    absolute)."""
    stable, canary = stable_and_canary_services(rollout)
    port = _port(rollout)
    groups = [_target_group(canary, port, int(weight))]
    stable_weight = 100 - int(weight)
    for dest in additional:
        w = int(dest.get("weight") or 0)
        service = str(dest.get("serviceName") or "")
        groups.append(_target_group(service, port, w))
        stable_weight -= w
    groups.append(_target_group(stable, port, stable_weight))
    return go_json(_with_stickiness(rollout, {"TargetGroups": groups}))


def _header_forward_action(rollout: Mapping[str, Any]) -> str:
    """``getTrafficForwardActionString``: everything to the canary."""
    _, canary = stable_and_canary_services(rollout)
    groups = [_target_group(canary, _port(rollout), 100)]
    return go_json(_with_stickiness(rollout, {"TargetGroups": groups}))


def _conditions(match: Sequence[Mapping[str, Any]]) -> str:
    """``getTrafficForwardConditionString``: one ``http-header`` condition per header name,
    exact values of the same name merged into its ``values``; no match at all marshals Go's
    nil slice, ``null``."""
    out: list[dict[str, Any]] = []
    for m in match:
        name = str(m.get("headerName") or "")
        value = str(as_dict(m.get("headerValue")).get("exact") or "")
        for cond in out:
            if cond["httpHeaderConfig"]["httpHeaderName"] == name:
                cond["httpHeaderConfig"]["values"].append(value)
                break
        else:
            out.append(
                {
                    "field": "http-header",
                    "httpHeaderConfig": {"httpHeaderName": name, "values": [value]},
                }
            )
    return go_json(out or None)


def _managed(
    annotations: dict[str, str], rollout_name: str, keys: Sequence[str], add: bool = False
) -> dict[str, str]:
    """``modifyManagedAnnotation``: the Rollout's list in ``managed-alb-annotations``."""
    raw = annotations.get(MANAGED_ANNOTATIONS)
    try:
        managed = json.loads(raw) if raw else {}
    except ValueError as err:
        raise TrafficRoutingError(f"invalid character in {MANAGED_ANNOTATIONS}: {err}") from None
    if not isinstance(managed, dict):
        raise TrafficRoutingError(
            "json: cannot unmarshal into Go value of type ingress.ManagedALBAnnotations"
        )
    mine = [str(k) for k in as_list(managed.get(rollout_name))]
    for key in keys:
        if add:
            if key not in mine:
                mine.append(key)
        else:
            mine = [k for k in mine if k != key]
    managed[rollout_name] = mine
    annotations[MANAGED_ANNOTATIONS] = go_json(dict(sorted(managed.items())))
    return annotations


def _rule_paths(ingress: Mapping[str, Any]) -> list[list[Any]]:
    """The ``paths`` list of each rule (the lists themselves, to edit in place)."""
    rules = as_list(as_dict(ingress.get("spec")).get("rules"))
    return [as_list(as_dict(as_dict(rule).get("http")).get("paths")) for rule in rules]


def _path_service(path: Any) -> Any:
    return as_dict(as_dict(as_dict(path).get("backend")).get("service")).get("name")


def has_rule_with_service(ingress: Mapping[str, Any], service: str) -> bool:
    """``HasRuleWithService``."""
    return any(_path_service(p) == service for paths in _rule_paths(ingress) for p in paths)


def _rollout_name(rollout: Mapping[str, Any]) -> str:
    return str(as_dict(rollout.get("metadata")).get("name") or "")


@dataclass(frozen=True)
class IngressWrite:
    """One patch of an ALB Ingress: the Ingress as it is afterwards, and Argo's event."""

    name: str
    manifest: Manifest
    reason: str
    message: str


def _with_annotations(ingress: Mapping[str, Any], annotations: dict[str, str]) -> Manifest:
    out = copy.deepcopy(dict(ingress))
    out.setdefault("metadata", {})["annotations"] = annotations
    return out


def _get(ingresses: Mapping[str, Mapping[str, Any]], name: str) -> Mapping[str, Any]:
    found = ingresses.get(name)
    if found is None:
        raise TrafficRoutingError(f'ingress.networking.k8s.io "{name}" not found')
    return found


def set_weight(
    rollout: Mapping[str, Any],
    ingresses: Mapping[str, Mapping[str, Any]],
    weight: int,
    additional: Sequence[Mapping[str, Any]] = (),
) -> list[IngressWrite]:
    """``SetWeight``/``SetWeightPerIngress`` over the Ingresses of the namespace by name.

    As upstream, an Ingress that needs no change ends the call (``return nil`` inside the
    loop): the Ingresses after it are not looked at in this reconcile."""
    name = _rollout_name(rollout)
    service = action_service(rollout)
    key = action_key(rollout)
    writes: list[IngressWrite] = []
    for ingress_name in alb_ingresses(rollout):
        ingress = _get(ingresses, ingress_name)
        if not has_rule_with_service(ingress, service):
            raise TrafficRoutingError(f"ingress does not have service `{service}` in rules")
        annotations = annotations_of(ingress)
        desired = dict(annotations)
        desired[key] = forward_action(rollout, weight, additional)
        desired = _managed(desired, name, [key], add=True)
        if desired == annotations:
            return writes
        writes.append(
            IngressWrite(
                ingress_name,
                _with_annotations(ingress, desired),
                "PatchingALBIngress",
                f"Updating Ingress `{ingress_name}` to desiredWeight '{int(weight)}'",
            )
        )
    return writes


def _paths(rule: dict[str, Any]) -> list[Any]:
    http = rule.setdefault("http", {})
    paths = http.get("paths")
    if not isinstance(paths, list):
        paths = []
        http["paths"] = paths
    return paths


def _remove_path(ingress: Manifest, service: str) -> None:
    """``RemovePathByServiceName``: the first path of each rule to that Service."""
    for paths in _rule_paths(ingress):
        for i, path in enumerate(paths):
            if _path_service(path) == service:
                del paths[i]
                break


def _add_annotation_path(ingress: Manifest, route: str) -> None:
    """``CreateAnnotationBasedPath``: ``/*`` to the route's action, first in every rule (its
    own ``HasRuleWithService`` test repeats the caller's)."""
    for rule in as_list(as_dict(ingress.get("spec")).get("rules")):
        if isinstance(rule, dict):
            path = {
                "path": "/*",
                "pathType": "ImplementationSpecific",
                "backend": {"service": {"name": route, "port": {"name": "use-annotation"}}},
            }
            _paths(rule).insert(0, path)


def _sort_paths(ingress: Manifest, managed_routes: Sequence[str]) -> None:
    """``SortHttpPaths``: managed routes' paths first, in ``managedRoutes`` order (stable)."""
    order = {name: i for i, name in enumerate(managed_routes)}
    for paths in _rule_paths(ingress):
        paths.sort(key=lambda p: order.get(_path_service(p), len(order)))


def _managed_routes(rollout: Mapping[str, Any]) -> list[str]:
    tr = as_dict(_canary(rollout).get("trafficRouting"))
    return [str(as_dict(r).get("name") or "") for r in as_list(tr.get("managedRoutes"))]


def set_header_route(
    rollout: Mapping[str, Any],
    ingresses: Mapping[str, Mapping[str, Any]],
    route: str,
    match: Sequence[Mapping[str, Any]] | None,
) -> list[IngressWrite]:
    """``SetHeaderRoute``/``SetHeaderRoutePerIngress``: with ``match`` (an empty one
    included: a route with no header condition, for every request), an ``actions.<route>``
    (all to the canary) and ``conditions.<route>`` annotation and a ``/*`` path to the route
    first in each rule; without (None), both and the path removed. An unchanged Ingress ends
    the call, as in :func:`set_weight`."""
    name = _rollout_name(rollout)
    writes: list[IngressWrite] = []
    add = match is not None  # getDesiredHeaderAnnotations: headerRoute.Match != nil
    action, condition = header_action_key(rollout, route), condition_key(rollout, route)
    for ingress_name in alb_ingresses(rollout):
        ingress = _get(ingresses, ingress_name)
        annotations = annotations_of(ingress)
        desired_annotations = dict(annotations)
        if match is not None:
            desired_annotations[action] = _header_forward_action(rollout)
            desired_annotations[condition] = _conditions(match)
        else:
            desired_annotations.pop(action, None)
            desired_annotations.pop(condition, None)
        desired_annotations = _managed(desired_annotations, name, [action, condition], add)
        desired = _with_annotations(ingress, desired_annotations)
        has_rule = has_rule_with_service(ingress, route)
        if has_rule and not add:
            _remove_path(desired, route)
        if not has_rule and add:
            _add_annotation_path(desired, route)
        _sort_paths(desired, _managed_routes(rollout))
        if desired == dict(ingress):
            return writes
        writes.append(
            IngressWrite(
                ingress_name,
                desired,
                "PatchingALBIngress",
                f"Updating Ingress `{ingress_name}` to headerRoute '{_go_d(route, match)}'",
            )
        )
    return writes


GO_ADDRESS = 824634330112
"""Where Go's ``%d`` prints a pointer it prints its address (0xc000010000 here, fixed)."""


def _go_d(route: str, match: Sequence[Mapping[str, Any]] | None) -> str:
    """``fmt.Sprintf("%d", &SetHeaderRoute{...})`` as Argo's event prints the step: strings
    as ``%!d(string=...)``, each match's ``*StringMatch`` as an address."""
    items = " ".join(
        f"{{%!d(string={m.get('headerName') or ''}) {GO_ADDRESS}}}" for m in (match or ())
    )
    return f"&{{%!d(string={route}) [{items}]}}"


def remove_managed_routes(
    rollout: Mapping[str, Any], ingresses: Mapping[str, Mapping[str, Any]]
) -> list[IngressWrite]:
    """``RemoveManagedRoutes``: every managed route's action, condition and path go."""
    routes = _managed_routes(rollout)
    if not routes:
        return []
    name = _rollout_name(rollout)
    writes: list[IngressWrite] = []
    for ingress_name in alb_ingresses(rollout):
        ingress = _get(ingresses, ingress_name)
        annotations = annotations_of(ingress)
        desired_annotations = dict(annotations)
        keys: list[str] = []
        for route in routes:
            a, c = header_action_key(rollout, route), condition_key(rollout, route)
            desired_annotations.pop(a, None)
            desired_annotations.pop(c, None)
            keys += [a, c]
        desired_annotations = _managed(desired_annotations, name, keys)
        desired = _with_annotations(ingress, desired_annotations)
        for route in routes:
            _remove_path(desired, route)
        if desired == dict(ingress):
            return writes
        writes.append(
            IngressWrite(
                ingress_name,
                desired,
                "PatchingALBIngress",
                f"Updating Ingress `{ingress_name}` removing managed routes",
            )
        )
    return writes
