"""An experiment step under an Istio host split: the experiment's Service is a third
destination of the route with the template's weight, taken from the stable's share
(``rollout/trafficrouting/istio/istio.go::SetWeight`` with additional destinations).

Replays upstream ``test/e2e/istio_test.go::TestIstioHostSplitExperimentStep`` (fixture
``istio-host-split-experiment-step.yaml``: one replica, setWeight 10, then an experiment with
one template, specRef canary, weight 20): 100/0 when Healthy; 10 s after reaching the
experiment step 70 (stable) / 10 (canary) / 20 (the experiment's Service), the canary Service
on revision 2 and the stable one on revision 1; promoted, 100/0 with both Services on
revision 2, and revision 1 keeps its pod within the scale-down delay.
"""

from __future__ import annotations

from fidelitykit import op, pod_count, routed, set_image, simulate

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
    return [(d["destination"]["host"], d.get("weight", 0)) for d in http]


def test_istio_host_split_experiment_step_replay(tmp_path):
    r = simulate(
        tmp_path, routed(STEPS, replicas=1), [set_image(60), op(120, "promote")], until="4m"
    )
    assert r.status_at(59).phase == "Healthy"
    assert route(r, 59) == [("stable-svc", 100), ("canary-svc", 0)]

    at_step = next(s.time for s in r.snapshots if s.time >= 60 and s.step_index == 1)
    t = at_step + 10
    snap = r.status_at(t)
    (experiment,) = snap.experiments
    stable, canary, extra = route(r, t)
    assert (stable, canary) == (("stable-svc", 70), ("canary-svc", 10))
    host, weight = extra
    assert weight == 20
    # Argo names the template's Service <experiment>-<template>.
    assert host == f"{experiment.name}-experiment-istio"

    healthy = next(s.time for s in r.snapshots if s.time >= 120 and s.phase == "Healthy")
    assert route(r, healthy + 1) == [("stable-svc", 100), ("canary-svc", 0)]
    assert pod_count(r, healthy + 1, 1) == 1


def test_istio_host_split_experiment_step_services(tmp_path):
    """The same run read in the world (``kubectl get svc``): the Services' hash selectors."""
    from worldkit import write_scenario

    from canarysim.sim.world import World

    path = write_scenario(
        tmp_path,
        manifests=routed(STEPS, replicas=1),
        operator=[set_image(60), op(120, "promote")],
        pods={"default": {"scheduling": "0s", "imagePull": "0s", "containerStart": "0s",
                          "readiness": 5.0, "termination": 2.0}},
    )  # fmt: skip
    world = World.build(path)

    def selectors():
        svc = world.cluster.services.by_name
        key = "rollouts-pod-template-hash"
        return svc["canary-svc"].selector.get(key), svc["stable-svc"].selector.get(key)

    def hash_of(revision):
        return next(
            rs.hash for rs in world.cluster.replica_sets_of("app") if rs.revision == revision
        )

    world.run(until=59)
    assert selectors() == (hash_of(1), hash_of(1))
    world.run(until=100)
    assert world.controller.status.current_step_index == 1
    assert selectors() == (hash_of(2), hash_of(1))
    world.run(until=200)
    assert world.collect().final.phase == "Healthy"
    assert selectors() == (hash_of(2), hash_of(2))
