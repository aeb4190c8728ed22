"""SetWeight edges (istio.go::generateVirtualServicePatches, processRoutes,
patchVirtualService), one rule a test; the upstream-shaped cases are in
``test_istio_weights.py``."""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.istio import set_weight
from canarysim.errors import TrafficRoutingError


def dest(host: str, weight: int | None = None, subset: str = "") -> dict:
    d: dict[str, Any] = {"destination": {"host": host}}
    if subset:
        d["destination"]["subset"] = subset
    if weight is not None:
        d["weight"] = weight
    return d


def vs(**spec: Any) -> dict:
    return {"metadata": {"name": "vsvc", "namespace": "default"}, "spec": spec}


def rollout(ref: dict | None = None, *, dr: dict | None = None, managed: list | None = None):
    istio: dict[str, Any] = {"virtualService": ref or {"name": "vsvc"}}
    if dr is not None:
        istio["destinationRule"] = dr
    routing: dict[str, Any] = {"istio": istio}
    if managed is not None:
        routing["managedRoutes"] = [{"name": m} for m in managed]
    canary = {"trafficRouting": routing, "stableService": "stable", "canaryService": "canary"}
    if dr is not None:
        del canary["stableService"], canary["canaryService"]
    return {"metadata": {"name": "ro"}, "spec": {"strategy": {"canary": canary}}}


def exp(name: str, weight: int) -> dict:
    return {"serviceName": name, "weight": weight}


def test_new_experiment_destinations_are_appended_in_name_order():
    route = [dest("stable", 100), dest("canary", 0)]
    out = set_weight(vs(http=[{"route": route}]), rollout(), 10, [exp("zeta", 5), exp("alpha", 15)])
    assert out["spec"]["http"][0]["route"] == [
        dest("stable", 70),
        dest("canary", 10),
        dest("alpha", 15),
        dest("zeta", 5),
    ]


def test_an_existing_experiment_destination_is_reweighted_in_place():
    route = [dest("exp", 5), dest("stable", 95), dest("canary", 0)]
    out = set_weight(vs(http=[{"route": route}]), rollout(), 10, [exp("exp", 20), exp("new", 1)])
    assert out["spec"]["http"][0]["route"] == [
        dest("exp", 20),
        dest("stable", 69),
        dest("canary", 10),
        dest("new", 1),
    ]


def test_several_unknown_destinations_are_all_deleted():
    """Deletions run from the highest index down, so each index still names its own."""
    route = [dest("old1", 10), dest("stable", 80), dest("old2", 5), dest("canary", 0)]
    route.append(dest("old3", 5))
    out = set_weight(vs(http=[{"route": route}]), rollout(), 10)
    assert out["spec"]["http"][0]["route"] == [dest("stable", 90), dest("canary", 10)]


def test_deletions_and_appends_in_one_call():
    route = [dest("stable", 80), dest("canary", 0), dest("old", 20)]
    out = set_weight(vs(http=[{"route": route}]), rollout(), 10, [exp("exp", 30)])
    assert out["spec"]["http"][0]["route"] == [
        dest("stable", 60),
        dest("canary", 10),
        dest("exp", 30),
    ]


def test_a_destination_without_host_is_left_alone():
    route = [dest("stable", 100), dest("canary", 0), {"weight": 7}, dest(".dotted", 3)]
    out = set_weight(vs(http=[{"route": route}]), rollout(), 10)
    assert out["spec"]["http"][0]["route"] == [
        dest("stable", 90),
        dest("canary", 10),
        {"weight": 7},
        dest(".dotted", 3),
    ]


def test_an_additional_subset_named_empty_does_not_cover_subsetless_destinations():
    """isAnAdditionalSubsetName asks for a non-empty subset first."""
    dr = {"name": "dr", "canarySubsetName": "c", "stableSubsetName": "s"}
    dr["additionalSubsetNames"] = [""]
    route = [dest("svc", 80, "s"), dest("svc", 0, "c"), dest("other", 20)]
    out = set_weight(vs(http=[{"route": route}]), rollout(dr=dr), 10)
    assert out["spec"]["http"][0]["route"] == [dest("svc", 90, "s"), dest("svc", 10, "c")]


def test_additional_subset_weights_are_taken_from_the_stable_only_when_listed():
    dr = {"name": "dr", "canarySubsetName": "c", "stableSubsetName": "s"}
    route = [dest("svc", 70, "s"), dest("svc", 0, "c"), dest("svc", 20, "x"), dest("svc", 10, "y")]
    out = set_weight(
        vs(http=[{"route": route}]), rollout(dr={**dr, "additionalSubsetNames": ["x"]}), 10
    )
    assert out["spec"]["http"][0]["route"] == [
        dest("svc", 70, "s"),
        dest("svc", 10, "c"),
        dest("svc", 20, "x"),
    ]


