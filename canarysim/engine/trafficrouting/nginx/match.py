"""How ingress-nginx routes one request over the Ingresses (read back from what Argo wrote).

The controller merges every Ingress of its class into one server per host: a rule's ``host``
("" is the catch-all server) with one location per path. A request picks its server by host,
then the longest matching location (``Exact`` must be equal; ``Prefix`` matches whole path
elements; ``ImplementationSpecific`` is a plain prefix, as an nginx ``location`` is). An
Ingress annotated ``canary: "true"`` adds an alternative backend to the location with the same
host and path of a main Ingress (a canary Ingress never serves a location of its own). For each
request, ingress-nginx's balancer (``route_to_alternative_balancer``) decides:

1. ``canary-by-header`` set: with ``canary-by-header-value`` the canary takes the request when
   the header equals it; with ``canary-by-header-pattern`` when it matches; otherwise the
   values ``always`` / ``never`` force canary / main. Anything else falls through.
2. ``canary-by-cookie`` (not modelled: simulated requests carry no cookies).
3. ``canary-weight`` out of ``canary-weight-total`` (default 100): a random draw per request.

:func:`route` returns the backends a class of identical requests reaches with their shares, or
None when no Ingress serves the host (the request does not go through the ingress at all).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canarysim.engine.trafficrouting.fields import annotations_of, as_dict, as_list

__all__ = ["IngressRoute", "route"]

DEFAULT_PREFIX = "nginx.ingress.kubernetes.io"


@dataclass(frozen=True)
class IngressRoute:
    """Where a request class goes: ``(service, share)`` pairs summing to 1, ``ingress`` the
    main Ingress of the matched location. No ``backends``: the server has no location for the
    path (404)."""

    backends: tuple[tuple[str, float], ...]
    ingress: str = ""


def _is_canary(annotations: Mapping[str, str], prefix: str) -> bool:
    return str(annotations.get(f"{prefix}/canary")).lower() == "true"


def _path_matches(path: str, path_type: Any, uri: str) -> bool:
    uri = uri.partition("?")[0] or "/"
    if path_type == "Exact":
        return uri == path
    if path_type == "Prefix":
        if path == "/":
            return True
        base = path.rstrip("/")
        return uri == base or uri.startswith(base + "/")
    return uri.startswith(path)  # ImplementationSpecific: an nginx prefix location


def _locations(ingress: Mapping[str, Any], host: str) -> list[tuple[str, Any, str]]:
    """(path, pathType, service) of every path of the rules for ``host``."""
    out = []
    for rule in as_list(as_dict(ingress.get("spec")).get("rules")):
        rule = as_dict(rule)
        if str(rule.get("host") or "") != host:
            continue
        for p in as_list(as_dict(rule.get("http")).get("paths")):
            p = as_dict(p)
            service = as_dict(as_dict(p.get("backend")).get("service")).get("name")
            if service:
                # a pathType other than Exact and Prefix is an nginx prefix location
                out.append((str(p.get("path") or "/"), p.get("pathType"), str(service)))
    return out


def _hosts(ingresses: Sequence[Mapping[str, Any]]) -> set[str]:
    return {
        str(as_dict(rule).get("host") or "")
        for ing in ingresses
        for rule in as_list(as_dict(ing.get("spec")).get("rules"))
    }


def _canary_share(annotations: Mapping[str, str], prefix: str, headers: Mapping[str, str]) -> float:
    """The share of the request class the canary backend takes."""
    header = annotations.get(f"{prefix}/canary-by-header")
    if header:
        got = headers.get(header.lower())
        value = annotations.get(f"{prefix}/canary-by-header-value")
        pattern = annotations.get(f"{prefix}/canary-by-header-pattern")
        if value:
            if got == value:
                return 1.0
        elif pattern:
            if got is not None and re.search(pattern, got):
                return 1.0
        elif got == "always":
            return 1.0
        elif got == "never":
            return 0.0
    try:
        weight = int(annotations.get(f"{prefix}/canary-weight") or 0)
        total = int(annotations.get(f"{prefix}/canary-weight-total") or 100)
    except ValueError:
        return 0.0
    if total <= 0:
        return 0.0
    return min(max(weight, 0), total) / total


def route(
    ingresses: Sequence[Mapping[str, Any]],
    host: str,
    uri: str = "/",
    headers: Mapping[str, str] | None = None,
    prefix: str = DEFAULT_PREFIX,
) -> IngressRoute | None:
    """The backends of one request class (see the module docstring)."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    known = _hosts(ingresses)
    server = host if host in known else ("" if "" in known else None)
    if server is None:
        return None
    best: tuple[int, str, str, str] | None = None  # (length, path, service, ingress name)
    for ing in ingresses:
        if _is_canary(annotations_of(ing), prefix):
            continue
        name = str(as_dict(ing.get("metadata")).get("name") or "")
        for path, path_type, service in _locations(ing, server):
            if _path_matches(path, path_type, uri) and (best is None or len(path) > best[0]):
                best = (len(path), path, service, name)
    if best is None:
        return IngressRoute(backends=())
    _, path, service, main = best
    for ing in ingresses:
        annotations = annotations_of(ing)
        if not _is_canary(annotations, prefix):
            continue
        for c_path, _, c_service in _locations(ing, server):
            if c_path == path:
                share = _canary_share(annotations, prefix, headers)
                parts = [(service, 1.0 - share), (c_service, share)]
                return IngressRoute(tuple((s, f) for s, f in parts if f > 0), main)
    return IngressRoute(((service, 1.0),), main)
