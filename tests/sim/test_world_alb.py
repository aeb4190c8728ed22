"""AWS ALB through the whole simulator, replaying upstream's test/e2e/aws_test.go on its own
manifests (test/e2e/header-routing/alb-header-route.yaml, functional/alb-pingpong-rollout.yaml,
alb/rollout-alb-experiment.yaml): the action annotation's target-group weights at each stage,
the header route's action and path, ping-pong's swap, an experiment's Service between canary and
stable; then the bundled ``scenarios/alb-canary`` with weight verification (the step waits until
the load balancer holds the weight) and requests split as the ALB routes them.

Every time is taken relative to the operator's ``setImage`` (or a later event), so the tests
hold whether the Rollout is deployed at the start of the run or already Healthy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import canarysim
from canarysim.declarations import load_scenario
from canarysim.result import Result

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
PREFIX = "alb.ingress.kubernetes.io/actions."


def services(port: int, *names: str, app: str) -> str:
    return "".join(
        f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  type: NodePort
  ports: [{{port: {port}, targetPort: http, protocol: TCP, name: http}}]
  selector: {{app: {app}}}
---"""
        for name in names
    )


def alb_ingress(name: str, service: str) -> str:
    return f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  annotations: {{kubernetes.io/ingress.class: alb}}
spec:
  rules:
    - http:
        paths:
          - path: /*
            pathType: ImplementationSpecific
            backend: {{service: {{name: {service}, port: {{name: use-annotation}}}}}}
---"""


def simulate(tmp_path: Path, manifests: str, scenario: str) -> Result:
    (tmp_path / "manifests.yaml").write_text(manifests)
    (tmp_path / "scenario.yaml").write_text(scenario)
    return canarysim.simulate(load_scenario(tmp_path / "scenario.yaml"))


def annotations(r: Result, t: float, ingress: str) -> dict[str, str]:
    found = {i["metadata"]["name"]: i for i in r.manifests_at(t)["ingresses"]}
    return dict(found[ingress]["metadata"].get("annotations") or {})


def weights(r: Result, t: float, ingress: str, action: str) -> dict[str, int] | None:
    """``assertAlbActionServiceWeight``: the action's target groups by Service (None: no
    such action annotation, ``assertAlbActionDoesNotExist``)."""
    raw = annotations(r, t, ingress).get(PREFIX + action)
    if raw is None:
        return None
    groups = json.loads(raw)["ForwardConfig"]["TargetGroups"]
    return {g["ServiceName"]: g["Weight"] for g in groups}


def set_image_time(r: Result, revision: int = 2) -> float:
    return next(
        e["time"]
        for e in r.events
        if e["reason"] == "RolloutUpdated" and f"revision {revision}" in e["message"]
    )


def first(r: Result, reason: str, after: float, text: str = "") -> float:
    return next(
        e["time"]
        for e in r.events
        if e["reason"] == reason and e["time"] >= after and text in e["message"]
    )


# ------------------------------------------------------------------------ TestAlbHeaderRoute
HEADER_MANIFESTS = (
    services(8080, "canary-service", "stable-service", "action1", app="alb-rollout")
    + alb_ingress("alb-rollout-ingress", "action1")
    + """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: rollouts-demo}
spec:
  replicas: 5
  selector: {matchLabels: {app: alb-rollout}}
  template:
    metadata: {labels: {app: alb-rollout}}
    spec:
      containers:
        - name: alb-rollout
          image: "argoproj/rollouts-demo:yellow"
          ports: [{name: http, containerPort: 8080, protocol: TCP}]
  strategy:
    canary:
      scaleDownDelaySeconds: 5
      stableService: stable-service
      canaryService: canary-service
      trafficRouting:
        managedRoutes: [{name: header-route}]
        alb: {ingress: alb-rollout-ingress, rootService: action1, servicePort: 8080}
      steps:
        - setWeight: 20
        - pause: {}
        - setHeaderRoute:
            name: header-route
            match: [{headerName: Custom-Header, headerValue: {exact: Mozilla*}}]
        - pause: {}
        - setHeaderRoute: {name: header-route}
        - pause: {}
"""
)

HEADER_SCENARIO = """
name: alb-header-route
seed: 3
until: 6m
manifests: [manifests.yaml]
traffic:
  rate: 50
  headers: [{fraction: 0.2, headers: {custom-header: Mozilla/5.0}, name: browsers}]
operator:
  - {at: 60s, do: setImage, container: alb-rollout, image: "argoproj/rollouts-demo:red"}
  - {at: 150s, do: promote}
  - {at: 240s, do: promote}
"""


@pytest.fixture(scope="module")
def header_run(tmp_path_factory: pytest.TempPathFactory) -> Result:
    return simulate(tmp_path_factory.mktemp("alb-header"), HEADER_MANIFESTS, HEADER_SCENARIO)


def test_header_route_as_the_e2e_test_asserts(header_run: Result) -> None:
    r, ing = header_run, "alb-rollout-ingress"
    start = set_image_time(r)
    assert r.status_at(start - 1).phase == "Healthy"
    assert weights(r, start - 1, ing, "header-route") is None
    assert weights(r, start - 1, ing, "action1") == {"canary-service": 0, "stable-service": 100}
    # UpdateSpec, WaitForRolloutStatus("Paused")
    assert r.status_at(start + 85).phase == "Paused"
    assert weights(r, start + 85, ing, "header-route") is None
    assert weights(r, start + 85, ing, "action1") == {"canary-service": 20, "stable-service": 80}
    # PromoteRollout, Paused again: the header route forwards everything to the canary
    assert r.status_at(start + 175).phase == "Paused"
    assert weights(r, start + 175, ing, "header-route") == {"canary-service": 100}
    assert weights(r, start + 175, ing, "action1") == {"canary-service": 20, "stable-service": 80}
    cond = json.loads(
        annotations(r, start + 175, ing)["alb.ingress.kubernetes.io/conditions.header-route"]
    )
    assert cond == [
        {
            "field": "http-header",
            "httpHeaderConfig": {"httpHeaderName": "Custom-Header", "values": ["Mozilla*"]},
        }
    ]
    [rule] = r.manifests_at(start + 175)["ingresses"][0]["spec"]["rules"]
    assert [p["backend"]["service"]["name"] for p in rule["http"]["paths"]] == [
        "header-route",
        "action1",
    ]
    # PromoteRollout, Paused: the header route is gone
    assert r.status_at(start + 265).phase == "Paused"
    assert weights(r, start + 265, ing, "header-route") is None


def test_browsers_reach_the_canary_only_while_the_header_route_is_applied(
    header_run: Result,
) -> None:
    r = header_run
    start = set_image_time(r)
    t = r.series["time"]
    on = (t >= start + 110) & (t < start + 175)  # header route written at +90, synced by now
    canary = r.series["requests.canary"][on].sum()
    n = canary + r.series["requests.stable"][on].sum()
    p = 0.2 + 0.8 * 0.2  # browsers all go to the canary, the rest 20 %
    assert abs(canary / n - p) < 5 * np.sqrt(p * (1 - p) / n)
    off = (t >= start + 200) & (t < start + 235)  # after the route was removed and synced
    canary = r.series["requests.canary"][off].sum()
    n = canary + r.series["requests.stable"][off].sum()
    assert abs(canary / n - 0.2) < 5 * np.sqrt(0.2 * 0.8 / n)


# ------------------------------------------------------------------- TestALBPingPongUpdate
PINGPONG_MANIFESTS = (
    services(80, "ping-service", "pong-service", "alb-rollout-root", app="alb-canary")
    + alb_ingress("alb-canary-ingress", "alb-rollout-root")
    + """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: alb-canary}
spec:
  replicas: 2
  selector: {matchLabels: {app: alb-canary}}
  template:
    metadata: {labels: {app: alb-canary}}
    spec:
      containers:
        - name: alb-canary
          image: "argoproj/rollouts-demo:red"
          ports: [{name: http, containerPort: 80, protocol: TCP}]
  strategy:
    canary:
      scaleDownDelaySeconds: 2
      pingPong: {pingService: ping-service, pongService: pong-service}
      trafficRouting:
        alb: {ingress: alb-canary-ingress, rootService: alb-rollout-root, servicePort: 80}
      steps:
        - setWeight: 25
        - pause: {duration: 5s}
"""
)

PINGPONG_SCENARIO = """
name: alb-pingpong
seed: 4
until: 8m
manifests: [manifests.yaml]
operator:
  - {at: 60s, do: setImage, container: alb-canary, image: "argoproj/rollouts-demo:blue"}
  - {at: 240s, do: setImage, container: alb-canary, image: "argoproj/rollouts-demo:green"}
"""


def test_ping_pong_weights_swap_as_the_e2e_test_asserts(tmp_path: Path) -> None:
    r = simulate(tmp_path, PINGPONG_MANIFESTS, PINGPONG_SCENARIO)
    ing, root = "alb-canary-ingress", "alb-rollout-root"
    first_update = set_image_time(r, 2)
    assert weights(r, first_update - 1, ing, root) == {"ping-service": 100, "pong-service": 0}
    # Update 1: pong is the canary
    step = first(r, "RolloutStepCompleted", first_update, "setWeight: 25")
    assert weights(r, step + 1, ing, root) == {"ping-service": 75, "pong-service": 25}
    done = first(r, "RolloutCompleted", first_update, "revision 2")
    assert weights(r, done + 1, ing, root) == {"ping-service": 0, "pong-service": 100}
    # Update 2: ping is the canary now
    second_update = set_image_time(r, 3)
    step = first(r, "RolloutStepCompleted", second_update, "setWeight: 25")
    assert weights(r, step + 1, ing, root) == {"ping-service": 25, "pong-service": 75}
    done = first(r, "RolloutCompleted", second_update, "revision 3")
    assert weights(r, done + 1, ing, root) == {"ping-service": 100, "pong-service": 0}
    assert r.final.phase == "Healthy"


# --------------------------------------------------------------------- TestALBExperimentStep
EXPERIMENT_MANIFESTS = (
    services(80, "alb-rollout-root", "alb-rollout-canary", "alb-rollout-stable", app="alb-rollout")
    + alb_ingress("alb-rollout-ingress", "alb-rollout-root")
    + """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: alb-rollout}
spec:
  selector: {matchLabels: {app: alb-rollout}}
  template:
    metadata: {labels: {app: alb-rollout}}
    spec:
      containers:
        - name: alb-rollout
          image: nginx:1.19-alpine
          ports: [{name: http, containerPort: 80, protocol: TCP}]
  strategy:
    canary:
      canaryService: alb-rollout-canary
      stableService: alb-rollout-stable
      trafficRouting:
        alb: {ingress: alb-rollout-ingress, rootService: alb-rollout-root, servicePort: 80}
      steps:
        - setWeight: 10
        - experiment:
            templates: [{name: experiment-alb, specRef: canary, weight: 20}]
"""
)

EXPERIMENT_SCENARIO = """
name: alb-experiment
seed: 5
until: 5m
manifests: [manifests.yaml]
operator:
  - {at: 60s, do: setImage, container: alb-rollout, image: "nginx:1.20-alpine"}
  - {at: 200s, do: promoteFull}
"""


def test_experiment_service_sits_between_canary_and_stable(tmp_path: Path) -> None:
    r = simulate(tmp_path, EXPERIMENT_MANIFESTS, EXPERIMENT_SCENARIO)
    ing = "alb-rollout-ingress"
    update = set_image_time(r)
    assert weights(r, update - 1, ing, "alb-rollout-root") == {
        "alb-rollout-canary": 0,
        "alb-rollout-stable": 100,
    }
    running = first(r, "TrafficWeightUpdated", update, "additional: [{")
    raw = annotations(r, running + 10, ing)[PREFIX + "alb-rollout-root"]
    services_in_order = [g["ServiceName"] for g in json.loads(raw)["ForwardConfig"]["TargetGroups"]]
    experiment_service = services_in_order[1]
    assert experiment_service.endswith("-experiment-alb")
    # actionTemplateWithExperiment, byte for byte
    assert raw == (
        '{"Type":"forward","ForwardConfig":{"TargetGroups":['
        '{"ServiceName":"alb-rollout-canary","ServicePort":"80","Weight":10},'
        f'{{"ServiceName":"{experiment_service}","ServicePort":"80","Weight":20}},'
        '{"ServiceName":"alb-rollout-stable","ServicePort":"80","Weight":70}]}}'
    )
    done = first(r, "RolloutCompleted", update, "revision 2")
    assert weights(r, done + 1, ing, "alb-rollout-root") == {
        "alb-rollout-canary": 0,
        "alb-rollout-stable": 100,
    }


# ----------------------------------------------------- weight verification (scenarios/alb-canary)
@pytest.fixture(scope="module")
def canary_run() -> Result:
    return canarysim.simulate(SCENARIOS / "alb-canary" / "scenario.yaml")


def test_each_set_weight_step_waits_until_the_target_groups_hold_it(canary_run: Result) -> None:
    r = canary_run
    update = set_image_time(r)
    for weight, step in ((10, "setWeight: 10"), (50, "setWeight: 50")):
        written = first(r, "PatchingALBIngress", update, f"desiredWeight '{weight}'")
        unverified = first(r, "TargetGroupUnverified", written)
        assert unverified == written  # AWS still holds the old weight right after the patch
        verified = first(r, "TargetGroupVerified", written, f"canary weight {weight} set")
        completed = first(r, "RolloutStepCompleted", written, step)
        # the next look is Argo's 10 s verify retry; the step completes with the verdict
        assert verified == pytest.approx(written + 10.0)
        assert completed == verified


def test_end_of_update_waits_for_full_weight_before_promotion(canary_run: Result) -> None:
    r = canary_run
    update = set_image_time(r)
    written = first(r, "PatchingALBIngress", update, "desiredWeight '100'")
    done = first(r, "RolloutCompleted", update, "revision 2")
    verified = first(r, "TargetGroupVerified", written, "canary weight 100 set")
    # the failing reconciles retry with back-off until AWS holds 100, then the update completes
    assert written < verified == done
    assert r.status_at(done - 0.001).stable_hash != r.status_at(done + 0.001).stable_hash
    # each verdict and each repeated event of the failing reconciles is recorded once
    between = [e for e in r.events if written <= e["time"] < done]
    assert len({(e["reason"], e["message"]) for e in between}) == len(between)


def test_without_verification_steps_do_not_wait() -> None:
    base = load_scenario(SCENARIOS / "alb-canary" / "scenario.yaml")
    r = canarysim.simulate(base.with_changes(aws={"albVerifyWeight": False}))
    update = set_image_time(r)
    written = first(r, "PatchingALBIngress", update, "desiredWeight '10'")
    completed = first(r, "RolloutStepCompleted", written, "setWeight: 10")
    assert completed == written
    assert not [e for e in r.events if e["reason"].startswith("TargetGroup")]


def test_requests_follow_the_load_balancer_not_the_annotation(canary_run: Result) -> None:
    r = canary_run
    update = set_image_time(r)
    written = first(r, "PatchingALBIngress", update, "desiredWeight '50'")
    t = r.series["time"]
    # the ALB applied the change by the verification 10 s later; until the next step
    held = (t >= written + 10) & (t < first(r, "RolloutStepCompleted", written, "pause") - 5)
    canary = r.series["requests.canary"][held].sum()
    n = canary + r.series["requests.stable"][held].sum()
    p = 0.05 + 0.95 * 0.5  # testers by the header condition, the rest by the weights
    assert abs(canary / n - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_from_an_empty_start_the_first_set_weight_writes_the_action() -> None:
    """``start: empty``: the Ingress has no action until Argo's first SetWeight (weight 0,
    once the stable ReplicaSet is available), which also records the managed annotation."""
    base = load_scenario(SCENARIOS / "alb-canary" / "scenario.yaml")
    r = canarysim.simulate(base.with_changes(start="empty"))
    ing, action = "alb-rollout-ingress", "alb-rollout-root"
    assert weights(r, 0.0, ing, action) is None
    written = first(r, "PatchingALBIngress", 0.0, "desiredWeight '0'")
    assert written < set_image_time(r)
    assert weights(r, written, ing, action) == {"alb-rollout-canary": 0, "alb-rollout-stable": 100}
    managed = json.loads(
        annotations(r, written, ing)["rollouts.argoproj.io/managed-alb-annotations"]
    )
    assert managed == {"alb-rollout": ["alb.ingress.kubernetes.io/actions.alb-rollout-root"]}
    assert r.final.phase == "Healthy"
