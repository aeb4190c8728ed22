"""Argo's ALB e2e tests (test/e2e/aws_test.go) not replayed in tests/sim/test_world_alb.py.

Each replay builds the upstream fixture's objects (same names, ports, paths, steps, weights)
in our own words, deploys from nothing, makes the same update and promotions, and reads the
``alb.ingress.kubernetes.io/actions.<root>`` annotations Argo wrote, on every Ingress for the
``...MultiIngress`` variants, at the moments the upstream test looks. The tests upstream runs
against a real AWS account (``TestALBCanaryUpdate``, ``...MultiIngress``,
``TestALBBlueGreenUpdate``, run with ``--aws-verify-target-group``) assert only that the update
becomes Healthy; the replays run with weight verification on (``aws.albVerifyWeight``) and
also check the weights written at each step.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from albkit import (
    ACTION,
    action,
    alb_ingress,
    canary_rollout,
    event_time,
    every,
    ingresses,
    node_port,
    weights,
)
from fidelitykit import first_time, simulate

from canarysim.errors import InputRefused


def update(at: float | str, container: str, image: str = "nginx:1.20-alpine") -> dict[str, Any]:
    return {"at": at, "do": "setImage", "container": container, "image": image}


def updated_at(r, revision: int = 2) -> float:
    return event_time(r, "RolloutUpdated", text=f"revision {revision}")


# ------------------------------------------------------- TestALBCanaryUpdate (+ MultiIngress)
CANARY_STEPS = [
    {"setWeight": 10},
    {"pause": {"duration": "5s"}},
    {"setWeight": 20},
    {"pause": {"duration": "5s"}},
]


def test_alb_canary_update_replay(tmp_path):
    """``TestALBCanaryUpdate`` (functional/alb-canary-rollout.yaml): the update becomes
    Healthy; with weight verification every setWeight step waits for the load balancer, and
    the root action carries 10, then 20, then (end of update) 0 for the canary."""
    app, ing, root = "alb-canary", "alb-canary-ingress", "alb-canary-root"
    canary = {
        "canaryService": "alb-canary-desired",
        "stableService": "alb-canary-stable",
        "trafficRouting": {"alb": {"ingress": ing, "rootService": root, "servicePort": 80}},
        "steps": CANARY_STEPS,
    }
    manifests = [
        node_port(root, app),
        node_port("alb-canary-desired", app),
        node_port("alb-canary-stable", app),
        alb_ingress(ing, root),
        canary_rollout(app, app, canary=canary),
    ]
    r = simulate(tmp_path, manifests, [update("1m", app)], aws={"albVerifyWeight": True})
    start = updated_at(r)
    assert r.status_at(start - 1).phase == "Healthy"
    assert weights(r, start - 1, ing, root) == {"alb-canary-desired": 0, "alb-canary-stable": 100}
    seen = []
    for step in ("setWeight: 10", "setWeight: 20"):
        done = first_time(r, "RolloutStepCompleted", step)
        verified = first_time(r, "TargetGroupVerified", f"weight {step.split()[-1]} set")
        assert verified <= done  # the step waited for the ALB
        seen.append(weights(r, done, ing, root))
    assert seen == [
        {"alb-canary-desired": 10, "alb-canary-stable": 90},
        {"alb-canary-desired": 20, "alb-canary-stable": 80},
    ]
    healthy = next(s.time for s in r.snapshots if s.time > start and s.phase == "Healthy")
    assert first_time(r, "TargetGroupVerified", "weight 100 set") <= healthy
    assert weights(r, healthy + 1, ing, root) == {
        "alb-canary-desired": 0,
        "alb-canary-stable": 100,
    }
    assert r.final.phase == "Healthy" and r.final.revision == 2


def multi_ingress_canary(root_service: str) -> list[dict[str, Any]]:
    """functional/alb-canary-multi-ingress-rollout.yaml, with its ``rootService``."""
    app = "alb-canary-multi-ingress"
    root = f"{app}-root"
    canary = {
        "canaryService": f"{app}-desired",
        "stableService": f"{app}-stable",
        "trafficRouting": {
            "alb": {
                "ingresses": [f"{app}-1", f"{app}-2"],
                "rootService": root_service,
                "servicePort": 80,
            }
        },
        "steps": CANARY_STEPS,
    }
    return [
        node_port(root, app),
        node_port(f"{app}-desired", app),
        node_port(f"{app}-stable", app),
        alb_ingress(f"{app}-1", root, path="/", path_type="Prefix"),
        alb_ingress(f"{app}-2", root, path="/", path_type="Prefix"),
        canary_rollout(app, app, canary=canary),
    ]


def test_alb_canary_update_multi_ingress_replay(tmp_path):
    """``TestALBCanaryUpdateMultiIngress``. The upstream fixture names ``rootService:
    alb-canary-root`` while its two Ingresses route to ``alb-canary-multi-ingress-root``; Argo's
    reference validation (``validation_references.go::validateAlbIngress``) rejects that Rollout
    (the test is skipped upstream unless run against AWS), and canarysim refuses it with Argo's
    message. With the root Service the Ingresses use, the update becomes Healthy and both
    Ingresses carry the same weights at every step."""
    with pytest.raises(InputRefused) as refused:
        simulate(
            tmp_path,
            multi_ingress_canary("alb-canary-root"),
            [update("1m", "alb-canary-multi-ingress")],
        )
    message = str(refused.value)
    assert (
        "spec.strategy.canary.trafficRouting.alb.ingresses: Invalid value: "
        '"alb-canary-multi-ingress-1": ingress `alb-canary-multi-ingress-1` has no rules using '
        "service alb-canary-root backend" in message
    )
    app = "alb-canary-multi-ingress"
    names, root = [f"{app}-1", f"{app}-2"], f"{app}-root"
    r = simulate(
        tmp_path,
        multi_ingress_canary(root),
        [update("1m", app)],
        aws={"albVerifyWeight": True},
    )
    start = updated_at(r)
    desired, stable = f"{app}-desired", f"{app}-stable"
    assert every(r, start - 1, names, root) == [{desired: 0, stable: 100}] * 2
    for weight in (10, 20):
        done = first_time(r, "RolloutStepCompleted", f"setWeight: {weight}")
        assert every(r, done, names, root) == [{desired: weight, stable: 100 - weight}] * 2
    assert r.final.phase == "Healthy" and r.final.revision == 2
    assert every(r, r.until, names, root) == [{desired: 0, stable: 100}] * 2


# ---------------------------------------------------------------------- TestALBBlueGreenUpdate
def test_alb_blue_green_update_replay(tmp_path):
    """``TestALBBlueGreenUpdate`` (functional/alb-bluegreen-rollout.yaml): a blue-green Rollout
    behind an ALB Ingress whose backend is the active Service (no ``trafficRouting``): the update
    becomes Healthy; Argo never writes to the Ingress (it only switches the Services'
    selectors), and requests through the load balancer follow the active Service."""
    app = "alb-bluegreen"
    ingress = alb_ingress(f"{app}-ingress", f"{app}-stable", path="/*", path_type="Prefix")
    path = ingress["spec"]["rules"][0]["http"]["paths"][0]
    path["path"] = "/"
    path["backend"]["service"]["port"] = {"number": 80}
    rollout = canary_rollout(app, app, canary={})
    rollout["spec"]["strategy"] = {
        "blueGreen": {"previewService": f"{app}-desired", "activeService": f"{app}-stable"}
    }
    r = simulate(
        tmp_path,
        [node_port(f"{app}-desired", app), node_port(f"{app}-stable", app), ingress, rollout],
        [update("1m", app)],
        traffic={"rate": 20},
        until="3m",
    )
    start = updated_at(r)
    assert r.status_at(start - 1).phase == "Healthy"
    switch = first_time(r, "SwitchService", f"'{app}-stable' from '")
    final = r.final
    assert final.phase == "Healthy" and final.strategy == "BlueGreen"
    assert final.active_hash == final.stable_hash == final.canary_hash
    # the Ingress is as applied: no action annotation, the same backend
    [written] = ingresses(r, r.until).values()
    assert not any(k.startswith(ACTION) for k in written["metadata"].get("annotations", {}))
    assert written["spec"] == ingress["spec"]
    # requests through the ALB reach revision 1 before the switch, revision 2 after it
    t = r.series["time"]
    before = (t >= 10) & (t < start)
    after = t >= switch + 3
    assert r.series["requests.canary"][before].sum() == 0
    assert r.series["requests.stable"][before].sum() > 0
    assert r.series["requests.stable"][after].sum() > 0  # revision 2 is stable now
    assert r.series["requests.unserved"][t >= 10].sum() == 0


# -------------------------------------------------------- ping-pong: ALB + mesh, MultiIngress
def ping_pong_rollout(
    name: str, app: str, ping: str, pong: str, alb: dict[str, Any], **more: Any
) -> dict[str, Any]:
    canary = {
        "scaleDownDelaySeconds": 2,
        "pingPong": {"pingService": ping, "pongService": pong},
        "trafficRouting": {"alb": alb},
        "steps": [{"setWeight": 25}, {"pause": more.pop("pause", {"duration": "5s"})}],
    }
    canary.update(more)
    return canary_rollout(name, app, canary=canary, image="argoproj/rollouts-demo:red", replicas=2)


def ping_pong_journey(r, check) -> None:
    """Both updates of the ping-pong tests: at step 1 and after each promotion, call
    ``check(t, ping weight, pong weight)`` with the upstream test's expected weights."""
    for revision, expected in ((2, [(75, 25), (0, 100)]), (3, [(25, 75), (100, 0)])):
        start = updated_at(r, revision)
        at_step = next(s.time for s in r.snapshots if s.time >= start and s.step_index == 1)
        check(at_step + 1, *expected[0])
        done = event_time(r, "RolloutCompleted", start, f"revision {revision}")
        check(done + 1, *expected[1])


