"""Argo's SMI reconciler and the split a mesh applies, Given/When/Then.

Cases transcribe upstream's rollout/trafficrouting/smi/smi_test.go (Rollout ``rollout-name``,
Services ``stable-service``/``canary-service``, the three TrafficSplit API versions) as data.
"""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.trafficrouting.smi.match import split
from canarysim.engine.trafficrouting.smi.reconcile import (
    desired_traffic_split,
    set_weight,
    smi_settings,
)
from canarysim.errors import TrafficRoutingError


def rollout(**smi: Any) -> dict:
    return {
        "metadata": {"name": "rollout-name", "namespace": "default"},
        "spec": {
            "strategy": {
                "canary": {
                    "stableService": "stable-service",
                    "canaryService": "canary-service",
                    "trafficRouting": {"smi": smi},
                }
            }
        },
    }


def weights(ts: dict) -> list[tuple[str, Any]]:
    return [(b["service"], b["weight"]) for b in ts["spec"]["backends"]]


def test_unsupported_api_version():
    with pytest.raises(
        TrafficRoutingError, match="Unsupported TrafficSplit API version `does-not-exist`"
    ):
        desired_traffic_split(rollout(), 10, api_version="does-not-exist")


@pytest.mark.parametrize(
    ("version", "canary", "stable"),
    [("v1alpha1", "10", "90"), ("v1alpha2", 10, 90), ("v1alpha3", 10, 90)],
)
def test_create_new_traffic_split(version, canary, stable):
    """TestReconcileCreateNewTrafficSplit: named after the Rollout, root = stable Service."""
    write = set_weight(rollout(), None, 10, api_version=version)
    assert write is not None and write.reason == "TrafficSplitCreated"
    assert write.message == "TrafficSplit `rollout-name` created"
    ts = write.manifest
    assert ts["apiVersion"] == f"split.smi-spec.io/{version}" and ts["kind"] == "TrafficSplit"
    assert ts["metadata"]["name"] == "rollout-name"
    assert ts["metadata"]["ownerReferences"][0]["name"] == "rollout-name"
    assert ts["spec"]["service"] == "stable-service"
    assert weights(ts) == [("canary-service", canary), ("stable-service", stable)]


def test_patch_existing_and_no_change():
    """TestReconcilePatchExistingTrafficSplit / ...NoChange."""
    ro = rollout(trafficSplitName="traffic-split-name", rootService="root-service")
    existing = desired_traffic_split(ro, 10)
    write = set_weight(ro, existing, 50)
    assert write is not None and write.reason == ""  # patches make no event
    assert weights(write.manifest) == [("canary-service", "50"), ("stable-service", "50")]
    assert write.manifest["spec"]["service"] == "root-service"
    assert set_weight(ro, write.manifest, 50) is None


def test_rollout_does_not_own_traffic_split():
    ro = rollout(trafficSplitName="traffic-split-name")
    foreign = desired_traffic_split(ro, 10)
    foreign["metadata"]["ownerReferences"] = []
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(ro, foreign, 10)
    assert str(err.value) == "Rollout does not own TrafficSplit `traffic-split-name`"


def test_multiple_backends():
    """TestCreateTrafficSplitForMultipleBackends: experiments' Services between canary and
    stable; the stable gets what is left."""
    extra = [{"serviceName": "ex-svc-1", "weight": 5}, {"serviceName": "ex-svc-2", "weight": 5}]
    ts = desired_traffic_split(rollout(), 10, extra, api_version="v1alpha2")
    assert weights(ts) == [
        ("canary-service", 10),
        ("ex-svc-1", 5),
        ("ex-svc-2", 5),
        ("stable-service", 80),
    ]


def test_mesh_splits_the_root_service_only():
    ts = desired_traffic_split(rollout(), 20)
    assert split([ts], "stable-service") == (("canary-service", 0.2), ("stable-service", 0.8))
    assert split([ts], "canary-service") is None
    assert split([desired_traffic_split(rollout(), 0)], "stable-service") == (
        ("stable-service", 1.0),
    )


