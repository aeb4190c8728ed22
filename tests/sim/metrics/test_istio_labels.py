"""Series carry the labels real Istio and a real scrape give them, so queries copied from
Istio's Grafana dashboards (service and workload dashboards, variables filled in) find them."""

from __future__ import annotations

from pathlib import Path

from worldkit import write_scenario

from canarysim.sim.metrics.labels import GATEWAY, Workload, istio_labels
from canarysim.sim.world import World

ROOT = Path(__file__).resolve().parents[3]


def _world(path, until=300.0):
    world = World.build(path, keep_metrics=True)  # every sample, for any query
    world.run(until)
    world.flow.flush(until)
    world.store.advance_to(until)
    return world


def groups(world, query, at=300.0):
    return sorted(tuple(sorted(lb.items())) for lb, _ in world.prometheus.instant(query, at))


def test_dashboard_queries_find_the_mesh_series():
    world = _world(ROOT / "scenarios" / "analysis-abort" / "scenario.yaml")  # gateway: mesh
    service = "checkout-stable.shop.svc.cluster.local"
    # Istio Service Dashboard, "Incoming Requests By Source And Response Code"
    by_source = groups(
        world,
        'sum(irate(istio_requests_total{reporter="destination",connection_security_policy='
        f'"mutual_tls",destination_service=~"{service}",source_workload=~".*",'
        'source_workload_namespace=~".*"}[5m])) by (source_workload, source_workload_namespace,'
        " response_code)",
    )
    # the in-mesh client the scenario does not describe: traffic.source's default
    assert {dict(g)["source_workload"] for g in by_source} == {"client"}
    assert {dict(g)["source_workload_namespace"] for g in by_source} == {"shop"}
    assert ("response_code", "200") in by_source[0]
    # Istio Workload Dashboard, "Incoming Request Volume" by canonical service and revision
    canonical = groups(
        world,
        'sum(irate(istio_requests_total{reporter="destination",destination_workload_namespace=~'
        '"shop",destination_workload=~"checkout"}[5m])) by (destination_canonical_service, '
        "destination_canonical_revision, destination_principal)",
    )
    assert canonical == [
        (("destination_canonical_revision", "latest"),
         ("destination_canonical_service", "checkout"),
         ("destination_principal", "spiffe://cluster.local/ns/shop/sa/default")),
    ]  # fmt: skip
    # the scrape's labels: job, namespace and the destination pod's labels (labelmap)
    [(labels, _)] = world.prometheus.instant(
        f"sum by (job, namespace, app, rollouts_pod_template_hash, security_istio_io_tlsMode) "
        f'(istio_requests_total{{reporter="destination",destination_service="{service}"}})',
        300.0,
    ).samples
    assert labels["job"] == "kubernetes-pods" and labels["namespace"] == "shop"
    assert labels["app"] == "checkout" and labels["security_istio_io_tlsMode"] == "istio"
    assert labels["rollouts_pod_template_hash"]
    # the client's proxy reports too, from its own pod, which has no rollout hash label
    source_side = groups(
        world,
        "count by (rollouts_pod_template_hash, app, namespace, source_principal) "
        '(istio_requests_total{reporter="source"})',
    )
    assert source_side == [
        (("app", "client"), ("namespace", "shop"),
         ("source_principal", "spiffe://cluster.local/ns/shop/sa/default")),
    ]  # fmt: skip


def test_requests_through_the_ingress_gateway_name_it_as_source(tmp_path):
    world = _world(write_scenario(tmp_path, until="5m", traffic={"rate": 50, "gateway": "gw"}))
    assert world.store.gateway == GATEWAY
    got = groups(
        world,
        "sum by (source_workload, source_workload_namespace, source_principal, job, namespace) "
        '(istio_requests_total{reporter="source"})',
    )
    assert got == [
        (("job", "kubernetes-pods"), ("namespace", "istio-system"),
         ("source_principal",
          "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"),
         ("source_workload", "istio-ingressgateway"),
         ("source_workload_namespace", "istio-system")),
    ]  # fmt: skip


def test_canonical_names_follow_the_injectors_precedence():
    pod = {"app": "a", "app.kubernetes.io/name": "b", "version": "v1"}
    labels = istio_labels(
        reporter="destination",
        source=None,
        destination=Workload("demo", "ns", pod),
        destination_service="s.ns.svc.cluster.local",
        destination_service_name="s",
        destination_service_namespace="ns",
        response_code=200,
        response_flags="-",
    )
    assert labels["destination_canonical_service"] == "b"
    assert labels["destination_canonical_revision"] == "v1"
    assert labels["destination_app"] == "a" and labels["destination_version"] == "v1"
    assert labels["app_kubernetes_io_name"] == "b"  # labelmap sanitises the pod label name
