"""Argo's APISIX SetWeight and APISIX's rule choice (upstream rollout/trafficrouting/apisix/
apisix_test.go and test/e2e/apisix manifests, as data)."""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.trafficrouting.apisix import headers
from canarysim.engine.trafficrouting.apisix.match import route
from canarysim.engine.trafficrouting.apisix.reconcile import apisix_settings, route_name, set_weight
from canarysim.errors import TrafficRoutingError


def rollout(rules: list[str] | None = None) -> dict:
    r: dict[str, Any] = {"name": "mocks-apisix-route"}
    if rules is not None:
        r["rules"] = rules
    return {
        "metadata": {"name": "rollout", "namespace": "default"},
        "spec": {
            "strategy": {
                "canary": {
                    "stableService": "stable-rollout",
                    "canaryService": "canary-rollout",
                    "trafficRouting": {"apisix": {"route": r}},
                }
            }
        },
    }


def apisix_route(name: str = "mocks-apisix-route", **match: Any) -> dict:
    return {
        "apiVersion": "apisix.apache.org/v2",
        "kind": "ApisixRoute",
        "metadata": {"name": "mocks-apisix-route"},
        "spec": {
            "http": [
                {
                    "name": name,
                    "match": match or {"paths": ["/*"]},
                    "backends": [
                        {"serviceName": "stable-rollout", "servicePort": 80, "weight": 100},
                        {"serviceName": "canary-rollout", "servicePort": 80, "weight": 0},
                    ],
                }
            ]
        },
    }


def test_set_weight_default_rule_is_the_route_name():
    r = set_weight(apisix_route(), rollout(), 30)
    backends = r["spec"]["http"][0]["backends"]
    assert [(b["serviceName"], b["weight"]) for b in backends] == [
        ("stable-rollout", 70),
        ("canary-rollout", 30),
    ]


def test_errors_are_argos():
    with pytest.raises(TrafficRoutingError, match="Apisix http route rule other not found"):
        set_weight(apisix_route(), rollout(["other"]), 30)
    bad = apisix_route()
    bad["spec"]["http"][0]["backends"] = [{"serviceName": "stable-rollout"}]
    with pytest.raises(
        TrafficRoutingError, match="apisix route canary-rollout backend was not found"
    ):
        set_weight(bad, rollout(), 30)
    with pytest.raises(
        TrafficRoutingError, match=r"spec\.http was not found in Apisix Route manifest"
    ):
        set_weight({"spec": {}}, rollout(), 30)


def test_apisix_matches_hosts_paths_methods():
    r = set_weight(
        apisix_route(hosts=["demo.local"], paths=["/api/*"], methods=["GET"]), rollout(), 20
    )
    assert route([r], "other.local") is None
    assert route([r], "demo.local", "/api/x") == (("stable-rollout", 0.8), ("canary-rollout", 0.2))
    assert route([r], "demo.local", "/other") == ()
    assert route([r], "demo.local", "/api/x", method="POST") == ()


# ---- SetHeaderRoute (apisix.go::SetHeaderRoute, processSetHeaderApisixRoute) -------------
def set_header_route(
    base: dict[str, Any],
    existing: dict[str, Any] | None,
    ro: dict[str, Any],
    name: str,
    match: list[dict[str, Any]],
) -> Any:
    """The header route's ApisixRoute after ``headers.set_header_route`` (None: deleted)."""
    routes = {base["metadata"]["name"]: base}
    if existing is not None:
        routes[name] = existing
    return headers.set_header_route(routes, ro, name, match).get(name)


def header_match(**value: str) -> list[dict[str, Any]]:
    return [{"headerName": "agent", "headerValue": value}]


