"""An experiment step under an Istio subset split: the experiment's Service becomes a third
VirtualService destination *and* a DestinationRule subset named after it, labelled with the
experiment's pod template hash (``rollout/trafficrouting/istio/istio.go::UpdateHash`` gets the
same weight destinations as ``SetWeight``). Once the step is left, the extra subset goes.

Replays upstream ``test/e2e/istio_test.go::TestIstioSubsetSplitExperimentStep`` (fixture
``test/e2e/istio/istio-subset-split-experiment-step.yaml``: setWeight 10, then an experiment
with one template, specRef canary, weight 20).
"""

from __future__ import annotations

from fidelitykit import by_revision, op, pod_count, set_image, simulate
from test_fidelity_routes import _subset_manifests

HASH = "rollouts-pod-template-hash"
STEPS = [
    {"setWeight": 10},
    {
        "experiment": {
            "templates": [{"name": "experiment-istio", "specRef": "canary", "weight": 20}]
        }
    },
]


def route(r, t):
    http = r.manifests_at(t)["virtualservices"][0]["spec"]["http"][0]["route"]
    return [
        (d["destination"].get("subset") or d["destination"]["host"], d.get("weight", 0))
        for d in http
    ]


def subsets(r, t):
    dr = r.manifests_at(t)["destinationrules"][0]
    return [(s["name"], s.get("labels", {}).get(HASH)) for s in dr["spec"]["subsets"]]


def test_subset_split_experiment_step_replay(tmp_path):
    r = simulate(
        tmp_path,
        _subset_manifests(STEPS),
        [set_image(60), op(120, "promote")],
        until="4m",
    )
    # Healthy: 100/0, two subsets, both on revision 1.
    one = by_revision(r.status_at(30))[1].hash
    assert r.status_at(30).phase == "Healthy"
    assert route(r, 30) == [("stable", 100), ("canary", 0)]
    assert subsets(r, 30) == [("stable", one), ("canary", one)]

    # At the experiment step (index 1), 10 s later: 70/10/20; a third subset for the
    # experiment's Service, labelled with the experiment's pod template hash.
    at_step = next(s.time for s in r.snapshots if s.time >= 60 and s.step_index == 1)
    t = at_step + 10
    snap = r.status_at(t)
    two = by_revision(snap)[2].hash
    (experiment,) = snap.experiments
    (ex_rs,) = experiment.replica_sets
    stable, canary, extra = route(r, t)
    assert (stable, canary) == (("stable", 70), ("canary", 10))
    assert extra[1] == 20
    service = extra[0]
    assert subsets(r, t) == [("stable", one), ("canary", two), (service, ex_rs.hash)]

    # Promoted past the experiment: Healthy, 100/0, back to two subsets on revision 2; the old
    # revision keeps its pod within the scale-down delay.
    healthy = next(s.time for s in r.snapshots if s.time >= 120 and s.phase == "Healthy")
    assert route(r, healthy + 1) == [("stable", 100), ("canary", 0)]
    assert subsets(r, healthy + 1) == [("stable", two), ("canary", two)]
    assert pod_count(r, healthy + 1, 1) == 1
