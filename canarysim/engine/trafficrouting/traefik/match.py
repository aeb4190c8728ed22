"""How Traefik routes one request: IngressRoute rules, then (weighted) TraefikServices.

An IngressRoute route's ``match`` is a rule such as ``Host(`a.example.com`) &&
PathPrefix(`/api`)``; the matchers read here are ``Host``/``HostRegexp`` (plain names only),
``PathPrefix``, ``Path``, ``Method`` and ``Header``, joined by ``&&`` (a rule with anything else
matches nothing: canarysim does not guess). Among matching routes the highest ``priority`` wins,
by default the rule's length (Traefik's default). The route's first service is either a
Kubernetes Service, or a TraefikService whose ``weighted.services`` share the requests by
``weight`` (default 1; 0 takes nothing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict, as_list

__all__ = ["route"]

_MATCHER = re.compile(r"^\s*(\w+)\(((?:\s*`[^`]*`\s*,?)*)\)\s*$")


def _rule_ok(rule: str, host: str, path: str, method: str, headers: Mapping[str, str]) -> bool:
    for part in rule.split("&&"):
        m = _MATCHER.match(part)
        if m is None:
            return False
        name, args = m.group(1), re.findall(r"`([^`]*)`", m.group(2))
        if name in ("Host", "HostRegexp"):
            ok = host in args
        elif name == "PathPrefix":
            ok = any(path.startswith(a) for a in args)
        elif name == "Path":
            ok = path in args
        elif name == "Method":
            ok = method in args
        elif name == "Header" and len(args) == 2:
            ok = headers.get(args[0].lower()) == args[1]
        else:
            return False
        if not ok:
            return False
    return True


def route(
    ingress_routes: Sequence[Mapping[str, Any]],
    traefik_services: Mapping[str, Mapping[str, Any]],
    host: str,
    uri: str = "/",
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
) -> tuple[tuple[str, float], ...] | None:
    """``(Service, share)`` for one request class; None when no IngressRoute matches it."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    path = uri.partition("?")[0] or "/"
    best: tuple[tuple[int, int], dict[str, Any]] | None = None  # (priority, -index), service
    for i, ir in enumerate(ingress_routes):
        for r in as_list(as_dict(ir.get("spec")).get("routes")):
            r = as_dict(r)
            rule = r.get("match")
            if not isinstance(rule, str) or not _rule_ok(rule, host, path, method, headers):
                continue
            key = (int(r.get("priority") or len(rule)), -i)
            services = as_list(r.get("services"))
            if services and (best is None or key > best[0]):
                best = (key, as_dict(services[0]))
    if best is None:
        return None
    chosen = best[1]
    name = str(chosen.get("name") or "")
    if chosen.get("kind") != "TraefikService":
        return ((name, 1.0),)
    ts = as_dict(traefik_services.get(name))
    weights = []
    for s in as_list(as_dict(as_dict(ts.get("spec")).get("weighted")).get("services")):
        s = as_dict(s)
        w = s.get("weight")
        weights.append((str(s.get("name") or ""), float(1 if w is None else w)))
    taking = [(s, w) for s, w in weights if w > 0]  # all weights 0: nowhere
    total = sum(w for _, w in taking)
    return tuple((s, w / total) for s, w in taking)
