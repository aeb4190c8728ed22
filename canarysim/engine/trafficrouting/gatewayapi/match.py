"""How a Gateway API implementation routes one request over HTTPRoutes.

A route applies when one of its ``hostnames`` matches the request's host (``*.example.com``
matches one or more leading labels; no ``hostnames`` matches every host). Among the matches of
every applicable rule (a rule without ``matches`` matches ``PathPrefix /``), the winner is the
one the HTTPRoute specification (``apis/v1/httproute_types.go`` of kubernetes-sigs/gateway-api,
the ``hostnames`` and ``matches`` fields) puts first: the route with the most characters in a
matching non-wildcard hostname, then in a matching hostname; then an ``Exact`` path before a
prefix, the longest path, a method match, the most header matches, the most query parameter
matches; then the oldest route (``metadata.creationTimestamp``), the first by
``namespace/name``, and the first rule of that route. ``PathPrefix`` matches whole path
elements; header names are case-insensitive, query parameter names exact (the first value of a
repeated one); ``Exact`` (the default) or a ``RegularExpression`` on the whole value. The chosen
rule's ``backendRefs`` share the requests in proportion to their ``weight`` (default 1);
backends of weight 0 take nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from canarysim.engine.trafficrouting.fields import as_dict, as_list

__all__ = [
    "headers_matched",
    "host_matches",
    "hostname_rank",
    "hostnames_of",
    "route",
    "route_age",
    "shares",
]


def host_matches(pattern: str, host: str) -> bool:
    """A route `hostnames` entry against the request host (`*.` matches one or more labels)."""
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def _path_ok(kind: Any, value: str, path: str) -> bool:
    if kind == "Exact":
        return path == value
    if kind == "RegularExpression":
        return re.fullmatch(value, path) is not None
    base = value.rstrip("/") or "/"
    return base == "/" or path == base or path.startswith(base + "/")


def _values_matched(
    entries: Sequence[Any], values: Mapping[str, str], key: Callable[[str], str]
) -> int | None:
    """How many ``entries`` (``name``, ``type``, ``value``) there are when every one holds
    over ``values``, else None; ``key`` spells a name as ``values`` has it."""
    for entry in entries:
        entry = as_dict(entry)
        name = str(entry.get("name") or "")
        got = values.get(key(name))
        want = str(entry.get("value") or "")
        if got is None:
            return None
        if entry.get("type") == "RegularExpression":  # else Exact, the default
            if re.fullmatch(want, got) is None:
                return None
        elif got != want:
            return None
    return len(entries)


def headers_matched(match: Mapping[str, Any], headers: Mapping[str, str]) -> int | None:
    """How many of a route match's ``headers`` the request carries (``headers``: names in
    lower case), or None when one is missing or differs: ``Exact`` (the default) or a
    ``RegularExpression`` matching the whole value. HTTPRoute and GRPCRoute match headers
    alike."""
    return _values_matched(as_list(match.get("headers")), headers, str.lower)


def route_age(route: Mapping[str, Any]) -> tuple[str, str]:
    """The tie-break order of routes: creation time, then ``namespace/name``."""
    meta = as_dict(route.get("metadata"))
    ns = str(meta.get("namespace") or "default")
    return (str(meta.get("creationTimestamp") or ""), f"{ns}/{meta.get('name') or ''}")


def hostnames_of(route: Mapping[str, Any]) -> list[str]:
    return [str(h) for h in as_list(as_dict(route.get("spec")).get("hostnames"))]


def hostname_rank(names: Sequence[str], host: str) -> tuple[bool, int] | None:
    """(whether a non-wildcard hostname matches, characters of the longest matching
    hostname); None when the route does not serve the host. A matching non-wildcard hostname
    is the host itself, so its characters are the same for every route: the flag ranks as
    the specification's "characters in a matching non-wildcard hostname"."""
    if not names:
        return (False, 0)
    ranks = [(not n.startswith("*"), len(n)) for n in names if host_matches(n, host)]
    return max(ranks) if ranks else None


def _match_rank(
    match: Mapping[str, Any],
    path: str,
    method: str,
    headers: Mapping[str, str],
    query: Mapping[str, str],
) -> tuple[int | bool, ...] | None:
    """None if the match does not accept the request, else a sort key (smaller = wins)."""
    p = as_dict(match.get("path"))
    kind = p.get("type")  # PathPrefix unless Exact or RegularExpression
    value = str(p.get("value") or "/")
    if not _path_ok(kind, value, path):
        return None
    want = match.get("method")
    if want and str(want) != method:
        return None
    found = headers_matched(match, headers)
    params = _values_matched(as_list(match.get("queryParams")), query, str)
    if found is None or params is None:
        return None
    return (kind != "Exact", -len(value), not want, -found, -params)


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
    path, _, query_text = uri.partition("?")
    query: dict[str, str] = {}
    for name, value in parse_qsl(query_text, keep_blank_values=True):
        query.setdefault(name, value)
    serving = [(hostname_rank(hostnames_of(r), host), r) for r in http_routes]
    found: list[tuple[tuple[Any, ...], list[Any]]] = []
    for host_rank, r in serving:
        if host_rank is None:
            continue
        for j, rule in enumerate(as_list(as_dict(r.get("spec")).get("rules"))):
            rule = as_dict(rule)
            for match in as_list(rule.get("matches")) or [{}]:
                rank = _match_rank(as_dict(match), path or "/", method, headers, query)
                if rank is not None:
                    key = (-host_rank[0], -host_rank[1], *rank, route_age(r), j)
                    found.append((key, as_list(rule.get("backendRefs"))))
    if all(host_rank is None for host_rank, _ in serving):
        return None
    # keys tie only between matches of one rule, whose backendRefs are the same list
    return shares(min(found)[1]) if found else ()


def shares(backend_refs: Sequence[Any]) -> tuple[tuple[str, float], ...]:
    """``(Service, share)`` of a rule's ``backendRefs`` by ``weight`` (default 1; 0 takes
    none); ``()`` when none has weight."""
    weights = []
    for ref in backend_refs:
        ref = as_dict(ref)
        w = ref.get("weight")
        weights.append((str(ref.get("name") or ""), float(w if w is not None else 1)))
    weighted = [(s, w) for s, w in weights if w > 0]
    total = sum(w for _, w in weighted)
    return tuple((s, w / total) for s, w in weighted)
