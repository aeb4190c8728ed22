"""``traffic.source``: who sends the requests that enter through no gateway, as Istio labels
them (an in-mesh workload's sidecars, or a client outside the mesh: ``unknown``)."""

from __future__ import annotations

import pytest
from worldkit import rollout, service, set_image, virtual_service, write_scenario

import canarysim
from canarysim.errors import ScenarioError
from canarysim.lang.promql.query import evaluate
from canarysim.sim.metrics.targets import pod_ip
from canarysim.sim.world import World


def _world(tmp_path, source=None, until="3m"):
    vs = virtual_service()
    vs["spec"]["hosts"] = ["stable-svc"]  # Argo's usual layout: the VirtualService names it
    traffic = {"rate": 40, "gateway": "mesh", "host": "stable-svc"}
    if source is not None:
        traffic["source"] = source
    path = write_scenario(
        tmp_path,
        manifests=[rollout(replicas=4), service("canary-svc"), service("stable-svc"), vs],
        until=until,
        operator=[set_image("30s")],
        traffic=traffic,
    )
    world = World.build(path, keep_metrics=True)
    world.run()
    world.flow.flush(world.env.now)
    world.store.advance_to(world.env.now)
    return world


def _groups(world, query):
    return {tuple(sorted(lb.items())): v for lb, v in evaluate(query, world.store, world.env.now)}


SOURCE_LABELS = (
    "source_workload, source_workload_namespace, source_app, source_version, "
    "source_canonical_service, source_canonical_revision, source_principal, source_cluster"
)


def test_an_in_mesh_client_names_itself_on_both_reporters_and_reports_from_its_pods(tmp_path):
    world = _world(
        tmp_path,
        {
            "workload": "frontend",
            "namespace": "web",
            "serviceAccount": "fe",
            "labels": {"app": "frontend", "version": "v2"},
            "replicas": 2,
        },
    )
    for reporter in ("source", "destination"):
        got = _groups(
            world, f'count by ({SOURCE_LABELS}) (istio_requests_total{{reporter="{reporter}"}})'
        )
        assert list(got) == [
            (("source_app", "frontend"), ("source_canonical_revision", "v2"),
             ("source_canonical_service", "frontend"), ("source_cluster", "Kubernetes"),
             ("source_principal", "spiffe://cluster.local/ns/web/sa/fe"),
             ("source_version", "v2"), ("source_workload", "frontend"),
             ("source_workload_namespace", "web")),
        ], reporter  # fmt: skip
    # the client's two sidecars are two scrape targets in its namespace, sharing the requests
    pods = _groups(
        world, 'sum by (pod, instance, namespace) (istio_requests_total{reporter="source"})'
    )
    assert len(pods) == 2
    for key, count in pods.items():
        lb = dict(key)
        assert lb["pod"].startswith("frontend-") and lb["namespace"] == "web"
        assert lb["instance"] == f"{pod_ip(lb['pod'])}:15020"
        assert count == pytest.approx(sum(pods.values()) / 2, abs=1)
    policy = _groups(
        world, "count by (reporter, connection_security_policy) (istio_requests_total)"
    )
    assert {dict(k)["connection_security_policy"] for k in policy} == {"mutual_tls", "unknown"}


def test_a_client_outside_the_mesh_is_unknown_and_bypasses_the_virtual_service(tmp_path):
    inside = _world(tmp_path)
    outside = _world(tmp_path, "outside")
    # no client proxy: only the destination side reports
    assert not _groups(outside, 'istio_requests_total{reporter="source"}')
    got = _groups(
        outside,
        f"count by ({SOURCE_LABELS}, connection_security_policy) "
        '(istio_requests_total{reporter="destination"})',
    )
    assert {dict(k)["connection_security_policy"] for k in got} == {"none"}
    for key in got:
        assert {k: v for k, v in key if k.startswith("source_")} == {
            k: "unknown" for k in SOURCE_LABELS.split(", ")
        }
    # the rollout sets 50 % on the VirtualService; only sidecars apply it: from outside
    # the Service keeps sending everything to the stable pods it selects
    query = (
        "sum by (destination_version, rollouts_pod_template_hash) "
        '(increase(istio_requests_total{reporter="destination"}[1m]))'
    )
    canary = inside.controller.status.current_pod_hash

    def share(world):
        got = _groups(world, query)
        canary_requests = sum(
            v for k, v in got.items() if dict(k)["rollouts_pod_template_hash"] == canary
        )
        return canary_requests / sum(got.values())

    assert 0.35 < share(inside) < 0.65
    assert share(outside) == 0.0
    # what users got is still counted (the Result's traffic), only Istio has no client report
    assert sum(t["requests"] for t in outside.flow.totals.values()) > 0


def test_a_source_that_is_neither_outside_nor_a_workload_is_refused(tmp_path):
    path = write_scenario(tmp_path, traffic={"rate": 1, "source": "inside"})
    with pytest.raises(ScenarioError, match="'outside' or a mapping"):
        canarysim.load_scenario(path)


def test_outside_clients_calling_a_virtual_service_host_are_warned(tmp_path):
    path = write_scenario(tmp_path, until="1m", traffic={"rate": 5, "source": "outside"})
    world = World.build(path)  # the VirtualService's host app.example is no Service
    assert any("traffic.source: outside" in w for w in world.recorder.warnings)
    assert not World.build(_path_with_host(tmp_path)).recorder.warnings


def _path_with_host(tmp_path):
    return write_scenario(
        tmp_path, until="1m", traffic={"rate": 5, "source": "outside", "host": "stable-svc"}
    )
