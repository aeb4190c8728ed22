"""``kubectl apply`` and ``kubectl delete`` of objects mid-run, and Argo re-validating the
Rollout against them.

A Rollout that fails validation is looked at again every 20 s (``rollout/controller.go::
syncHandler`` requeues it, "the Rollout was applied before the Service"); nothing else wakes
it for a created or deleted AnalysisTemplate or Service (no informer handler for templates;
``service/service.go::syncService`` ignores a Service it does not manage and a NotFound one).
At a reconcile the Rollout validates again, ``calculateBaseStatus`` drops the InvalidSpec
condition and the rollout goes on; a referenced object deleted makes the next reconcile stop
with InvalidSpec (``getRolloutValidationErrors``) before any ReplicaSet is created.

Replays upstream ``test/e2e/functional_test.go::TestFixInvalidSpec`` (both halves: Degraded,
then the AnalysisTemplate applied and Healthy) and deletes a template and a Service as a user
would with ``kubectl delete``.
"""

from __future__ import annotations

import copy

import pytest
from fidelitykit import basic, events, op, routed, set_image, simulate, weights
from test_fidelity_invalid_spec import INVALID, fix_invalid_spec
from worldkit import write_scenario

import canarysim
from canarysim.errors import ScenarioError

WEB_TEMPLATE = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AnalysisTemplate",
    "metadata": {"name": "doesnt-exist-yet"},
    "spec": {
        "metrics": [
            {
                "name": "web",
                "interval": "5s",
                "successCondition": "result.major == '1'",
                "provider": {
                    "web": {"url": "https://kubernetes.default.svc/version", "insecure": True}
                },
            }
        ]
    },
}


def job_template(name="checks"):
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {
            "metrics": [
                {
                    "name": "smoke",
                    "count": 1,
                    "provider": {"job": {"spec": {"template": {"spec": {"containers": []}}}}},
                }
            ]
        },
    }


def apply(at, manifest):
    return op(at, "apply", manifest=manifest)


def invalid_spec(snap):
    return next((c for c in snap.conditions if c.type == "InvalidSpec"), None)


def test_fix_invalid_spec_replay(tmp_path):
    r = simulate(
        tmp_path,
        fix_invalid_spec(),
        [apply("50s", WEB_TEMPLATE)],
        until="2m",
        acceptErrors=INVALID,
    )
    before = r.status_at(59)
    assert before.phase == "Degraded"
    assert invalid_spec(before) is not None and "doesnt-exist-yet" in before.message
    # Nothing wakes the Rollout for a new template: its 20 s requeue (t=60) finds it valid.
    healthy = [s.time for s in r.snapshots if s.phase == "Healthy"]
    assert healthy and healthy[0] == 60.0
    final = r.final
    assert final.phase == "Healthy"
    assert invalid_spec(final) is None
    assert [rs.revision for rs in final.replica_sets] == [1]
    applied = [e for e in r.events if e["object"] == "AnalysisTemplate/doesnt-exist-yet"]
    assert [(e["time"], e["reason"], e["message"]) for e in applied] == [
        (50.0, "OperatorCommand", "kubectl apply -f -")
    ]


def test_a_template_applied_mid_run_is_used_by_the_next_run(tmp_path):
    """The background analysis' template arrives after the Rollout: once it validates, an
    update starts a run from the applied template (the analysis runtime sees it too)."""
    manifests = basic([{"setWeight": 50}, {"pause": {"duration": "30s"}}], replicas=2,
                      analysis={"templates": [{"templateName": "checks"}]})  # fmt: skip
    r = simulate(
        tmp_path,
        manifests,
        [apply("30s", job_template()), set_image("2m")],
        until="4m",
        acceptErrors=INVALID,
    )
    assert r.status_at(29).phase == "Degraded"
    assert r.status_at(119).phase == "Healthy"
    final = r.final
    assert final.phase == "Healthy"
    (run,) = final.analysis_runs
    assert run.phase == "Successful"
    assert [m["metric"] for m in r.measurements] == ["smoke"]


