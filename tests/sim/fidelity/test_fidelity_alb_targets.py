"""``--aws-verify-target-group`` through the whole simulator: the AWS Load Balancer
Controller registers a bound Service's new pods some time after Argo switched it, and Argo
holds on to the old pods until the target group holds the new ones.

A blue-green Rollout whose active Service a ``TargetGroupBinding`` binds (``targetType: ip``)
and an ALB canary whose stable Service is bound; each run twice, with and without the flag
(``aws.verifyTargetGroup``), the load balancer controller taking a fixed 20 s per sync
(``aws.albSyncDelay``). Times are taken from the run's own events (the switch, the verdict).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from albkit import alb_ingress, canary_rollout, node_port
from fidelitykit import events, first_time, simulate

from canarysim.errors import ScenarioError

SYNC = 20.0
UPDATE = 60.0
ARN = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/app/0123456789abcdef"


def binding(service: str, target_type: str = "ip", port: int | str = 80) -> dict[str, Any]:
    return {
        "apiVersion": "elbv2.k8s.aws/v1beta1",
        "kind": "TargetGroupBinding",
        "metadata": {"name": f"{service}-tgb"},
        "spec": {
            "targetGroupARN": ARN,
            "targetType": target_type,
            "serviceRef": {"name": service, "port": port},
        },
    }


def update(at: str = "1m") -> dict[str, Any]:
    return {"at": at, "do": "setImage", "container": "app", "image": "nginx:1.20-alpine"}


def blue_green(tmp_path, verify: bool, target_type: str = "ip", **bg: Any):
    rollout = canary_rollout("app", "app", canary={}, replicas=3)
    rollout["spec"]["strategy"] = {
        "blueGreen": {"activeService": "app-active", "previewService": "app-preview", **bg}
    }
    manifests = [
        node_port("app-active", "app"),
        node_port("app-preview", "app"),
        binding("app-active", target_type),
        rollout,
    ]
    return simulate(
        tmp_path,
        manifests,
        [update()],
        until="5m",
        aws={"verifyTargetGroup": verify, "albSyncDelay": f"{SYNC:g}s"},
    )


def scaled_down(r, revision: int = 1) -> float:
    return first_time(r, "ScalingReplicaSet", f"(revision {revision}) from 3 to 0")


def after_update(r, reason: str, contains: str = "") -> float:
    """The first such event of the update (the run deploys revision 1 first, at 0)."""
    return next(t for t, why, msg in events(r, reason) if t >= UPDATE and contains in msg)


def test_blue_green_waits_for_the_target_group_before_letting_go(tmp_path):
    r = blue_green(tmp_path, verify=True)
    switch = after_update(r, "SwitchService", "'app-active' from '")
    unverified = events(r, "TargetGroupUnverified")
    assert [(t, m) for t, _, m in unverified] == [
        (switch, f"Service app-active (TargetGroup {ARN}) not verified: 0/3 endpoints registered")
    ]
    verified = first_time(r, "TargetGroupVerified")
    # registered one sync after the switch; Argo sees it at its next look (every 10 s)
    assert switch + SYNC <= verified <= switch + SYNC + 10.0
    assert events(r, "TargetGroupVerified")[0][2] == (
        f"Service app-active (TargetGroup {ARN}) verified: 3 endpoints registered"
    )
    # the new ReplicaSet becomes stable only then, and the old one goes 30 s later
    assert after_update(r, "RolloutCompleted") == verified
    assert scaled_down(r) == verified + 30.0
    waiting = r.status_at(switch + 1)
    assert waiting.phase == "Progressing"
    assert waiting.message == "waiting for post-promotion verification to complete"
    assert r.final.phase == "Healthy"


def test_blue_green_without_the_flag_does_not_wait(tmp_path):
    r = blue_green(tmp_path, verify=False)
    switch = after_update(r, "SwitchService", "'app-active' from '")
    assert after_update(r, "RolloutCompleted") == switch
    assert scaled_down(r) == switch + 30.0
    assert not events(r, "TargetGroupUnverified") and not events(r, "TargetGroupVerified")


def test_blue_green_instance_target_groups_are_not_verified(tmp_path):
    """``targetType: instance`` registers nodes: Argo has nothing to compare, so the flag
    changes nothing."""
    r = blue_green(tmp_path, verify=True, target_type="instance")
    switch = after_update(r, "SwitchService", "'app-active' from '")
    assert after_update(r, "RolloutCompleted") == switch
    assert not [e for e in r.events if e["reason"].startswith("TargetGroup")]


def test_post_promotion_analysis_starts_after_verification(tmp_path):
    """``reconcilePostPromotionAnalysisRun`` waits for ``areTargetsVerified``."""
    rollout = canary_rollout("app", "app", canary={}, replicas=3)
    rollout["spec"]["strategy"] = {
        "blueGreen": {
            "activeService": "app-active",
            "postPromotionAnalysis": {"templates": [{"templateName": "ok"}]},
        }
    }
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "ok"},
        "spec": {"metrics": [{"name": "ok", "provider": {"job": {"spec": _job()}}}]},
    }
    r = simulate(
        tmp_path,
        [node_port("app-active", "app"), binding("app-active"), template, rollout],
        [update()],
        until="5m",
        aws={"verifyTargetGroup": True, "albSyncDelay": f"{SYNC:g}s"},
    )
    switch = after_update(r, "SwitchService", "'app-active' from '")
    verified = first_time(r, "TargetGroupVerified")
    started = first_time(r, "AnalysisRunRunning")
    assert verified >= switch + SYNC
    assert started >= verified
    assert r.final.phase == "Healthy"


def _job() -> dict[str, Any]:
    return {
        "backoffLimit": 0,
        "template": {
            "spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "ok", "image": "busybox", "command": ["true"]}],
            }
        },
    }


# ---------------------------------------------------------------------------- ALB canary
def alb_canary(tmp_path, verify: bool):
    canary = {
        "canaryService": "app-canary",
        "stableService": "app-stable",
        "trafficRouting": {"alb": {"ingress": "app-ingress", "rootService": "app-root"}},
        "steps": [{"setWeight": 50}, {"pause": {"duration": "10s"}}],
    }
    manifests = [
        node_port("app-root", "app"),
        node_port("app-canary", "app"),
        node_port("app-stable", "app"),
        alb_ingress("app-ingress", "app-root"),
        binding("app-stable", port="http"),
        canary_rollout("app", "app", canary=canary, replicas=3),
    ]
    return simulate(
        tmp_path,
        manifests,
        [update()],
        until="5m",
        aws={"verifyTargetGroup": verify, "albSyncDelay": f"{SYNC:g}s"},
    )


def test_alb_canary_scale_down_waits_for_the_stable_target_group(tmp_path):
    r = alb_canary(tmp_path, verify=True)
    promoted = after_update(r, "RolloutCompleted")
    unverified = [(t, m) for t, _, m in events(r, "TargetGroupUnverified") if "app-stable" in m]
    assert unverified == [
        (promoted, f"Service app-stable (TargetGroup {ARN}) not verified: 0/3 endpoints registered")
    ]
    verified = first_time(r, "TargetGroupVerified", "Service app-stable")
    assert promoted + SYNC <= verified <= promoted + SYNC + 10.0
    assert scaled_down(r) == math.floor(verified) + 30.0  # the deadline is whole seconds


def test_alb_canary_without_the_flag_scales_down_after_the_delay(tmp_path):
    r = alb_canary(tmp_path, verify=False)
    promoted = after_update(r, "RolloutCompleted")
    assert scaled_down(r) == math.floor(promoted) + 30.0
    assert not [e for e in r.events if e["reason"].startswith("TargetGroup")]


# ------------------------------------------------------------------------------ the flag
def test_the_two_names_of_the_flag_must_agree(tmp_path):
    with pytest.raises(ScenarioError, match="verifyTargetGroup and albVerifyWeight"):
        simulate(
            tmp_path,
            [node_port("app-active", "app")],
            aws={"verifyTargetGroup": True, "albVerifyWeight": False},
        )


def test_the_old_name_turns_target_group_verification_on(tmp_path):
    """``--alb-verify-weight`` and ``--aws-verify-target-group`` are one flag upstream."""
    rollout = canary_rollout("app", "app", canary={}, replicas=3)
    rollout["spec"]["strategy"] = {"blueGreen": {"activeService": "app-active"}}
    r = simulate(
        tmp_path,
        [node_port("app-active", "app"), binding("app-active"), rollout],
        [update()],
        until="3m",
        aws={"albVerifyWeight": True, "albSyncDelay": f"{SYNC:g}s"},
    )
    assert events(r, "TargetGroupUnverified") and events(r, "TargetGroupVerified")


# ------------------------------------------------- bindings the load balancer controller makes
def alb_blue_green(tmp_path, target_type: str | None):
    """``TestALBBlueGreenUpdate``'s objects (functional/alb-bluegreen-rollout.yaml): the
    Ingress sends to the active Service; upstream runs it with ``--aws-verify-target-group``."""
    app = "alb-bluegreen"
    ingress = alb_ingress(f"{app}-ingress", f"{app}-stable", path="/*", path_type="Prefix")
    ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] = {"number": 80}
    if target_type is not None:
        ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/target-type"] = target_type
    rollout = canary_rollout(app, app, canary={}, replicas=3)
    rollout["spec"]["strategy"] = {
        "blueGreen": {"previewService": f"{app}-desired", "activeService": f"{app}-stable"}
    }
    rollout["spec"]["template"]["spec"]["containers"][0]["name"] = "app"
    return simulate(
        tmp_path,
        [node_port(f"{app}-desired", app), node_port(f"{app}-stable", app), ingress, rollout],
        [update()],
        until="5m",
        aws={"verifyTargetGroup": True, "albSyncDelay": f"{SYNC:g}s"},
    )


def test_alb_blue_green_update_replay_with_the_flag(tmp_path):
    """As upstream runs it (instance targets, the load balancer controller's default): the
    update becomes Healthy and Argo has nothing to verify."""
    r = alb_blue_green(tmp_path, None)
    switch = after_update(r, "SwitchService", "'alb-bluegreen-stable' from '")
    assert after_update(r, "RolloutCompleted") == switch
    assert not [e for e in r.events if e["reason"].startswith("TargetGroup")]
    assert r.final.phase == "Healthy"


def test_alb_ingress_in_ip_mode_is_verified_without_a_written_binding(tmp_path):
    """With ``target-type: ip`` on the Ingress, the binding the load balancer controller
    made for the active Service is the one Argo finds and waits for."""
    r = alb_blue_green(tmp_path, "ip")
    switch = after_update(r, "SwitchService", "'alb-bluegreen-stable' from '")
    [(t, _, message)] = events(r, "TargetGroupUnverified")
    assert t == switch
    assert message.startswith(
        "Service alb-bluegreen-stable (TargetGroup arn:aws:elasticloadbalancing:us-west-2:"
        "123456789012:targetgroup/k8s-"
    )
    assert message.endswith("not verified: 0/3 endpoints registered")
    verified = after_update(r, "TargetGroupVerified")
    assert switch + SYNC <= verified <= switch + SYNC + 10.0
    assert after_update(r, "RolloutCompleted") == verified
    assert r.final.phase == "Healthy"


def test_alb_canary_in_ip_mode_verifies_the_stable_target_group(tmp_path):
    """The binding made for the stable Service of the forward action Argo writes (its
    ``ServicePort`` is ``alb.servicePort``)."""
    alb = {"ingress": "app-ingress", "rootService": "app-root", "servicePort": 80}
    canary = {
        "canaryService": "app-canary",
        "stableService": "app-stable",
        "trafficRouting": {"alb": alb},
        "steps": [{"setWeight": 50}, {"pause": {"duration": "10s"}}],
    }
    ingress = alb_ingress("app-ingress", "app-root")
    ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/target-type"] = "ip"
    r = simulate(
        tmp_path,
        [
            node_port("app-root", "app"),
            node_port("app-canary", "app"),
            node_port("app-stable", "app"),
            ingress,
            canary_rollout("app", "app", canary=canary, replicas=3),
        ],
        [update()],
        until="5m",
        aws={"verifyTargetGroup": True, "albSyncDelay": f"{SYNC:g}s"},
    )
    promoted = after_update(r, "RolloutCompleted")
    unverified = [
        m for t, _, m in events(r, "TargetGroupUnverified") if t == promoted and "app-stable" in m
    ]
    assert [m.endswith("not verified: 0/3 endpoints registered") for m in unverified] == [True]
    assert unverified[0].startswith("Service app-stable (TargetGroup arn:aws:")
    verified = after_update(r, "TargetGroupVerified", "Service app-stable")
    assert promoted + SYNC <= verified <= promoted + SYNC + 10.0
    assert scaled_down(r) == math.floor(verified) + 30.0
