"""SetWeight copies only what it re-weights: the manifest given is never edited, and a
route that appears twice (``order_routes`` repeats routes of one name) is still written
through both places, as a deep copy of it would be."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from canarysim.engine.istio import set_weight
from canarysim.engine.trafficrouting.istio.rollout import rollout_routing
from canarysim.errors import TrafficRoutingError


def dest(host: str, weight: int) -> dict[str, Any]:
    return {"destination": {"host": host}, "weight": weight}


ROLLOUT = {
    "metadata": {"name": "ro"},
    "spec": {
        "strategy": {
            "canary": {
                "stableService": "stable",
                "canaryService": "canary",
                "trafficRouting": {
                    "istio": {"virtualService": {"name": "vsvc", "routes": ["primary"]}}
                },
            }
        }
    },
}


def manifest(http: list[Any]) -> dict[str, Any]:
    return {
        "metadata": {"name": "vsvc", "namespace": "default"},
        "spec": {"hosts": ["app"], "http": http},
    }


def test_the_input_is_left_as_it_was_and_what_is_unchanged_is_shared():
    given = manifest([{"name": "primary", "route": [dest("stable", 100), dest("canary", 0)]}])
    before = copy.deepcopy(given)
    out = set_weight(given, ROLLOUT, 30)
    assert given == before
    assert out["spec"]["http"][0]["route"] == [dest("stable", 70), dest("canary", 30)]
    assert out["spec"]["hosts"] is given["spec"]["hosts"]
    assert out["spec"]["http"][0] is not given["spec"]["http"][0]
    again = set_weight(out, ROLLOUT, 50)
    assert out["spec"]["http"][0]["route"] == [dest("stable", 70), dest("canary", 30)]
    assert again["spec"]["http"][0]["route"] == [dest("stable", 50), dest("canary", 50)]


def test_a_route_listed_twice_is_written_in_both_places_like_a_deep_copy():
    route = {"name": "primary", "route": [dest("stable", 100), dest("canary", 0)]}
    given = manifest([route, {"name": "x", "route": [dest("stable", 100)]}, route])
    expected = set_weight(copy.deepcopy(given), ROLLOUT, 20)
    out = set_weight(given, ROLLOUT, 20)
    assert out == expected
    assert out["spec"]["http"][0] is out["spec"]["http"][2]
    assert given["spec"]["http"][0]["route"] == [dest("stable", 100), dest("canary", 0)]


def test_a_written_manifest_is_weighted_again_without_validation_but_a_new_one_is_checked():
    """With the caller's routing, the manifests SetWeight returned skip validation on the next
    write (they differ from a validated one in weights only); one applied anew is validated."""
    routing = rollout_routing(ROLLOUT)
    given = manifest([{"name": "primary", "route": [dest("stable", 100), dest("canary", 0)]}])
    out = set_weight(given, ROLLOUT, 30, routing=routing)
    assert set_weight(out, ROLLOUT, 30, routing=routing) is out
    again = set_weight(out, ROLLOUT, 60, routing=routing)
    assert again["spec"]["http"][0]["route"] == [dest("stable", 40), dest("canary", 60)]
    # an extra destination deleted: the written manifest has another shape, still right
    odd = manifest([{"name": "primary", "route": [dest("stable", 90), dest("x", 10)]}])
    odd["spec"]["http"][0]["route"].append(dest("canary", 0))
    trimmed = set_weight(odd, ROLLOUT, 20, routing=routing)
    assert trimmed["spec"]["http"][0]["route"] == [dest("stable", 80), dest("canary", 20)]
    assert set_weight(trimmed, ROLLOUT, 50, routing=routing)["spec"]["http"][0]["route"] == [
        dest("stable", 50),
        dest("canary", 50),
    ]
    renamed = copy.deepcopy(again)
    renamed["spec"]["http"][0]["name"] = "other"
    with pytest.raises(TrafficRoutingError, match="HTTP Route 'primary' is not found"):
        set_weight(renamed, ROLLOUT, 10, routing=routing)


def test_a_written_manifest_given_with_another_rollouts_routing_is_validated():
    out = set_weight(
        manifest([{"name": "primary", "route": [dest("stable", 100), dest("canary", 0)]}]),
        ROLLOUT,
        30,
        routing=rollout_routing(ROLLOUT),
    )
    other = copy.deepcopy(ROLLOUT)
    other["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"]["routes"] = [
        "secondary"
    ]
    with pytest.raises(TrafficRoutingError, match="HTTP Route 'secondary' is not found"):
        set_weight(out, other, 60, routing=rollout_routing(other))


def test_a_write_that_moved_managed_routes_first_is_looked_up_again():
    managed = copy.deepcopy(ROLLOUT)
    managed["spec"]["strategy"]["canary"]["trafficRouting"]["managedRoutes"] = [{"name": "m"}]
    routing = rollout_routing(managed)
    given = manifest(
        [
            {"name": "primary", "route": [dest("stable", 100), dest("canary", 0)]},
            {"name": "m", "route": [dest("stable", 0), dest("canary", 100)]},
        ]
    )
    out = set_weight(given, managed, 30, routing=routing)
    assert [r["name"] for r in out["spec"]["http"]] == ["m", "primary"]
    again = set_weight(out, managed, 60, routing=routing)
    assert again["spec"]["http"][0]["route"] == [dest("stable", 0), dest("canary", 100)]
    assert again["spec"]["http"][1]["route"] == [dest("stable", 40), dest("canary", 60)]


def test_a_destination_list_shared_by_two_routes_is_written_like_a_deep_copy():
    """Two routes holding one ``route`` list (as a YAML alias loads it)."""
    shared = [dest("stable", 100), dest("canary", 0)]
    given = manifest([{"name": "primary", "route": shared}, {"name": "x", "route": shared}])
    expected = set_weight(copy.deepcopy(given), ROLLOUT, 20)
    out = set_weight(given, ROLLOUT, 20)
    assert out == expected
    assert out["spec"]["http"][1]["route"] == [dest("stable", 80), dest("canary", 20)]
    assert shared == [dest("stable", 100), dest("canary", 0)]