# Edges found by mutation testing.


def test_traffic_split_namespace_follows_the_rollout():
    ts = desired_traffic_split(rollout(), 10)
    assert ts["metadata"]["namespace"] == "default"
    ro = rollout()
    del ro["metadata"]["namespace"]
    assert "namespace" not in desired_traffic_split(ro, 10)["metadata"]


def test_additional_destinations_weights_as_quantities_in_v1alpha1():
    extra = [{"serviceName": "ex-svc", "weight": 5}]
    ts = desired_traffic_split(rollout(), 10, extra)
    assert weights(ts) == [("canary-service", "10"), ("ex-svc", "5"), ("stable-service", "85")]


def test_unset_names_read_as_empty():
    """No Services, no name: the root, the backends and the split's name are ""."""
    ro = {"spec": {"strategy": {"canary": {"trafficRouting": {"smi": {}}}}}}
    ts = desired_traffic_split(ro, 0)
    assert ts["metadata"]["name"] == "" and ts["spec"]["service"] == ""
    assert weights(ts) == [("", "0"), ("", "100")]


def test_smi_settings_must_be_a_mapping():
    assert smi_settings(rollout()) == {}
    assert (
        smi_settings({"spec": {"strategy": {"canary": {"trafficRouting": {"smi": "on"}}}}}) is None
    )


@pytest.mark.parametrize(
    "refs",
    [
        {"kind": "Rollout", "name": "other", "controller": True},  # another Rollout
        {"kind": "Deployment", "name": "other", "controller": True},  # another kind
        {"kind": "Rollout", "name": "rollout-name"},  # an owner, not the controller
    ],
)
def test_traffic_split_controlled_by_someone_else(refs):
    ro = rollout()
    foreign = desired_traffic_split(ro, 10)
    foreign["metadata"]["ownerReferences"] = [refs]
    with pytest.raises(TrafficRoutingError, match="Rollout does not own TrafficSplit"):
        set_weight(ro, foreign, 20)


def test_owner_references_not_a_list_own_nothing():
    ro = rollout()
    foreign = desired_traffic_split(ro, 10)
    foreign["metadata"]["ownerReferences"] = {"kind": "Rollout", "name": "rollout-name"}
    with pytest.raises(TrafficRoutingError, match="Rollout does not own TrafficSplit"):
        set_weight(ro, foreign, 20)


def test_patch_keeps_the_metadata_of_the_split():
    ro = rollout()
    existing = desired_traffic_split(ro, 10)
    existing["metadata"]["labels"] = {"team": "a"}
    write = set_weight(ro, existing, 30)
    assert write is not None and write.manifest["metadata"] == existing["metadata"]
    assert existing["spec"]["backends"][0]["weight"] == "10"  # the object read is not changed


def test_mesh_looks_past_splits_of_other_roots():
    other = {"spec": {"service": "other", "backends": [{"service": "x", "weight": 1}]}}
    ts = desired_traffic_split(rollout(), 20)
    assert split([{"metadata": {}}, other, ts], "stable-service") == (
        ("canary-service", 0.2),
        ("stable-service", 0.8),
    )


def test_mesh_split_weights():
    def root(*backends):
        return [{"spec": {"service": "root", "backends": list(backends)}}]

    assert split(root({"service": "a", "weight": 0}), "root") is None  # nothing to split
    assert split(root({"service": "a", "weight": "1"}, {"service": "b", "weight": 0}), "root") == (
        ("a", 1.0),
    )
    assert split(
        root({"service": "a", "weight": "lots"}, {"service": "b", "weight": 1}), "root"
    ) == (("b", 1.0),)
    assert split(root({"weight": 1}), "root") == (("", 1.0),)  # a backend naming no Service
