"""Argo's APISIX header routes (``SetHeaderRoute``, ``RemoveManagedRoutes``) and APISIX's
``match.exprs``: the expectations of upstream rollout/trafficrouting/apisix/apisix_test.go
(``TestSetHeaderRoute``) and test/e2e/apisix_test.go (``checkSetHeader``), as data."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from canarysim.engine.trafficrouting.apisix.headers import (
    exprs_of,
    remove_managed_routes,
    set_header_route,
)
from canarysim.engine.trafficrouting.apisix.match import route
from canarysim.errors import TrafficRoutingError

OWNER = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Rollout",
    "name": "rollout",
    "controller": True,
    "blockOwnerDeletion": True,
}
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


def rollout(managed: list[str] | None = ("set-header",)) -> dict[str, Any]:  # type: ignore[assignment]
    tr: dict[str, Any] = {"apisix": {"route": {"name": "mocks-apisix-route"}}}
    if managed is not None:
        tr["managedRoutes"] = [{"name": n} for n in managed]
    return {
        "metadata": {"name": "rollout", "namespace": "default"},
        "spec": {
            "strategy": {
                "canary": {
                    "stableService": "stable-rollout",
                    "canaryService": "canary-rollout",
                    "trafficRouting": tr,
                }
            }
        },
    }


def base_route() -> dict[str, Any]:
    """upstream's ``apisixRoute`` fixture."""
    return {
        "apiVersion": "apisix.apache.org/v2",
        "kind": "ApisixRoute",
        "metadata": {"name": "mocks-apisix-route", "uid": "u-1", "resourceVersion": "7"},
        "spec": {
            "http": [
                {
                    "name": "mocks-apisix-route",
                    "match": {"paths": ["/*"], "methods": ["GET"]},
                    "backends": [
                        {"serviceName": "stable-rollout", "servicePort": 80, "weight": 100},
                        {"serviceName": "canary-rollout", "servicePort": 80, "weight": 0},
                    ],
                }
            ]
        },
    }


def existing_header_route(owned: bool = True) -> dict[str, Any]:
    """upstream's ``apisixSetHeaderRoute`` (owned) / ``apisixSetHeaderDuplicateRoute``."""
    meta: dict[str, Any] = {"name": "set-header"}
    if owned:
        meta["ownerReferences"] = [dict(OWNER, uid="1a2b2d82-50a4-4d83-9ff4-cdc6f5197d30")]
    return {
        "apiVersion": "apisix.apache.org/v2",
        "kind": "ApisixRoute",
        "metadata": meta,
        "spec": {
            "http": [
                {
                    "backends": [
                        {"serviceName": "canary-rollout", "servicePort": 80, "weight": 100}
                    ],
                    "match": {
                        "exprs": [
                            {
                                "op": "Equal",
                                "subject": {"name": "trace", "scope": "Header"},
                                "value": "debug",
                            }
                        ],
                        "hosts": ["rollouts-demo.apisix.local"],
                        "methods": METHODS,
                        "paths": ["/*"],
                    },
                    "name": "mocks-apisix-route",
                    "priority": 2,
                }
            ]
        },
    }


EXACT = [{"headerName": "header-name", "headerValue": {"exact": "value"}}]
THREE = [
    {"headerName": "header-name", "headerValue": {"exact": "value"}},
    {"headerName": "header-name", "headerValue": {"regex": "value"}},
    {"headerName": "header-name", "headerValue": {"prefix": "value"}},
]
THREE_EXPRS = [  # (op, name, scope, value) as upstream's assertExpr reads them
    ("Equal", "header-name", "Header", "value"),
    ("RegexMatch", "header-name", "Header", "value"),
    ("RegexMatch", "header-name", "Header", "^value.*"),
]


