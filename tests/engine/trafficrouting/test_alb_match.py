"""How an ALB routes one request over the Ingresses, edge by edge, as the AWS Load Balancer
Controller builds listener rules from them (``pkg/ingress/model_build_listener_rules.go``) and
as the ALB evaluates them: the order of a rule's paths, path types and ALB wildcards, the
``conditions.<service>`` annotation (headers, methods, path patterns), the ``actions.<service>``
forward and its weights."""

from __future__ import annotations

import json
from typing import Any

import pytest

from canarysim.engine.trafficrouting.alb.match import AlbRoute, forward_groups, route

PREFIX = "alb.ingress.kubernetes.io"


def path(
    service: str, value: str | None = "/*", kind: str | None = "ImplementationSpecific"
) -> dict[str, Any]:
    """A path to ``service``; a name starting with ``act-`` is an annotation action."""
    port = {"name": "use-annotation"} if service.startswith("act-") else {"number": 80}
    p: dict[str, Any] = {"backend": {"service": {"name": service, "port": port}}}
    if value is not None:
        p["path"] = value
    if kind is not None:
        p["pathType"] = kind
    return p


def ingress(
    *paths: dict[str, Any], host: str = "", name: str = "ing", **annotations: Any
) -> dict[str, Any]:
    rule: dict[str, Any] = {"http": {"paths": list(paths)}}
    if host:
        rule["host"] = host
    # conditions_act_x=... is the annotation "<prefix>/conditions.act-x", as JSON unless a str
    notes = {
        f"{PREFIX}/{k.replace('_', '.', 1).replace('_', '-')}": (
            v if isinstance(v, str) else json.dumps(v)
        )
        for k, v in annotations.items()
    }
    return {"metadata": {"name": name, "annotations": notes}, "spec": {"rules": [rule]}}


def forward(*groups: tuple[str, Any]) -> dict[str, Any]:
    tgs = [{"ServiceName": s, "Weight": w} for s, w in groups]
    return {"Type": "forward", "ForwardConfig": {"TargetGroups": tgs}}


def header(name: str, *values: str) -> dict[str, Any]:
    return {"field": "http-header", "httpHeaderConfig": {"httpHeaderName": name, "values": values}}


def pick(ings: list[dict[str, Any]], uri: str = "/", host: str = "h", **kw: Any) -> Any:
    """The backend Service that takes the request alone, "" for a 404, None: not served."""
    found = route(ings, host, uri, **kw)
    if found is None:
        return None
    if not found.backends:
        return ""
    assert len(found.backends) == 1, found
    return found.backends[0][0]


# -- paths: types and ALB wildcards ------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "kind", "uri", "expected"),
    [
        ("/api", "Exact", "/api", True),
        ("/api", "Exact", "/api/", False),
        ("/api", "Exact", "/API", False),
        ("/api", "Exact", "/api?x=1", True),  # the query is not part of the path
        ("/api", "Exact", "/api?x=1?y=2", True),
        ("/api", "Prefix", "/api", True),
        ("/api", "Prefix", "/api/v1", True),
        ("/api", "Prefix", "/apiv1", False),  # whole path elements
        ("/api/", "Prefix", "/api", True),  # one trailing slash cut
        ("/api/", "Prefix", "/api/x", True),
        ("/api//", "Prefix", "/api/x", False),  # only one: "/api/" and "/api//*"
        ("/api//", "Prefix", "/api//x", True),
        ("/", "Prefix", "/anything", True),
        ("/", "Prefix", "", True),  # an empty request path is "/"
        ("/a*", "Prefix", "/ab", False),  # a Prefix path is no pattern
        ("/a*", "Prefix", "/a*", True),
        ("/a*", "ImplementationSpecific", "/abc/d", True),
        ("/a?c", "ImplementationSpecific", "/abc", True),
        ("/a?c", "ImplementationSpecific", "/ac", False),
        ("/a?c", "ImplementationSpecific", "/abbc", False),
        ("/a.c", "ImplementationSpecific", "/abc", False),  # not a regular expression
        ("/a+", "ImplementationSpecific", "/aa", False),
        ("/api", "ImplementationSpecific", "/API", False),  # path patterns mind case
        ("/api", "ImplementationSpecific", "/api/x", False),  # whole, not a prefix
        ("/api", "ImplementationSpecific", "/x/api", False),
        ("/api", None, "/api", True),  # no type: as ImplementationSpecific
        ("/a*", None, "/ab", True),
        (None, None, "/any/thing", True),  # no path: any path
        ("", "Exact", "/x", True),
    ],
)
def test_paths(value: str | None, kind: str | None, uri: str, expected: bool) -> None:
    got = pick([ingress(path("web", value, kind))], uri)
    assert got == ("web" if expected else "")