def test_a_header_route_is_an_owned_copy_sending_all_to_the_canary():
    base = apisix_route()
    base["spec"]["http"][0]["priority"] = 3
    new = set_header_route(base, None, rollout(), "hdr", header_match(exact="chrome"))
    assert new is not None
    assert new["metadata"]["name"] == "hdr"
    [owner] = new["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Rollout", "rollout", True)
    [rule] = new["spec"]["http"]
    assert [b["serviceName"] for b in rule["backends"]] == ["canary-rollout"]
    assert rule["backends"][0]["weight"] == 100
    assert rule["priority"] == 4
    assert rule["match"]["exprs"] == [
        {"subject": {"scope": "Header", "name": "agent"}, "op": "Equal", "value": "chrome"}
    ]
    assert base["spec"]["http"][0]["priority"] == 3  # the Rollout's route is not touched
    # updated in place later: the priority does not climb again, the expressions change
    again = set_header_route(base, new, rollout(), "hdr", header_match(prefix="fire"))
    assert again is not None
    [rule] = again["spec"]["http"]
    assert rule["priority"] == 4
    assert rule["match"]["exprs"] == [
        {"subject": {"scope": "Header", "name": "agent"}, "op": "RegexMatch", "value": "^fire.*"}
    ]
    # an empty match (Go's empty slice): every request the rule takes goes to the canary
    every = set_header_route(base, again, rollout(), "hdr", [])
    assert every is not None
    assert every["spec"]["http"][0]["match"]["exprs"] == []
    # no match (nil): deleted
    assert set_header_route(base, again, rollout(), "hdr", None) is None


def test_a_header_route_name_taken_by_another_object_is_argos_error():
    other = apisix_route()
    with pytest.raises(TrafficRoutingError, match=r"duplicate ApisixRoute \[hdr\] already exists"):
        set_header_route(apisix_route(), other, rollout(), "hdr", header_match(exact="x"))


def test_apisix_honours_the_header_route_expressions():
    base = apisix_route()
    for b in base["spec"]["http"][0]["backends"]:
        b["weight"] = 100 if b["serviceName"] == "stable-rollout" else 0
    header = set_header_route(base, None, rollout(), "hdr", header_match(regex="^Mozilla"))
    assert header is not None
    both = [base, header]
    host = (base["spec"]["http"][0]["match"].get("hosts") or ["any"])[0]
    assert route(both, host, headers={"Agent": "Mozilla/5.0"}) == (("canary-rollout", 1.0),)
    assert route(both, host, headers={"agent": "curl"}) == (("stable-rollout", 1.0),)
    assert route(both, host) == (("stable-rollout", 1.0),)


# ---- APISIX's rule choice and backend shares (match.route) -----------------------------
def rule(svc: str, paths=("/*",), **fields: Any) -> dict[str, Any]:
    match = {"paths": list(paths), **fields.pop("match", {})}
    return {"name": svc, "match": match, "backends": [{"serviceName": svc}], **fields}


def picked(rules: list[dict[str, Any]], host="h", uri="/", method="GET", headers=None):
    return route([{"spec": {"http": rules}}], host, uri, method, headers)


@pytest.mark.parametrize(
    ("hosts", "host", "ok"),
    [
        ([], "anything", True),
        (["a.example"], "a.example", True),
        (["a.example"], "b.example", False),
        (["b.example", "a.example"], "a.example", True),
        (["*.example"], "a.example", True),
        (["*.example"], "a.b.example", True),
        (["*.example"], "example", False),
        (["*.example"], "aexample", False),
        (["*.example"], "a.other", False),
        (["x*.example"], "xa.example", False),
    ],
)
def test_hosts_and_wildcard_hosts(hosts, host, ok):
    got = picked([rule("s", match={"hosts": hosts})], host=host)
    assert got == ((("s", 1.0),) if ok else None)


@pytest.mark.parametrize(
    ("paths", "uri", "ok"),
    [
        (["/api"], "/api", True),
        (["/api"], "/api/", False),
        (["/api"], "/ap", False),
        (["/api/*"], "/api/", True),
        (["/api/*"], "/api/v1/x", True),
        (["/api/*"], "/api", False),
        (["/api*"], "/api", True),
        (["/api*"], "/apix", True),
        (["/*"], "/", True),
        (["/*"], "?q=1", True),
        (["/x", "/api/*"], "/api/1?q=/x", True),
        (["/api"], "/api?q=1", True),
        ([], "/", False),
    ],
)
def test_full_and_prefix_paths(paths, uri, ok):
    # a host with a rule but no path matching it is APISIX's 404: ()
    assert picked([rule("s", paths)], uri=uri) == ((("s", 1.0),) if ok else ())


