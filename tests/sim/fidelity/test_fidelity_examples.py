"""Argo Rollouts' own ``examples/`` (at the reference commit), run through canarysim.

Each test writes the example's objects in our own words (same names, fields and values), deploys
them from nothing, makes the update a user of the example would make (a new image, promotions
where the example pauses), and checks the outcome Argo gives and the router objects Argo writes
at each stage, transcribed from the reconciler that writes them. Parts of an example canarysim
does not simulate (a ``Gateway``, App Mesh's ``Mesh``, a load-tester ``Deployment``) are left
out; what such parts would change is said where it matters. The APISIX example is in
``test_fidelity_apisix.py``.
"""

from __future__ import annotations

from typing import Any

from albkit import action, alb_ingress, canary_rollout, node_port
from fidelitykit import simulate


def svc(name: str, app: str, *, target: int | str = 8080, **spec: Any) -> dict[str, Any]:
    port: dict[str, Any] = {"protocol": "TCP", "port": 80, "targetPort": target}
    if isinstance(target, str):
        port["name"] = target
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": app}, "ports": [port], **spec},
    }


def rollout(
    name: str, app: str, strategy: dict[str, Any], *, replicas: int, image: str, port: int = 8080
) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "revisionHistoryLimit": 2,
            "selector": {"matchLabels": {"app": app}},
            "template": {
                "metadata": {"labels": {"app": app}},
                "spec": {
                    "containers": [
                        {
                            "name": "rollouts-demo",
                            "image": image,
                            "imagePullPolicy": "Always",
                            "ports": [{"containerPort": port}],
                        }
                    ]
                },
            },
            "strategy": strategy,
        },
    }


def new_image(
    at: str = "1m", image: str = "argoproj/rollouts-demo:green", container="rollouts-demo"
):
    return {"at": at, "do": "setImage", "container": container, "image": image}


def first(r, after: float, check) -> Any:
    return next(s for s in r.snapshots if s.time >= after and check(s))


def revision(s, hash_: str) -> int | None:
    return next((rs.revision for rs in s.replica_sets if rs.hash == hash_), None)


# ------------------------------------------------------------------ examples/rollout-bluegreen
def test_rollout_bluegreen_example(tmp_path):
    """``rollout-bluegreen.yaml``: 2 replicas, active and preview Services, manual promotion.
    After the update the preview Service points at revision 2 (2 pods) while the active one
    stays on revision 1 and users see only revision 1; ``promote`` switches the active
    Service, and 30 s later (blue-green's default scaleDownDelaySeconds) revision 1 is gone."""
    app = "rollout-bluegreen"
    manifests = [
        rollout(
            app,
            app,
            {
                "blueGreen": {
                    "activeService": f"{app}-active",
                    "previewService": f"{app}-preview",
                    "autoPromotionEnabled": False,
                }
            },
            replicas=2,
            image="argoproj/rollouts-demo:blue",
        ),
        svc(f"{app}-active", app),
        svc(f"{app}-preview", app),
    ]
    r = simulate(
        tmp_path,
        manifests,
        [new_image(), {"at": "2m", "do": "promote"}],
        traffic={"rate": 10, "host": f"{app}-active"},
        until="4m",
    )
    paused = r.status_at(119)
    assert (paused.phase, paused.message) == ("Paused", "BlueGreenPause")
    assert revision(paused, paused.active_hash) == 1
    assert revision(paused, paused.preview_hash) == 2
    assert sorted((rs.revision, rs.available) for rs in paused.replica_sets) == [(1, 2), (2, 2)]
    t = r.series["time"]
    before = (t >= 10) & (t < 120)
    assert r.series["requests.canary"][before].sum() == 0
    switch = next(
        e["time"] for e in r.events if e["reason"] == "SwitchService" and e["time"] >= 120
    )
    done = r.status_at(switch)
    assert done.phase == "Healthy" and revision(done, done.active_hash) == 2
    gone = next(
        e["time"]
        for e in r.events
        if e["reason"] == "ScalingReplicaSet" and "(revision 1) from 2 to 0" in e["message"]
    )
    assert gone == switch + 30
    after = t >= switch + 1
    assert r.series["requests.stable"][after].sum() > 0  # revision 2 is stable and active


