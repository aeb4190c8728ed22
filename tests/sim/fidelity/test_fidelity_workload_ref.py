"""``spec.workloadRef``: a Rollout whose pod template is a Deployment's, and the Deployment's
own pods scaled down (or not) as ``workloadRef.scaleDown`` says.

Replays upstream ``test/e2e/functional_test.go``: ``TestWorkloadRefTemplate``,
``TestWorkloadRef``, ``TestScaleDownOnSuccess``, ``TestScaleDownProgressively``,
``TestScaleDownProgressivelyCompleted``, ``TestScaleDownProgressivelyCompletedCanary`` and
``TestNeverScaleDown``, with their manifests (the e2e waits become times; pods are Ready
5 s after creation). What carries over is named in each test; what does not:
``ExpectReplicaCounts``' columns beyond desired/ready/available.

The Deployment's ``spec.replicas`` is read from its controller's ``ScalingReplicaSet``
events (what ``kubectl describe deployment`` shows), since Argo's ``scaleDeployment`` writes
it and the Deployment controller scales its ReplicaSet accordingly.
"""

from __future__ import annotations

import copy
import itertools

from fidelitykit import events, pods, simulate
from worldkit import write_scenario

from canarysim.sim.world import World

DEP = "rollout-ref-deployment"
#: UpdateWorkloadRef: a merge patch of an annotation into the Deployment's template
TOUCH = {"spec": {"template": {"metadata": {"annotations": {"update": "now"}}}}}
SERVICE = {
    "kind": "Service",
    "apiVersion": "v1",
    "metadata": {"name": "rollout-bluegreen-active"},
    "spec": {
        "selector": {"app": "rollout-ref-deployment"},
        "ports": [{"protocol": "TCP", "port": 80, "targetPort": 8080}],
    },
}


def deployment(image="argoproj/rollouts-demo:green", replicas=2, name="rollout-ref-deployment"):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "rollouts-demo", "image": image}]},
            },
        },
    }


def blue_green(replicas=2, scale_down=None, **spec):
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "rollout-ref-deployment"}
    if scale_down is not None:
        ref["scaleDown"] = scale_down
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "rollout-ref-deployment"},
        "spec": {
            "replicas": replicas,
            "workloadRef": ref,
            "strategy": {"blueGreen": {"activeService": "rollout-bluegreen-active"}},
            **spec,
        },
    }


def deployment_replicas(r, t, name="rollout-ref-deployment"):
    """The Deployment's replicas at ``t``: the last ``Scaled ... to N`` of its controller
    (None: never scaled since it was created)."""
    last = None
    for e in r.events:
        if (
            e["time"] <= t
            and e["object"] == f"Deployment/{name}"
            and e["reason"] == "ScalingReplicaSet"
        ):
            last = int(e["message"].rsplit(" ", 1)[1])
    return last


def deployment_ready(r, t, name="rollout-ref-deployment"):
    """The Deployment's pods alive at ``t`` (created, not deleted yet)."""
    created, deleted = set(), set()
    for e in r.events:
        if e["time"] <= t and e["object"].startswith(f"ReplicaSet/{name}-"):
            pod = e["message"].rsplit(" ", 1)[1]
            if e["reason"] == "SuccessfulCreate":
                created.add(pod)
            elif e["reason"] == "SuccessfulDelete":
                deleted.add(pod)
        elif e["time"] <= t and e["reason"] == "Killing":  # deleted with its ReplicaSet
            deleted.add(e["object"].removeprefix("Pod/"))
    return {p for p in created - deleted if not _rollout_pod(r, p)}


def _rollout_pod(r, pod):
    hashes = {rs.hash for s in r.snapshots for rs in s.replica_sets}
    return any(f"-{h}-" in pod for h in hashes)


def test_workload_ref_template_replay(tmp_path):
    """A Rollout with both a workloadRef and a template is Degraded with exactly one
    condition, whose message says the template must be empty."""
    ro = blue_green(replicas=1)
    ro["spec"]["selector"] = {"matchLabels": {"app": "rollout-demo-deploy"}}
    ro["spec"]["template"] = {"metadata": {"labels": {"app": "rollout-ref-deployment"}}}
    r = simulate(
        tmp_path,
        [deployment(replicas=0), ro],
        until="1m",
        acceptErrors=["argo/invalid-spec"],
    )
    final = r.status_at(59)
    assert final.phase == "Degraded"
    assert len(final.conditions) == 1
    assert "template must be empty for workload reference rollout" in final.conditions[0].message
    assert final.replica_sets == ()