def test_alb_ping_pong_update_multi_ingress_replay(tmp_path):
    """``TestALBPingPongUpdateMultiIngress``: ping-pong over two Ingresses: both carry
    100/0 when Healthy, 75/25 at step 1 of the first update, 0/100 once promoted (pong is
    stable), then 25/75 and back to 100/0 on the second update."""
    app = "alb-canary-multi-ingress"
    ping, pong = "ping-multi-ingress-service", "pong-multi-ingress-service"
    names = [f"{app}-1", f"{app}-2"]
    alb = {"ingresses": names, "rootService": "alb-rollout-root", "servicePort": 80}
    manifests = [
        node_port(ping, app),
        node_port(pong, app),
        *(alb_ingress(n, "alb-rollout-root") for n in names),
        ping_pong_rollout(app, app, ping, pong, alb),
    ]
    r = simulate(
        tmp_path,
        manifests,
        [
            update("1m", app, "argoproj/rollouts-demo:blue"),
            update("3m", app, "argoproj/rollouts-demo:green"),
        ],
        until="5m",
    )
    assert every(r, updated_at(r) - 1, names, "alb-rollout-root") == [{ping: 100, pong: 0}] * 2

    def check(t, ping_weight, pong_weight):
        assert (
            every(r, t, names, "alb-rollout-root") == [{ping: ping_weight, pong: pong_weight}] * 2
        ), t

    ping_pong_journey(r, check)
    assert r.final.phase == "Healthy"