# -------------------------------------------------------------------- examples/helm-blue-green
def test_helm_blue_green_example(tmp_path):
    """``helm-blue-green`` rendered with its default values (release ``demo``): one replica,
    automatic promotion, HTTP readiness probes on the named port. The update goes through the
    preview Service and is promoted on its own: Healthy on revision 2, both Services on it."""
    full, name = "demo-helm-guestbook", "helm-guestbook"
    labels = {"app": name, "release": "demo"}
    meta_labels = {**labels, "chart": "helm-guestbook-0.1.0", "heritage": "Helm"}
    probe = {"httpGet": {"path": "/", "port": "http"}}

    def service(svc_name: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": svc_name, "labels": meta_labels},
            "spec": {
                "type": "ClusterIP",
                "ports": [{"port": 80, "targetPort": "http", "protocol": "TCP", "name": "http"}],
                "selector": labels,
            },
        }

    ro = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": full, "labels": meta_labels},
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": labels},
            "strategy": {"blueGreen": {"activeService": full, "previewService": f"{full}-preview"}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": name,
                            "image": "gcr.io/heptio-images/ks-guestbook-demo:0.1",
                            "imagePullPolicy": "IfNotPresent",
                            "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
                            "livenessProbe": probe,
                            "readinessProbe": probe,
                            "resources": {},
                        }
                    ]
                },
            },
        },
    }
    r = simulate(
        tmp_path,
        [ro, service(full), service(f"{full}-preview")],
        [new_image(image="gcr.io/heptio-images/ks-guestbook-demo:0.2", container=name)],
        traffic={"rate": 10, "host": full},
        until="3m",
    )
    assert r.status_at(59).phase == "Healthy"
    final = r.final
    assert final.phase == "Healthy" and final.strategy == "BlueGreen"
    assert revision(final, final.active_hash) == 2
    assert revision(final, final.preview_hash) == 2
    assert not [e for e in r.events if e["reason"] == "RolloutPaused"]  # auto-promoted
    assert r.series["requests.unserved"][r.series["time"] >= 10].sum() == 0


# -------------------------------------------------------------- examples/rollout-canary-preview
def test_rollout_canary_preview_example(tmp_path):
    """``rollout-canary-preview.yaml``: a canary whose only step is an experiment of the canary
    spec relabelled ``app: rollout-canary-preview`` (its own selector and pod labels), so the
    ``rollout-canary-preview`` Service serves the experiment's pods and nothing else. Without a
    duration the experiment runs until the step is promoted; then the rollout is Healthy on
    revision 2 and the experiment is over."""
    preview = {"app": "rollout-canary-preview"}
    strategy = {
        "canary": {
            "steps": [
                {
                    "experiment": {
                        "templates": [
                            {
                                "name": "canary-preview",
                                "specRef": "canary",
                                "selector": {"matchLabels": preview},
                                "metadata": {"labels": preview},
                            }
                        ]
                    }
                }
            ]
        }
    }
    manifests = [
        rollout(
            "rollout-canary-preview",
            "rollout-canary-production",
            strategy,
            replicas=3,
            image="argoproj/rollouts-demo:blue",
        ),
        svc("rollout-canary-preview", "rollout-canary-preview"),
        svc("rollout-canary-production", "rollout-canary-production"),
    ]
    r = simulate(tmp_path, manifests, [new_image(), {"at": "3m", "do": "promote"}], until="4m")
    during = r.status_at(170)
    assert during.step_index == 0 and during.phase == "Progressing"
    [experiment] = during.experiments
    assert experiment.phase == "Running"
    final = r.final
    assert final.phase == "Healthy" and final.revision == 2
    assert all(e.phase != "Running" for e in final.experiments)


