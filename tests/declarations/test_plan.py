"""Rollout -> engine Plan with Argo's defaults (utils/defaults/defaults.go); actions -> commands."""

from __future__ import annotations

import pytest
from spec_helpers import SERVICES, VSVC, bundle

from canarysim.declarations import scenario_from_manifests, to_command, to_plan
from canarysim.declarations.convert import validate_model
from canarysim.declarations.scenario.model import Scenario
from canarysim.engine import model as em
from canarysim.errors import ScenarioError


def plan_of(ro, **kwargs) -> em.Plan:
    return to_plan(bundle(ro).rollout, pod_template_hash="h", **kwargs)


def test_defaults_when_fields_are_unset(base):
    for key in ("replicas", "revisionHistoryLimit"):
        base["spec"].pop(key, None)
    c = base["spec"]["strategy"]["canary"]
    del c["trafficRouting"], c["canaryService"], c["stableService"]
    p = plan_of(base)
    assert (p.replicas, p.revision_history_limit, p.progress_deadline_seconds) == (1, 10, 600.0)
    assert (p.max_surge, p.max_unavailable) == ("25%", "25%")
    assert (p.traffic_routing, p.max_weight, p.managed_routes) == (False, 100, ())
    assert p.scale_down_delay_seconds is None and p.abort_scale_down_delay_seconds is None
    assert p.effective_scale_down_delay == 0.0  # basic canary: no delay
    assert p.background_analysis is None and p.rollback_window_revisions is None


def test_explicit_values_pass_through(base):
    base["spec"].update(
        minReadySeconds=15, progressDeadlineSeconds=120, progressDeadlineAbort=True, paused=True
    )
    base["spec"]["rollbackWindow"] = {"revisions": 3}
    c = base["spec"]["strategy"]["canary"]
    c.update(
        maxSurge="25",
        maxUnavailable=0,
        abortScaleDownDelaySeconds=0,
        scaleDownDelaySeconds=5,
        scaleDownDelayRevisionLimit=1,
        minPodsPerReplicaSet=2,
    )
    c["trafficRouting"]["managedRoutes"] = [{"name": "a"}, {"name": "b"}]
    p = plan_of(base, generation=3)
    assert (p.max_surge, p.max_unavailable) == ("25", 0)  # any string is a percentage
    assert p.abort_scale_down_delay_seconds == 0.0  # explicit 0: never scale the canary down
    assert (p.scale_down_delay_seconds, p.scale_down_delay_revision_limit) == (5.0, 1)
    assert (p.min_pods_per_replica_set, p.rollback_window_revisions) == (2, 3)
    assert (p.min_ready_seconds, p.progress_deadline_seconds, p.progress_deadline_abort) == (
        15.0,
        120.0,
        True,
    )
    assert (p.paused, p.generation, p.managed_routes) == (True, 3, ("a", "b"))
    assert (p.canary_service, p.stable_service, p.traffic_routing) == (
        "demo-canary",
        "demo-stable",
        True,
    )


def test_world_overrides(base):
    p = plan_of(base, replicas=7, paused=True, restart_at=42.0)
    assert (p.replicas, p.paused, p.restart_at) == (7, True, 42.0)