@pytest.mark.parametrize(
    ("paths", "uri", "expected"),
    [
        # sortIngressPaths: Exact first, then Prefix longest first, then the rest as written
        ([path("wild"), path("exact", "/a/b", "Exact")], "/a/b", "exact"),
        ([path("wild"), path("pre", "/a", "Prefix")], "/a/b", "pre"),
        ([path("pre", "/a", "Prefix"), path("exact", "/a/b", "Exact")], "/a/b", "exact"),
        ([path("short", "/a", "Prefix"), path("long", "/a/b", "Prefix")], "/a/b/c", "long"),
        ([path("long", "/a/b", "Prefix"), path("short", "/a", "Prefix")], "/a/b/c", "long"),
        ([path("one", "/a", "Prefix"), path("two", "/b", "Prefix")], "/a", "one"),
        ([path("p1", "/a", "Prefix"), path("p2", "/a/", "Prefix")], "/a/x", "p2"),
        ([path("bare", None, "Prefix"), path("p", "/a", "Prefix")], "/a", "p"),
        ([path("first"), path("second")], "/x", "first"),  # the rest: as written
        ([path("untyped", "/*", None), path("typed")], "/x", "untyped"),
        ([path("e1", "/a", "Exact"), path("e2", "/a", "Exact")], "/a", "e1"),
    ],
)
def test_path_order(paths: list[dict[str, Any]], uri: str, expected: str) -> None:
    assert pick([ingress(*paths)], uri) == expected


def test_a_header_route_before_a_prefix_root_path_is_sorted_behind_it() -> None:
    """Argo inserts the header route's ``/*`` path first; the controller still puts a
    ``Prefix`` path before it, so the route's condition is never reached."""
    ing = ingress(
        path("act-route"),
        path("act-root", "/", "Prefix"),
        conditions_act_route=[header("x-canary", "yes")],
        actions_act_route=forward(("canary", 100)),
        actions_act_root=forward(("stable", 100)),
    )
    assert pick([ing], headers={"X-Canary": "yes"}) == "stable"


# -- hosts --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule_host", "host", "expected"),
    [
        ("shop.example.com", "shop.example.com", "web"),
        ("shop.example.com", "SHOP.example.com", "web"),  # host names ignore case
        ("shop.example.com", "other.example.com", None),  # not served at all
        ("*.example.com", "a.example.com", "web"),
        ("*.example.com", "example.com", None),
        ("", "anything", "web"),
    ],
)
def test_hosts(rule_host: str, host: str, expected: str | None) -> None:
    assert pick([ingress(path("web"), host=rule_host)], host=host) == expected


def test_a_served_host_without_a_matching_path_is_a_404() -> None:
    ings = [ingress(path("web", "/api", "Exact"), host="h")]
    assert route(ings, "h", "/other") == AlbRoute(())


def test_a_later_ingress_or_rule_takes_what_the_first_does_not() -> None:
    first = ingress(path("a", "/a", "Exact"), host="h", name="first")
    second = ingress(path("b"), name="second")
    found = route([first, second], "h", "/b")
    assert found == AlbRoute((("b", 1.0),), "second")
    other_host = ingress(path("a"), host="other", name="first")
    assert route([other_host, second], "h", "/") == AlbRoute((("b", 1.0),), "second")


def test_a_rule_for_another_host_does_not_end_the_ingress() -> None:
    ing = ingress(path("a"), host="other")
    ing["spec"]["rules"].append({"host": "h", "http": {"paths": [path("b")]}})
    assert pick([ing]) == "b"


def test_a_path_without_a_service_backend_takes_nothing() -> None:
    bare = {"path": "/*", "backend": {"resource": {"kind": "Bucket", "name": "b"}}}
    assert route([ingress(bare, path("web"))], "h") == AlbRoute((("web", 1.0),), "ing")
    assert route([ingress(bare)], "h") == AlbRoute(())


def test_an_ingress_without_a_name() -> None:
    ing = ingress(path("act-root"), actions_act_root=forward(("c", 1)))
    del ing["metadata"]["name"]
    assert route([ing], "h") == AlbRoute((("c", 1.0),), "", "act-root")
    held = {("", "act-root"): [("s", 1)]}
    assert route([ing], "h", weights=held) == AlbRoute((("s", 1.0),), "", "act-root")