# ------------------------------------------------------------------------ examples/ambassador
def test_ambassador_example(tmp_path):
    """``examples/ambassador``: Mapping ``echo`` (prefix /echo to echo-stable:80), the two
    Services and the Rollout (30, 60, 100, each followed by a pause). Argo creates
    ``echo-canary`` (the Mapping without its metadata, service echo-canary:80, the weight) at
    the first setWeight, updates its weight, and deletes it at the end of the update; the
    base Mapping is never touched. (The KubernetesEndpointResolver is Ambassador's own
    configuration: left out.)"""
    mapping = {
        "apiVersion": "getambassador.io/v2",
        "kind": "Mapping",
        "metadata": {"name": "echo"},
        "spec": {
            "resolver": "endpoint",
            "prefix": "/echo",
            "rewrite": "/echo",
            "service": "echo-stable:80",
        },
    }
    services = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"labels": {"app": "echo"}, "name": name},
            "spec": {
                "type": "ClusterIP",
                "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
                "selector": {"app": "echo"},
            },
        }
        for name in ("echo-stable", "echo-canary")
    ]
    ro = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "echo-rollout"},
        "spec": {
            "selector": {"matchLabels": {"app": "echo"}},
            "template": {
                "metadata": {"labels": {"app": "echo"}},
                "spec": {
                    "containers": [
                        {
                            "image": "hashicorp/http-echo",
                            "args": ["-text=VERSION 1", "-listen=:8080"],
                            "imagePullPolicy": "Always",
                            "name": "echo-v1",
                            "ports": [{"containerPort": 8080}],
                        }
                    ]
                },
            },
            "strategy": {
                "canary": {
                    "stableService": "echo-stable",
                    "canaryService": "echo-canary",
                    "trafficRouting": {"ambassador": {"mappings": ["echo"]}},
                    "steps": [
                        {"setWeight": 30},
                        {"pause": {"duration": "30s"}},
                        {"setWeight": 60},
                        {"pause": {"duration": "30s"}},
                        {"setWeight": 100},
                        {"pause": {"duration": 10}},
                    ],
                }
            },
        },
    }
    update = {
        "at": "1m",
        "do": "setImage",
        "container": "echo-v1",
        "image": "hashicorp/http-echo:2",
    }
    r = simulate(tmp_path, [mapping, *services, ro], [update], until="4m")

    def mappings(t):
        return {m["metadata"]["name"]: m for m in r.manifests_at(t).get("mappings", [])}

    def canary_mapping(weight):
        return {
            "apiVersion": "getambassador.io/v2",
            "kind": "Mapping",
            "metadata": {"name": "echo-canary", "namespace": "ns"},
            "spec": {**mapping["spec"], "service": "echo-canary:80", "weight": weight},
        }

    assert set(mappings(59)) == {"echo"}
    for index, weight in ((1, 30), (3, 60), (5, 100)):
        t = next(s.time for s in r.snapshots if s.time >= 60 and s.step_index == index)
        now = mappings(t)
        assert now["echo-canary"] == canary_mapping(weight)
        assert now["echo"]["spec"] == mapping["spec"]
    final = r.final
    assert final.phase == "Healthy" and final.revision == 2
    assert set(mappings(r.until)) == {"echo"}


