"""The rewritten VirtualService over a rollout: header and mirror routes (managedRoutes), the
primary route's weights, and Istio-specific abort cases, as Argo's end-to-end suite pins them
(test/e2e/header_route_test.go, mirror_route_test.go, istio_test.go upstream)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fidelitykit import (
    by_revision,
    desired,
    http_routes,
    op,
    pod_count,
    routed,
    set_image,
    simulate,
    weights,
)
from worldkit import service


def _dest(route: dict[str, Any]) -> dict[str, int]:
    return {d["destination"]["host"]: d.get("weight", 0) for d in route["route"]}


def _names(r, t: float) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.get("name", "") for h in http_routes(r, t)]


def _header(regex: str | None) -> dict[str, Any]:
    step: dict[str, Any] = {"name": "set-header-1"}
    if regex is not None:
        step["match"] = [{"headerName": "agent", "headerValue": {"regex": regex}}]
    return {"setHeaderRoute": step}


def test_header_route_sits_before_primary_and_goes_at_the_end(tmp_path: Path) -> None:
    # TestIstioHostHeaderRoute: paused after setWeight 20 + a header route: http[0] is the
    # header route (canary 100), http[1] the primary (80/20); a header step without match
    # removes it (primary first again, 60/40 at setWeight 40); promote --full leaves the
    # primary alone at 100/0.
    steps = [
        {"setWeight": 20},
        _header("firefox(.*)"),
        {"pause": {}},
        _header("chrome(.*)"),
        {"pause": {}},
        {"setWeight": 40},
        _header(None),
        {"pause": {}},
    ]
    manifests = routed(steps)
    manifests[0]["spec"]["strategy"]["canary"]["trafficRouting"] = {
        "managedRoutes": [{"name": "set-header-1"}],
        "istio": {"virtualService": {"name": "vs", "routes": ["primary"]}},
    }
    ops = [set_image(60), op(100, "promote"), op(140, "promote"), op(180, "promoteFull")]
    r = simulate(tmp_path, manifests, ops, until="5m")
    assert _names(r, 59) == ["primary"]

    assert r.status_at(70).phase == "Paused"
    assert _names(r, 70) == ["set-header-1", "primary"]
    header, primary = http_routes(r, 70)
    assert header["match"] == [{"headers": {"agent": {"regex": "firefox(.*)"}}}]
    assert _dest(header) == {"canary-svc": 100}
    assert _dest(primary) == {"stable-svc": 80, "canary-svc": 20}

    assert http_routes(r, 110)[0]["match"] == [{"headers": {"agent": {"regex": "chrome(.*)"}}}]

    assert r.status_at(150).phase == "Paused"
    assert _names(r, 150) == ["primary"]
    assert weights(r, 150) == {"stable-svc": 60, "canary-svc": 40}

    assert r.status_at(190).phase == "Healthy"
    assert _names(r, 190) == ["primary"]
    assert weights(r, 190) == {"stable-svc": 100, "canary-svc": 0}


def _mirror(name: str, percentage: int | None = None, **match: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"name": name}
    if match:
        step["match"] = [match]
    if percentage is not None:
        step["percentage"] = percentage
    return {"setMirrorRoute": step}


def test_mirror_routes_copy_the_primary_weights_and_follow_them(tmp_path: Path) -> None:
    # TestIstioHostMirrorRoute: two mirror routes in managedRoutes order before the primary,
    # each routing like the primary (80/20) and mirroring to the canary at its percentage;
    # later the first is removed and the second follows the primary to 60/40; promote --full
    # leaves only the primary at 100/0.
    steps = [
        {"setWeight": 20},
        _mirror("mirror-route-1", 100, path={"prefix": "/"}),
        _mirror("mirror-route-2", 80, path={"prefix": "/"}, method={"exact": "GET"}),
        {"pause": {}},
        _mirror("mirror-route-1", 100, path={"prefix": "/rewrite"}),
        {"pause": {}},
        {"setWeight": 40},
        _mirror("mirror-route-1"),
        {"pause": {}},
    ]
    manifests = routed(steps)
    manifests[0]["spec"]["strategy"]["canary"]["trafficRouting"] = {
        "managedRoutes": [{"name": "mirror-route-1"}, {"name": "mirror-route-2"}],
        "istio": {"virtualService": {"name": "vs", "routes": ["primary"]}},
    }
    ops = [set_image(60), op(100, "promote"), op(140, "promote"), op(180, "promoteFull")]
    r = simulate(tmp_path, manifests, ops, until="5m")

    assert _names(r, 70) == ["mirror-route-1", "mirror-route-2", "primary"]
    first, second, primary = http_routes(r, 70)
    assert (first["mirrorPercentage"], second["mirrorPercentage"]) == (
        {"value": 100.0},
        {"value": 80.0},
    )
    assert first["mirror"]["host"] == second["mirror"]["host"] == "canary-svc"
    for route in (first, second, primary):
        assert _dest(route) == {"stable-svc": 80, "canary-svc": 20}

    assert r.status_at(150).phase == "Paused"
    assert _names(r, 150) == ["mirror-route-2", "primary"]
    assert _dest(http_routes(r, 150)[0]) == {"stable-svc": 60, "canary-svc": 40}
    assert _dest(http_routes(r, 150)[1]) == {"stable-svc": 60, "canary-svc": 40}

    assert r.status_at(190).phase == "Healthy"
    assert _names(r, 190) == ["primary"]
    assert weights(r, 190) == {"stable-svc": 100, "canary-svc": 0}


def test_abort_keeps_canary_pods_with_a_deadline(tmp_path: Path) -> None:
    # TestIstioAbortUpdateDeleteAllCanaryPods: 5 replicas, setCanaryScale 2 then 4; on abort
    # stable keeps 5, the canary keeps its 4 pods with a scale-down deadline; weight 0.
    steps = [
        {"setCanaryScale": {"replicas": 2}},
        {"setWeight": 20},
        {"pause": {}},
        {"setCanaryScale": {"replicas": 4}},
        {"setWeight": 40},
        {"pause": {}},
    ]
    r = simulate(
        tmp_path,
        routed(steps, replicas=5),
        [set_image(60), op(100, "promote"), op(140, "abort")],
        until="4m",
    )
    assert pod_count(r, 99, 2) == 2
    assert (r.status_at(139).phase, pod_count(r, 139, 2)) == ("Paused", 4)
    snap = r.status_at(141)
    assert snap.phase == "Degraded"
    assert (pod_count(r, 141, 1), pod_count(r, 141, 2)) == (5, 4)
    assert by_revision(snap)[2].scale_down_at == 170.0
    assert weights(r, 141)["canary-svc"] == 0


def test_abort_of_a_healthy_rollout_keeps_its_pods(tmp_path: Path) -> None:
    # TestIstioAbortUpdate: abort on a Healthy rollout is ignored (1 pod stays); so is an
    # abort after the update was promoted.
    steps = [{"setWeight": 10}, {"pause": {}}]
    r = simulate(
        tmp_path,
        routed(steps, replicas=1),
        [op(30, "abort"), set_image(60), op(100, "promote"), op(140, "abort")],
        until="4m",
    )
    assert (r.status_at(40).phase, pod_count(r, 40, 1)) == ("Healthy", 1)
    assert r.status_at(139).phase == "Healthy"
    assert (r.status_at(141).phase, pod_count(r, 141, 2)) == ("Healthy", 1)


def test_update_in_the_middle_with_a_zero_weight_canary(tmp_path: Path) -> None:
    # TestIstioUpdateInMiddleZeroCanaryReplicas: 2 replicas, setWeight 0 then setCanaryScale
    # 1 then pause; a second update mid-way ends Paused with 1 pod of revision 3.
    steps = [{"setWeight": 0}, {"setCanaryScale": {"replicas": 1}}, {"pause": {}}]
    r = simulate(
        tmp_path,
        routed(steps, replicas=2),
        [set_image(60), set_image(120, "app:v3")],
        until="4m",
    )
    assert (r.status_at(119).phase, pod_count(r, 119, 2)) == ("Paused", 1)
    assert (r.final.phase, pod_count(r, r.until, 3)) == ("Paused", 1)
    assert desired(r, r.until)[2] == 0
    assert weights(r, r.until)["canary-svc"] == 0


def _subset_manifests(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    manifests = routed(steps, replicas=1)
    canary = manifests[0]["spec"]["strategy"]["canary"]
    del canary["canaryService"], canary["stableService"]
    canary["trafficRouting"] = {
        "istio": {
            "virtualService": {"name": "vs", "routes": ["primary"]},
            "destinationRule": {
                "name": "dr",
                "canarySubsetName": "canary",
                "stableSubsetName": "stable",
            },
        }
    }
    vs = manifests[3]
    vs["spec"]["http"][0]["route"] = [
        {"destination": {"host": "app-svc", "subset": "stable"}, "weight": 100},
        {"destination": {"host": "app-svc", "subset": "canary"}, "weight": 0},
    ]
    dr = {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "DestinationRule",
        "metadata": {"name": "dr", "namespace": "ns"},
        "spec": {
            "host": "app-svc",
            "subsets": [
                {"name": "stable", "labels": {"app": "app"}},
                {"name": "canary", "labels": {"app": "app"}},
            ],
        },
    }
    return [manifests[0], service("app-svc"), vs, dr]


def test_subset_split_labels_the_destination_rule_subsets(tmp_path: Path) -> None:
    # TestIstioSubsetSplit: Healthy: 100/0, both subsets select revision 1; paused at
    # setWeight 10: 90/10, stable subset revision 1, canary subset revision 2; after promote
    # (a second later): 100/0 and both subsets select revision 2; revision 1 keeps its pod
    # within the scale-down delay.
    steps = [{"setWeight": 10}, {"pause": {}}]
    r = simulate(
        tmp_path, _subset_manifests(steps), [set_image(60), op(100, "promote")], until="3m"
    )

    def subsets(t: float) -> dict[str, str]:
        dr = r.manifests_at(t)["destinationrules"][0]
        return {s["name"]: s["labels"]["rollouts-pod-template-hash"] for s in dr["spec"]["subsets"]}

    one = by_revision(r.status_at(30))[1].hash
    assert weights(r, 30) == {"stable": 100, "canary": 0}
    assert subsets(30) == {"stable": one, "canary": one}

    two = by_revision(r.status_at(70))[2].hash
    assert r.status_at(70).phase == "Paused"
    assert weights(r, 70) == {"stable": 90, "canary": 10}
    assert subsets(70) == {"stable": one, "canary": two}

    healthy = next(s.time for s in r.snapshots if s.time >= 100 and s.phase == "Healthy")
    assert weights(r, healthy + 1) == {"stable": 100, "canary": 0}
    assert subsets(healthy + 1) == {"stable": two, "canary": two}
    assert pod_count(r, healthy + 1, 1) == 1


def test_host_split_also_rewrites_tls_routes(tmp_path: Path) -> None:
    # TestIstioHostSplit with an HTTP and a TLS route: both carry 90/10 while paused.
    steps = [{"setWeight": 10}, {"pause": {}}]
    manifests = routed(steps, replicas=1)
    manifests[0]["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"][
        "tlsRoutes"
    ] = [{"port": 443, "sniHosts": ["app.example"]}]
    manifests[3]["spec"]["tls"] = [
        {
            "match": [{"port": 443, "sniHosts": ["app.example"]}],
            "route": [
                {"destination": {"host": "stable-svc"}, "weight": 100},
                {"destination": {"host": "canary-svc"}, "weight": 0},
            ],
        }
    ]
    r = simulate(tmp_path, manifests, [set_image(60), op(100, "promote")], until="3m")

    def tls(t: float) -> dict[str, int]:
        route = r.manifests_at(t)["virtualservices"][0]["spec"]["tls"][0]
        return _dest(route)

    assert tls(30) == {"stable-svc": 100, "canary-svc": 0}
    assert weights(r, 70) == {"stable-svc": 90, "canary-svc": 10}
    assert tls(70) == {"stable-svc": 90, "canary-svc": 10}
    assert tls(r.until) == {"stable-svc": 100, "canary-svc": 0}


def test_weight_series_and_actual_weight_follow_the_virtual_service(tmp_path: Path) -> None:
    steps = [{"setWeight": 20}, {"pause": {"duration": "20s"}}, {"setWeight": 60}, {"pause": {}}]
    r = simulate(tmp_path, routed(steps), [set_image(60), op(150, "abort")], until="4m")
    for snap in r.snapshots:
        vs = weights(r, snap.time)
        assert r.series_at("weight.canary", snap.time) == vs["canary-svc"], snap.time
        assert r.series_at("weight.stable", snap.time) == vs["stable-svc"], snap.time
        if snap.step_index is not None and snap.step_index < snap.step_count:
            assert snap.actual_weight == vs["canary-svc"], snap.time


def test_istio_host_split_only_tls_replay(tmp_path: Path) -> None:
    # TestIstioHostSplitOnlyTls (istio-host-only-tls-split.yaml): the VirtualService has only
    # a TLS route while the Rollout still names the HTTP route "primary" (and the TLS one):
    # Argo rewrites what exists (no HTTP route is not an error), 100/0 when Healthy, 90/10
    # paused at setWeight 10, 100/0 after promotion.
    steps = [{"setWeight": 10}, {"pause": {}}]
    manifests = routed(steps, replicas=1)
    manifests[0]["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"][
        "tlsRoutes"
    ] = [{"port": 3000, "sniHosts": ["app.example"]}]
    vs = manifests[3]["spec"]
    del vs["http"]
    vs["tls"] = [
        {
            "match": [{"port": 3000, "sniHosts": ["app.example"]}],
            "route": [
                {"destination": {"host": "stable-svc"}, "weight": 100},
                {"destination": {"host": "canary-svc"}, "weight": 0},
            ],
        }
    ]
    r = simulate(tmp_path, manifests, [set_image(60), op(100, "promote")], until="3m")

    def tls(t: float) -> dict[str, int]:
        return _dest(r.manifests_at(t)["virtualservices"][0]["spec"]["tls"][0])

    assert r.status_at(59).phase == "Healthy"
    assert tls(59) == {"stable-svc": 100, "canary-svc": 0}
    assert r.status_at(99).phase == "Paused"
    assert tls(99) == {"stable-svc": 90, "canary-svc": 10}
    assert r.final.phase == "Healthy"
    assert tls(r.until) == {"stable-svc": 100, "canary-svc": 0}
    assert "http" not in r.manifests_at(r.until)["virtualservices"][0]["spec"]