# -- the conditions annotation ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("conditions", "headers", "expected"),
    [
        ([header("X-Canary", "yes")], {"x-canary": "yes"}, True),
        ([header("x-canary", "yes")], {"X-CANARY": "YES"}, True),  # both sides ignore case
        ([header("X-Canary", "yes")], {"x-canary": "no"}, False),
        ([header("X-Canary", "yes")], {}, False),
        ([header("X-Canary", "no", "yes")], {"x-canary": "yes"}, True),  # any value
        ([header("X-Canary", "y*")], {"x-canary": "yellow"}, True),
        ([header("X-Canary", "y?s")], {"x-canary": "yes"}, True),
        ([header("X-Canary", "y?s")], {"x-canary": "yees"}, False),
        ([header("X-Canary", "y.s")], {"x-canary": "yes"}, False),
        ([header("X-Canary")], {"x-canary": "yes"}, False),  # no values: nothing matches
        ([header("X-A", "1"), header("X-B", "2")], {"x-a": "1", "x-b": "2"}, True),
        ([header("X-A", "1"), header("X-B", "2")], {"x-a": "1"}, False),  # all must hold
        ([header("X-A", "1"), header("X-B", "2")], {"x-b": "2"}, False),
        (
            [
                {
                    "Field": "http-header",
                    "httpHeaderConfig": {"httpHeaderName": "X", "values": ["1"]},
                }
            ],
            {"x": "2"},
            False,
        ),  # Go reads the field name whatever its case
        (
            [{"field": "http-header", "httpHeaderConfig": {"values": ["1"]}}],
            {"xxxx": "1", "none": "1"},
            False,
        ),  # no header name: no header has it
        ([{"field": "query-string", "queryStringConfig": {}}], {}, True),  # not modelled
        ([], {}, True),
        ("not json", {}, False),
        ({"field": "http-header"}, {}, True),  # not a list: no conditions
    ],
)
def test_header_conditions(conditions: Any, headers: dict[str, str], expected: bool) -> None:
    ing = ingress(path("web"), path("fallback"), conditions_web=conditions)
    assert pick([ing], headers=headers) == ("web" if expected else "fallback")


@pytest.mark.parametrize(
    ("methods", "method", "expected"),
    [
        (["GET", "HEAD"], "HEAD", True),
        (["GET"], "POST", False),
        (["GET"], "get", False),  # methods mind case
        ([], "GET", False),
    ],
)
def test_method_conditions(methods: list[str], method: str, expected: bool) -> None:
    cond = [{"field": "http-request-method", "httpRequestMethodConfig": {"values": methods}}]
    ing = ingress(path("web"), path("fallback"), conditions_web=cond)
    assert pick([ing], method=method) == ("web" if expected else "fallback")


def test_the_method_is_get_unless_given() -> None:
    cond = [{"field": "http-request-method", "httpRequestMethodConfig": {"values": ["GET"]}}]
    ing = ingress(path("web"), path("fallback"), conditions_web=cond)
    assert route([ing], "h") == AlbRoute((("web", 1.0),), "ing")


def pattern(*values: str) -> dict[str, Any]:
    return {"field": "path-pattern", "pathPatternConfig": {"values": list(values)}}


@pytest.mark.parametrize(
    ("own", "conditions", "uri", "expected"),
    [
        # buildRuleConditions: the patterns join the path's own in one condition (either)
        ("/api/*", [pattern("/v2/*")], "/v2/x", True),
        ("/api/*", [pattern("/v2/*")], "/api/x", True),
        ("/api/*", [pattern("/v2/*")], "/v3/x", False),
        ("/api/*", [pattern("/v2/*"), pattern("/v3/*")], "/v3/x", True),
        ("/api/*", [pattern("/v2/*"), pattern("/v3/*")], "/v2/x", True),
        (None, [pattern("/v2/*")], "/api/x", False),  # no path: only the patterns
        (None, [pattern("/v2/*")], "/v2/x?q=1", True),
        (None, [pattern("/V2/*")], "/v2/x", False),  # path patterns mind case
        (None, [pattern("/v?")], "/v2", True),
        (None, [pattern()], "/x", True),  # no values: no path condition
    ],
)
def test_path_pattern_conditions(
    own: str | None, conditions: list[Any], uri: str, expected: bool
) -> None:
    ing = ingress(path("web", own), path("fallback"), conditions_web=conditions)
    assert pick([ing], uri) == ("web" if expected else "fallback")