# --------------------------------------------------------------------------- examples/appmesh
def test_appmesh_example(tmp_path):
    """``examples/appmesh``: VirtualService my-svc -> VirtualRouter my-vrouter (route
    ``primary``: canary node 0, stable node 100), VirtualNodes whose pod selectors carry
    placeholder hashes, and the Rollout (25, pause, 50, 10 m, 75, 10 m). Argo rewrites the
    VirtualNodes' ``rollouts-pod-template-hash`` to the canary and stable ReplicaSets' hashes
    and the route's weighted targets at each setWeight; at the end, 0/100 again. (The Mesh, the
    Namespace, the wrk-tester node and Deployment and the success-rate template the example
    ships but never references are left out.)"""
    ns = "argo-examples"

    def meta(name: str) -> dict[str, Any]:
        return {"name": name, "namespace": ns}

    def node(name: str, placeholder: str, host: str) -> dict[str, Any]:
        return {
            "apiVersion": "appmesh.k8s.aws/v1beta2",
            "kind": "VirtualNode",
            "metadata": meta(name),
            "spec": {
                "podSelector": {
                    "matchLabels": {"app": "my-app", "rollouts-pod-template-hash": placeholder}
                },
                "listeners": [{"portMapping": {"port": 8080, "protocol": "http"}}],
                "serviceDiscovery": {"dns": {"hostname": host, "responseType": "ENDPOINTS"}},
            },
        }

    def headless(name: str) -> dict[str, Any]:
        s = svc(name, "my-app", target="http", clusterIP="None")
        s["metadata"] = meta(name)
        return s

    main = svc("my-svc", "my-app", target="http")
    main["metadata"] = meta("my-svc")
    ro = rollout(
        "my-rollout",
        "my-app",
        {
            "canary": {
                "canaryService": "my-svc-canary",
                "stableService": "my-svc-stable",
                "trafficRouting": {
                    "appMesh": {
                        "virtualService": {"name": "my-svc"},
                        "virtualNodeGroup": {
                            "canaryVirtualNodeRef": {"name": "my-vn-canary"},
                            "stableVirtualNodeRef": {"name": "my-vn-stable"},
                        },
                    }
                },
                "steps": [
                    {"setWeight": 25},
                    {"pause": {}},
                    {"setWeight": 50},
                    {"pause": {"duration": "10m"}},
                    {"setWeight": 75},
                    {"pause": {"duration": "10m"}},
                ],
            }
        },
        replicas=4,
        image="argoproj/rollouts-demo:blue",
    )
    ro["metadata"]["namespace"] = ns
    del ro["spec"]["revisionHistoryLimit"]
    ro["spec"]["template"]["spec"]["containers"][0]["name"] = "demo"
    ro["spec"]["template"]["spec"]["containers"][0]["ports"] = [
        {"name": "http", "containerPort": 8080}
    ]
    manifests = [
        main,
        headless("my-svc-canary"),
        headless("my-svc-stable"),
        {
            "apiVersion": "appmesh.k8s.aws/v1beta2",
            "kind": "VirtualService",
            "metadata": meta("my-svc"),
            "spec": {"provider": {"virtualRouter": {"virtualRouterRef": {"name": "my-vrouter"}}}},
        },
        {
            "apiVersion": "appmesh.k8s.aws/v1beta2",
            "kind": "VirtualRouter",
            "metadata": meta("my-vrouter"),
            "spec": {
                "listeners": [{"portMapping": {"port": 80, "protocol": "http"}}],
                "routes": [
                    {
                        "name": "primary",
                        "httpRoute": {
                            "match": {"prefix": "/"},
                            "action": {
                                "weightedTargets": [
                                    {"virtualNodeRef": {"name": "my-vn-canary"}, "weight": 0},
                                    {"virtualNodeRef": {"name": "my-vn-stable"}, "weight": 100},
                                ]
                            },
                        },
                    }
                ],
            },
        },
        node("my-vn-canary", "canary-tbd", f"my-svc-canary.{ns}.svc.cluster.local"),
        node("my-vn-stable", "stable-tbd", f"my-svc-stable.{ns}.svc.cluster.local"),
        ro,
    ]
    update = new_image(container="demo")
    r = simulate(
        tmp_path,
        manifests,
        [update, {"when": {"phase": "Paused", "stepIndex": 1}, "do": "promote"}],
        namespace=ns,
        until="25m",
    )

    def targets(t):
        [router] = r.manifests_at(t)["virtualrouters"]
        [route] = router["spec"]["routes"]
        return {
            w["virtualNodeRef"]["name"]: w["weight"]
            for w in route["httpRoute"]["action"]["weightedTargets"]
        }

    def hashes(t):
        return {
            n["metadata"]["name"]: n["spec"]["podSelector"]["matchLabels"][
                "rollouts-pod-template-hash"
            ]
            for n in r.manifests_at(t)["virtualnodes"]
        }

    assert targets(59) == {"my-vn-canary": 0, "my-vn-stable": 100}
    for index, weight in ((1, 25), (3, 50), (5, 75)):
        s = next(s for s in r.snapshots if s.time >= 60 and s.step_index == index)
        assert targets(s.time) == {"my-vn-canary": weight, "my-vn-stable": 100 - weight}
        assert hashes(s.time) == {"my-vn-canary": s.canary_hash, "my-vn-stable": s.stable_hash}
    final = r.final
    assert final.phase == "Healthy" and final.revision == 2
    assert targets(r.until) == {"my-vn-canary": 0, "my-vn-stable": 100}
    assert hashes(r.until)["my-vn-stable"] == final.stable_hash