ISTIO_VS = {
    "apiVersion": "networking.istio.io/v1alpha3",
    "kind": "VirtualService",
    "metadata": {"name": "istio-host-split-vsvc"},
    "spec": {
        "hosts": ["istio-host-split"],
        "http": [
            {
                "name": "primary",
                "route": [
                    {"destination": {"host": "stable-service"}, "weight": 100},
                    {"destination": {"host": "canary-service"}, "weight": 0},
                ],
            }
        ],
    },
}


def test_alb_mesh_ping_pong_stable_canary_update_replay(tmp_path):
    """``TestALBMesh_PingPong_StableCanary_Update``: ALB and Istio on one Rollout, ping-pong
    for the ALB and stable/canary Services for the mesh. The ALB action swaps ping and pong
    (100/0, 75/25, 0/100, 25/75, 100/0) while the VirtualService's primary route keeps
    stable-service first and canary-service second with 100/0, 75/25, 100/0 at the same
    moments (the mesh has no ping-pong)."""
    app = "alb-canary"
    alb = {"ingress": "alb-canary-ingress", "rootService": "alb-rollout-root", "servicePort": 80}
    rollout = ping_pong_rollout(
        app,
        app,
        "ping-service",
        "pong-service",
        alb,
        pause={},
        canaryService="canary-service",
        stableService="stable-service",
    )
    rollout["spec"]["strategy"]["canary"]["trafficRouting"]["istio"] = {
        "virtualService": {"name": "istio-host-split-vsvc", "routes": ["primary"]}
    }
    manifests = [
        node_port("ping-service", app),
        node_port("pong-service", app),
        node_port("stable-service", app),
        node_port("canary-service", app),
        # the upstream fixture has no alb-rollout-root Service: the ALB forwards to the
        # ping/pong target groups, the root Service only names the action
        alb_ingress("alb-canary-ingress", "alb-rollout-root"),
        rollout,
        ISTIO_VS,
    ]
    r = simulate(
        tmp_path,
        manifests,
        [
            update("1m", app, "argoproj/rollouts-demo:blue"),
            {"when": {"phase": "Paused"}, "do": "promote", "repeat": True},
            update("3m", app, "argoproj/rollouts-demo:green"),
        ],
        until="5m",
    )

    def primary(t):
        [http] = r.manifests_at(t)["virtualservices"][0]["spec"]["http"]
        return [(d["destination"]["host"], d["weight"]) for d in http["route"]]

    def check(t, ping_weight, pong_weight):
        assert weights(r, t, "alb-canary-ingress", "alb-rollout-root") == {
            "ping-service": ping_weight,
            "pong-service": pong_weight,
        }, t
        canary = min(ping_weight, pong_weight) if 0 < ping_weight < 100 else 0
        assert primary(t) == [("stable-service", 100 - canary), ("canary-service", canary)], t

    check(updated_at(r) - 1, 100, 0)
    ping_pong_journey(r, check)
    assert r.final.phase == "Healthy"


