"""How a conformant Gateway routes gRPC calls over GRPCRoutes, as an oracle table: the
GRPCRoute specification's matching (``method`` Exact/RegularExpression, headers, hostnames), its
precedence (hostname characters, service characters, method characters, header matches, then
the older route, then ``namespace/name``, then the first rule), and which of an HTTPRoute and a
GRPCRoute with intersecting hostnames the Gateway accepts; and streams over TLSRoutes (SNI host
name) and TCPRoutes."""

from __future__ import annotations

from typing import Any

import pytest
from gatewaykit import gateway_route

from canarysim.engine.trafficrouting.gatewayapi.grpcmatch import accepted, grpc_call, route_grpc
from canarysim.engine.trafficrouting.gatewayapi.tcpmatch import route_tcp, route_tls


def rule(backend: str, *matches: dict[str, Any], weight: int | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": backend, "port": 80}
    if weight is not None:
        ref["weight"] = weight
    r: dict[str, Any] = {"backendRefs": [ref]}
    if matches:
        r["matches"] = list(matches)
    return r


def grpc_route(name: str, *rules: dict[str, Any], **given: Any) -> dict[str, Any]:
    return gateway_route(name, *rules, kind="GRPCRoute", **given)


def svc(service: str = "", method: str = "", kind: str = "") -> dict[str, Any]:
    m: dict[str, Any] = {}
    if kind:
        m["type"] = kind
    if service:
        m["service"] = service
    if method:
        m["method"] = method
    return {"method": m}


def hdr(name: str, value: str, kind: str = "") -> dict[str, Any]:
    h = {"name": name, "value": value}
    if kind:
        h["type"] = kind
    return h


def pick(routes: list[dict[str, Any]], path: str, host: str = "h.example.com", **headers: str):
    found = route_grpc(routes, host, path, headers)
    if not found:
        return found
    assert len(found) == 1, found
    return found[0][0]


@pytest.mark.parametrize(
    ("path", "call"),
    [
        ("/helloworld.Greeter/SayHello", ("helloworld.Greeter", "SayHello")),
        ("/a.B/C?x=1", ("a.B", "C")),
        ("/a.B/C?x=1?y=/2", ("a.B", "C")),  # the query starts at the first "?"
        ("/", None),
        ("/only", None),
        ("/a/b/c", None),
        ("//m", None),
        ("/s/", None),
    ],
)
def test_a_call_is_its_path(path: str, call: tuple[str, str] | None) -> None:
    assert grpc_call(path) == call


GREETER = "/helloworld.Greeter/SayHello"

# (the rules of one route, the path, headers, the backend expected; None: no rule, 404)
MATCHES = [
    # no matches: every call, and any path
    ([rule("all")], GREETER, {}, "all"),
    ([rule("all")], "/", {}, "all"),
    # Exact on the service only, the method only, both
    ([rule("s", svc("helloworld.Greeter"))], GREETER, {}, "s"),
    ([rule("s", svc("helloworld.Other"))], GREETER, {}, None),
    ([rule("m", svc(method="SayHello"))], GREETER, {}, "m"),
    ([rule("m", svc(method="SayBye"))], GREETER, {}, None),
    ([rule("sm", svc("helloworld.Greeter", "SayHello", "Exact"))], GREETER, {}, "sm"),
    # Exact is not a pattern: the "." of a service name is a dot
    ([rule("s", svc("helloworld.Greeter"))], "/helloworldXGreeter/SayHello", {}, None),
    ([rule("m", svc(method="Say.*"))], GREETER, {}, None),
    # a path that is not /<service>/<method> meets no service or method match
    ([rule("s", svc("helloworld.Greeter"))], "/", {}, None),
    # RegularExpression: each set part against the whole name
    ([rule("re", svc(r"helloworld\..*", kind="RegularExpression"))], GREETER, {}, "re"),
    ([rule("re", svc("hello", kind="RegularExpression"))], GREETER, {}, None),
    ([rule("re", svc(method="Say.*", kind="RegularExpression"))], GREETER, {}, "re"),
    # headers: names case-insensitive, Exact by default, regex on the whole value; ANDed
    ([rule("h", {"headers": [hdr("X-Test", "test")]})], GREETER, {"x-test": "test"}, "h"),
    ([rule("h", {"headers": [hdr("X-Test", "test")]})], GREETER, {"x-test": "testing"}, None),
    (
        [rule("h", {"headers": [hdr("x-v", "v[0-9]", "RegularExpression")]})],
        GREETER,
        {"X-V": "v2"},
        "h",
    ),
    (
        [rule("h", {"headers": [hdr("x-v", "v", "RegularExpression")]})],
        GREETER,
        {"X-V": "v2"},
        None,
    ),
    (
        [rule("hs", {**svc("helloworld.Greeter"), "headers": [hdr("a", "1")]})],
        GREETER,
        {"a": "1"},
        "hs",
    ),
    (
        [rule("hs", {**svc("helloworld.Other"), "headers": [hdr("a", "1")]})],
        GREETER,
        {"a": "1"},
        None,
    ),
    # matches of a rule are ORed
    ([rule("or", svc("x.Y"), {"headers": [hdr("a", "1")]})], GREETER, {"a": "1"}, "or"),
]


@pytest.mark.parametrize(("rules", "path", "headers", "expected"), MATCHES)
def test_matching(rules: list, path: str, headers: dict, expected: str | None) -> None:
    found = route_grpc([grpc_route("r", *rules)], "h.example.com", path, headers)
    assert found is not None  # the route serves the host
    assert (found[0][0] if found else None) == expected


PRECEDENCE = [
    # more service characters beat more headers
    (
        [
            rule("headers", {"headers": [hdr("a", "1"), hdr("b", "2")]}),
            rule("service", svc("helloworld.Greeter")),
        ],
        {"a": "1", "b": "2"},
        "service",
    ),
    # with the service equal, a method match wins, then more headers
    (
        [
            rule("svc", svc("helloworld.Greeter")),
            rule("both", svc("helloworld.Greeter", "SayHello")),
        ],
        {},
        "both",
    ),
    (
        [
            rule("one", {**svc("helloworld.Greeter"), "headers": [hdr("a", "1")]}),
            rule("two", {**svc("helloworld.Greeter"), "headers": [hdr("a", "1"), hdr("b", "2")]}),
        ],
        {"a": "1", "b": "2"},
        "two",
    ),
    # a longer service beats a longer method
    (
        [rule("method", svc(method="SayHello")), rule("service", svc("helloworld.Greeter"))],
        {},
        "service",
    ),
    # a tie goes to the first rule
    (
        [rule("first", svc("helloworld.Greeter")), rule("second", svc("helloworld.Greeter"))],
        {},
        "first",
    ),
    # a rule without matches loses to any service match
    ([rule("all"), rule("service", svc("helloworld.Greeter"))], {}, "service"),
]


@pytest.mark.parametrize(("rules", "headers", "expected"), PRECEDENCE)
def test_precedence_within_a_route(rules: list, headers: dict, expected: str) -> None:
    assert pick([grpc_route("r", *rules)], GREETER, **headers) == expected


def test_precedence_across_routes() -> None:
    wild = grpc_route("wild", rule("wild"), hostnames=["*.example.com"])
    exact = grpc_route("exact", rule("exact"), hostnames=["h.example.com"])
    anyhost = grpc_route("any", rule("any", svc("helloworld.Greeter", "SayHello")))
    # the non-wildcard hostname first, whatever the matches; then the wildcard's characters
    assert pick([anyhost, wild, exact], GREETER) == "exact"
    assert pick([anyhost, wild], GREETER) == "wild"
    assert pick([anyhost, wild], GREETER, host="other.org") == "any"
    assert route_grpc([wild, exact], "other.org", GREETER) is None  # no route for the host
    # equal rules: the older route, then namespace/name, whatever the order given
    old = grpc_route("zz", rule("old"), created="2024-01-01T00:00:00Z")
    new = grpc_route("aa", rule("new"), created="2025-01-01T00:00:00Z")
    assert pick([new, old], GREETER) == "old"
    assert pick([grpc_route("b", rule("b")), grpc_route("a", rule("a"))], GREETER) == "a"


def test_a_route_for_another_host_before_one_for_this_host() -> None:
    elsewhere = grpc_route("elsewhere", rule("elsewhere"), hostnames=["x.org"])
    here = grpc_route("here", rule("here"), hostnames=["h.example.com"])
    assert pick([elsewhere, here], GREETER) == "here"
    assert route_grpc([here, elsewhere], "x.org", GREETER) == (("elsewhere", 1.0),)


def test_an_exact_hostname_beats_a_wildcard_of_the_same_length() -> None:
    # both 13 characters: only "non-wildcard" tells them apart, ahead of any method match
    wild = grpc_route(
        "a", rule("wild", svc("helloworld.Greeter", "SayHello")), hostnames=["*.example.com"]
    )
    exact = grpc_route("b", rule("exact"), hostnames=["h.example.com"])
    assert pick([wild, exact], GREETER) == "exact"
    assert pick([exact, wild], GREETER) == "exact"
    # a longer wildcard beats a shorter one, whatever the matches
    longer = grpc_route("c", rule("longer"), hostnames=["*.h.example.com"])
    assert pick([wild, longer], GREETER, host="x.h.example.com") == "longer"


def test_weights_split_and_zero_takes_nothing() -> None:
    r = grpc_route(
        "r",
        {"backendRefs": [{"name": "stable", "weight": 70}, {"name": "canary", "weight": 30}]},
    )
    assert route_grpc([r], "h", GREETER) == (("stable", 0.7), ("canary", 0.3))
    r["spec"]["rules"][0]["backendRefs"][1]["weight"] = 0
    assert route_grpc([r], "h", GREETER) == (("stable", 1.0),)
    r["spec"]["rules"][0]["backendRefs"][0]["weight"] = 0
    assert route_grpc([r], "h", GREETER) == ()  # served, but no backend: the call fails
    assert route_grpc([grpc_route("r", rule("s", svc("x.Y")))], "h", GREETER) == ()


def http(name: str, hostnames: list[str] | None = None, created: str = "") -> dict[str, Any]:
    route = grpc_route(name, rule(name), hostnames=hostnames, created=created)
    route["kind"] = "HTTPRoute"
    return route


ACCEPTED = [
    # disjoint hostnames: both kinds accepted
    (
        [http("web", ["web.example.com"])],
        [grpc_route("api", hostnames=["api.example.com"])],
        ["web"],
        ["api"],
    ),
    # intersecting: the older wins
    (
        [http("web", ["a.example.com"], "2025-01-01T00:00:00Z")],
        [grpc_route("api", hostnames=["*.example.com"], created="2024-01-01T00:00:00Z")],
        [],
        ["api"],
    ),
    # same age: the first by namespace/name
    ([http("b-web")], [grpc_route("a-api")], [], ["a-api"]),
    ([http("a-web")], [grpc_route("b-api")], ["a-web"], []),
    # a route without hostnames intersects every other
    ([http("a-web", ["x.org"])], [grpc_route("b-api")], ["a-web"], []),
    # wildcards against each other
    ([http("a", ["*.example.com"])], [grpc_route("b", hostnames=["*.api.example.com"])], ["a"], []),
    ([http("a", ["*.example.com"])], [grpc_route("b", hostnames=["*.example.org"])], ["a"], ["b"]),
    ([http("a", ["*.api.example.com"])], [grpc_route("b", hostnames=["*.example.com"])], ["a"], []),
    # a wildcard against an exact name, either kind first
    ([http("a", ["*.example.com"])], [grpc_route("b", hostnames=["x.example.com"])], ["a"], []),
    ([http("a", ["x.example.com"])], [grpc_route("b", hostnames=["*.example.com"])], ["a"], []),
    # a wildcard needs a label before its suffix
    ([http("a", ["*.example.com"])], [grpc_route("b", hostnames=["example.com"])], ["a"], ["b"]),
    ([http("a", ["example.com"])], [grpc_route("b", hostnames=["*.example.com"])], ["a"], ["b"]),
    # the older route without hostnames refuses the younger with hostnames
    ([http("a-web")], [grpc_route("b-api", hostnames=["x.org"])], ["a-web"], []),
    # a refused route does not stop the next one of its kind
    (
        [http("a", ["x.org"])],
        [grpc_route("b", hostnames=["x.org"]), grpc_route("c", hostnames=["y.org"])],
        ["a"],
        ["c"],
    ),
    # only the accepted routes of the other kind refuse: "b" was refused, so "c" is taken
    (
        [http("b", ["x.org", "y.org"]), http("d", ["y.org"])],
        [grpc_route("a", hostnames=["x.org"]), grpc_route("c", hostnames=["y.org"])],
        [],
        ["a", "c"],
    ),
    # the same age and namespace/name (the specification leaves it open): the HTTPRoute
    ([http("same", ["x.org"])], [grpc_route("same", hostnames=["x.org"])], ["same"], []),
    # only one kind: everything accepted, in the order given
    ([http("a"), http("b")], [], ["a", "b"], []),
    ([], [grpc_route("b"), grpc_route("a")], [], ["b", "a"]),
]


@pytest.mark.parametrize(("https", "grpcs", "want_http", "want_grpc"), ACCEPTED)
def test_http_and_grpc_routes_sharing_a_hostname(
    https: list, grpcs: list, want_http: list, want_grpc: list
) -> None:
    got_http, got_grpc = accepted(https, grpcs)
    assert [r["metadata"]["name"] for r in got_http] == want_http
    assert [r["metadata"]["name"] for r in got_grpc] == want_grpc


def test_tls_routes_by_host_name_and_tcp_routes_for_the_rest() -> None:
    split = {"backendRefs": [{"name": "stable", "weight": 60}, {"name": "canary", "weight": 40}]}
    other = {"backendRefs": [{"name": "other"}]}
    wild = grpc_route("wild", other, hostnames=["*.example.com"])
    exact = grpc_route("exact", split, other, hostnames=["db.example.com"])  # first rule only
    assert route_tls([wild, exact], "db.example.com") == (("stable", 0.6), ("canary", 0.4))
    assert route_tls([wild, exact], "x.example.com") == (("other", 1.0),)
    assert route_tls([wild, exact], "x.org") is None
    assert route_tls([grpc_route("any", split)], "x.org") == (("stable", 0.6), ("canary", 0.4))
    old = grpc_route("zz", split, created="2024-01-01T00:00:00Z")
    new = grpc_route("aa", other, created="2025-01-01T00:00:00Z")
    assert route_tcp([new, old]) == (("stable", 0.6), ("canary", 0.4))  # the older
    assert route_tcp([grpc_route("b", split), grpc_route("a", other)]) == (("other", 1.0),)
    assert route_tcp([]) is None
    assert route_tcp([grpc_route("empty")]) == ()  # a route without rules serves nothing