# ----------------------------------------------------------- examples/traffic-management (SMI)
def test_linkerd_example(tmp_path):
    """``traffic-management/rollout-linkerd.yaml``: SMI with ``rootService: rollout-linkerd``,
    5 replicas, setWeight 5 then a pause. Argo creates the TrafficSplit named after the
    Rollout, owned by it, for the root Service, with the canary at 5 and the stable at 95;
    promoted, the split is back to 0/100 and the rollout Healthy. (The example's load-test
    template, a Job running wrk, is not referenced by the Rollout: left out.)"""
    app = "rollout-linkerd"
    strategy = {
        "canary": {
            "stableService": f"{app}-stable",
            "canaryService": f"{app}-canary",
            "trafficRouting": {"smi": {"rootService": app}},
            "steps": [{"setWeight": 5}, {"pause": {}}],
        }
    }
    ro = rollout(app, app, strategy, replicas=5, image="argoproj/rollouts-demo:blue")
    ro["spec"]["template"]["metadata"]["annotations"] = {"linkerd.io/inject": "enabled"}
    manifests = [ro, svc(app, app), svc(f"{app}-stable", app), svc(f"{app}-canary", app)]
    r = simulate(
        tmp_path,
        manifests,
        [new_image(), {"at": "3m", "do": "promote"}],
        traffic={"rate": 40, "host": app},
        until="5m",
    )

    def split(t):
        return r.manifests_at(t)["trafficsplits"][0]

    paused = first(r, 60, lambda s: s.phase == "Paused")
    assert split(paused.time) == {
        "apiVersion": "split.smi-spec.io/v1alpha1",
        "kind": "TrafficSplit",
        "metadata": {
            "name": app,
            "namespace": "ns",
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "name": app,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "service": app,
            "backends": [
                # SMI v1alpha1 weights are resource quantities: "5", as Argo's smi.go writes
                {"service": f"{app}-canary", "weight": "5"},
                {"service": f"{app}-stable", "weight": "95"},
            ],
        },
    }
    # the mesh spreads requests to the root Service by the split
    t = r.series["time"]
    window = (t >= paused.time + 5) & (t < 180)
    canary = r.series["requests.canary"][window].sum()
    n = canary + r.series["requests.stable"][window].sum()
    assert abs(canary / n - 0.05) < 5 * (0.05 * 0.95 / n) ** 0.5
    assert r.final.phase == "Healthy"
    assert [b["weight"] for b in split(r.until)["spec"]["backends"]] == ["0", "100"]


