"""How a Gateway API implementation routes one request over GRPCRoutes, and which of an
HTTPRoute and a GRPCRoute that share a hostname it accepts.

A gRPC call is an HTTP/2 ``POST`` to ``/<service>/<method>``; a request class is read that way
(its path split into the service and the method; a path of another shape has neither, and only
matches without a service or method constraint accept it). The rules follow the GRPCRoute
specification (``apis/v1/grpcroute_types.go`` of kubernetes-sigs/gateway-api):

- a route applies when one of its ``hostnames`` matches the host (none: every host);
- a rule without ``matches`` matches every call; a rule's matches are ORed, and within a match
  the ``method`` and every ``headers`` entry must hold (header names are case-insensitive;
  ``Exact`` by default, or ``RegularExpression`` on the whole value);
- ``method``: ``Exact`` (the default) compares ``service`` and ``method``, each only when set;
  ``RegularExpression`` matches each set one against the whole service or method name;
- among the matching rules of every applicable route, precedence goes to the largest number
  of characters in a matching non-wildcard hostname, then in a matching hostname, then in the
  matching ``service``, then in the ``method``, then to the most header matches; ties go to the
  oldest route (``metadata.creationTimestamp``), then to the first by ``namespace/name``, then
  to the first rule of that route;
- the chosen rule's ``backendRefs`` share the calls by ``weight`` (default 1; 0 takes none).

When an HTTPRoute and a GRPCRoute have intersecting hostnames, the specification has the
Gateway accept exactly one of the two: the older, then the first by ``namespace/name``
(:func:`accepted`). Every route is taken as attached to the one Gateway the requests enter
(``parentRefs`` and listeners are not modelled), and no route is merged with another kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict, as_list
from canarysim.engine.trafficrouting.gatewayapi.match import (
    headers_matched,
    host_matches,
    hostname_rank,
    hostnames_of,
    route_age,
    shares,
)

__all__ = [
    "accepted",
    "grpc_call",
    "hostname_rank",
    "hostnames_of",
    "route_age",
    "route_grpc",
]


def grpc_call(uri: str) -> tuple[str, str] | None:
    """``(service, method)`` of a request path ``/<service>/<method>``, else None."""
    parts = uri.partition("?")[0].split("/")
    if len(parts) != 3 or parts[0] or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def _intersect(a: Sequence[str], b: Sequence[str]) -> bool:
    """Some host matches both lists (an empty list matches every host). Two names share a
    host when one matches the other read as a host: ``*.a.example.com`` is a host that
    ``*.example.com`` matches, and a name matches itself."""
    if not a or not b:
        return True
    return any(host_matches(x, y) or host_matches(y, x) for x in a for y in b)


def accepted(
    http_routes: Sequence[Mapping[str, Any]], grpc_routes: Sequence[Mapping[str, Any]]
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The HTTPRoutes and GRPCRoutes the Gateway accepts: taking routes from the oldest, one
    whose hostnames intersect those of an accepted route of the other kind is refused. Of
    an HTTPRoute and a GRPCRoute of the same age and ``namespace/name`` (the specification
    leaves it open) the HTTPRoute is taken first."""
    kinds = (http_routes, grpc_routes)
    order = sorted(
        (route_age(r), k, i) for k, routes in enumerate(kinds) for i, r in enumerate(routes)
    )
    taken: tuple[list[int], list[int]] = ([], [])
    for _, k, i in order:
        names = hostnames_of(kinds[k][i])
        if not any(_intersect(names, hostnames_of(kinds[1 - k][o])) for o in taken[1 - k]):
            taken[k].append(i)
    # back in the order given
    return [r for i, r in enumerate(http_routes) if i in taken[0]], [
        r for i, r in enumerate(grpc_routes) if i in taken[1]
    ]


def _name_ok(regex: bool, want: str, got: str | None) -> bool:
    if not want:
        return True
    if got is None:
        return False
    return re.fullmatch(want, got) is not None if regex else want == got


def _match_rank(
    match: Mapping[str, Any], call: tuple[str, str] | None, headers: Mapping[str, str]
) -> tuple[int, int, int] | None:
    """None if the match does not accept the call, else (service characters, method
    characters, header matches)."""
    method = as_dict(match.get("method"))
    regex = method.get("type") == "RegularExpression"  # else Exact, the default
    service = str(method.get("service") or "")
    name = str(method.get("method") or "")
    got_service, got_method = call if call is not None else (None, None)
    if not _name_ok(regex, service, got_service) or not _name_ok(regex, name, got_method):
        return None
    found = headers_matched(match, headers)
    if found is None:
        return None
    return (len(service), len(name), found)


def route_grpc(
    grpc_routes: Sequence[Mapping[str, Any]],
    host: str,
    uri: str,
    headers: Mapping[str, str] | None = None,
) -> tuple[tuple[str, float], ...] | None:
    """``(Service, share)`` for one request class over the GRPCRoutes; None when none of
    them serves the host; ``()`` when one does but no rule matches or no backend has weight."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    call = grpc_call(uri)
    serving = [(hostname_rank(hostnames_of(r), host), r) for r in grpc_routes]
    found: list[tuple[tuple[Any, ...], list[Any]]] = []
    for host_rank, r in serving:
        if host_rank is None:
            continue
        for j, rule in enumerate(as_list(as_dict(r.get("spec")).get("rules"))):
            rule = as_dict(rule)
            for match in as_list(rule.get("matches")) or [{}]:
                rank = _match_rank(as_dict(match), call, headers)
                if rank is not None:
                    key = (-host_rank[0], -host_rank[1], *(-x for x in rank), route_age(r), j)
                    found.append((key, as_list(rule.get("backendRefs"))))
    if all(host_rank is None for host_rank, _ in serving):
        return None
    # keys tie only between matches of one rule, whose backendRefs are the same list
    return shares(min(found)[1]) if found else ()