def _exprs(manifest: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rule = manifest["spec"]["http"][0]
    return [
        (e["op"], e["subject"]["name"], e["subject"]["scope"], e["value"])
        for e in rule["match"]["exprs"]
    ]


def test_a_new_header_route_is_an_owned_copy_sending_the_headers_to_the_canary() -> None:
    routes = {"mocks-apisix-route": base_route()}
    before = copy.deepcopy(routes)
    writes = set_header_route(routes, rollout(), "set-header", EXACT)
    assert routes == before  # a pure function: the inputs are left alone
    assert list(writes) == ["set-header"]
    made = writes["set-header"]
    assert made is not None
    assert made["metadata"] == {"name": "set-header", "ownerReferences": [OWNER]}
    (rule,) = made["spec"]["http"]
    assert rule["backends"] == [{"serviceName": "canary-rollout", "servicePort": 80, "weight": 100}]
    assert rule["priority"] == 1  # SetHeaderRoutePriorityWithNew
    assert rule["match"]["paths"] == ["/*"] and rule["match"]["methods"] == ["GET"]
    assert _exprs(made) == [("Equal", "header-name", "Header", "value")]


def test_every_kind_of_match_becomes_an_expression_new_or_updated() -> None:
    for existing in (None, existing_header_route()):  # SetHeaderRouteExprs(WithNew)
        routes = {"mocks-apisix-route": base_route()}
        if existing is not None:
            routes["set-header"] = existing
        made = set_header_route(routes, rollout(), "set-header", THREE)["set-header"]
        assert made is not None
        assert _exprs(made) == THREE_EXPRS


def test_an_existing_header_route_is_updated_with_its_priority_kept() -> None:
    routes = {"mocks-apisix-route": base_route(), "set-header": existing_header_route()}
    made = set_header_route(routes, rollout(), "set-header", EXACT)["set-header"]
    assert made is not None
    assert made["spec"]["http"][0]["priority"] == 2  # SetHeaderRoutePriority (update)
    assert made["metadata"] == existing_header_route()["metadata"]


def test_without_match_the_route_is_deleted_or_never_made() -> None:
    routes = {"mocks-apisix-route": base_route()}
    assert set_header_route(routes, rollout(), "set-header", None) == {}  # NilMatchWithNew
    routes["set-header"] = existing_header_route()
    assert set_header_route(routes, rollout(), "set-header", None) == {"set-header": None}


def test_an_empty_match_is_a_route_without_header_expressions() -> None:
    """``headerRouting.Match == nil`` deletes; an empty list is not nil: the copy is made,
    all to the canary, with no expression to hold it back."""
    routes = {"mocks-apisix-route": base_route()}
    made = set_header_route(routes, rollout(), "set-header", [])["set-header"]
    assert made is not None
    [rule] = made["spec"]["http"]
    assert rule["match"]["exprs"] == []
    assert [b["weight"] for b in rule["backends"]] == [100]


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ({}, 'apisixroutes.apisix.apache.org "mocks-apisix-route" not found'),
        (
            {"mocks-apisix-route": base_route(), "set-header": existing_header_route(False)},
            "duplicate ApisixRoute [set-header] already exists",
        ),
    ],
)
def test_argo_errors(routes: dict[str, Any], message: str) -> None:
    with pytest.raises(TrafficRoutingError) as info:
        set_header_route(routes, rollout(), "set-header", EXACT)
    assert str(info.value) == message


def test_missing_canary_backend_is_argos_error() -> None:
    base = base_route()
    base["spec"]["http"][0]["backends"] = base["spec"]["http"][0]["backends"][:1]
    with pytest.raises(TrafficRoutingError, match="apisix route canary-rollout backend was not"):
        set_header_route({"mocks-apisix-route": base}, rollout(), "set-header", EXACT)


def test_remove_managed_routes_deletes_only_what_the_rollout_owns() -> None:
    routes = {"mocks-apisix-route": base_route(), "set-header": existing_header_route()}
    assert remove_managed_routes(routes, rollout()) == {"set-header": None}
    assert remove_managed_routes(routes, rollout(managed=None)) == {}  # NilManagedRoutes
    routes["set-header"] = existing_header_route(owned=False)
    assert remove_managed_routes(routes, rollout()) == {}
    assert remove_managed_routes({}, rollout()) == {}  # missing: nothing to delete


def test_e2e_set_header_route_shape() -> None:
    """test/e2e/apisix_test.go ``checkSetHeader``: route ``set-header``, one expression
    ``Equal`` on Header ``trace`` = ``debug``."""
    e2e = [{"headerName": "trace", "headerValue": {"exact": "debug"}}]
    assert exprs_of(e2e) == [
        {"subject": {"scope": "Header", "name": "trace"}, "op": "Equal", "value": "debug"}
    ]


def test_apisix_prefers_the_header_route_for_requests_that_carry_the_header() -> None:
    base = base_route()
    base["spec"]["http"][0]["match"]["hosts"] = ["demo.local"]
    made = set_header_route({"mocks-apisix-route": base}, rollout(), "set-header", THREE[:2])
    routes = [base, made["set-header"]]
    to_canary = (("canary-rollout", 1.0),)
    to_stable = (("stable-rollout", 1.0),)
    assert route(routes, "demo.local", "/x", "GET", {"Header-Name": "value"}) == to_canary
    assert route(routes, "demo.local", "/x", "GET", {"header-name": "other"}) == to_stable
    assert route(routes, "demo.local", "/x", "GET", {}) == to_stable
    # the copy keeps the base rule's methods: a POST never matched either rule
    assert route(routes, "demo.local", "/x", "POST", {"header-name": "value"}) == ()


