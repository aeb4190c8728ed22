"""How an App Mesh sidecar routes one request over a VirtualRouter's routes.

A route of type ``httpRoute`` or ``http2Route`` matches on ``match.prefix``, ``match.path``
(``exact`` or ``regex``), ``match.method`` and ``match.headers`` (each ``exact``, ``prefix``,
``suffix``, ``regex`` or ``range``, optionally ``invert``ed); a ``tcpRoute`` takes every request;
a ``grpcRoute`` takes none of the HTTP request classes canarysim sends. Routes are tried by
``priority`` (0 first; routes without one after those with one), then the most specific path
first (an exact path, then a regex, then the longest prefix, a ``tcpRoute`` last), then the
first listed. A header's ``range`` is ``start`` inclusive to ``end`` exclusive (Envoy's
range match; a range without both bounds, or a value that is not an integer, never matches);
a header rule without a name, or a header the request lacks, matches only ``invert``ed. The
chosen route's ``weightedTargets`` share the requests by weight (0 takes nothing).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict

__all__ = ["route"]

#: The route types a sidecar serves canarysim's requests on; a ``grpcRoute`` takes none.
_KINDS = ("httpRoute", "http2Route", "tcpRoute")


def _full_match(pattern: Any, text: str) -> bool:
    """``pattern`` matches all of ``text`` (Envoy's safe_regex); a bad pattern matches nothing."""
    try:
        return re.fullmatch(str(pattern), text) is not None
    except re.error:
        return False


def _header_ok(rule: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
    name = rule.get("name")
    value = headers.get(name.lower()) if isinstance(name, str) else None
    match = as_dict(rule.get("match"))
    if value is None:
        ok = False
    elif "exact" in match:
        ok = value == str(match["exact"])
    elif "prefix" in match:
        ok = value.startswith(str(match["prefix"]))
    elif "suffix" in match:
        ok = value.endswith(str(match["suffix"]))
    elif "regex" in match:
        ok = _full_match(match["regex"], value)
    elif "range" in match:
        bounds = as_dict(match["range"])
        try:
            ok = int(bounds["start"]) <= int(value) < int(bounds["end"])
        except (KeyError, TypeError, ValueError):
            ok = False
    else:
        ok = True  # a header rule without a match: the header is present
    return ok != bool(rule.get("invert"))


def _http_match(
    match: Mapping[str, Any], path: str, method: str, headers: Mapping[str, str]
) -> tuple[int, int] | None:
    """(specificity) when the request matches, else None."""
    exact = as_dict(match.get("path")).get("exact")
    regex = as_dict(match.get("path")).get("regex")
    if exact is not None:
        if path != str(exact):
            return None
        rank = (2, len(path))
    elif regex is not None:
        if not _full_match(regex, path):
            return None
        rank = (1, len(path))
    else:
        prefix = str(match.get("prefix") or "/")
        if not path.startswith(prefix):
            return None
        rank = (0, len(prefix))
    if match.get("method") and match["method"] != method:  # Envoy compares :method exactly
        return None
    for rule in match.get("headers") or []:
        if not _header_ok(as_dict(rule), headers):
            return None
    return rank


def route(
    virtual_router: Mapping[str, Any],
    uri: str = "/",
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
) -> tuple[tuple[str, float], ...] | None:
    """``(VirtualNode, share)`` for one request class; None when no route matches it."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    path = uri.split("?")[0] or "/"
    best: tuple[tuple[Any, ...], dict[str, Any]] | None = None
    for r in as_dict(virtual_router.get("spec")).get("routes") or []:
        r = as_dict(r)
        kind = next((k for k in _KINDS if isinstance(r.get(k), dict)), None)
        if kind is None:
            continue
        rule = r[kind]
        if kind == "tcpRoute":
            rank: tuple[int, int] | None = (0, 0)  # after every HTTP match: a prefix of ""
        else:
            rank = _http_match(as_dict(rule.get("match")), path, method, headers)
        if rank is None:
            continue
        priority = r.get("priority")
        pri = priority if isinstance(priority, int) else math.inf
        # the lowest priority first, then the most specific path, then the first listed
        key = (pri, -rank[0], -rank[1])
        if best is None or key < best[0]:
            best = key, rule
    if best is None:
        return None
    shares = []
    for t in as_dict(best[1].get("action")).get("weightedTargets") or []:
        t = as_dict(t)
        w = t.get("weight")
        if isinstance(w, int | float) and w > 0:
            shares.append((str(as_dict(t.get("virtualNodeRef")).get("name") or ""), float(w)))
    total = sum(w for _, w in shares)
    return tuple((n, w / total) for n, w in shares)