def test_conditions_are_read_under_the_given_prefix() -> None:
    ing = ingress(path("web"), path("fallback"))
    ing["metadata"]["annotations"]["custom.io/conditions.web"] = json.dumps([header("x", "1")])
    assert pick([ing], prefix="custom.io") == "fallback"
    assert pick([ing]) == "web"


# -- actions and weights ------------------------------------------------------------------------
def test_a_forward_action_splits_by_weight() -> None:
    ing = ingress(path("act-root"), actions_act_root=forward(("c", 1), ("s", 3)))
    found = route([ing], "h")
    assert found is not None
    assert found.backends == (("c", 0.25), ("s", 0.75))
    assert (found.ingress, found.action) == ("ing", "act-root")


def test_a_plain_backend_takes_it_all_whatever_the_actions() -> None:
    ing = ingress(path("web"), actions_web=forward(("c", 1)))
    assert route([ing], "h") == AlbRoute((("web", 1.0),), "ing", "")


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([("c", 0), ("s", 10)], (("s", 1.0),)),  # a zero weight takes nothing
        ([("c", 0), ("s", 0)], ()),
        ([("c", 2), ("c", 2)], (("c", 1.0),)),  # one Service twice: added up
        ([("c", -5), ("s", 5)], (("s", 1.0),)),  # a negative weight is none
    ],
)
def test_weights(groups: list[tuple[str, int]], expected: tuple[Any, ...]) -> None:
    ing = ingress(path("act-root"), actions_act_root=forward(*groups))
    assert route([ing], "h") == AlbRoute(expected, "ing", "act-root")


def test_the_load_balancers_weights_come_before_the_annotations() -> None:
    ing = ingress(path("act-root"), actions_act_root=forward(("c", 1), ("s", 1)))
    held = {("ing", "act-root"): [("c", 0), ("s", 100)]}
    assert route([ing], "h", weights=held) == AlbRoute((("s", 1.0),), "ing", "act-root")
    other = {("other", "act-root"): [("c", 0), ("s", 100)], ("ing", "act-x"): [("c", 1)]}
    assert route([ing], "h", weights=other) == AlbRoute((("c", 0.5), ("s", 0.5)), "ing", "act-root")
    assert route([ing], "h", weights={("ing", "act-root"): []}) == route([ing], "h")


def test_an_action_read_under_the_given_prefix() -> None:
    ing = ingress(path("act-root"))
    ing["metadata"]["annotations"]["custom.io/actions.act-root"] = json.dumps(forward(("c", 1)))
    assert route([ing], "h", prefix="custom.io") == AlbRoute((("c", 1.0),), "ing", "act-root")
    assert route([ing], "h") == AlbRoute((), "ing", "act-root")  # no action: nothing


def test_a_fixed_response_serves_no_backend() -> None:
    fixed = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}
    ing = ingress(path("act-down"), path("web"), actions_act_down=fixed)
    assert route([ing], "h") == AlbRoute((), "ing", "act-down")


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (forward(("a", 2), ("b", 0)), [("a", 2), ("b", 0)]),
        (forward(("a", "3")), [("a", 3)]),  # a string weight is read as a number
        (forward(("a", "x")), [("a", 0)]),
        (forward(("a", None)), [("a", 0)]),
        (forward(("a", -1)), [("a", 0)]),
        (
            {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"ServiceName": "a"}]}},
            [("a", 1)],
        ),  # no weight: 1
        ({"Type": "forward", "ForwardConfig": {"TargetGroups": [{"Weight": 1}, "x"]}}, []),
        ({"Type": "forward", "ForwardConfig": {"TargetGroups": [{"ServiceName": 7}]}}, [("7", 1)]),
        ({"Type": "fixed-response"}, []),
        ({"ForwardConfig": {"TargetGroups": [{"ServiceName": "a"}]}}, []),
        ({"Type": "forward"}, []),
        ([], []),
    ],
)
def test_forward_groups(action: Any, expected: list[tuple[str, int]]) -> None:
    assert forward_groups(json.dumps(action)) == expected


def test_forward_groups_of_no_json() -> None:
    assert forward_groups("{") == []
    assert forward_groups("") == []
    assert forward_groups(None) == []  # no annotation