@pytest.mark.parametrize(
    ("rules", "uri", "want"),
    [
        # radixtree: a full match before any prefix, then the deepest prefix ...
        ([rule("prefix", ["/api*"]), rule("full", ["/api"])], "/api", "full"),
        ([rule("full", ["/api"]), rule("prefix", ["/api*"])], "/api", "full"),
        ([rule("short", ["/*"]), rule("deep", ["/api/*"])], "/api/x", "deep"),
        ([rule("deep", ["/api/*"]), rule("short", ["/*"])], "/api/x", "deep"),
        ([rule("short", ["/*"]), rule("deep", ["/api/*"])], "/other", "short"),
        # ... whatever the priority: priority only orders rules of the same path
        ([rule("prio", ["/*"], priority=9), rule("deep", ["/api/*"])], "/api/x", "deep"),
        ([rule("prio", ["/api*"], priority=9), rule("full", ["/api"])], "/api", "full"),
        ([rule("low", ["/*"], priority=1), rule("high", ["/*"], priority=2)], "/", "high"),
        ([rule("high", ["/*"], priority=2), rule("low", ["/*"], priority=1)], "/", "high"),
        ([rule("none", ["/*"]), rule("one", ["/*"], priority=1)], "/", "one"),
        ([rule("neg", ["/*"], priority=-1), rule("none", ["/*"])], "/", "none"),
        # of equals, the first listed
        ([rule("first", ["/*"]), rule("second", ["/*"])], "/", "first"),
        ([rule("first", ["/*"], priority=3), rule("second", ["/*"], priority=3)], "/", "first"),
        # a rule's best path counts
        ([rule("many", ["/*", "/api"]), rule("deep", ["/api*"])], "/api", "many"),
    ],
)
def test_which_rule_wins(rules, uri, want):
    assert picked(rules, uri=uri) == ((want, 1.0),)


def test_a_rule_for_another_host_does_not_hide_the_next_rule():
    rules = [rule("other", match={"hosts": ["other"]}), rule("mine", match={"hosts": ["h"]})]
    assert picked(rules) == (("mine", 1.0),)
    assert picked(rules, host="other") == (("other", 1.0),)
    assert picked(rules, host="third") is None


def test_rules_of_every_apisix_route_compete():
    routes = [
        {"spec": {"http": [rule("a", ["/*"])]}},
        {"spec": {"http": [rule("b", ["/*"], priority=1)]}},
        {"spec": {}},
    ]
    assert route(routes, "h") == (("b", 1.0),)


def test_a_rule_for_another_method_does_not_win():
    rules = [rule("post", ["/api"], match={"methods": ["POST"]}), rule("any", ["/*"])]
    assert picked(rules, uri="/api") == (("any", 1.0),)
    assert picked(rules, uri="/api", method="POST") == (("post", 1.0),)


@pytest.mark.parametrize(
    ("backends", "want"),
    [
        ([{"serviceName": "a"}, {"serviceName": "b"}], (("a", 0.5), ("b", 0.5))),
        ([{"serviceName": "a", "weight": 50}, {"serviceName": "b"}], (("a", 1 / 3), ("b", 2 / 3))),
        (
            [{"serviceName": "a", "weight": None}, {"serviceName": "b", "weight": 50}],
            (("a", 2 / 3), ("b", 1 / 3)),
        ),
        ([{"serviceName": "a", "weight": 0}, {"serviceName": "b", "weight": 1}], (("b", 1.0),)),
        (
            [{"serviceName": "a", "weight": 30}, {"serviceName": "b", "weight": 10}],
            (("a", 0.75), ("b", 0.25)),
        ),
        ([{"serviceName": "a", "weight": 0}], ()),
        ([{"weight": 10}], (("", 1.0),)),
        ([], ()),
    ],
)
def test_backends_share_by_weight(backends, want):
    got = picked([{"name": "r", "match": {"paths": ["/*"]}, "backends": backends}])
    assert [s for s, _ in got] == [s for s, _ in want]
    assert [f for _, f in got] == pytest.approx([f for _, f in want], abs=1e-12)