@pytest.mark.parametrize(
    ("expr", "headers", "holds"),
    [
        ({"op": "Equal", "value": "a"}, {"h": "a"}, True),
        ({"op": "Equal", "value": "a"}, {}, False),
        ({"op": "NotEqual", "value": "a"}, {"h": "b"}, True),
        ({"op": "RegexMatch", "value": "^de"}, {"h": "debug"}, True),
        ({"op": "RegexMatch", "value": "bug"}, {"h": "debug"}, True),  # a search
        ({"op": "RegexNotMatch", "value": "^x"}, {"h": "debug"}, True),
        ({"op": "In", "set": ["a", "b"]}, {"h": "b"}, True),
        ({"op": "NotIn", "set": ["a", "b"]}, {"h": "b"}, False),
        ({"op": "Greater", "value": "1"}, {"h": "2"}, False),  # not modelled: never holds
    ],
)
def test_header_expressions(expr: dict[str, Any], headers: dict[str, str], holds: bool) -> None:
    rule = {
        "name": "r",
        "priority": 5,
        "match": {"paths": ["/*"], "exprs": [dict(expr, subject={"scope": "Header", "name": "H"})]},
        "backends": [{"serviceName": "picked", "weight": 100}],
    }
    fallback = {"name": "f", "match": {"paths": ["/*"]}, "backends": [{"serviceName": "other"}]}
    routes = [{"spec": {"http": [rule, fallback]}}]
    got = route(routes, "any", "/", "GET", headers)
    assert got == ((("picked" if holds else "other"), 1.0),)


def _made(routes: dict[str, Any], ro: dict[str, Any] | None = None, match=EXACT) -> dict[str, Any]:
    made = set_header_route(routes, ro or rollout(), "set-header", match)["set-header"]
    assert made is not None
    return made


def test_the_copy_drops_only_the_identity_and_takes_the_rollout_as_owner() -> None:
    base = base_route()
    base["metadata"].update(
        namespace="default",
        labels={"app": "x"},
        generation=3,
        creationTimestamp="2024-01-01T00:00:00Z",
        ownerReferences=[{"kind": "Other", "name": "o"}],
    )
    made = _made({"mocks-apisix-route": base})
    assert made["metadata"] == {
        "name": "set-header",
        "namespace": "default",
        "labels": {"app": "x"},
        "ownerReferences": [OWNER],
    }
    assert made["apiVersion"] == "apisix.apache.org/v2" and made["kind"] == "ApisixRoute"
    bare = base_route()
    del bare["metadata"]
    assert _made({"mocks-apisix-route": bare})["metadata"] == {
        "name": "set-header",
        "ownerReferences": [OWNER],
    }


def test_every_named_rule_is_rewritten_and_other_rules_are_kept() -> None:
    base = base_route()
    first = base["spec"]["http"][0]
    other = copy.deepcopy(first) | {"name": "other", "priority": 7}
    second = copy.deepcopy(first) | {"name": "second", "priority": 2, "match": None}
    base["spec"]["http"] = [other, first, second]
    ro = rollout()
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["apisix"]["route"]["rules"] = [
        "mocks-apisix-route",
        "second",
    ]
    made = _made({"mocks-apisix-route": base}, ro)
    kept, one, two = made["spec"]["http"]
    assert kept == other
    assert (one["priority"], two["priority"]) == (1, 3)
    assert one["match"]["methods"] == ["GET"]
    assert two["match"] == {
        "exprs": [
            {"subject": {"scope": "Header", "name": "header-name"}, "op": "Equal", "value": "value"}
        ]
    }
    for rule in (one, two):
        assert [b["serviceName"] for b in rule["backends"]] == ["canary-rollout"]


def test_every_stable_backend_goes_and_other_backends_stay() -> None:
    base = base_route()
    base["spec"]["http"][0]["backends"] = [
        {"serviceName": "stable-rollout", "weight": 50},
        {"serviceName": "extra", "weight": 10},
        {"serviceName": "canary-rollout", "weight": 0},
        {"serviceName": "canary-rollout", "weight": 0},
        {"serviceName": "stable-rollout", "weight": 50},
    ]
    made = _made({"mocks-apisix-route": base})
    assert made["spec"]["http"][0]["backends"] == [
        {"serviceName": "extra", "weight": 10},
        {"serviceName": "canary-rollout", "weight": 100},
        {"serviceName": "canary-rollout", "weight": 0},
    ]


@pytest.mark.parametrize(("priority", "want"), [(None, 1), (0, 1), (5, 6), (-2, -1), ("9", 1)])
def test_a_new_copy_is_one_priority_above_the_base_rule(priority: Any, want: int) -> None:
    base = base_route()
    if priority is not None:
        base["spec"]["http"][0]["priority"] = priority
    assert _made({"mocks-apisix-route": base})["spec"]["http"][0]["priority"] == want


