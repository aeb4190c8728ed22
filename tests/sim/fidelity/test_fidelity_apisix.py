"""APISIX header routes: Argo's e2e ``TestAPISIXCanarySetHeaderStep`` (test/e2e/apisix_test.go,
fixture apisix/rollout-apisix-canary-set-header.yaml) and the ``examples/apisix`` manifests,
replayed.

Both Rollouts start with one step that sets three fields at once (``setCanaryScale`` replicas 1,
``setHeaderRoute`` ``trace: debug`` named ``set-header``, and a pause), which Argo accepts
(``hasMultipleStepsType`` only counts setWeight/pause/experiment/analysis). Argo's APISIX
reconciler answers the header route with a second ApisixRoute named after the managed route:
a copy of the Rollout's route, owned by the Rollout, whose managed rule sends everything to the
canary (the stable backend dropped), one priority higher, matching ``exprs`` on the header
(``apisix.go::SetHeaderRoute``); the end of the update deletes it (``RemoveManagedRoutes``).
"""

from __future__ import annotations

from typing import Any

from fidelitykit import simulate

CANARY, STABLE = "rollout-apisix-canary-canary", "rollout-apisix-canary-stable"
ROUTE, RULE = "rollouts-apisix-route", "rollouts-apisix"


def service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {
            "ports": [{"port": 80, "targetPort": "http", "protocol": "TCP", "name": "http"}],
            "selector": {"app": "rollout-apisix-canary"},
        },
    }


def apisix_route(weights: tuple[int, int] | None) -> dict[str, Any]:
    """The ApisixRoute: one rule for rollouts-demo.apisix.local, stable then canary backend
    (with 100/0 weights in the e2e fixture, none in the example)."""
    backends: list[dict[str, Any]] = [
        {"serviceName": STABLE, "servicePort": 80},
        {"serviceName": CANARY, "servicePort": 80},
    ]
    if weights is not None:
        for backend, weight in zip(backends, weights, strict=True):
            backend["weight"] = weight
    return {
        "apiVersion": "apisix.apache.org/v2",
        "kind": "ApisixRoute",
        "metadata": {"name": ROUTE},
        "spec": {
            "http": [
                {
                    "name": RULE,
                    "match": {
                        "paths": ["/*"],
                        "methods": ["GET", "POST", "PUT", "DELETE", "PATCH"],
                        "hosts": ["rollouts-demo.apisix.local"],
                    },
                    "backends": backends,
                }
            ]
        },
    }


HEADER_STEP = {
    "setCanaryScale": {"replicas": 1},
    "setHeaderRoute": {
        "match": [{"headerName": "trace", "headerValue": {"exact": "debug"}}],
        "name": "set-header",
    },
}


def rollout(replicas: int, steps: list[dict[str, Any]], container: str, image: str) -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "rollout-apisix-canary"},
        "spec": {
            "replicas": replicas,
            "strategy": {
                "canary": {
                    "canaryService": CANARY,
                    "stableService": STABLE,
                    "trafficRouting": {
                        "managedRoutes": [{"name": "set-header"}],
                        "apisix": {"route": {"name": ROUTE, "rules": [RULE]}},
                    },
                    "steps": steps,
                }
            },
            "revisionHistoryLimit": 2,
            "selector": {"matchLabels": {"app": "rollout-apisix-canary"}},
            "template": {
                "metadata": {"labels": {"app": "rollout-apisix-canary"}},
                "spec": {
                    "containers": [
                        {
                            "name": container,
                            "image": image,
                            "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
                        }
                    ]
                },
            },
        },
    }


def routes(r, t: float) -> dict[str, dict[str, Any]]:
    return {a["metadata"]["name"]: a for a in r.manifests_at(t).get("apisixroutes", [])}


def weights(r, t: float) -> tuple[int, int]:
    """``check``: (stable, canary) weights of the managed rule of the Rollout's route."""
    [rule] = [h for h in routes(r, t)[ROUTE]["spec"]["http"] if h["name"] == RULE]
    by = {b["serviceName"]: b.get("weight") for b in rule["backends"]}
    return by[STABLE], by[CANARY]


def at_step(r, start: float, index: int) -> float:
    return next(s.time for s in r.snapshots if s.time >= start and s.step_index == index)


def expected_header_route(base: dict[str, Any]) -> dict[str, Any]:
    """What Argo creates for ``set-header`` from the Rollout's ApisixRoute, transcribed from
    ``makeSetHeaderRoute`` / ``processSetHeaderApisixRoute``."""
    [rule] = base["spec"]["http"]
    return {
        "apiVersion": "apisix.apache.org/v2",
        "kind": "ApisixRoute",
        "metadata": {
            "name": "set-header",
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "name": "rollout-apisix-canary",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "http": [
                {
                    "name": RULE,
                    "match": {
                        **rule["match"],
                        "exprs": [
                            {
                                "subject": {"scope": "Header", "name": "trace"},
                                "op": "Equal",
                                "value": "debug",
                            }
                        ],
                    },
                    "backends": [{"serviceName": CANARY, "servicePort": 80, "weight": 100}],
                    "priority": 1,
                }
            ]
        },
    }


def without_namespace(obj: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in obj["metadata"].items() if k != "namespace"}
    return {**obj, "metadata": meta}