@pytest.mark.parametrize(
    ("expr", "headers", "holds"),
    [
        (
            {"subject": {"scope": "Query", "name": "h"}, "op": "Equal", "value": "a"},
            {"h": "a"},
            False,
        ),
        ({"subject": {"name": "h"}, "op": "Equal", "value": "a"}, {"h": "a"}, False),
        (
            {"subject": {"scope": "Header", "name": "X-Up"}, "op": "Equal", "value": "a"},
            {"x-up": "a"},
            True,
        ),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "Equal", "value": "a"},
            {"H": "a"},
            True,
        ),
        ({"subject": {"scope": "Header"}, "op": "Equal", "value": "a"}, {"h": "a"}, False),
        ({"subject": {"scope": "Header", "name": "h"}, "value": "a"}, {"h": "a"}, False),
        # an unset value is Go's empty string
        ({"subject": {"scope": "Header", "name": "h"}, "op": "Equal"}, {"h": ""}, True),
        ({"subject": {"scope": "Header", "name": "h"}, "op": "Equal"}, {"h": "x"}, False),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "Equal", "value": 5},
            {"h": "5"},
            True,
        ),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "Equal", "value": "a"},
            {"h": "ab"},
            False,
        ),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "NotEqual", "value": "a"},
            {"h": "a"},
            False,
        ),
        ({"subject": {"scope": "Header", "name": "h"}, "op": "NotEqual", "value": "a"}, {}, True),
        ({"subject": {"scope": "Header", "name": "h"}, "op": "NotEqual"}, {"h": ""}, False),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "In", "set": ["a", 1]},
            {"h": "1"},
            True,
        ),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "In", "set": ["a"]},
            {"h": "b"},
            False,
        ),
        ({"subject": {"scope": "Header", "name": "h"}, "op": "In", "set": ["a"]}, {}, False),
        ({"subject": {"scope": "Header", "name": "h"}, "op": "In", "set": "a"}, {"h": "a"}, False),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "NotIn", "set": ["a"]},
            {"h": "b"},
            True,
        ),
        ({"subject": {"scope": "Header", "name": "h"}, "op": "NotIn", "set": ["a"]}, {}, True),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "RegexMatch", "value": "^a.*"},
            {"h": "abc"},
            True,
        ),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "RegexMatch", "value": "^a.*"},
            {"h": "ba"},
            False,
        ),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "RegexMatch", "value": "a"},
            {},
            False,
        ),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "RegexMatch", "value": "("},
            {"h": "("},
            False,
        ),
        ({"subject": {"scope": "Header", "name": "h"}, "op": "RegexMatch"}, {"h": "x"}, True),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "RegexNotMatch", "value": "^a"},
            {"h": "abc"},
            False,
        ),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "RegexNotMatch", "value": "^a"},
            {},
            True,
        ),
        (
            {"subject": {"scope": "Header", "name": "h"}, "op": "RegexNotMatch", "value": "("},
            {"h": "x"},
            False,
        ),
    ],
)
def test_one_header_expression(expr, headers, holds):
    rules = [rule("expr", priority=1, match={"exprs": [expr]}), rule("fallback")]
    assert picked(rules, headers=headers) == ((("expr" if holds else "fallback"), 1.0),)


def test_every_expression_of_a_rule_must_hold():
    equal = {"subject": {"scope": "Header", "name": "a"}, "op": "Equal", "value": "1"}
    other = {"subject": {"scope": "Header", "name": "b"}, "op": "Equal", "value": "2"}
    rules = [rule("both", priority=1, match={"exprs": [equal, other]}), rule("fallback")]
    assert picked(rules, headers={"a": "1", "b": "2"}) == (("both", 1.0),)
    assert picked(rules, headers={"a": "1"}) == (("fallback", 1.0),)
    assert picked(rules, headers={"b": "2"}) == (("fallback", 1.0),)


# ---- SetWeight's rules and errors (apisix.go::processSetWeightRoutes, GetHttpRoute,
# GetBackends, setBackendWeight) ----------------------------------------------------------
STABLE = {"serviceName": "stable-rollout", "weight": 100}
CANARY = {"serviceName": "canary-rollout", "weight": 0}