# --------------------------------------------------------------- experiments, MultiIngress
EXPERIMENT_ACTION = (
    '{{"Type":"forward","ForwardConfig":{{"TargetGroups":[{groups}]}}}}'  # actionTemplate...
)


def target_group(service: str, weight: int) -> str:
    return f'{{"ServiceName":"{service}","ServicePort":"80","Weight":{weight}}}'


def experiment_manifests(
    ingress_names: list[str], steps: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """alb/rollout-alb(-multi-ingress)-experiment(-no-setweight).yaml."""
    app, root = "alb-rollout", "alb-rollout-root"
    alb: dict[str, Any] = {"rootService": root, "servicePort": 80}
    if len(ingress_names) == 1:
        alb["ingress"] = ingress_names[0]
    else:
        alb["ingresses"] = ingress_names
    canary = {
        "canaryService": "alb-rollout-canary",
        "stableService": "alb-rollout-stable",
        "trafficRouting": {"alb": alb},
        "steps": steps,
    }
    return [
        node_port(root, app),
        node_port("alb-rollout-canary", app),
        node_port("alb-rollout-stable", app),
        *(alb_ingress(n, root) for n in ingress_names),
        canary_rollout(app, app, canary=canary),
    ]


def test_alb_experiment_step_multi_ingress_replay(tmp_path):
    """``TestALBExperimentStepMultiIngress``: setWeight 10 then an experiment (canary spec,
    weight 20): 10 s after step 1 both Ingresses hold exactly ``actionTemplateWithExperiment``
    (canary 10, the experiment's Service 20, stable 70); promoted, both are back to 0/100."""
    names = ["alb-rollout-multi-ingress-1", "alb-rollout-multi-ingress-2"]
    steps = [
        {"setWeight": 10},
        {
            "experiment": {
                "templates": [{"name": "experiment-alb", "specRef": "canary", "weight": 20}]
            }
        },
    ]
    r = simulate(
        tmp_path,
        experiment_manifests(names, steps),
        [update("1m", "alb-rollout"), {"at": "200s", "do": "promoteFull"}],
        until="5m",
    )
    start = updated_at(r)
    stable_only = {"alb-rollout-canary": 0, "alb-rollout-stable": 100}
    assert every(r, start - 1, names, "alb-rollout-root") == [stable_only] * 2
    at_step = next(s.time for s in r.snapshots if s.time >= start and s.step_index == 1)
    [experiment] = r.status_at(at_step + 10).experiments
    service = f"{experiment.name}-experiment-alb"
    expected = EXPERIMENT_ACTION.format(
        groups=",".join(
            [
                target_group("alb-rollout-canary", 10),
                target_group(service, 20),
                target_group("alb-rollout-stable", 70),
            ]
        )
    )
    for name in names:
        assert action(r, at_step + 10, name, "alb-rollout-root") == expected
    done = event_time(r, "RolloutCompleted", start, "revision 2")
    assert every(r, done + 1, names, "alb-rollout-root") == [stable_only] * 2


NO_SET_WEIGHT = [
    {
        "experiment": {
            "duration": "15s",
            "templates": [
                {"name": "experiment-alb-canary", "specRef": "canary", "weight": 20},
                {"name": "experiment-alb-stable", "specRef": "stable", "weight": 20},
            ],
        }
    }
]


@pytest.mark.parametrize(
    "names",
    [["alb-rollout-ingress"], ["alb-rollout-multi-ingress-1", "alb-rollout-multi-ingress-2"]],
    ids=["one-ingress", "multi-ingress"],
)
def test_alb_experiment_step_no_set_weight_replay(tmp_path, names):
    """``TestALBExperimentStepNoSetWeight`` (and ``...MultiIngress``, the second case): an
    experiment of two templates (canary and stable specs, 20 each) as the only step: 10 s after
    the update every Ingress holds ``actionTemplateWithExperiments`` (canary 0, the two
    experiment Services 20 each in template order, stable 60); when the 15 s experiment ends
    and the rollout is Healthy, 0/100 again."""
    r = simulate(
        tmp_path,
        experiment_manifests(names, NO_SET_WEIGHT),
        [update("1m", "alb-rollout")],
        until="4m",
    )
    start = updated_at(r)
    stable_only = {"alb-rollout-canary": 0, "alb-rollout-stable": 100}
    assert every(r, start - 1, names, "alb-rollout-root") == [stable_only] * len(names)
    [experiment] = r.status_at(start + 10).experiments
    expected = EXPERIMENT_ACTION.format(
        groups=",".join(
            [
                target_group("alb-rollout-canary", 0),
                target_group(f"{experiment.name}-experiment-alb-canary", 20),
                target_group(f"{experiment.name}-experiment-alb-stable", 20),
                target_group("alb-rollout-stable", 60),
            ]
        )
    )
    for name in names:
        assert action(r, start + 10, name, "alb-rollout-root") == expected
    healthy = next(s.time for s in r.snapshots if s.time > start and s.phase == "Healthy")
    assert every(r, healthy + 2, names, "alb-rollout-root") == [stable_only] * len(names)


# ----------------------------------------------------------- TestAlbHeaderRouteMultiIngress
def test_alb_header_route_multi_ingress_replay(tmp_path):
    """``TestAlbHeaderRouteMultiIngress``: setWeight 20, then a header route
    (``Custom-Header: Mozilla*``), then its removal, each after a pause, over two Ingresses:
    every Ingress has no header-route action at first, 20/80 once paused, the header route
    forwarding 100 to the canary (beside 20/80) after the first promotion, and no header route
    after the second."""
    app = "alb-multi-ingress-rollout"
    names = ["alb-rollout-multi-ingress-1", "alb-rollout-multi-ingress-2"]
    canary_svc, stable_svc = "canary-multi-ingress-service", "stable-multi-ingress-service"
    canary = {
        "scaleDownDelaySeconds": 5,
        "stableService": stable_svc,
        "canaryService": canary_svc,
        "trafficRouting": {
            "managedRoutes": [{"name": "header-route"}],
            "alb": {"ingresses": names, "rootService": "action1", "servicePort": 8080},
        },
        "steps": [
            {"setWeight": 20},
            {"pause": {}},
            {
                "setHeaderRoute": {
                    "name": "header-route",
                    "match": [
                        {"headerName": "Custom-Header", "headerValue": {"exact": "Mozilla*"}}
                    ],
                }
            },
            {"pause": {}},
            {"setHeaderRoute": {"name": "header-route"}},
            {"pause": {}},
        ],
    }
    manifests = [
        node_port(canary_svc, app, 8080),
        node_port(stable_svc, app, 8080),
        node_port("action1", app, 8080),
        *(alb_ingress(n, "action1") for n in names),
        canary_rollout(
            "rollouts-demo",
            app,
            canary=canary,
            image="argoproj/rollouts-demo:yellow",
            replicas=5,
            port=8080,
        ),
    ]
    r = simulate(
        tmp_path,
        manifests,
        [
            update("1m", app, "argoproj/rollouts-demo:red"),
            {"at": "150s", "do": "promote"},
            {"at": "240s", "do": "promote"},
        ],
        until="6m",
    )
    start = updated_at(r)
    assert every(r, start - 1, names, "header-route") == [None, None]
    assert every(r, start - 1, names, "action1") == [{canary_svc: 0, stable_svc: 100}] * 2

    def paused_at(step: int) -> float:
        return next(
            s.time
            for s in r.snapshots
            if s.time > start and s.phase == "Paused" and s.step_index == step
        )

    first_pause = paused_at(1)
    assert first_pause < 150
    assert every(r, first_pause + 5, names, "header-route") == [None, None]
    assert every(r, first_pause + 5, names, "action1") == [{canary_svc: 20, stable_svc: 80}] * 2
    second = paused_at(3)
    assert 150 <= second < 240
    assert every(r, second + 5, names, "header-route") == [{canary_svc: 100}] * 2
    assert every(r, second + 5, names, "action1") == [{canary_svc: 20, stable_svc: 80}] * 2
    for name in names:
        conditions = (ingresses(r, second + 5)[name]["metadata"]["annotations"])[
            "alb.ingress.kubernetes.io/conditions.header-route"
        ]
        assert json.loads(conditions) == [
            {
                "field": "http-header",
                "httpHeaderConfig": {"httpHeaderName": "Custom-Header", "values": ["Mozilla*"]},
            }
        ]
    third = paused_at(5)
    assert every(r, third + 5, names, "header-route") == [None, None]


# ------------------------------------------------------------------------------- status.alb
def test_status_alb_records_the_load_balancer_and_target_groups(tmp_path):
    """With weight verification, the Rollout's ``status.alb`` (and ``status.albs``, one entry
    per Ingress) name the load balancer and the canary's and stable's target groups as Argo
    records them, the ARNs those of the ``TargetGroupVerified`` events; without verification
    there is none (Argo clears it)."""
    app = "alb-canary-multi-ingress"
    names, root = [f"{app}-1", f"{app}-2"], f"{app}-root"
    manifests = multi_ingress_canary(root)
    r = simulate(tmp_path, manifests, [update("1m", app)], aws={"albVerifyWeight": True})
    final = r.final
    assert [a["ingress"] for a in final.albs] == names
    assert final.alb == final.albs[-1]
    canary_arns = {
        m.split("(TargetGroup ")[1].split(")")[0]
        for _, m in [(e["reason"], e["message"]) for e in r.events]
        if m.startswith(f"Service {app}-desired (TargetGroup ")
    }
    assert {a["canaryTargetGroup"]["arn"] for a in final.albs} == canary_arns
    for entry in final.albs:
        lb, canary, stable = (
            entry["loadBalancer"],
            entry["canaryTargetGroup"],
            entry["stableTargetGroup"],
        )
        assert lb["arn"].startswith("arn:aws:elasticloadbalancing:us-west-2:123456789012:")
        assert lb["fullName"] == "/".join(lb["arn"].split("/")[2:])
        assert lb["arn"].split("/")[2] == lb["name"]
        for tg in (canary, stable):
            assert tg["fullName"] == "/".join(tg["arn"].split("/")[1:])
            assert tg["arn"].split("/")[1] == tg["name"]
        assert canary["arn"] != stable["arn"]
    assert len({a["loadBalancer"]["arn"] for a in final.albs}) == 2
    # before the update it was recorded too (Argo verifies once when status.alb is unset)
    assert r.status_at(updated_at(r) - 1).alb is not None
    # no verification: no status.alb
    plain = simulate(tmp_path, manifests, [update("1m", app)])
    assert plain.final.alb is None and plain.final.albs == ()
    # and it survives the Result's JSON
    from canarysim.result import Result

    again = Result.from_json(r.to_json())
    assert again.final.alb == final.alb and again.final.albs == final.albs
