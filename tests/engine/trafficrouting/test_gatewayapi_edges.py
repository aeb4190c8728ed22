"""The Gateway API plugin's route rewrites (``reconcile.py``, ``headers.py``), one edge a test.

The upstream-shaped cases live in ``test_gatewayapi.py``, ``test_gatewayapi_headers.py`` and
``test_gatewayapi_grpc.py``; these pin what a mutation run showed no test looked at: the
plugin's namespace default, Go's ``strconv.Atoi`` behind managed rule names, the label's
custom key on every kind and what the label leaves alone, the legacy (unnamed) managed rules
recognised by their header names, and that a rewrite leaves its input and its rules
independent.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from canarysim.engine.trafficrouting.gatewayapi.headers import (
    header_matches,
    remove_managed_rules,
    set_header_route,
)
from canarysim.engine.trafficrouting.gatewayapi.reconcile import (
    IN_PROGRESS_LABEL_KEY,
    is_managed_name,
    plugin_config,
    set_backend_weights,
    set_weight,
)
from canarysim.errors import TrafficRoutingError

STABLE, CANARY = "stable", "canary"
MANAGED = "header-route"
X_CANARY = [{"headerName": "X-Canary", "headerValue": {"exact": "yes"}}]
X_CANARY_MATCH = {"type": "Exact", "name": "X-Canary", "value": "yes"}
CANARY_REF = {"group": "", "kind": "Service", "name": CANARY, "port": 80}


def rollout(
    plugin: dict[str, Any] | None = None,
    *,
    managed: list[dict[str, Any]] | None = None,
    namespace: str | None = "default",
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "ro"}
    if namespace is not None:
        meta["namespace"] = namespace
    return {
        "metadata": meta,
        "spec": {
            "strategy": {
                "canary": {
                    "stableService": STABLE,
                    "canaryService": CANARY,
                    "trafficRouting": {
                        "managedRoutes": [{"name": MANAGED}] if managed is None else managed,
                        "plugins": {"argoproj-labs/gatewayAPI": plugin or {"httpRoute": "r"}},
                    },
                }
            }
        },
    }


def basic_rule(**extra: Any) -> dict[str, Any]:
    return {
        "backendRefs": [{"name": STABLE, "port": 80}, {"name": CANARY, "port": 80}],
        **extra,
    }


def route(*rules: dict[str, Any], labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "r", "namespace": "default"}
    if labels is not None:
        meta["labels"] = labels
    return {"kind": "HTTPRoute", "metadata": meta, "spec": {"rules": list(rules)}}


def weights(r: dict[str, Any], i: int = 0) -> list[tuple[str, Any]]:
    return [(b.get("name"), b.get("weight")) for b in r["spec"]["rules"][i]["backendRefs"]]


# -- plugin_config: the namespace (getGatewayAPITrafficRoutingConfig) -----------------------


@pytest.mark.parametrize(
    ("config", "namespace", "expected"),
    [
        ({"httpRoute": "r"}, "prod", "prod"),  # the Rollout's namespace
        ({"httpRoute": "r", "namespace": "gw"}, "prod", "gw"),  # the setting wins
        ({"httpRoute": "r", "namespace": ""}, "prod", "prod"),  # an empty setting is unset
        ({"httpRoute": "r"}, None, "default"),  # a Rollout created without one
    ],
)
def test_plugin_namespace(config: dict[str, Any], namespace: str | None, expected: str) -> None:
    assert plugin_config(rollout(config, namespace=namespace))["namespace"] == expected


def test_plugin_config_leaves_the_rollout_alone() -> None:
    ro = rollout({"httpRoute": "r"}, namespace="prod")
    plugin_config(ro)
    assert ro["spec"]["strategy"]["canary"]["trafficRouting"]["plugins"] == {
        "argoproj-labs/gatewayAPI": {"httpRoute": "r"}
    }


# -- is_managed_name: isManagedRuleName and Go's strconv.Atoi -------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (None, False),  # a rule without a name (rule.Name == nil)
        ("r", True),
        ("r-0", True),
        ("r-12", True),
        ("r-007", True),
        ("r--3", True),  # Atoi reads "-3"
        ("r-+3", True),  # and "+3"
        ("r-", False),
        ("r--", False),
        ("r-+", False),
        ("r-1a", False),
        ("r-a1", False),
        ("r-1-2", False),
        ("r-web", False),
        ("r1", False),  # no dash
        ("rr-1", False),  # another base
        ("x-r-1", False),  # the base is a prefix, not a part
        ("r-\u0663", False),  # an Arabic-Indic digit: Atoi takes ASCII digits only
        ("r-\u00b2", False),  # a superscript two
        ("r-9223372036854775807", True),  # the largest int64
        ("r-9223372036854775808", False),  # out of range: Atoi's error
        ("r--9223372036854775808", True),  # the smallest int64
        ("r--9223372036854775809", False),
    ],
)
def test_managed_rule_names(name: str | None, expected: bool) -> None:
    assert is_managed_name(name, {"r"}) is expected


def test_a_name_against_several_managed_routes() -> None:
    assert is_managed_name("b-2", {"a", "b"}) is True
    assert is_managed_name("c-2", {"a", "b"}) is False
    assert is_managed_name("a", set()) is False


def test_a_nameless_managed_route_is_the_empty_name() -> None:
    # managedRouteNamesSet keeps Go's zero string: "" and "-1" are then managed names
    ro = rollout(managed=[{}])
    named = [basic_rule(name=""), basic_rule(name="-1"), basic_rule()]
    out = set_weight(route(*named), ro, 30)
    assert [weights(out, i) for i in range(3)] == [
        [(STABLE, None), (CANARY, None)],
        [(STABLE, None), (CANARY, None)],
        [(STABLE, 70), (CANARY, 30)],
    ]


# -- set_weight (setHTTPRouteWeight) ----------------------------------------------------------


def test_set_weight_skips_a_rule_named_after_a_managed_route() -> None:
    # a rule named "header-route-2" holds both Services: skipped by its name alone
    out = set_weight(route(basic_rule(), basic_rule(name=f"{MANAGED}-2")), rollout(), 20)
    assert weights(out, 0) == [(STABLE, 80), (CANARY, 20)]
    assert weights(out, 1) == [(STABLE, None), (CANARY, None)]


def test_set_weight_writes_every_rule_and_other_backends_keep_theirs() -> None:
    other = {"name": "other", "weight": 5}
    out = set_weight(route(basic_rule(), basic_rule(backendRefs=[other])), rollout(), 10)
    assert weights(out, 0) == [(STABLE, 90), (CANARY, 10)]
    assert weights(out, 1) == [("other", 5)]


@pytest.mark.parametrize("missing", [STABLE, CANARY])
def test_set_weight_needs_both_services(missing: str) -> None:
    rule = basic_rule()
    rule["backendRefs"] = [b for b in rule["backendRefs"] if b["name"] != missing]
    with pytest.raises(TrafficRoutingError, match=r"^backendRef was not found in grpcRoute$"):
        set_weight(route(rule), rollout(), 10, "GRPCRoute")


def test_set_weight_leaves_its_input_alone() -> None:
    given = route(basic_rule())
    before = copy.deepcopy(given)
    set_weight(given, rollout(), 30)
    assert given == before


def test_set_backend_weights_leaves_its_input_alone() -> None:
    given = route(basic_rule())
    before = copy.deepcopy(given)
    set_backend_weights(given, rollout({"tcpRoute": "r"}), 30, "TCPRoute")
    assert given == before


# -- ensureInProgressLabel ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["TCPRoute", "TLSRoute"])
def test_stream_routes_take_the_custom_label(kind: str) -> None:
    ro = rollout({"tcpRoute": "r", "inProgressLabelKey": "k", "inProgressLabelValue": "v"})
    out = set_backend_weights(route(basic_rule()), ro, 30, kind)
    assert out["metadata"]["labels"] == {"k": "v"}
    ro = rollout({"tcpRoute": "r", "disableInProgressLabel": True})
    assert "labels" not in set_backend_weights(route(basic_rule()), ro, 30, kind)["metadata"]


def test_the_label_joins_the_others_and_leaves_them_at_zero() -> None:
    out = set_weight(route(basic_rule(), labels={"app": "web"}), rollout(), 30)
    assert out["metadata"]["labels"] == {"app": "web", IN_PROGRESS_LABEL_KEY: "in-progress"}
    assert set_weight(out, rollout(), 0)["metadata"]["labels"] == {"app": "web"}


def test_weight_zero_without_the_label_changes_no_label() -> None:
    out = set_weight(route(basic_rule(), labels={}), rollout(), 0)
    assert out["metadata"]["labels"] == {}


def test_a_custom_key_is_removed_at_zero_and_the_default_value_used() -> None:
    ro = rollout({"httpRoute": "r", "inProgressLabelKey": "k"})
    out = set_weight(route(basic_rule(), labels={IN_PROGRESS_LABEL_KEY: "x"}), ro, 30)
    assert out["metadata"]["labels"] == {IN_PROGRESS_LABEL_KEY: "x", "k": "in-progress"}
    assert set_weight(out, ro, 0)["metadata"]["labels"] == {IN_PROGRESS_LABEL_KEY: "x"}


def test_a_route_without_metadata_gets_the_label() -> None:
    given = {"spec": {"rules": [basic_rule()]}}
    out = set_weight(given, rollout(), 30)
    assert out["metadata"] == {"labels": {IN_PROGRESS_LABEL_KEY: "in-progress"}}


# -- header_matches (getHTTPHeaderRouteRuleList) --------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"exact": "a", "prefix": "b", "regex": "c"}, ("Exact", "a")),  # exact first
        ({"exact": "", "prefix": "b", "regex": "c"}, ("RegularExpression", "b.*")),
        ({"prefix": "", "regex": "c"}, ("RegularExpression", "c")),
    ],
)
def test_header_value_precedence(value: dict[str, str], expected: tuple[str, str]) -> None:
    (got,) = header_matches([{"headerName": "h", "headerValue": value}])
    assert (got["type"], got["value"]) == expected


def test_a_header_without_a_name_is_the_empty_name() -> None:
    assert header_matches([{"headerValue": {"exact": "1"}}]) == [
        {"type": "Exact", "name": "", "value": "1"}
    ]


# -- set_header_route (setHTTPHeaderRoute, setGRPCHeaderRoute) -------------------------------


def legacy(*headers: str, matches: int = 1) -> dict[str, Any]:
    """A managed rule of an older plugin: no name, the canary Service only."""
    match = {"headers": [{"type": "Exact", "name": h, "value": "1"} for h in headers]}
    ms = [{"headers": []}] * (matches - 1) + [match]
    return {"matches": copy.deepcopy(ms), "backendRefs": [{"name": CANARY, "port": 80}]}


@pytest.mark.parametrize(
    ("rule", "replaced"),
    [
        (legacy("X-Canary"), True),  # the step's header names exactly
        (legacy("X-Canary", "X-Other"), True),  # and more
        (legacy("X-Canary", matches=2), True),  # in its second match
        (legacy("X-Other"), False),  # another step's rule
        (legacy(), False),
        ({"backendRefs": [{"name": CANARY}]}, False),  # no match at all
    ],
)
def test_a_legacy_managed_rule_is_replaced_by_its_header_names(
    rule: dict[str, Any], replaced: bool
) -> None:
    out = set_header_route(route(basic_rule(), rule), rollout(), MANAGED, X_CANARY)
    names = [r.get("name") for r in out["spec"]["rules"]]
    assert names == ([None, MANAGED] if replaced else [None, None, MANAGED])


def test_a_rule_named_after_another_step_stays() -> None:
    other = {"name": "other-route", "backendRefs": [{"name": CANARY}], "matches": []}
    numbered = {"name": f"{MANAGED}-4", "backendRefs": [{"name": CANARY}]}
    given = route(basic_rule(), other, numbered)
    out = set_header_route(given, rollout(), MANAGED, X_CANARY)
    assert [r.get("name") for r in out["spec"]["rules"]] == [None, "other-route", MANAGED]


def test_twins_are_numbered_from_the_second_source_rule() -> None:
    rules = [basic_rule(), {"backendRefs": [{"name": "x"}]}, basic_rule(), basic_rule()]
    out = set_header_route(route(*rules), rollout(), MANAGED, X_CANARY)
    assert [r.get("name") for r in out["spec"]["rules"][4:]] == [
        MANAGED,
        f"{MANAGED}-1",
        f"{MANAGED}-2",
    ]


def test_a_canary_ref_without_port_gives_a_twin_without_port() -> None:
    rule = {"backendRefs": [{"name": CANARY}, {"name": STABLE}]}
    out = set_header_route(route(rule), rollout(), MANAGED, X_CANARY)
    assert out["spec"]["rules"][1]["backendRefs"] == [
        {"group": "", "kind": "Service", "name": CANARY}
    ]


def test_the_twin_takes_the_canary_refs_port_not_the_first() -> None:
    rule = {"backendRefs": [{"name": STABLE, "port": 81}, {"name": CANARY, "port": 82}]}
    out = set_header_route(route(rule), rollout(), MANAGED, X_CANARY)
    assert out["spec"]["rules"][1]["backendRefs"][0]["port"] == 82


def test_a_route_without_spec_is_the_plugins_error() -> None:
    with pytest.raises(TrafficRoutingError, match=r"^backendRef was not found in httpRoute$"):
        set_header_route({"metadata": {"name": "r"}}, rollout(), MANAGED, X_CANARY)


def test_an_empty_match_list_adds_twins_without_headers() -> None:
    # a non-nil empty Match: the plugin writes twins whose matches have no headers
    path = {"type": "PathPrefix", "value": "/a"}
    out = set_header_route(route(basic_rule(matches=[{"path": path}])), rollout(), MANAGED, [])
    assert out["spec"]["rules"][1]["matches"] == [{"path": path}]


def test_a_grpc_match_keeps_only_method_and_headers() -> None:
    method = {"service": "pkg.Svc", "method": "Get"}
    source = {"method": method, "path": {"value": "/x"}, "queryParams": [{"name": "q"}]}
    out = set_header_route(
        route(basic_rule(matches=[source])), rollout(), MANAGED, X_CANARY, "GRPCRoute"
    )
    assert out["spec"]["rules"][1]["matches"] == [{"method": method, "headers": [X_CANARY_MATCH]}]


def test_a_grpc_match_without_method_has_headers_only() -> None:
    given = route(basic_rule(matches=[{"headers": []}]))
    out = set_header_route(given, rollout(), MANAGED, X_CANARY, "GRPCRoute")
    assert out["spec"]["rules"][1]["matches"] == [{"headers": [X_CANARY_MATCH]}]


def test_an_http_match_with_empty_query_params_and_no_method() -> None:
    given = route(basic_rule(matches=[{"queryParams": [], "method": ""}]))
    out = set_header_route(given, rollout(), MANAGED, X_CANARY)
    assert out["spec"]["rules"][1]["matches"] == [{"headers": [X_CANARY_MATCH]}]


def test_the_twins_own_their_parts() -> None:
    """Editing one rule of the result leaves the others as they were: the managed rules
    copy the source's path, headers, query parameters, method and filters, and each match
    has its own step headers."""
    source = {
        "path": {"type": "PathPrefix", "value": "/a"},
        "headers": [{"type": "Exact", "name": "h", "value": "1"}],
        "queryParams": [{"type": "Exact", "name": "q", "value": "1"}],
    }
    filters = [{"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": []}}]
    given = route(basic_rule(matches=[source, copy.deepcopy(source)], filters=filters))
    out = set_header_route(given, rollout(), MANAGED, X_CANARY)
    before = copy.deepcopy(out)
    twin = out["spec"]["rules"][1]
    twin["matches"][0]["path"]["value"] = "/changed"
    twin["matches"][0]["headers"][0]["value"] = "changed"
    twin["matches"][0]["headers"][1]["value"] = "changed"
    twin["matches"][0]["queryParams"][0]["value"] = "changed"
    twin["filters"][0]["type"] = "changed"
    assert out["spec"]["rules"][0] == before["spec"]["rules"][0]
    assert twin["matches"][1] == before["spec"]["rules"][1]["matches"][1]


def test_grpc_twins_own_their_method() -> None:
    method = {"service": "pkg.Svc", "method": "Get"}
    given = route(basic_rule(matches=[{"method": method}]))
    out = set_header_route(given, rollout(), MANAGED, X_CANARY, "GRPCRoute")
    out["spec"]["rules"][1]["matches"][0]["method"]["method"] = "changed"
    assert out["spec"]["rules"][0]["matches"][0]["method"] == method


def test_twins_without_source_matches_own_their_headers() -> None:
    out = set_header_route(route(basic_rule(), basic_rule()), rollout(), MANAGED, X_CANARY)
    out["spec"]["rules"][2]["matches"][0]["headers"][0]["value"] = "changed"
    assert out["spec"]["rules"][3]["matches"] == [{"headers": [X_CANARY_MATCH]}]


# -- remove_managed_rules (removeHTTPManagedRoutes) -----------------------------------------


def test_removal_takes_named_numbered_and_legacy_rules() -> None:
    rules = [
        basic_rule(),
        {"name": f"{MANAGED}-3", "backendRefs": [{"name": STABLE}, {"name": CANARY}]},
        legacy("X-Anything"),
        {"name": "kept", "backendRefs": [{"name": CANARY}, {"name": CANARY}]},
    ]
    out = remove_managed_rules(route(*rules), rollout())
    assert out["spec"]["rules"] == [rules[0], rules[3]]


def test_removal_leaves_its_input_alone() -> None:
    given = route(basic_rule(), legacy("X-Canary"))
    before = copy.deepcopy(given)
    remove_managed_rules(given, rollout())
    assert given == before


def test_set_header_route_leaves_its_input_alone() -> None:
    given = route(basic_rule(), legacy("X-Canary"))
    before = copy.deepcopy(given)
    set_header_route(given, rollout(), MANAGED, X_CANARY)
    assert given == before