def test_workload_ref_replay(tmp_path):
    """Degraded while the Deployment is missing, the Service left on its selector; Healthy
    once the Deployment is applied, the Service switched; a Deployment patch is a new revision
    (an image that never pulls: Degraded at the progress deadline; a good one: Healthy); a
    workloadRef renamed to a missing Deployment is Degraded, named back is Healthy;
    ``status.workloadObservedGeneration`` follows the Deployment's generation, and is gone
    once the Rollout switches to an inline template."""
    ro = blue_green(replicas=1, progressDeadlineSeconds=5, revisionHistoryLimit=2)
    zero = deployment(replicas=0)

    def image(tag):  # UpdateResource: the container list replaced, as a merge patch does
        containers = [{"name": "rollouts-demo", "image": f"argoproj/rollouts-demo:{tag}"}]
        return {"spec": {"template": {"spec": {"containers": containers}}}}

    rename = {"spec": {"workloadRef": {"name": "non-existent-deploy"}}}
    back = {"spec": {"workloadRef": {"name": "rollout-ref-deployment"}}}
    own = deployment(image="argoproj/rollouts-demo:blue")["spec"]
    inline = {
        "spec": {"workloadRef": None, "selector": own["selector"], "template": own["template"]}
    }
    r = simulate(
        tmp_path,
        [SERVICE, ro],
        [
            {"at": "30s", "do": "apply", "manifest": zero},
            {
                "at": "90s",
                "do": "patch",
                "kind": "Deployment",
                "name": DEP,
                "patch": image("error"),
            },
            {
                "at": "150s",
                "do": "patch",
                "kind": "Deployment",
                "name": DEP,
                "patch": image("blue"),
            },
            {"at": "210s", "do": "patch", "patch": rename},
            {"at": "270s", "do": "patch", "patch": back},
            {"at": "6m", "do": "patch", "patch": inline},
        ],
        until="7m",
        acceptErrors=["argo/invalid-spec"],
        pods={**pods(), "images": {"argoproj/rollouts-demo:error": {"imagePullFails": True}}},
    )
    early = r.status_at(29)
    assert early.phase == "Degraded"
    assert early.workload_observed_generation == ""
    assert 'deployments.apps "rollout-ref-deployment" not found' in early.message
    assert not events(r, "SwitchService") or events(r, "SwitchService")[0][0] >= 30
    # the Deployment appears: its AddFunc patches the Rollout, which reconciles at once
    assert r.status_at(89).phase == "Healthy"
    assert r.status_at(89).revision == 1
    assert r.status_at(89).workload_observed_generation == "1"
    switched = events(r, "SwitchService")
    assert switched and 30 <= switched[0][0] < 40
    # the edited Deployment is revision 2, whose pods never pull: Degraded at the deadline
    assert r.status_at(149).revision == 2
    assert r.status_at(149).phase == "Degraded"
    assert r.status_at(149).workload_observed_generation == "2"
    # the fixed image is revision 3 and becomes Healthy
    assert r.status_at(209).revision == 3
    assert r.status_at(209).phase == "Healthy"
    # a workloadRef to a Deployment that does not exist: Degraded with Argo's NotFound text
    gone = r.status_at(269)
    assert gone.phase == "Degraded"
    assert 'deployments.apps "non-existent-deploy" not found' in gone.message
    # named back: Healthy at revision 3 again (no new revision: the same template)
    named_back = r.status_at(359)
    assert named_back.phase == "Healthy"
    assert named_back.revision == 3
    assert named_back.workload_observed_generation == "3"
    # the Rollout's own template (the Deployment's last one): no workload generation
    final = r.status_at(419)
    assert final.phase == "Healthy"
    assert final.workload_observed_generation == ""


def test_scale_down_on_success_replay(tmp_path):
    """``scaleDown: onsuccess``: the Deployment's 2 replicas stay until the Rollout is
    Healthy, then go to 0."""
    r = simulate(tmp_path, [SERVICE, blue_green(scale_down="onsuccess"), deployment()], until="1m")
    healthy = next(s.time for s in r.snapshots if s.phase == "Healthy")
    assert deployment_replicas(r, healthy - 0.001) is None  # untouched while progressing
    assert len(deployment_ready(r, healthy - 0.001)) == 2
    assert deployment_replicas(r, 59) == 0
    assert not deployment_ready(r, 59)


def test_scale_down_progressively_replay(tmp_path):
    """``scaleDown: progressively``: the Deployment ends at 0 once the Rollout is Healthy, and
    on the way keeps ``replicas - readyReplicas`` of the Rollout."""
    r = simulate(
        tmp_path, [SERVICE, blue_green(scale_down="progressively"), deployment()], until="1m"
    )
    assert r.status_at(59).phase == "Healthy"
    assert deployment_replicas(r, 59) == 0
    scaled = [
        int(e["message"].rsplit(" ", 1)[1])
        for e in r.events
        if e["object"] == "Deployment/rollout-ref-deployment"
    ]
    assert scaled[-1] == 0 and all(a >= b for a, b in itertools.pairwise(scaled))


