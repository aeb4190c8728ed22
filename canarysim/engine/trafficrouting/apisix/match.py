"""How APISIX routes one request over ApisixRoutes.

A rule of ``spec.http`` applies when its ``match.hosts`` (none: every host) contain the host
(``*.x`` wildcards allowed), one of its ``match.paths`` matches (a trailing ``*`` is a prefix,
else the path must be equal) and its ``match.methods`` (if any) contain the method. Among the
applicable rules, as APISIX's radixtree router orders them, a full path match wins over any
prefix, a deeper prefix over a shallower one, and only between equal paths does the highest
``priority`` (default 0) win ("priority takes precedence over other rules except uri"); of
equals, the first listed. Its ``backends`` share the requests in proportion to their
``weight`` (default 100); weight 0 takes nothing. A rule's ``match.exprs`` must all hold too:
the ``Header`` scope's ``Equal``, ``NotEqual``, ``RegexMatch`` (a search, as APISIX's ``~~``),
``RegexNotMatch``, ``In`` and ``NotIn`` (what Argo's header routes write is ``Equal`` and
``RegexMatch``; header names are case-insensitive); an expression on another scope, or an
operator not listed, never holds.
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


def _path_rank(paths: list[str], path: str) -> tuple[bool, int] | None:
    """(full match, depth) of the best of ``paths`` matching ``path``, or None."""
    ranks = []
    for p in paths:
        if p.endswith("*"):
            if path.startswith(p[:-1]):
                ranks.append((False, len(p)))
        elif path == p:
            ranks.append((True, len(p)))
    return max(ranks, default=None)


def _expr_ok(expr: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
    subject = as_dict(expr.get("subject"))
    if subject.get("scope") != "Header":
        return False
    name = subject.get("name")
    got = headers.get(name.lower()) if isinstance(name, str) else None
    op = expr.get("op")
    value = expr.get("value")
    if op in ("In", "NotIn"):
        found = got in [str(v) for v in as_list(expr.get("set"))]
        return found if op == "In" else not found
    text = "" if value is None else str(value)
    if op == "Equal":
        return got == text
    if op == "NotEqual":
        return got != text
    if op in ("RegexMatch", "RegexNotMatch"):
        try:
            found = got is not None and re.search(text, got) is not None
        except re.error:
            return False
        return found if op == "RegexMatch" else not found
    return False


def _rules_for_host(apisix_routes: Sequence[Mapping[str, Any]], host: str) -> list[dict[str, Any]]:
    out = []
    for r in apisix_routes:
        for rule in as_list(as_dict(r.get("spec")).get("http")):
            rule = as_dict(rule)
            hosts = [str(h) for h in as_list(as_dict(rule.get("match")).get("hosts"))]
            if _host_ok(hosts, host):
                out.append(rule)
    return out


def route(
    apisix_routes: Sequence[Mapping[str, Any]],
    host: str,
    uri: str = "/",
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
) -> tuple[tuple[str, float], ...] | None:
    """``(Service, share)`` for one request class; None when no rule serves the host; ``()``
    when a rule for the host exists but none matches the path and method (404)."""
    rules = _rules_for_host(apisix_routes, host)
    if not rules:
        return None
    path = uri.split("?")[0] or "/"
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    best: tuple[tuple[bool, int], int] | None = None
    chosen: list[Any] = []
    for rule in rules:
        match = as_dict(rule.get("match"))
        rank = _path_rank([str(p) for p in as_list(match.get("paths"))], path)
        methods = [str(m) for m in as_list(match.get("methods"))]
        if rank is None or (methods and method not in methods):
            continue
        if not all(_expr_ok(as_dict(e), headers) for e in as_list(match.get("exprs"))):
            continue
        key = (rank, int(rule.get("priority") or 0))
        if best is None or key > best:
            best, chosen = key, as_list(rule.get("backends"))
    shares = []
    for b in chosen:
        b = as_dict(b)
        w = b.get("weight")
        weight = 100.0 if w is None else float(w)
        if weight > 0:
            shares.append((str(b.get("serviceName") or ""), weight))
    total = sum(w for _, w in shares)
    return tuple((s, w / total) for s, w in shares)