E2E_STEPS = [
    {**HEADER_STEP, "pause": {"duration": 15}},
    {"pause": {"duration": 15}},
    {"setWeight": 5},
    {"pause": {"duration": 15}},
    {"setWeight": 50},
    {"pause": {"duration": 15}},
]

TRAFFIC = {
    "rate": 20,
    "host": "rollouts-demo.apisix.local",
    "headers": [{"fraction": 0.25, "headers": {"trace": "debug"}, "name": "tracing"}],
}


def test_apisix_canary_set_header_step_replay(tmp_path):
    """``TestAPISIXCanarySetHeaderStep``: Healthy with 100/0; 5 s into step 0 the
    ``set-header`` ApisixRoute exists with one ``Equal`` expression on header ``trace`` =
    ``debug`` (``checkSetHeader``); 95/5 at step 3, 50/50 at step 5; promoted: Healthy, 100/0,
    and revision 1 keeps its pod within the scale-down delay. Also: the header route is exactly
    the object Argo writes, only tracing requests reach the canary while the weight is 0, and
    the route is deleted at the end of the update."""
    base = apisix_route((100, 0))
    manifests = [
        service(CANARY),
        service(STABLE),
        base,
        rollout(1, E2E_STEPS, "rollout-apisix-canary", "nginx:1.19-alpine"),
    ]
    update = {
        "at": "1m",
        "do": "setImage",
        "container": "rollout-apisix-canary",
        "image": "nginx:1.20-alpine",
    }
    r = simulate(
        tmp_path,
        manifests,
        [update, {"when": {"stepIndex": 6}, "do": "promote"}],
        traffic=TRAFFIC,
        until="4m",
    )
    assert r.status_at(59).phase == "Healthy"
    assert weights(r, 59) == (100, 0)
    assert "set-header" not in routes(r, 59)
    step0 = at_step(r, 60, 0)
    header = routes(r, step0 + 5)["set-header"]
    assert without_namespace(header) == expected_header_route(base)
    assert weights(r, step0 + 5) == (100, 0)
    assert weights(r, at_step(r, 60, 3) + 5) == (95, 5)
    assert weights(r, at_step(r, 60, 5) + 3) == (50, 50)
    healthy = next(s for s in r.snapshots if s.time > 60 and s.phase == "Healthy")
    assert weights(r, healthy.time + 1) == (100, 0)
    assert "set-header" not in routes(r, healthy.time + 1)
    rs1 = next(rs for rs in r.status_at(healthy.time + 1).replica_sets if rs.revision == 1)
    assert sum(1 for p in rs1.pods if p.status != "Terminating") == 1
    # while the header route stands and the weight is 0, only tracing requests reach the canary
    t = r.series["time"]
    window = (t >= step0 + 3) & (t < at_step(r, 60, 3))
    canary = r.series["requests.canary"][window].sum()
    n = canary + r.series["requests.stable"][window].sum()
    assert n > 300
    assert abs(canary / n - 0.25) < 5 * (0.25 * 0.75 / n) ** 0.5


EXAMPLE_STEPS = [
    HEADER_STEP,
    {"pause": {}},
    {"setWeight": 20},
    {"pause": {}},
    {"setWeight": 40},
    {"pause": {"duration": 15}},
    {"setWeight": 60},
    {"pause": {"duration": 15}},
    {"setWeight": 80},
    {"pause": {"duration": 15}},
]


def test_apisix_example_runs_as_argo_writes_it(tmp_path):
    """``examples/apisix`` (rollout.yaml, route.yaml, services.yaml): 5 replicas, first step
    setCanaryScale 1 + the header route, then paused steps and weights 20..80. The canary is one
    pod while the header route stands (and the route carries no weights until the first
    setWeight writes them), the weights follow the steps (setCanaryScale stays in effect, so the
    canary keeps its one pod: Argo's ``GetCurrentSetCanaryScale``), the header route goes at
    the end."""
    base = apisix_route(None)
    manifests = [
        service(CANARY),
        service(STABLE),
        base,
        rollout(5, EXAMPLE_STEPS, "rollouts-demo", "argoproj/rollouts-demo:blue"),
    ]
    update = {
        "at": "1m",
        "do": "setImage",
        "container": "rollouts-demo",
        "image": "argoproj/rollouts-demo:yellow",
    }
    r = simulate(
        tmp_path,
        manifests,
        [
            update,
            {"when": {"phase": "Paused", "stepIndex": 1}, "do": "promote"},
            {"when": {"phase": "Paused", "stepIndex": 3}, "do": "promote"},
        ],
        traffic=TRAFFIC,
        until="6m",
    )
    paused = next(s for s in r.snapshots if s.time >= 60 and s.phase == "Paused")
    assert paused.step_index == 1
    canary = next(rs for rs in paused.replica_sets if rs.revision == 2)
    assert canary.desired == 1  # setCanaryScale replicas 1
    assert without_namespace(routes(r, paused.time)["set-header"]) == expected_header_route(base)
    seen = []
    for index, weight in ((3, 20), (5, 40), (7, 60), (9, 80)):
        t = at_step(r, 60, index)
        seen.append(weights(r, t))
        assert seen[-1] == (100 - weight, weight)
        assert "set-header" in routes(r, t)
        assert next(rs for rs in r.status_at(t).replica_sets if rs.revision == 2).desired == 1
    final = r.final
    assert final.phase == "Healthy" and final.revision == 2
    assert weights(r, r.until) == (100, 0)
    assert "set-header" not in routes(r, r.until)