# ------------------------------------------------- examples/traffic-routing-experiment-step
def test_smi_experiment_step_example(tmp_path):
    """``rollout-smi-experiment-step.yaml``: setWeight 5, then an experiment of the canary
    spec at weight 5 (no duration). The TrafficSplit ``rollout-smi-experiment-trafficsplit`` holds
    canary 5, the experiment's Service 5 and stable 90 while the experiment runs; promoted
    past it, 0/100 again. (The example's stable Ingress of class nginx is not used by any
    router of the Rollout: left out.)"""
    app = "rollout-smi-experiment"
    canary = {
        "canaryService": f"{app}-canary",
        "stableService": f"{app}-stable",
        "trafficRouting": {"smi": {"trafficSplitName": f"{app}-trafficsplit"}},
        "steps": [
            {"setWeight": 5},
            {
                "experiment": {
                    "templates": [{"name": "experiment-smi", "specRef": "canary", "weight": 5}]
                }
            },
        ],
    }
    manifests = [
        node_port(f"{app}-canary", app),
        node_port(f"{app}-stable", app),
        canary_rollout(app, app, canary=canary, image="argoproj/rollouts-demo:blue", replicas=1),
    ]
    for m in manifests[:2]:
        del m["spec"]["type"]
    r = simulate(
        tmp_path, manifests, [new_image(container=app), {"at": "3m", "do": "promote"}], until="4m"
    )
    running = first(r, 60, lambda s: s.step_index == 1 and s.experiments)
    t = running.time + 10
    [experiment] = r.status_at(t).experiments
    [split] = r.manifests_at(t)["trafficsplits"]
    assert split["metadata"]["name"] == f"{app}-trafficsplit"
    assert split["spec"]["service"] == f"{app}-stable"  # no rootService: the stable Service
    assert split["spec"]["backends"] == [
        {"service": f"{app}-canary", "weight": "5"},
        {"service": f"{experiment.name}-experiment-smi", "weight": "5"},
        {"service": f"{app}-stable", "weight": "90"},
    ]
    assert r.final.phase == "Healthy"
    [split] = r.manifests_at(r.until)["trafficsplits"]
    assert split["spec"]["backends"] == [
        {"service": f"{app}-canary", "weight": "0"},
        {"service": f"{app}-stable", "weight": "100"},
    ]


def test_alb_experiment_step_example(tmp_path):
    """``rollout-alb-experiment-step.yaml``: setWeight 10, then an experiment of the canary
    spec at weight 20. The ALB Ingress's root action holds the canary at 10, the experiment's
    Service at 20 and the stable at 70 while the experiment runs, byte for byte as Argo's Go
    JSON; 0/100 once promoted past it."""
    app = "alb-rollout"
    root = f"{app}-root"
    canary = {
        "canaryService": f"{app}-canary",
        "stableService": f"{app}-stable",
        "trafficRouting": {
            "alb": {"ingress": f"{app}-ingress", "rootService": root, "servicePort": 80}
        },
        "steps": [
            {"setWeight": 10},
            {
                "experiment": {
                    "templates": [{"name": "experiment-alb", "specRef": "canary", "weight": 20}]
                }
            },
        ],
    }
    manifests = [
        node_port(root, app),
        node_port(f"{app}-canary", app),
        node_port(f"{app}-stable", app),
        alb_ingress(f"{app}-ingress", root),
        canary_rollout(app, app, canary=canary, image="argoproj/rollouts-demo:blue"),
    ]
    r = simulate(
        tmp_path, manifests, [new_image(container=app), {"at": "3m", "do": "promote"}], until="4m"
    )
    running = first(r, 60, lambda s: s.step_index == 1 and s.experiments)
    t = running.time + 10
    [experiment] = r.status_at(t).experiments
    groups = [
        (f"{app}-canary", 10),
        (f"{experiment.name}-experiment-alb", 20),
        (f"{app}-stable", 70),
    ]

    def forward(pairs):
        return (
            '{"Type":"forward","ForwardConfig":{"TargetGroups":['
            + ",".join(f'{{"ServiceName":"{s}","ServicePort":"80","Weight":{w}}}' for s, w in pairs)
            + "]}}"
        )

    assert action(r, t, f"{app}-ingress", root) == forward(groups)
    assert r.final.phase == "Healthy"
    assert action(r, r.until, f"{app}-ingress", root) == forward(
        [(f"{app}-canary", 0), (f"{app}-stable", 100)]
    )