def test_scale_down_progressively_completed_replay(tmp_path):
    """Once migrated, the Deployment stays at 0 when the Rollout is scaled to 6 and to 2 and
    when the Deployment's template changes (a blue-green update, revision 2)."""
    dep = deployment(replicas=3)
    r = simulate(
        tmp_path,
        [SERVICE, blue_green(replicas=3, scale_down="progressively"), dep],
        [
            {"at": "30s", "do": "scale", "replicas": 6},
            {"at": "60s", "do": "scale", "replicas": 2},
            {"at": "90s", "do": "patch", "kind": "Deployment", "name": DEP, "patch": TOUCH},
        ],
        until="150s",
    )
    assert r.status_at(29).phase == "Healthy"
    assert deployment_replicas(r, 29) == 0
    six = r.status_at(59)
    assert (six.desired, six.ready, six.available) == (6, 6, 6)
    assert deployment_replicas(r, 59) == 0
    two = r.status_at(89)
    assert (two.desired, two.ready, two.available) == (2, 2, 2)
    final = r.status_at(149)
    assert final.phase == "Healthy" and final.revision == 2
    assert deployment_replicas(r, 149) == 0
    assert not deployment_ready(r, 149)


def test_scale_down_progressively_completed_canary_replay(tmp_path):
    """The canary version: migrated to 0, scaled to 8 (Deployment still 0), then a template
    change paused at each of the three steps, promoted through them, Healthy; the Deployment
    stays at 0 throughout."""
    name = "rollout-ref-canary"
    svc = copy.deepcopy(SERVICE)
    svc["metadata"]["name"] = "rollout-canary-active"
    svc["spec"]["selector"] = {"app": name}
    ro = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": {
            "replicas": 4,
            "workloadRef": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": name,
                "scaleDown": "progressively",
            },
            "selector": {"matchLabels": {"app": name}},
            "strategy": {
                "canary": {
                    "maxSurge": 1,
                    "maxUnavailable": 0,
                    "steps": [
                        {"setWeight": 25},
                        {"pause": {"duration": "2s"}},
                        {"setWeight": 50},
                        {"pause": {"duration": "2s"}},
                        {"setWeight": 75},
                        {"pause": {"duration": "2s"}},
                    ],
                }
            },
        },
    }
    dep = deployment(replicas=4, name=name)
    r = simulate(
        tmp_path,
        [svc, ro, dep],
        [
            {"at": "30s", "do": "scale", "replicas": 8},
            {"at": "60s", "do": "patch", "kind": "Deployment", "name": name, "patch": TOUCH},
        ],
        until="3m",
    )
    assert r.status_at(29).phase == "Healthy"
    assert deployment_replicas(r, 29, name) == 0
    eight = r.status_at(59)
    assert (eight.desired, eight.ready, eight.available) == (8, 8, 8)
    paused = [s for s in r.snapshots if s.time > 60 and s.phase == "Paused"]
    assert paused, "the update pauses at its steps"
    final = r.status_at(179)
    assert final.phase == "Healthy" and final.revision == 2
    assert deployment_replicas(r, 179, name) == 0


def test_never_scale_down_replay(tmp_path):
    """``scaleDown: never``: the Deployment keeps its 2 replicas after the Rollout is
    Healthy."""
    svc = copy.deepcopy(SERVICE)
    svc["metadata"]["annotations"] = {"rollout.argoproj.io/scale-down": "never"}
    r = simulate(tmp_path, [svc, blue_green(scale_down="never"), deployment()], until="1m")
    assert r.status_at(59).phase == "Healthy"
    assert deployment_replicas(r, 59) is None
    assert len(deployment_ready(r, 59)) == 2


def test_a_deleted_deployment_is_seen_at_the_next_reconcile(tmp_path):
    """``kubectl delete deployment``: its pods go at once; the Rollout is not woken (Argo's
    informer leaves it unchanged) and turns Degraded with the NotFound text at its next
    reconcile, here the one a ``scale`` makes."""
    r = simulate(
        tmp_path,
        [SERVICE, blue_green(scale_down="never"), deployment()],
        [
            {"at": "30s", "do": "delete", "kind": "Deployment", "name": DEP},
            {"at": "60s", "do": "scale", "replicas": 3},
        ],
        until="90s",
        acceptErrors=["argo/invalid-spec"],
    )
    assert len(deployment_ready(r, 29)) == 2
    assert not deployment_ready(r, 30)
    assert r.status_at(59).phase == "Healthy"
    final = r.status_at(89)
    assert final.phase == "Degraded"
    assert f'deployments.apps "{DEP}" not found' in final.message


def test_a_healthy_start_has_migrated_before_the_clock(tmp_path):
    """``start: healthy``: the migration happened before t=0; with ``onsuccess`` the
    Deployment has no pods when the clock starts, with ``never`` it keeps its 2."""
    for rule, left in (("onsuccess", 0), ("never", 2)):
        path = write_scenario(
            tmp_path,
            manifests=[SERVICE, blue_green(scale_down=rule), deployment()],
            until="30s",
            start="healthy",
            pods=pods(),
            traffic={"rate": 1},
        )
        world = World.build(path).run(0.0)
        assert world.controller.status.phase == "Healthy"
        assert world.workloads.replicas(DEP) == left
        alive = [p for rs in world.workloads.all_replica_sets() for p in rs.active_pods()]
        assert len(alive) == left
