"""How APISIX routes one request over ApisixRoutes.

A rule of ``spec.http`` applies when its ``match.hosts`` (none: every host) contain the host
(``*.x`` wildcards allowed), one of its ``match.paths`` matches (a trailing ``*`` is a prefix,
else the path must be equal) and its ``match.methods`` (if any) contain the method; among the
applicable rules the highest ``priority`` (default 0) wins, then the longest path. Its
``backends`` share the requests in proportion to their ``weight`` (default 100); weight 0 takes
nothing. A rule with ``match.exprs`` applies only when every expression holds: Argo writes
``{subject: {scope: Header, name}, op: Equal | RegexMatch, value}`` for header routes (header
names are case-insensitive; ``RegexMatch`` is a regex search, as APISIX's ``~~``); an
expression of another scope or operator never holds here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict, as_list

__all__ = ["route"]


def _host_ok(hosts: list[str], host: str) -> bool:
    if not hosts:
        return True
    return any(h == host or (h.startswith("*.") and host.endswith(h[1:])) for h in hosts)


def _path_len(paths: list[str], path: str) -> int | None:
    best = None
    for p in paths:
        ok = path.startswith(p[:-1]) if p.endswith("*") else path == p
        if ok and (best is None or len(p) > best):
            best = len(p)
    return best


def _expr_holds(expr: Any, headers: Mapping[str, str]) -> bool:
    expr = as_dict(expr)
    subject = as_dict(expr.get("subject"))
    if str(subject.get("scope") or "") != "Header":
        return False
    got = headers.get(str(subject.get("name") or "").lower())
    if got is None:
        return False
    value = str(expr.get("value") or "")
    op = str(expr.get("op") or "")
    if op == "Equal":
        return got == value
    if op == "RegexMatch":
        try:
            return re.search(value, got) is not None
        except re.error:
            return False
    return False


def route(
    apisix_routes: Sequence[Mapping[str, Any]],
    host: str,
    uri: str = "/",
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
) -> tuple[tuple[str, float], ...] | None:
    """``(Service, share)`` for one request class; None when no rule serves the host; ``()``
    when a rule for the host exists but none matches the path and method (404)."""
    path = uri.split("?", 1)[0] or "/"
    lowered = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    host_known = False
    best: tuple[int, int] | None = None
    chosen: list[Any] = []
    for r in apisix_routes:
        for rule in as_list(as_dict(r.get("spec")).get("http")):
            rule = as_dict(rule)
            match = as_dict(rule.get("match"))
            hosts = [str(h) for h in as_list(match.get("hosts"))]
            if not _host_ok(hosts, host):
                continue
            host_known = True
            length = _path_len([str(p) for p in as_list(match.get("paths"))], path)
            methods = [str(m) for m in as_list(match.get("methods"))]
            if length is None or (methods and method not in methods):
                continue
            if not all(_expr_holds(e, lowered) for e in as_list(match.get("exprs"))):
                continue
            key = (int(rule.get("priority") or 0), length)
            if best is None or key > best:
                best, chosen = key, as_list(rule.get("backends"))
    if not host_known:
        return None
    weights = []
    for b in chosen:
        b = as_dict(b)
        w = b.get("weight", 100)
        weights.append((str(b.get("serviceName") or ""), float(100 if w is None else w)))
    total = sum(w for _, w in weights if w > 0)
    if total <= 0:
        return ()
    return tuple((s, w / total) for s, w in weights if w > 0)
