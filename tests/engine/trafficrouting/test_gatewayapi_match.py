"""How a Gateway routes one request over HTTPRoutes, edge by edge, as the HTTPRoute
specification orders it: hostnames (wildcards, then the most characters in a matching
non-wildcard hostname, then in a matching hostname), the path, method, header and query
parameter matches, their precedence, the tie-breaks between routes (oldest, then
``namespace/name``) and within one (the first rule), and the weights."""

from __future__ import annotations

from typing import Any

import pytest
from gatewaykit import gateway_route

from canarysim.engine.trafficrouting.gatewayapi.match import host_matches, route, shares


def to(*services: str) -> list[dict[str, Any]]:
    return [{"name": s} for s in services]


def rule(backend: str, *matches: dict[str, Any]) -> dict[str, Any]:
    r: dict[str, Any] = {"backendRefs": to(backend)}
    if matches:
        r["matches"] = list(matches)
    return r


def http_route(name: str, *rules: dict[str, Any], **given: Any) -> dict[str, Any]:
    return gateway_route(name, *rules, **given)


def path(value: str, kind: str = "") -> dict[str, Any]:
    p = {"value": value}
    if kind:
        p["type"] = kind
    return {"path": p}


def pick(routes: list[dict[str, Any]], uri: str = "/", host: str = "h", **kw: Any) -> Any:
    found = route(routes, host, uri, **kw)
    if not found:
        return found
    assert len(found) == 1, found
    return found[0][0]


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "a.b.example.com", True),
        ("*.example.com", ".example.com", False),  # the wildcard needs a label
        ("*.example.com", "example.com", False),
        ("*.example.com", "aexample.com", False),
        ("*.example.com", "abexample.com", False),  # the dot belongs to the suffix
        ("a.example.com", "a.example.com", True),
        ("a.example.com", "b.example.com", False),
    ],
)
def test_hostnames(pattern: str, host: str, expected: bool) -> None:
    assert host_matches(pattern, host) is expected


@pytest.mark.parametrize(
    ("match", "uri", "expected"),
    [
        (path("/api", "Exact"), "/api", True),
        (path("/api", "Exact"), "/api/", False),
        (path("/api/", "PathPrefix"), "/api", True),  # a trailing slash is ignored
        (path("/api", "PathPrefix"), "/api/x", True),
        (path("/api", "PathPrefix"), "/apix", False),
        (path("/boX", "PathPrefix"), "/bo/x", False),  # only slashes are trimmed
        (path("/api"), "/api/x", True),  # PathPrefix by default
        (path("/"), "/anything", True),
        ({}, "/anything", True),  # no path: PathPrefix /
        (path("/a[0-9]+", "RegularExpression"), "/a12", True),
        (path("/a[0-9]+", "RegularExpression"), "/a12/b", False),  # the whole path
        (path("/a[0-9]+", "RegularExpression"), "/b/a12", False),
        (path("/api", "Exact"), "/api?x=1", True),  # the query is not part of the path
        (path("/", "Exact"), "?x=1", True),  # an empty path is "/"
    ],
)
def test_path_matches(match: dict[str, Any], uri: str, expected: bool) -> None:
    assert (pick([http_route("r", rule("svc", match))], uri) == "svc") is expected


@pytest.mark.parametrize(
    ("headers", "request_headers", "expected"),
    [
        ([{"name": "X-Env", "value": "qa"}], {"x-env": "qa"}, True),
        ([{"name": "x-env", "value": "qa"}], {"X-ENV": "qa"}, True),  # names fold case
        ([{"name": "X-Env", "value": "qa"}], {"x-env": "QA"}, False),  # values do not
        ([{"name": "X-Env", "value": "qa"}], {}, False),
        ([{"name": "X-Env", "value": "q.", "type": "RegularExpression"}], {"x-env": "qa"}, True),
        ([{"name": "X-Env", "value": "q", "type": "RegularExpression"}], {"x-env": "qa"}, False),
        ([{"name": "X-Env", "value": "q.", "type": "Exact"}], {"x-env": "qa"}, False),
        (
            [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
            {"a": "1"},
            False,  # every header of a match must hold
        ),
    ],
)
def test_header_matches(
    headers: list[dict[str, Any]], request_headers: dict[str, str], expected: bool
) -> None:
    routes = [http_route("r", rule("svc", {"headers": headers}))]
    assert (pick(routes, headers=request_headers) == "svc") is expected


@pytest.mark.parametrize(
    ("params", "uri", "expected"),
    [
        ([{"name": "v", "value": "2"}], "/?v=2", True),
        ([{"name": "v", "value": "2"}], "/?v=3", False),
        ([{"name": "v", "value": "2"}], "/", False),
        ([{"name": "V", "value": "2"}], "/?v=2", False),  # names are exact
        ([{"name": "v", "value": "2"}], "/?v=2&v=3", True),  # the first value counts
        ([{"name": "v", "value": "2"}], "/?v=3&v=2", False),
        ([{"name": "v", "value": "[0-9]+", "type": "RegularExpression"}], "/?v=42", True),
        ([{"name": "v", "value": "[0-9]", "type": "RegularExpression"}], "/?v=42", False),
        ([{"name": "v", "value": ""}], "/?v=", True),  # a blank value is a value
    ],
)
def test_query_param_matches(params: list[dict[str, Any]], uri: str, expected: bool) -> None:
    routes = [http_route("r", rule("svc", {"queryParams": params}))]
    assert (pick(routes, uri) == "svc") is expected


def test_a_method_match_needs_that_method() -> None:
    routes = [http_route("r", rule("svc", {"method": "POST"}))]
    assert pick(routes, method="POST") == "svc"
    assert pick(routes, method="GET") == ()


# Precedence within one route: each pair's first rule is listed last and must still win.
PRECEDENCE = [
    ("exact before prefix", path("/api/v1", "Exact"), path("/api/v1", "PathPrefix")),
    ("the longer prefix", path("/api/v1"), path("/api")),
    ("a method match", {**path("/api"), "method": "GET"}, path("/api")),
    (
        "more header matches",
        {"headers": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]},
        {"headers": [{"name": "a", "value": "1"}]},
    ),
    (
        "more query matches",
        {"queryParams": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]},
        {"queryParams": [{"name": "a", "value": "1"}]},
    ),
    (
        "the method before headers",
        {"method": "GET"},
        {"headers": [{"name": "a", "value": "1"}]},
    ),
    (
        "headers before query parameters",
        {"headers": [{"name": "a", "value": "1"}]},
        {"queryParams": [{"name": "a", "value": "1"}]},
    ),
    ("the path length before the method", path("/api/v1"), {**path("/api"), "method": "GET"}),
]