def test_istio_host_split_experiment_step_example(tmp_path):
    """``istio-host-split-experiment-step.yaml``: the VirtualService's primary route gets a
    third destination, the experiment's Service, at its weight, beside canary and stable,
    while the experiment runs; after promotion the route is back to stable 100 / canary 0
    with the experiment's destination gone."""
    app = "istio-host-split"
    vs = {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": f"{app}-vsvc"},
        "spec": {
            "hosts": [app],
            "http": [
                {
                    "name": "primary",
                    "route": [
                        {"destination": {"host": f"{app}-stable"}, "weight": 100},
                        {"destination": {"host": f"{app}-canary"}, "weight": 0},
                    ],
                }
            ],
        },
    }
    canary = {
        "canaryService": f"{app}-canary",
        "stableService": f"{app}-stable",
        "trafficRouting": {
            "istio": {"virtualService": {"name": f"{app}-vsvc", "routes": ["primary"]}}
        },
        "steps": [
            {"setWeight": 10},
            {
                "experiment": {
                    "templates": [{"name": "experiment-istio", "specRef": "canary", "weight": 20}]
                }
            },
        ],
    }
    manifests = [
        svc(f"{app}-canary", app, target="http"),
        svc(f"{app}-stable", app, target="http"),
        vs,
        canary_rollout(app, app, canary=canary, image="argoproj/rollouts-demo:blue"),
    ]
    r = simulate(
        tmp_path, manifests, [new_image(container=app), {"at": "3m", "do": "promote"}], until="4m"
    )
    running = first(r, 60, lambda s: s.step_index == 1 and s.experiments)
    t = running.time + 10
    [experiment] = r.status_at(t).experiments

    def route(at):
        [http] = r.manifests_at(at)["virtualservices"][0]["spec"]["http"]
        return [(d["destination"]["host"], d["weight"]) for d in http["route"]]

    assert route(t) == [
        (f"{app}-stable", 70),
        (f"{app}-canary", 10),
        (f"{experiment.name}-experiment-istio", 20),
    ]
    assert r.final.phase == "Healthy"
    assert route(r.until) == [(f"{app}-stable", 100), (f"{app}-canary", 0)]


# ----------------------------------------------------------------------------- examples/istio
def test_istio_subset_split_example(tmp_path):
    """``istio/istio-subset-split.yaml``: one Service, a VirtualService whose primary route
    splits between its ``stable`` and ``canary`` subsets, and a DestinationRule whose subsets
    Argo labels with the ReplicaSets' pod-template hashes (and marks as managed by the
    Rollout). setWeight 10 then a pause: 90/10 with the canary subset on the new hash; promoted,
    100/0 and both subsets on the new hash."""
    app = "istio-subset-split"
    manifests = [
        svc(app, app, target="http"),
        {
            "apiVersion": "networking.istio.io/v1alpha3",
            "kind": "VirtualService",
            "metadata": {"name": f"{app}-vsvc"},
            "spec": {
                "hosts": [app],
                "http": [
                    {
                        "name": "primary",
                        "route": [
                            {"destination": {"host": app, "subset": "stable"}, "weight": 100},
                            {"destination": {"host": app, "subset": "canary"}, "weight": 0},
                        ],
                    }
                ],
            },
        },
        {
            "apiVersion": "networking.istio.io/v1alpha3",
            "kind": "DestinationRule",
            "metadata": {"name": f"{app}-destrule"},
            "spec": {
                "host": app,
                "subsets": [
                    {"name": "stable", "labels": {"app": app}},
                    {"name": "canary", "labels": {"app": app}},
                ],
            },
        },
        canary_rollout(
            app,
            app,
            canary={
                "trafficRouting": {
                    "istio": {
                        "virtualService": {"name": f"{app}-vsvc", "routes": ["primary"]},
                        "destinationRule": {
                            "name": f"{app}-destrule",
                            "canarySubsetName": "canary",
                            "stableSubsetName": "stable",
                        },
                    }
                },
                "steps": [{"setWeight": 10}, {"pause": {}}],
            },
        ),
    ]
    r = simulate(
        tmp_path,
        manifests,
        [new_image(image="nginx:1.20-alpine", container=app), {"at": "3m", "do": "promote"}],
        until="5m",
    )

    def weights(t):
        [http] = r.manifests_at(t)["virtualservices"][0]["spec"]["http"]
        return {d["destination"]["subset"]: d["weight"] for d in http["route"]}

    def subsets(t):
        [dr] = r.manifests_at(t)["destinationrules"]
        return dr, {s["name"]: s["labels"] for s in dr["spec"]["subsets"]}

    paused = first(r, 60, lambda s: s.phase == "Paused")
    assert weights(paused.time) == {"stable": 90, "canary": 10}
    dr, labels = subsets(paused.time)
    hash_label = "rollouts-pod-template-hash"
    assert labels == {
        "stable": {"app": app, hash_label: paused.stable_hash},
        "canary": {"app": app, hash_label: paused.canary_hash},
    }
    assert dr["metadata"]["annotations"]["argo-rollouts.argoproj.io/managed-by-rollouts"] == app
    final = r.final
    assert final.phase == "Healthy" and final.revision == 2
    assert weights(r.until) == {"stable": 100, "canary": 0}
    _, labels = subsets(r.until)
    assert labels["stable"][hash_label] == labels["canary"][hash_label] == final.stable_hash


