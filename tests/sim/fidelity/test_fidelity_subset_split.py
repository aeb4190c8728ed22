"""Istio subset splits: one unnamed route, and a scale-down after an abort.

Scaling a dynamicStableScale subset-split canary down after an abort leaves the weights at
100 / 0. Replays upstream ``test/e2e/istio_test.go::
TestIstioSubsetSplitInStableDownscaleAfterCanaryAbort`` (fixture
``istio-subset-split-in-stable-downscale-after-canary-abort.yaml``: 4 replicas,
dynamicStableScale, canary/stable metadata, maxSurge 25 %, maxUnavailable 20 %, setWeight
10/20/30/50 each followed by an indefinite pause): Healthy, ``promote --full``, update,
paused, abort, Degraded, ``kubectl argo rollouts scale 1``, wait for 1 replica: the route is
stable 100, canary 0.
"""

from __future__ import annotations

from fidelitykit import op, set_image, simulate
from test_fidelity_routes import _subset_manifests

STEPS = [
    {"setWeight": 10},
    {"pause": {}},
    {"setWeight": 20},
    {"pause": {}},
    {"setWeight": 30},
    {"pause": {}},
    {"setWeight": 50},
    {"pause": {}},
]


def route(r, t):
    http = r.manifests_at(t)["virtualservices"][0]["spec"]["http"][0]["route"]
    return [(d["destination"]["subset"], d.get("weight", 0)) for d in http]


def test_istio_subset_split_in_stable_downscale_after_canary_abort_replay(tmp_path):
    manifests = _subset_manifests(STEPS)
    ro = manifests[0]["spec"]
    ro["replicas"] = 4
    ro["strategy"]["canary"].update(
        dynamicStableScale=True,
        canaryMetadata={"labels": {"role": "canary"}},
        stableMetadata={"labels": {"role": "stable"}},
        maxSurge="25%",
        maxUnavailable="20%",
    )
    r = simulate(
        tmp_path,
        manifests,
        [
            op("50s", "promoteFull"),  # on a Healthy rollout: nothing to promote
            set_image("1m"),
            {"when": {"phase": "Paused"}, "do": "abort"},
            {"when": {"phase": "Degraded"}, "do": "scale", "replicas": 1},
        ],
        until="5m",
    )
    assert r.status_at(49).phase == "Healthy"
    degraded = next(s.time for s in r.snapshots if s.time > 60 and s.phase == "Degraded")
    final = r.final
    assert final.phase == "Degraded"
    assert final.desired == 1 and final.available == 1
    assert degraded < 300
    assert route(r, 299) == [("stable", 100), ("canary", 0)]


def test_istio_subset_split_single_route_replay(tmp_path):
    """``test/e2e/istio_test.go::TestIstioSubsetSplitSingleRoute``: a VirtualService with one
    unnamed HTTP route and a Rollout that names no route (Argo then takes the only one):
    100/0 Healthy, 90/10 paused at setWeight 10 with the canary subset on revision 2, 100/0
    after promotion with both subsets on revision 2, revision 1's pod kept a while."""
    from fidelitykit import by_revision, pod_count

    manifests = _subset_manifests([{"setWeight": 10}, {"pause": {}}])
    del manifests[0]["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"][
        "routes"
    ]
    del manifests[2]["spec"]["http"][0]["name"]
    r = simulate(tmp_path, manifests, [set_image("1m"), op("100s", "promote")], until="3m")

    def subsets(t):
        dr = r.manifests_at(t)["destinationrules"][0]
        return [s["labels"]["rollouts-pod-template-hash"] for s in dr["spec"]["subsets"]]

    one = by_revision(r.status_at(59))[1].hash
    assert route(r, 59) == [("stable", 100), ("canary", 0)]
    assert subsets(59) == [one, one]
    assert r.status_at(99).phase == "Paused"
    two = by_revision(r.status_at(99))[2].hash
    assert route(r, 99) == [("stable", 90), ("canary", 10)]
    assert subsets(99) == [one, two]
    healthy = next(s.time for s in r.snapshots if s.time >= 100 and s.phase == "Healthy")
    assert route(r, healthy + 1) == [("stable", 100), ("canary", 0)]
    assert subsets(healthy + 1) == [two, two]
    assert pod_count(r, healthy + 1, 1) == 1