@pytest.mark.parametrize(
    ("backends", "message"),
    [
        # removeBackend checks every backend, after setBackendWeight stopped at the canary
        (
            [{"serviceName": "canary-rollout"}, "x"],
            "Failed type assertion for Apisix http route backend",
        ),
        ([{"serviceName": "canary-rollout"}, {}], "serviceName field was not found in backend"),
        (["x"], "Failed type assertion for Apisix http route backends"),
        ([{}], "serviceName field was not found in backend"),
        ({}, "Failed type assertion for Apisix http route backends"),
        (None, "Apisix http route backends not found"),
    ],
)
def test_backend_errors_are_argos(backends: Any, message: str) -> None:
    base = base_route()
    if backends is None:
        del base["spec"]["http"][0]["backends"]
    else:
        base["spec"]["http"][0]["backends"] = backends
    with pytest.raises(TrafficRoutingError) as info:
        set_header_route({"mocks-apisix-route": base}, rollout(), "set-header", EXACT)
    assert str(info.value) == message


def test_a_copy_without_spec_http_is_argos_error_and_errors_come_before_the_match() -> None:
    broken = existing_header_route()
    del broken["spec"]["http"]
    with pytest.raises(TrafficRoutingError, match=r"^spec\.http was not found in Apisix Route"):
        set_header_route(
            {"mocks-apisix-route": base_route(), "set-header": broken},
            rollout(),
            "set-header",
            EXACT,
        )
    with pytest.raises(TrafficRoutingError, match="not found"):
        set_header_route({}, rollout(), "set-header", [])
    taken = {"mocks-apisix-route": base_route(), "set-header": existing_header_route(False)}
    with pytest.raises(TrafficRoutingError, match="duplicate"):
        set_header_route(taken, rollout(), "set-header", [])


@pytest.mark.parametrize(
    ("match", "want"),
    [
        (
            [{"headerName": "h", "headerValue": {"exact": "a", "prefix": "b"}}],
            [("Equal", "a"), ("RegexMatch", "^b.*")],
        ),
        (
            [{"headerName": "h", "headerValue": {"prefix": "b", "regex": "r"}}],
            [("RegexMatch", "r"), ("RegexMatch", "^b.*")],
        ),
        ([{"headerName": "h", "headerValue": {"exact": "", "regex": ""}}], []),
        ([{"headerName": "h"}], []),
        (
            [
                {"headerName": "h", "headerValue": {"exact": "a"}},
                {"headerName": "h", "headerValue": {"exact": "b"}},
            ],
            [("Equal", "a"), ("Equal", "b")],
        ),
    ],
)
def test_exprs_of_each_header_value(
    match: list[dict[str, Any]], want: list[tuple[str, str]]
) -> None:
    got = exprs_of(match)
    assert [(e["op"], e["value"]) for e in got] == want
    assert all(e["subject"] == {"scope": "Header", "name": "h"} for e in got)


def test_an_unnamed_header_is_the_empty_name() -> None:
    [expr] = exprs_of([{"headerValue": {"exact": "a"}}])
    assert expr["subject"] == {"scope": "Header", "name": ""}


def test_remove_managed_routes_skips_unnamed_entries() -> None:
    routes = {"mocks-apisix-route": base_route(), "set-header": existing_header_route()}
    ro = rollout()
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["managedRoutes"] = [
        {},
        "set-header",
        {"name": ["set-header"]},
        {"name": None},
        {"name": "set-header"},
    ]
    assert remove_managed_routes(routes, ro) == {"set-header": None}


def test_an_update_leaves_the_existing_route_alone() -> None:
    routes = {"mocks-apisix-route": base_route(), "set-header": existing_header_route()}
    set_header_route(routes, rollout(), "set-header", THREE)
    assert routes["set-header"] == existing_header_route()


def test_unset_services_are_backends_named_empty() -> None:
    ro = rollout()
    del ro["spec"]["strategy"]["canary"]["canaryService"]
    with pytest.raises(TrafficRoutingError) as info:
        set_header_route({"mocks-apisix-route": base_route()}, ro, "set-header", EXACT)
    assert str(info.value) == "apisix route  backend was not found"
    ro = rollout()
    del ro["spec"]["strategy"]["canary"]["stableService"]
    base = base_route()
    base["spec"]["http"][0]["backends"].append({"serviceName": "", "weight": 1})
    made = set_header_route({"mocks-apisix-route": base}, ro, "set-header", EXACT)["set-header"]
    assert made is not None
    assert [b["serviceName"] for b in made["spec"]["http"][0]["backends"]] == [
        "stable-rollout",
        "canary-rollout",
    ]
