"""How an ALB routes one request over the Ingresses (as the AWS Load Balancer Controller
builds listener rules from them).

Each path of a rule becomes a listener rule, in order (the controller keeps the Ingress's
order): host header (none: any host), path pattern (``ImplementationSpecific`` is an ALB
wildcard pattern, ``*`` any characters and ``?`` one; ``Exact`` equal; ``Prefix`` whole path
elements), then the ``conditions.<service>`` annotation's conditions (``http-header``: the
header equals one of the values, ``*`` and ``?`` wildcards, case-insensitive; ``http-request-
method``; ``path-pattern``; ``query-string`` is not modelled). The first rule whose conditions
all hold takes the request. A backend whose port is ``use-annotation`` runs the
``actions.<service>`` annotation: a ``forward`` to target groups by weight (the weights the
load balancer holds, which :func:`route` is given) or a ``fixed-response``; otherwise the
backend Service takes it all. No rule: the default action (404).

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


def _path_matches(path: str, path_type: str, uri: str) -> bool:
    uri = uri.split("?", 1)[0] or "/"
    if path_type == "Exact":
        return uri == path
    if path_type == "Prefix":
        if path == "/":
            return True
        base = path.rstrip("/")
        return uri == base or uri.startswith(base + "/")
    return _wildcard(path, uri)


def forward_groups(action_json: str) -> list[tuple[str, int]]:
    """``(ServiceName, Weight)`` of a ``forward`` action annotation ([] when it is not one)."""
    try:
        action = json.loads(action_json)
    except ValueError:
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


def _conditions_hold(
    conditions_json: str | None, method: str, uri: str, headers: Mapping[str, str]
) -> bool:
    if not conditions_json:
        return True
    try:
        conditions = json.loads(conditions_json)
    except ValueError:
        return False
    for cond in as_list(conditions):
        cond = as_dict(cond)
        field = cond.get("field") or cond.get("Field")
        if field == "http-header":
            cfg = as_dict(cond.get("httpHeaderConfig"))
            got = headers.get(str(cfg.get("httpHeaderName") or "").lower())
            values = [str(v) for v in as_list(cfg.get("values"))]
            if got is None or not any(_wildcard(v, got, ignore_case=True) for v in values):
                return False
        elif field == "http-request-method":
            cfg = as_dict(cond.get("httpRequestMethodConfig"))
            values = [str(v) for v in as_list(cfg.get("values"))]
            if method not in values:
                return False
        elif field == "path-pattern":
            values = [str(v) for v in as_list(as_dict(cond.get("pathPatternConfig")).get("values"))]
            path = uri.split("?", 1)[0] or "/"
            if not any(_wildcard(v, path, ignore_case=True) for v in values):
                return False
    return True


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
            for p in as_list(as_dict(rule.get("http")).get("paths")):
                p = as_dict(p)
                backend = as_dict(as_dict(p.get("backend")).get("service"))
                service = str(backend.get("name") or "")
                if not _path_matches(str(p.get("path") or "/*"), str(p.get("pathType") or ""), uri):
                    continue
                if not _conditions_hold(
                    annotations.get(f"{prefix}/conditions.{service}"), method, uri, headers
                ):
                    continue
                if as_dict(backend.get("port")).get("name") != "use-annotation":
                    return AlbRoute(((service, 1.0),), name)
                groups = list((weights or {}).get((name, service)) or ())
                if not groups:
                    groups = forward_groups(annotations.get(f"{prefix}/actions.{service}", ""))
                total = sum(w for _, w in groups)
                if total <= 0:
                    return AlbRoute((), name, service)
                shares: dict[str, float] = {}
                for svc, w in groups:
                    if w > 0:
                        shares[svc] = shares.get(svc, 0.0) + w / total
                return AlbRoute(tuple(shares.items()), name, service)
    return AlbRoute(()) if served else None