def test_istio_mirror_example(tmp_path):
    """``istio/istio-mirror.yaml``: 4 replicas; setCanaryScale weight 50 (2 canary pods),
    then a mirror route ``mirror-route`` copying 50 % of ``POST /color*`` to the canary, then a
    pause. The VirtualService gets the managed route in front of ``primary``, matching method
    and URI, routed as the primary route (stable 100) and mirrored to the canary Service; the
    end of the update removes it. (The example's Gateway is left out: requests are sent to the
    VirtualService's host from inside the mesh.)"""
    app = "istio-host-split"
    vs = {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": f"{app}-vsvc"},
        "spec": {
            "hosts": [f"{app}.com"],
            "gateways": [f"{app}-gateway"],
            "http": [
                {
                    "name": "primary",
                    "route": [
                        {"destination": {"host": f"{app}-stable"}, "weight": 100},
                        {"destination": {"host": f"{app}-canary"}, "weight": 0},
                    ],
                }
            ],
        },
    }
    canary = {
        "canaryService": f"{app}-canary",
        "stableService": f"{app}-stable",
        "trafficRouting": {
            "managedRoutes": [{"name": "mirror-route"}],
            "istio": {"virtualService": {"name": f"{app}-vsvc", "routes": ["primary"]}},
        },
        "steps": [
            {"setCanaryScale": {"weight": 50}},
            {
                "setMirrorRoute": {
                    "name": "mirror-route",
                    "percentage": 50,
                    "match": [{"method": {"exact": "POST"}, "path": {"prefix": "/color"}}],
                }
            },
            {"pause": {}},
        ],
    }
    manifests = [
        svc(f"{app}-canary", app, target="http"),
        svc(f"{app}-stable", app, target="http"),
        vs,
        canary_rollout(
            app, app, canary=canary, image="argoproj/rollouts-demo:green", replicas=4, port=8080
        ),
    ]
    r = simulate(
        tmp_path,
        manifests,
        [
            new_image(image="argoproj/rollouts-demo:blue", container=app),
            {"at": "3m", "do": "promote"},
        ],
        until="5m",
    )
    paused = first(r, 60, lambda s: s.phase == "Paused")
    canary_rs = next(rs for rs in paused.replica_sets if rs.revision == 2)
    assert canary_rs.desired == 2
    http = r.manifests_at(paused.time)["virtualservices"][0]["spec"]["http"]
    assert [h["name"] for h in http] == ["mirror-route", "primary"]
    mirror = http[0]
    assert mirror["match"] == [{"method": {"exact": "POST"}, "uri": {"prefix": "/color"}}]
    # the primary route's destinations, written through Argo's typed route, whose
    # ``weight,omitempty`` drops a zero weight (istio_types.go::VirtualServiceRouteDestination)
    assert mirror["route"] == [
        {"destination": {"host": f"{app}-stable"}, "weight": 100},
        {"destination": {"host": f"{app}-canary"}},
    ]
    assert mirror["mirror"] == {"host": f"{app}-canary"}
    assert mirror["mirrorPercentage"] == {"value": 50.0}
    final = r.final
    assert final.phase == "Healthy" and final.revision == 2
    http = r.manifests_at(r.until)["virtualservices"][0]["spec"]["http"]
    assert [h["name"] for h in http] == ["primary"]
