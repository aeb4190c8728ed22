"""How an ALB routes one request over the Ingresses (as the AWS Load Balancer Controller
builds listener rules from them).

Each path of a rule becomes a listener rule, in the order the controller sorts them
(``sortIngressPaths`` in its ``pkg/ingress/model_build_listener_rules.go``): ``Exact`` paths,
then ``Prefix`` paths longest first, then the rest (``ImplementationSpecific`` or no type) as
written. A rule holds when the host header matches (no host: any host), the path matches (an
``ImplementationSpecific`` path is an ALB wildcard pattern, ``*`` any characters and ``?`` one;
``Exact`` equal; ``Prefix`` whole path elements; no path: any path) and the
``conditions.<service>`` annotation's conditions hold: ``http-header``, the header equals one
of the values (``*`` and ``?`` wildcards, case-insensitive); ``http-request-method``;
``path-pattern``, whose patterns the controller adds to the path's own (``buildRuleConditions``),
so the path matches either, case-sensitively as ALB path patterns do; ``host-header``,
``query-string`` and ``source-ip`` are not modelled. The first rule that holds takes the
request. A backend whose port is ``use-annotation`` runs the ``actions.<service>`` annotation:
a ``forward`` to target groups by weight (the weights the load balancer holds, which
:func:`route` is given) or a ``fixed-response``; otherwise the backend Service takes it all. No
rule: the default action (404).

:func:`route` returns ``(service, share)`` pairs, or None when no ALB Ingress serves the host.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canarysim.engine.trafficrouting.alb.reconcile import ALB_ANNOTATION_PREFIX
from canarysim.engine.trafficrouting.fields import as_dict, as_list

__all__ = ["AlbRoute", "forward_groups", "route"]


@dataclass(frozen=True)
class AlbRoute:
    """Where a request class goes: ``(service, share)`` pairs summing to 1 (empty: 404 or a
    fixed response), ``ingress`` the Ingress of the rule that matched, ``action`` its
    annotation-based action ("" for a plain Service backend)."""

    backends: tuple[tuple[str, float], ...]
    ingress: str = ""
    action: str = ""


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _path_matches(path: Mapping[str, Any], uri_path: str) -> bool:
    """``buildPathPatterns``: a ``Prefix`` path is ``<path>`` and ``<path>/*`` with one
    trailing ``/`` cut (``/`` is ``/*``, as the empty base says too); any other an ALB pattern
    (an ``Exact`` path has no wildcards: the controller refuses one)."""
    value = str(path.get("path"))
    if path.get("pathType") == "Prefix":
        base = value.removesuffix("/")
        return uri_path == base or uri_path.startswith(base + "/")
    return _wildcard(value, uri_path)


def _sorted_paths(paths: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``sortIngressPaths``: the Exact paths, then the Prefix paths longest first, then the
    rest (``ImplementationSpecific`` or no type), each as written."""
    exact: list[dict[str, Any]] = []
    prefix: list[dict[str, Any]] = []
    rest: list[dict[str, Any]] = []
    by_type: dict[Any, list[dict[str, Any]]] = {"Exact": exact, "Prefix": prefix}
    for p in paths:
        by_type.get(p.get("pathType"), rest).append(p)
    prefix.sort(key=lambda p: -len(str(p.get("path") or "")))
    return exact + prefix + rest


def forward_groups(action_json: str | None) -> list[tuple[str, int]]:
    """``(ServiceName, Weight)`` of a ``forward`` action annotation ([] when it is not one,
    or there is none)."""
    try:
        action = json.loads(action_json)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return []
    action = as_dict(action)
    if action.get("Type") != "forward":
        return []
    forward = as_dict(action.get("ForwardConfig"))
    out = []
    for tg in as_list(forward.get("TargetGroups")):
        tg = as_dict(tg)
        try:
            weight = int(tg.get("Weight", 1))
        except (TypeError, ValueError):
            weight = 0
        if tg.get("ServiceName"):
            out.append((str(tg["ServiceName"]), max(weight, 0)))
    return out


def _condition_paths(
    conditions_json: str | None, method: str, headers: Mapping[str, str]
) -> list[str] | None:
    """The ``path-pattern`` values of a ``conditions`` annotation, or None when one of its
    header or method conditions fails (or it is not JSON)."""
    try:
        conditions = json.loads(conditions_json or "[]")
    except ValueError:
        return None
    paths: list[str] = []
    for cond in as_list(conditions):
        cond = as_dict(cond)
        field = cond.get("field") or cond.get("Field")
        if field == "http-header":
            cfg = as_dict(cond.get("httpHeaderConfig"))
            got = headers.get(str(cfg.get("httpHeaderName") or "").lower())
            values = [str(v) for v in as_list(cfg.get("values"))]
            if got is None or not any(_wildcard(v, got, ignore_case=True) for v in values):
                return None
        elif field == "http-request-method":
            cfg = as_dict(cond.get("httpRequestMethodConfig"))
            if method not in [str(v) for v in as_list(cfg.get("values"))]:
                return None
        elif field == "path-pattern":
            cfg = as_dict(cond.get("pathPatternConfig"))
            paths += [str(v) for v in as_list(cfg.get("values"))]
    return paths


def route(
    ingresses: Sequence[Mapping[str, Any]],
    host: str,
    uri: str = "/",
    headers: Mapping[str, str] | None = None,
    method: str = "GET",
    weights: Mapping[tuple[str, str], Sequence[tuple[str, int]]] | None = None,
    prefix: str = ALB_ANNOTATION_PREFIX,
) -> AlbRoute | None:
    """The backends of one request class (see the module docstring). ``weights`` maps
    (Ingress name, action) to the target groups' weights the load balancer holds; without
    an entry the action annotation's own weights are used."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    uri_path = uri.partition("?")[0] or "/"
    served = False
    for ing in ingresses:
        meta = as_dict(ing.get("metadata"))
        name = str(meta.get("name") or "")
        annotations = {str(k): str(v) for k, v in as_dict(meta.get("annotations")).items()}
        for rule in as_list(as_dict(ing.get("spec")).get("rules")):
            rule = as_dict(rule)
            rule_host = str(rule.get("host") or "")
            if rule_host and not _wildcard(rule_host, host, ignore_case=True):
                continue
            served = True
            paths = [as_dict(p) for p in as_list(as_dict(rule.get("http")).get("paths"))]
            for p in _sorted_paths(paths):
                backend = as_dict(as_dict(p.get("backend")).get("service"))
                service = str(backend.get("name") or "")
                if not service:
                    continue  # the controller builds rules to Service backends only
                extra = _condition_paths(
                    annotations.get(f"{prefix}/conditions.{service}"), method, headers
                )
                if extra is None:
                    continue
                hits = [_path_matches(p, uri_path)] if p.get("path") else []
                hits += [_wildcard(v, uri_path) for v in extra]
                if hits and not any(hits):
                    continue
                if as_dict(backend.get("port")).get("name") != "use-annotation":
                    return AlbRoute(((service, 1.0),), name)
                groups = list((weights or {}).get((name, service)) or ())
                if not groups:
                    groups = forward_groups(annotations.get(f"{prefix}/actions.{service}"))
                total = sum(w for _, w in groups)  # weights are never negative
                shares: dict[str, float] = {}
                for svc, w in groups:
                    if w > 0:
                        shares[svc] = shares.get(svc, 0.0) + w / total
                return AlbRoute(tuple(shares.items()), name, service)
    return AlbRoute(()) if served else None