def test_deleting_a_referenced_template_invalidates_at_the_next_reconcile(tmp_path):
    """``kubectl delete analysistemplate``: the idle Rollout does not notice (no informer
    event); the update's reconcile fails validation before creating a ReplicaSet; applying
    the template again lets the 20 s requeue go on with the update."""
    steps = [{"setWeight": 50}, {"analysis": {"templates": [{"templateName": "checks"}]}}]
    ms = [*basic(steps, replicas=2), job_template()]
    r = simulate(
        tmp_path,
        ms,
        [
            op("30s", "delete", kind="AnalysisTemplate", name="checks"),
            set_image("1m"),
            apply("1m30s", job_template()),
        ],
        until="4m",
    )
    assert r.status_at(59).phase == "Healthy"  # deleted at 30 s: nobody looked
    during = r.status_at(85)
    assert during.phase == "Degraded"
    assert during.message.startswith('InvalidSpec: The Rollout "app" is invalid: ')
    assert '"checks"' in during.message
    assert [rs.revision for rs in during.replica_sets] == [1]  # no ReplicaSet for the update
    assert during.observed_generation == during.generation == 2
    # Applied at 90 s: the requeue at 100 s (60 + 2 x 20) validates and the update starts.
    resumed = next(s for s in r.snapshots if s.time > 60 and len(s.replica_sets) == 2)
    assert resumed.time == 100.0
    final = r.final
    assert final.phase == "Healthy"
    assert invalid_spec(final) is None
    (run,) = final.analysis_runs
    assert run.phase == "Successful"
    deleted = [e for e in r.events if e["object"] == "AnalysisTemplate/checks"]
    assert [(e["time"], e["message"]) for e in deleted] == [
        (30.0, "kubectl delete analysistemplate checks"),
        (90.0, "kubectl apply -f -"),
    ]


def test_deleting_the_canary_service_drops_its_traffic_and_invalidates(tmp_path):
    """``kubectl delete service canary-svc`` while paused at 50 %: the mesh still sends half
    the requests to a host with no Service (they fail at once); the Rollout notices at its
    next reconcile (here the promote) and stays Degraded with Argo's NotFound text."""
    ms = routed([{"setWeight": 50}, {"pause": {}}], replicas=2)
    r = simulate(
        tmp_path,
        ms,
        [
            set_image("30s"),
            op("1m", "delete", kind="Service", name="canary-svc"),
            op("2m", "promote"),
        ],
        traffic={"rate": 20},
        until="3m",
    )
    assert r.status_at(119).phase == "Paused"  # not woken by the deletion
    assert weights(r, 119) == {"stable-svc": 50, "canary-svc": 50}
    final = r.final
    assert final.phase == "Degraded"
    assert final.message == (
        'InvalidSpec: The Rollout "app" is invalid: spec.strategy.canary.canaryService: '
        'Invalid value: "canary-svc": services "canary-svc" not found'
    )
    # The weights stay where they were: an invalid Rollout writes nothing.
    assert weights(r, 179) == {"stable-svc": 50, "canary-svc": 50}
    # Traffic: no request found the canary after the deletion; about half of those sent
    # after it (2400 at 20/s over 120 s, split 50/50) went nowhere.
    series = r.series
    after = [i for i, t in enumerate(series["time"]) if t >= 60]
    before = [i for i, t in enumerate(series["time"]) if 20 <= t < 60]  # deployed by 20 s
    assert sum(series["requests.unserved"][i] for i in before) == 0
    assert sum(series["requests.canary"][i] for i in after) == 0
    unserved = sum(series["requests.unserved"][i] for i in after)
    assert 1000 < unserved < 1400
    assert r.summary["by_image"]["(no endpoint)"]["errors"] == r.summary["requests"]["unserved"]


