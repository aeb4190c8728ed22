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