MIRROR_WITHOUT_DESTINATIONS = [
    {"name": "m", "mirror": {"host": "canary"}},
    {"name": "primary", "route": [dest("stable", 90), dest("canary", 10)]},
]
PRIMARY = {"name": "vsvc", "routes": ["primary"]}


def test_a_route_without_destinations_cannot_take_an_experiment():
    """patchVirtualService: appending to a route whose `route` is not a list fails (a
    managed mirror route is re-weighted without being validated)."""
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(
            vs(http=MIRROR_WITHOUT_DESTINATIONS), rollout(PRIMARY, managed=["m"]), 10, [exp("e", 5)]
        )
    assert str(err.value) == "Invalid casting: field 'http[].route' is not of type '[]interface'"


def test_a_route_without_destinations_and_nothing_to_add_is_no_change():
    manifest = vs(http=MIRROR_WITHOUT_DESTINATIONS)
    assert set_weight(manifest, rollout(PRIMARY, managed=["m"]), 10) is manifest


def test_missing_sections_named_by_the_rollout_are_skipped():
    """Validation reads only the sections present; the route search errors are ignored."""
    ref = {"name": "vsvc", "routes": ["primary"], "tlsRoutes": [{"port": 443}]}
    ref["tcpRoutes"] = [{"port": 3000}]
    tcp = [{"match": [{"port": 3000}], "route": [dest("stable", 100), dest("canary", 0)]}]
    out = set_weight(vs(tcp=tcp), rollout(ref), 25)
    assert out["spec"]["tcp"][0]["route"] == [dest("stable", 75), dest("canary", 25)]
    assert "http" not in out["spec"] and "tls" not in out["spec"]


def test_managed_mirror_routes_are_reweighted_and_others_are_not():
    mirror = {"host": "canary"}
    routes = [
        {"name": "m", "mirror": mirror, "route": [dest("stable", 100), dest("canary", 0)]},
        {"name": "plain", "route": [dest("stable", 100), dest("canary", 0)]},
        {"name": "unmanaged", "mirror": mirror, "route": [dest("stable", 100), dest("canary", 0)]},
        {"name": "primary", "route": [dest("stable", 100), dest("canary", 0)]},
    ]
    ref = {"name": "vsvc", "routes": ["primary"]}
    out = set_weight(vs(http=routes), rollout(ref, managed=["m", "plain"]), 10)
    got = {r["name"]: [d["weight"] for d in r["route"]] for r in out["spec"]["http"]}
    assert got == {"m": [90, 10], "plain": [100, 0], "unmanaged": [100, 0], "primary": [90, 10]}
    assert [r["name"] for r in out["spec"]["http"]] == ["m", "plain", "unmanaged", "primary"]


def test_mirror_routes_are_not_reweighted_without_managed_routes():
    routes = [
        {
            "name": "m",
            "mirror": {"host": "canary"},
            "route": [dest("stable", 100), dest("canary", 0)],
        },
        {"name": "primary", "route": [dest("stable", 100), dest("canary", 0)]},
    ]
    out = set_weight(vs(http=routes), rollout({"name": "vsvc", "routes": ["primary"]}), 10)
    assert [[d["weight"] for d in r["route"]] for r in out["spec"]["http"]] == [[100, 0], [90, 10]]


def test_a_changed_virtual_service_puts_managed_routes_first():
    routes = [
        {"name": "primary", "route": [dest("stable", 100), dest("canary", 0)]},
        {"name": "h", "route": [dest("canary", 100)]},
    ]
    out = set_weight(
        vs(http=routes), rollout({"name": "vsvc", "routes": ["primary"]}, managed=["h"]), 10
    )
    assert [r["name"] for r in out["spec"]["http"]] == ["h", "primary"]


def test_a_destination_without_host_does_not_stop_the_others():
    route = [{"weight": 7}, dest("stable", 100), dest("canary", 0), dest("old", 3)]
    out = set_weight(vs(http=[{"route": route}]), rollout(), 10)
    assert out["spec"]["http"][0]["route"] == [
        {"weight": 7},
        dest("stable", 90),
        dest("canary", 10),
    ]


def test_an_experiment_already_at_its_weight_is_no_change():
    route = [dest("stable", 70), dest("canary", 10), dest("exp", 20)]
    manifest = vs(http=[{"route": route}])
    assert set_weight(manifest, rollout(), 10, [exp("exp", 20)]) is manifest


def test_an_experiment_of_weight_zero_is_not_appended():
    route = [dest("stable", 100), dest("canary", 0)]
    out = set_weight(vs(http=[{"route": route}]), rollout(), 10, [exp("a", 0), exp("b", 5)])
    assert out["spec"]["http"][0]["route"] == [dest("stable", 85), dest("canary", 10), dest("b", 5)]
