"""How a Gateway API implementation sends connections over TLSRoutes and TCPRoutes.

Neither looks inside the stream: a TLSRoute (TLS passthrough) is chosen by the SNI host name
against its ``hostnames`` (the most characters in a matching non-wildcard hostname, then in a
matching hostname; ties to the oldest route, then the first by ``namespace/name``; a route
without ``hostnames`` takes every name), a TCPRoute by the listener it is attached to. Each
request class is taken as one stream to its host: canarysim attaches every route to the one
Gateway the requests enter, so a TCPRoute (the oldest, then the first by ``namespace/name``)
takes the streams that no other route serves. The chosen route's first rule shares them by
``weight`` (implementations take one rule; default 1, 0 takes none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict, as_list
from canarysim.engine.trafficrouting.gatewayapi.match import (
    hostname_rank,
    hostnames_of,
    route_age,
    shares,
)

__all__ = ["route_tcp", "route_tls"]


def _first_rule(route: Mapping[str, Any]) -> tuple[tuple[str, float], ...]:
    rules = as_list(as_dict(route.get("spec")).get("rules"))
    return shares(as_list(as_dict(rules[0]).get("backendRefs"))) if rules else ()


def route_tls(
    tls_routes: Sequence[Mapping[str, Any]], host: str
) -> tuple[tuple[str, float], ...] | None:
    """``(Service, share)`` of the streams to ``host`` over the TLSRoutes; None when none of
    them takes the host."""
    serving = [(hostname_rank(hostnames_of(r), host), r) for r in tls_routes]
    ranked = [(rank, r) for rank, r in serving if rank is not None]
    if not ranked:
        return None
    # min() keeps the first of equal keys, but the key (age, then namespace/name) never ties
    _, chosen = min(ranked, key=lambda t: (-t[0][0], -t[0][1], route_age(t[1])))
    return _first_rule(chosen)


def route_tcp(tcp_routes: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, float], ...] | None:
    """``(Service, share)`` of the streams over the TCPRoutes; None when there is none."""
    if not tcp_routes:
        return None
    return _first_rule(min(tcp_routes, key=route_age))