def test_every_step_kind(base):
    c = base["spec"]["strategy"]["canary"]
    c["trafficRouting"]["managedRoutes"] = [{"name": "hdr"}, {"name": "mir"}]
    args = [{"name": "svc", "value": "demo-canary"}]
    c["steps"] = [
        {"setWeight": 5},
        {"pause": {}},
        {"pause": {"duration": 90}},
        {"pause": {"duration": "1m30s"}},
        {"setCanaryScale": {"replicas": 2}},
        {"setCanaryScale": {"matchTrafficWeight": True}},
        {"analysis": {"templates": [{"templateName": "t1"}, {"templateName": "t2"}], "args": args}},
        {"experiment": {"duration": "10m", "templates": [{"name": "x", "specRef": "canary"}]}},
        {
            "setHeaderRoute": {
                "name": "hdr",
                "match": [{"headerName": "h", "headerValue": {"exact": "1"}}],
            }
        },
        {"setMirrorRoute": {"name": "mir", "percentage": 30}},
    ]
    c["analysis"] = {"templates": [{"templateName": "bg"}], "startingStep": 2, "args": args}
    p = plan_of(base)
    assert p.steps == (
        em.SetWeight(5),
        em.Pause(),
        em.Pause(seconds=90.0, raw="90"),
        em.Pause(seconds=90.0, raw="1m30s"),
        em.SetCanaryScale(replicas=2),
        em.SetCanaryScale(match_traffic_weight=True),
        em.Analysis(templates=("t1", "t2"), args=tuple(args)),
        em.Experiment(duration=600.0, templates=({"name": "x", "specRef": "canary"},)),
        em.SetHeaderRoute(name="hdr", match=({"headerName": "h", "headerValue": {"exact": "1"}},)),
        em.SetMirrorRoute(name="mir", percentage=30),
    )
    assert p.background_analysis == em.BackgroundAnalysis(
        templates=("bg",), args=tuple(args), starting_step=2
    )


@pytest.mark.parametrize(
    ("body", "match"),
    [({}, None), ({"match": None}, None), ({"match": []}, ())],
    ids=["missing", "null", "empty"],
)
def test_a_route_match_keeps_nil_apart_from_empty(base, body, match):
    """Go decodes a missing or null ``match`` to a nil slice (the routers remove the route)
    and ``[]`` to an empty one (a route for every request): the plan keeps them apart."""
    c = base["spec"]["strategy"]["canary"]
    c["trafficRouting"]["managedRoutes"] = [{"name": "hdr"}, {"name": "mir"}]
    c["steps"] = [
        {"setHeaderRoute": {"name": "hdr", **body}},
        {"setMirrorRoute": {"name": "mir", **body}},
    ]
    assert plan_of(base).steps == (
        em.SetHeaderRoute(name="hdr", match=match),
        em.SetMirrorRoute(name="mir", match=match),
    )


def test_sub_second_pause_truncates_like_argo(base):
    base["spec"]["strategy"]["canary"]["steps"] = [{"pause": {"duration": "1500ms"}}]
    assert plan_of(base).steps == (em.Pause(seconds=1.0, raw="1500ms"),)


def test_steps_canarysim_cannot_simulate(base):
    base["spec"]["strategy"]["canary"]["steps"] = [{"plugin": {"name": "x"}}]
    with pytest.raises(
        ScenarioError, match=r"steps\[0\]\.plugin: expected a step canarysim can simulate"
    ):
        plan_of(base)
    base["spec"]["strategy"]["canary"]["steps"] = [{"setWeight": 5, "pause": {}}]
    with pytest.raises(ScenarioError, match="beside at most one of setWeight, pause"):
        plan_of(base)


def test_a_step_with_several_fields_argo_accepts_is_one_compound_step(base):
    """validation.go::hasMultipleStepsType lets setCanaryScale / setHeaderRoute sit beside a
    pause (Argo's APISIX example does): one step, its parts in completedCurrentCanaryStep's
    order."""
    base["spec"]["strategy"]["canary"]["steps"] = [
        {
            "setCanaryScale": {"replicas": 1},
            "setHeaderRoute": {"name": "h", "match": [{"headerName": "a"}]},
            "pause": {"duration": 15},
        },
        {"setWeight": 20},
    ]
    compound, weight = plan_of(base).steps
    assert compound == em.CompoundStep(
        (
            em.Pause(seconds=15.0, raw="15"),
            em.SetCanaryScale(replicas=1),
            em.SetHeaderRoute(name="h", match=({"headerName": "a"},)),
        )
    )
    assert weight == em.SetWeight(20)


