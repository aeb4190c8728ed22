"""Streams over TLSRoutes and TCPRoutes, edge by edge: which TLSRoute takes an SNI host name
(the most characters in a matching non-wildcard hostname, then in a matching hostname, then
the oldest, then ``namespace/name``), that only the chosen route's first rule counts, and the
oldest TCPRoute."""

from __future__ import annotations

from typing import Any

from gatewaykit import gateway_route

from canarysim.engine.trafficrouting.gatewayapi.tcpmatch import route_tcp, route_tls


def to(*services: str) -> dict[str, Any]:
    return {"backendRefs": [{"name": s} for s in services]}


def stream_route(name: str, *rules: dict[str, Any], **given: Any) -> dict[str, Any]:
    return gateway_route(name, *rules, **given)


def test_a_route_not_serving_the_host_does_not_stop_the_search() -> None:
    other = stream_route("a", to("other"), hostnames=["other.example.com"])
    mine = stream_route("b", to("mine"), hostnames=["db.example.com"])
    assert route_tls([other, mine], "db.example.com") == (("mine", 1.0),)


def test_an_exact_hostname_beats_a_wildcard_of_the_same_length() -> None:
    # "*.example.com" and "a.example.com" have 13 characters each: the non-wildcard count
    # decides, not the older route nor the first name
    wild = stream_route("a-wild", to("wild"), hostnames=["*.example.com"], created="2020")
    exact = stream_route("b-exact", to("exact"), hostnames=["a.example.com"], created="2024")
    assert route_tls([wild, exact], "a.example.com") == (("exact", 1.0),)


def test_the_longer_matching_wildcard_wins() -> None:
    short = stream_route("a-short", to("short"), hostnames=["*.example.com"], created="2020")
    long = stream_route("b-long", to("long"), hostnames=["*.b.example.com"], created="2024")
    assert route_tls([short, long], "a.b.example.com") == (("long", 1.0),)
    assert route_tls([long, short], "a.b.example.com") == (("long", 1.0),)


def test_equal_hostnames_go_to_the_older_route_then_the_first_name() -> None:
    older = stream_route("z", to("older"), hostnames=["db.example.com"], created="2020")
    newer = stream_route("a", to("newer"), hostnames=["db.example.com"], created="2024")
    assert route_tls([newer, older], "db.example.com") == (("older", 1.0),)
    first = stream_route("a", to("first"), hostnames=["db.example.com"])
    second = stream_route("b", to("second"), hostnames=["db.example.com"])
    assert route_tls([second, first], "db.example.com") == (("first", 1.0),)


def test_only_the_first_rule_of_the_chosen_route_shares_the_streams() -> None:
    two_rules = stream_route("r", to("first", "also"), to("second"), hostnames=["db.x"])
    assert route_tls([two_rules], "db.x") == (("first", 0.5), ("also", 0.5))
    assert route_tcp([stream_route("t", to("first"), to("second"))]) == (("first", 1.0),)


def test_a_tls_route_without_rules_serves_the_host_with_nothing() -> None:
    assert route_tls([stream_route("empty", hostnames=["db.x"])], "db.x") == ()


def test_the_oldest_tcp_route_of_several() -> None:
    routes = [
        stream_route("b", to("b"), created="2024"),
        stream_route("c", to("c"), created="2020"),
        stream_route("a", to("a"), created="2022"),
    ]
    assert route_tcp(routes) == (("c", 1.0),)
