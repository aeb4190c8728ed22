"""How a Gateway API implementation routes one request over HTTPRoutes.

A route applies when one of its ``hostnames`` matches the request's host (``*.example.com``
matches one or more leading labels; no ``hostnames`` matches every host). Among the matches of
every applicable rule (a rule without ``matches`` matches ``PathPrefix /``), the most specific
wins, as the specification orders them: an ``Exact`` path before a prefix, then the longest
path, then a method match, then the most header matches; ties go to the earlier route and rule.
``PathPrefix`` matches whole path elements. The chosen rule's ``backendRefs`` share the requests
in proportion to their ``weight`` (default 1); backends of weight 0 take nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict, as_list

__all__ = ["headers_matched", "host_matches", "route", "shares"]


def host_matches(pattern: str, host: str) -> bool:
    """A route `hostnames` entry against the request host (`*.` matches one or more labels)."""
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def _path_ok(kind: str, value: str, path: str) -> bool:
    if kind == "Exact":
        return path == value
    if kind == "RegularExpression":
        return re.fullmatch(value, path) is not None
    base = value.rstrip("/") or "/"
    return base == "/" or path == base or path.startswith(base + "/")


def headers_matched(match: Mapping[str, Any], headers: Mapping[str, str]) -> int | None:
    """How many of a route match's ``headers`` the request carries (``headers``: names in
    lower case), or None when one is missing or differs: ``Exact`` (the default) or a
    ``RegularExpression`` matching the whole value. HTTPRoute and GRPCRoute match headers
    alike."""
    found = 0
    for h in as_list(match.get("headers")):
        h = as_dict(h)
        got = headers.get(str(h.get("name") or "").lower())
        if got is None:
            return None
        if str(h.get("type") or "Exact") == "RegularExpression":
            if re.fullmatch(str(h.get("value") or ""), got) is None:
                return None
        elif got != str(h.get("value") or ""):
            return None
        found += 1
    return found


def _match_rank(
    match: Mapping[str, Any], path: str, method: str, headers: Mapping[str, str]
) -> tuple[int, int, int, int] | None:
    """None if the match does not accept the request, else a sort key (smaller = wins)."""
    p = as_dict(match.get("path"))
    kind = str(p.get("type") or "PathPrefix")
    value = str(p.get("value") or "/")
    if not _path_ok(kind, value, path):
        return None
    want = match.get("method")
    if want and str(want) != method:
        return None
    found = headers_matched(match, headers)
    if found is None:
        return None
    return (0 if kind == "Exact" else 1, -len(value), 0 if want else 1, -found)


def route(
    http_routes: Sequence[Mapping[str, Any]],
    host: str,
    uri: str = "/",
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
) -> tuple[tuple[str, float], ...] | None:
    """``(Service, share)`` for one request class; None when no HTTPRoute serves the host;
    ``()`` when one does but no rule matches (404)."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    path = uri.split("?", 1)[0] or "/"
    applies = False
    best: tuple[Any, ...] | None = None
    chosen: list[Any] = []
    for i, r in enumerate(http_routes):
        spec = as_dict(r.get("spec"))
        names = [str(h) for h in as_list(spec.get("hostnames"))]
        if names and not any(host_matches(n, host) for n in names):
            continue
        applies = True
        for j, rule in enumerate(as_list(spec.get("rules"))):
            rule = as_dict(rule)
            for match in as_list(rule.get("matches")) or [{}]:
                rank = _match_rank(as_dict(match), path, method, headers)
                if rank is None:
                    continue
                key = (*rank, i, j)
                if best is None or key < best:
                    best, chosen = key, as_list(rule.get("backendRefs"))
    if not applies:
        return None
    return shares(chosen)


def shares(backend_refs: Sequence[Any]) -> tuple[tuple[str, float], ...]:
    """``(Service, share)`` of a rule's ``backendRefs`` by ``weight`` (default 1; 0 takes
    none); ``()`` when none has weight."""
    weights = []
    for ref in backend_refs:
        ref = as_dict(ref)
        w = ref.get("weight", 1)
        weights.append((str(ref.get("name") or ""), float(w if w is not None else 1)))
    total = sum(w for _, w in weights if w > 0)
    if total <= 0:
        return ()
    return tuple((s, w / total) for s, w in weights if w > 0)