@pytest.mark.parametrize(("case", "winner", "loser"), PRECEDENCE)
def test_precedence_between_matches(case: str, winner: dict, loser: dict) -> None:
    routes = [http_route("r", rule("loser", loser), rule("winner", winner))]
    assert pick(routes, "/api/v1?a=1&b=2", headers={"a": "1", "b": "2"}) == "winner", case


def test_equal_matches_go_to_the_first_rule() -> None:
    routes = [http_route("r", rule("first", path("/api")), rule("second", path("/api")))]
    assert pick(routes, "/api") == "first"


def test_the_route_with_the_more_specific_hostname_wins_over_a_more_specific_path() -> None:
    wild = http_route("a", rule("wild", path("/api", "Exact")), hostnames=["*.example.com"])
    exact = http_route("b", rule("exact"), hostnames=["api.example.com"])
    assert pick([wild, exact], "/api", host="api.example.com") == "exact"
    longer = http_route("c", rule("longer"), hostnames=["*.b.example.com"])
    assert pick([wild, longer], "/api", host="a.b.example.com") == "longer"
    # a route without hostnames ranks below one naming the host
    anyhost = http_route("d", rule("any", path("/api", "Exact")))
    assert pick([anyhost, wild], "/api", host="a.example.com") == "wild"


def test_an_exact_hostname_beats_a_wildcard_of_the_same_length() -> None:
    wild = http_route("a", rule("wild"), hostnames=["*.example.com"], created="2020")
    exact = http_route("b", rule("exact"), hostnames=["a.example.com"], created="2024")
    assert pick([wild, exact], host="a.example.com") == "exact"


def test_a_route_counts_its_best_matching_hostname() -> None:
    both = http_route("b", rule("both"), hostnames=["*.example.com", "a.example.com"])
    wild = http_route("a", rule("wild"), hostnames=["*.example.com"])
    assert pick([wild, both], host="a.example.com") == "both"
    assert pick([wild, both], host="c.example.com") == "wild"  # a tie: the first name
    exact_first = http_route("b", rule("both"), hostnames=["a.example.com", "*.example.com"])
    assert pick([wild, exact_first], host="a.example.com") == "both"


def test_equal_matches_across_routes_go_to_the_oldest_then_the_first_name() -> None:
    older = http_route("z", rule("older"), created="2020-01-01T00:00:00Z")
    newer = http_route("a", rule("newer"), created="2024-01-01T00:00:00Z")
    assert pick([newer, older]) == "older"
    assert pick([http_route("b", rule("b")), http_route("a", rule("a"))]) == "a"
    other_ns = http_route("a", rule("other-ns"))
    other_ns["metadata"]["namespace"] = "zz"
    assert pick([other_ns, http_route("b", rule("default-ns"))]) == "default-ns"
    # a route without namespace is in "default", after "abc"
    no_ns = http_route("a", rule("no-ns"))
    del no_ns["metadata"]["namespace"]
    abc = http_route("a", rule("abc"))
    abc["metadata"]["namespace"] = "abc"
    assert pick([no_ns, abc]) == "abc"


def test_a_route_without_creation_time_counts_as_the_oldest() -> None:
    dated = http_route("a", rule("dated"), created="2020-01-01T00:00:00Z")
    undated = http_route("b", rule("undated"))
    assert pick([dated, undated]) == "undated"


def test_no_route_for_the_host_is_none_and_no_rule_matching_is_empty() -> None:
    routes = [
        http_route("a", rule("x", path("/x", "Exact")), hostnames=["a.example.com"]),
        http_route("b", rule("y", path("/y", "Exact")), hostnames=["b.example.com"]),
    ]
    assert route(routes, "c.example.com") is None
    assert route(routes, "b.example.com", "/y") == (("y", 1.0),)
    assert route(routes, "b.example.com", "/x") == ()
    assert route([http_route("empty")], "h") == ()
    # a request class without a uri asks for "/"
    assert route([http_route("r", rule("root", path("/", "Exact")))], "h") == (("root", 1.0),)


@pytest.mark.parametrize(
    ("refs", "expected"),
    [
        ([{"name": "a", "weight": 3}, {"name": "b", "weight": 1}], (("a", 0.75), ("b", 0.25))),
        ([{"name": "a"}, {"name": "b", "weight": 1}], (("a", 0.5), ("b", 0.5))),  # default 1
        ([{"name": "a", "weight": None}, {"name": "b"}], (("a", 0.5), ("b", 0.5))),
        ([{"name": "a", "weight": 0}, {"name": "b", "weight": 2}], (("b", 1.0),)),
        ([{"name": "a", "weight": 0}], ()),
        ([{"weight": 1}], (("", 1.0),)),
        ([], ()),
    ],
)
def test_shares(refs: list[dict[str, Any]], expected: tuple) -> None:
    assert shares(refs) == expected