def test_applying_an_edited_rollout_is_a_patch_from_the_last_applied_file(tmp_path):
    """``kubectl apply -f rollout.yaml`` after editing it: a new template annotation is a new
    revision (as with ``patch``); ``spec.replicas``, changed by ``kubectl scale`` and not in
    the edit, keeps the scaled value (the patch only carries what the file changed)."""
    ms = basic([{"setWeight": 50}, {"pause": {}}], replicas=2)
    edited = copy.deepcopy(ms[0])
    edited["spec"]["template"]["metadata"].setdefault("annotations", {})["team"] = "blue"
    r = simulate(
        tmp_path,
        ms,
        [op("30s", "scale", replicas=4), apply("1m", ms[0]), apply("90s", edited)],
        until="3m",
    )
    # The unchanged file at 60 s changes nothing (no new generation, no event but the line).
    assert r.status_at(89).generation == r.status_at(59).generation
    final = r.final
    assert final.phase == "Paused"
    assert sorted(rs.revision for rs in final.replica_sets) == [1, 2]
    assert final.desired == 4  # kubectl scale's value survived the apply
    assert final.generation == r.status_at(89).generation + 1
    lines = [msg for t, why, msg in events(r, "OperatorCommand")]
    assert lines[-2:] == ["kubectl apply -f -", "kubectl apply -f -"]


def test_a_service_applied_after_the_rollout(tmp_path):
    """The case Argo's 20 s requeue is for: the Rollout first, its stable Service later; the
    next requeue validates and the controller takes the Service (it injects the hash)."""
    ms = routed([{"setWeight": 50}, {"pause": {}}], replicas=2)
    stable = next(m for m in ms if m["kind"] == "Service" and m["metadata"]["name"] == "stable-svc")
    ms.remove(stable)
    r = simulate(tmp_path, ms, [apply("45s", stable)], until="2m", acceptErrors=INVALID)
    assert r.status_at(44).phase == "Degraded"
    assert 'services "stable-svc" not found' in r.status_at(44).message
    # Applied at 45 s; the requeue at 60 s validates and creates revision 1's ReplicaSet.
    assert next(s.time for s in r.snapshots if s.replica_sets) == 60.0
    assert r.final.phase == "Healthy"
    # The applied Service serves: the last minute's requests all reach the stable pods.
    series = r.series
    late = [i for i, t in enumerate(series["time"]) if t >= 70]
    assert sum(series["requests.stable"][i] for i in late) > 0
    assert sum(series["requests.unserved"][i] for i in late) == 0


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        (
            {"apiVersion": "networking.istio.io/v1beta1", "kind": "Gateway",
             "metadata": {"name": "gw"}, "spec": {}},
            "objects canarysim can apply mid-run",
        ),
        (
            {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
             "metadata": {"name": "other"}, "spec": {}},
            "the simulated Rollout 'app'",
        ),
        (
            {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate",
             "metadata": {"name": "t"}, "spec": {"metrics": "nope"}},
            r"operator\[0\]\.manifest\.spec\.metrics: expected a list",
        ),
    ],
)  # fmt: skip
def test_apply_refuses_at_load_what_it_cannot_apply(tmp_path, manifest, expected):
    path = write_scenario(tmp_path, manifests=basic([]), operator=[apply("1m", manifest)])
    with pytest.raises(ScenarioError, match=expected) as err:
        canarysim.load_scenario(path)
    assert "operator[0]" in str(err.value)


def test_apply_reads_a_file_beside_the_scenario(tmp_path):
    import yaml

    (tmp_path / "later.yaml").write_text(yaml.safe_dump(WEB_TEMPLATE))
    path = write_scenario(
        tmp_path,
        manifests=fix_invalid_spec(),
        operator=[op("50s", "apply", file="later.yaml")],
        until="2m",
        acceptErrors=INVALID,
    )
    r = canarysim.simulate(path)
    assert r.final.phase == "Healthy"
    lines = [e["message"] for e in r.events if e["reason"] == "OperatorCommand"]
    assert lines == ["kubectl apply -f later.yaml"]
    missing = write_scenario(
        tmp_path, manifests=basic([]), operator=[op("1m", "apply", file="nowhere.yaml")]
    )
    with pytest.raises(ScenarioError, match=r"operator\[0\]\.file: .*existing manifest file"):
        canarysim.load_scenario(missing)


def test_delete_of_an_object_that_is_not_there_warns(tmp_path):
    r = simulate(
        tmp_path, basic([]), [op("10s", "delete", kind="Service", name="ghost")], until="30s"
    )
    assert any("delete: no Service 'ghost'" in w for w in r.warnings)