def two_rules(first: Any, second: Any = None) -> dict[str, Any]:
    http = [first] if second is None else [first, second]
    return {"metadata": {"name": "mocks-apisix-route"}, "spec": {"http": http}}


def weights(manifest: dict[str, Any]) -> list[list[tuple[str, Any]]]:
    return [
        [(b.get("serviceName"), b.get("weight")) for b in r["backends"]]
        for r in manifest["spec"]["http"]
    ]


def test_set_weight_finds_its_rule_among_others_and_leaves_them_and_the_input_alone():
    other = {"name": "other", "backends": [dict(STABLE), dict(CANARY)]}
    mine = {"name": "mocks-apisix-route", "backends": [dict(CANARY), dict(STABLE)]}
    given = two_rules(other, mine)
    out = set_weight(given, rollout(), 25)
    assert weights(out) == [
        [("stable-rollout", 100), ("canary-rollout", 0)],
        [("canary-rollout", 25), ("stable-rollout", 75)],
    ]
    assert weights(given)[1] == [("canary-rollout", 0), ("stable-rollout", 100)]


def test_set_weight_on_every_named_rule_and_only_the_first_backend_of_a_service():
    a = {"name": "a", "backends": [dict(STABLE), dict(CANARY), dict(STABLE)]}
    b = {"name": "b", "backends": [dict(CANARY), dict(STABLE)]}
    out = set_weight(two_rules(a, b), rollout(["a", "b"]), 40)
    assert weights(out) == [
        [("stable-rollout", 60), ("canary-rollout", 40), ("stable-rollout", 100)],
        [("canary-rollout", 40), ("stable-rollout", 60)],
    ]
    # an empty rules list is a list (Go: not nil): no rule is touched
    assert set_weight(two_rules(a), rollout([]), 40) == two_rules(a)


@pytest.mark.parametrize(
    ("http", "message"),
    [
        (["x"], "Failed type assertion for Apisix http route"),
        ([{"backends": []}], "Apisix http route rule name field not found"),
        ([{"name": 5, "backends": []}], "Failed type assertion for Apisix http route rule name"),
        ([{"name": "x"}], "Apisix http route rule mocks-apisix-route not found"),
        ([{"name": "mocks-apisix-route"}], "Apisix http route backends not found"),
        (
            [{"name": "mocks-apisix-route", "backends": {}}],
            "Failed type assertion for Apisix http route backends",
        ),
        (
            [{"name": "mocks-apisix-route", "backends": ["x"]}],
            "Failed type assertion for Apisix http route backends",
        ),
        (
            [{"name": "mocks-apisix-route", "backends": [{"weight": 1}]}],
            "serviceName field was not found in backend",
        ),
        (
            [{"name": "mocks-apisix-route", "backends": [dict(CANARY)]}],
            "apisix route stable-rollout backend was not found",
        ),
        ({"name": "mocks-apisix-route"}, "spec.http was not found in Apisix Route manifest"),
    ],
)
def test_set_weight_errors_are_argos(http, message):
    with pytest.raises(TrafficRoutingError) as err:
        set_weight({"spec": {"http": http}}, rollout(), 30)
    assert str(err.value) == message


def test_an_unset_canary_service_is_a_backend_named_empty():
    ro = rollout()
    del ro["spec"]["strategy"]["canary"]["canaryService"]
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(apisix_route(), ro, 30)
    assert str(err.value) == "apisix route  backend was not found"
    del ro["spec"]["strategy"]["canary"]["stableService"]
    out = set_weight(
        two_rules({"name": "mocks-apisix-route", "backends": [{"serviceName": ""}]}), ro, 30
    )
    assert weights(out) == [[("", 70)]]


def test_settings_and_route_name():
    assert apisix_settings(rollout()) == {"route": {"name": "mocks-apisix-route"}}
    assert apisix_settings({"spec": {"strategy": {"canary": {}}}}) is None
    no_map = {"spec": {"strategy": {"canary": {"trafficRouting": {"apisix": "r"}}}}}
    assert apisix_settings(no_map) is None
    assert route_name(rollout()) == "mocks-apisix-route"
    assert route_name({}) == ""