def test_blue_green_plan_with_argo_defaults(base):
    base["spec"]["strategy"] = {"blueGreen": {"activeService": "a", "previewService": "b"}}
    p = plan_of(base)
    assert p.blue_green == em.BlueGreen(active_service="a", preview_service="b")
    assert p.blue_green.auto_promotion_enabled and p.blue_green.preview_replica_count is None
    assert p.steps == () and not p.traffic_routing
    assert p.effective_scale_down_delay == 30.0  # DefaultScaleDownDelaySeconds for blue-green
    assert p.max_unavailable == "25%"  # GetMaxUnavailableOrDefault
    base["spec"]["strategy"]["blueGreen"].update(
        previewReplicaCount=1,
        autoPromotionEnabled=False,
        autoPromotionSeconds=20,
        scaleDownDelaySeconds=5,
        scaleDownDelayRevisionLimit=1,
        abortScaleDownDelaySeconds=0,
        prePromotionAnalysis={
            "templates": [{"templateName": "smoke"}],
            "args": [{"name": "x", "value": "1"}],
        },
        postPromotionAnalysis={"templates": [{"templateName": "after"}]},
        maxUnavailable=2,
    )
    p = plan_of(base)
    assert p.max_unavailable == 2  # what a restart may take down at once
    bg = p.blue_green
    assert (bg.preview_replica_count, bg.auto_promotion_enabled, bg.auto_promotion_seconds) == (
        1,
        False,
        20,
    )
    assert (p.scale_down_delay_seconds, p.scale_down_delay_revision_limit) == (5.0, 1)
    assert p.abort_scale_down_delay_seconds == 0.0 and p.effective_scale_down_delay == 5.0
    assert bg.pre_promotion_analysis == em.PromotionAnalysis(
        ("smoke",), ({"name": "x", "value": "1"},)
    )
    assert bg.post_promotion_analysis == em.PromotionAnalysis(("after",))


def test_operator_actions_become_engine_commands():
    s = validate_model(
        Scenario,
        {
            "operator": [
                {"at": 1, "do": "setImage", "image": "a:2"},
                {"at": 2, "do": "promote"},
                {"at": 3, "do": "promote", "full": True},
                {"at": 4, "do": "promoteFull"},
                {"at": 5, "do": "abort"},
                {"at": 6, "do": "retry"},
                {"at": 7, "do": "pause"},
                {"at": 8, "do": "resume"},
                {"at": 9, "do": "restart", "after": "1m"},
                {"at": 10, "do": "undo", "toRevision": 2},
                {"at": 11, "do": "scale", "replicas": 6},
            ]
        },
        file="s",
        lines={},
    )
    assert [to_command(a) for a in s.operator] == [
        em.SetImage(image="a:2"),
        em.Promote(),
        em.PromoteFull(),
        em.PromoteFull(),
        em.Abort(),
        em.Retry(),
        em.PauseRollout(),
        em.Resume(),
        em.Restart(at=69.0),
        em.Undo(to_revision=2),
        em.Scale(replicas=6),
    ]


def test_scenario_from_manifests_defaults_and_overrides(base):
    objs = bundle(base, SERVICES, VSVC, namespace="team")
    s = scenario_from_manifests(objs)
    assert (s.name, s.namespace, s.until, s.traffic.rate, s.operator) == (
        "demo",
        "team",
        7200.0,
        100.0,
        [],
    )
    assert s.rollout is objs.rollout and s.manifests is objs and s.source is None
    s = scenario_from_manifests(
        objs, seed=9, until="30m", operator=[{"at": "5m", "do": "setImage", "image": "demo:v2"}]
    )
    assert (s.seed, s.until, s.operator[0].at) == (9, 1800.0, 300.0)
    with pytest.raises(ScenarioError, match=r"^<arguments>: until: expected a duration"):
        scenario_from_manifests(objs, until="later")
    with pytest.raises(ScenarioError, match="expected at least one Rollout"):
        scenario_from_manifests(bundle(SERVICES))


def test_workload_ref_to_a_replica_set_is_refused(base):
    """Argo resolves ReplicaSets and PodTemplates too; canarysim simulates Deployments only."""
    del base["spec"]["template"]
    base["spec"]["workloadRef"] = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "d"}
    with pytest.raises(ScenarioError, match=r"simulates Deployments only.*to ReplicaSet d"):
        plan_of(base)
