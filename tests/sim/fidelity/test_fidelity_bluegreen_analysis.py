"""Argo's blue-green analysis e2e tests (test/e2e/analysis_test.go, TestBlueGreen*), replayed.

The upstream tests share the ``sleep-job`` AnalysisTemplate: a Job that sleeps ``duration``
seconds and exits ``exit-code``. canarysim does not run a Job's command; the scenario's
``analysis.jobs.sleep-job`` says how long the Job runs and whether it succeeds. Where one
upstream test passes different ``exit-code`` arguments to the same template at different
moments (pre- vs post-promotion, before vs after a fix), the replay gives the Job's success
probability as a change over time that flips between those moments: the outcome of each run is
the one its arguments would give upstream. Everything else (manifests, operator actions, waits,
assertions on runs, revisions, pods and counts) is the upstream test's.
"""

from __future__ import annotations

import copy
from typing import Any

from bluegreenkit import (
    active_revision,
    bg_rollout,
    counts,
    first,
    job_answers,
    preview_revision,
    revision_pods,
    run_count,
    sleep_job,
    stable_revision,
    svc,
    update,
)
from fidelitykit import by_revision, simulate


def sleep(**args: str) -> dict[str, Any]:
    """``templates: [sleep-job]`` with ``args`` (``exit_code`` -> ``exit-code``)."""
    return {
        "templates": [{"templateName": "sleep-job"}],
        "args": [{"name": k.replace("_", "-"), "value": v} for k, v in args.items()],
    }


def flips(duration: str, at: str, before: bool) -> dict[str, Any]:
    """``analysis.jobs``: the sleep-job Job succeeds (or not) until ``at``, then the opposite."""
    values = [{"at": "0s", "value": int(before)}, {"at": at, "value": int(not before)}]
    return {"jobs": {"sleep-job": {"duration": duration, "successProbability": values}}}


def with_cpu(rollout: dict[str, Any], cpu: str) -> dict[str, Any]:
    out = copy.deepcopy(rollout)
    container = out["spec"]["template"]["spec"]["containers"][0]
    container["resources"] = {"requests": {"memory": "16Mi", "cpu": cpu}}
    return out


def pair(name: str, label: str) -> list[dict[str, Any]]:
    return [svc(f"{name}-active", label), svc(f"{name}-preview", label)]


def test_blue_green_analysis_replay(tmp_path):
    """``TestBlueGreenAnalysis``: pre- and post-promotion analysis (5 s Jobs), manual promotion.
    No run before the update; paused with one run, active 1, preview 2; promoted, active 2,
    two runs, counts (1, 2, 1, 1, 1), Progressing until the post-promotion run succeeds; then
    Healthy. Re-applying the original manifest right away is a fast rollback to the ReplicaSet
    still in its scale-down delay: Healthy at once, no new run, revision 3 stable, active and
    preview."""
    name = "bluegreen-analysis"
    original = with_cpu(
        bg_rollout(
            name,
            activeService=f"{name}-active",
            previewService=f"{name}-preview",
            prePromotionAnalysis=sleep(duration="5"),
            postPromotionAnalysis=sleep(duration="5"),
            autoPromotionEnabled=False,
        ),
        "5m",
    )
    r = simulate(
        tmp_path,
        [*pair(name, name), original, sleep_job()],
        [
            {"at": "1m", "do": "apply", "manifest": with_cpu(original, "4m")},
            {"when": {"phase": "Paused", "for": "2s"}, "do": "promote"},
            # ``apply`` takes a time: 2 s after the rollout became Healthy (checked below),
            # as upstream re-applies right after its WaitForRolloutStatus("Healthy")
            {"at": "80s", "do": "apply", "manifest": original},
        ],
        analysis=job_answers(sleep_job=("5s", True)),
        until="4m",
    )
    assert r.status_at(59).phase == "Healthy" and run_count(r, 59) == 0
    paused = first(r, 60, lambda s: s.phase == "Paused")
    assert run_count(r, paused.time) == 1
    assert (active_revision(paused), preview_revision(paused)) == (1, 2)
    switched = first(r, paused.time, lambda s: active_revision(s) == 2)
    later = r.status_at(switched.time + 2)
    assert run_count(r, later.time) == 2
    assert counts(later) == (1, 2, 1, 1, 1)
    assert later.phase == "Progressing"
    healthy = first(r, switched.time, lambda s: s.phase == "Healthy")
    assert run_count(r, healthy.time) == 2
    assert (active_revision(healthy), preview_revision(healthy)) == (2, 2)
    assert 79 <= healthy.time + 2 <= 81
    # the rollback (revision 3 is revision 1's ReplicaSet, still scaled up)
    assert revision_pods(r.status_at(79.9), 1) == 1
    rolled = first(r, 80, lambda s: s.revision == 3)
    after = r.status_at(rolled.time + 2)
    assert after.phase == "Healthy"
    assert run_count(r, after.time) == 2 and run_count(r, r.until) == 2
    assert (stable_revision(after), active_revision(after), preview_revision(after)) == (3, 3, 3)


def test_blue_green_pre_promotion_fail_replay(tmp_path):
    """``TestBlueGreenPrePromotionFail``: the pre-promotion Job exits 1, so the update is
    aborted (Degraded) with one run, stable and active 1, preview 2; the template's args are
    fixed (exit 0) and the rollout retried: Healthy, two runs, revision 2 everywhere."""
    name = "pre-promotion-fail"
    ro = bg_rollout(
        name,
        replicas=2,
        abortScaleDownDelaySeconds=0,
        activeService=f"{name}-active",
        previewService=f"{name}-preview",
        previewReplicaCount=1,
        prePromotionAnalysis=sleep(exit_code="1", duration="5"),
    )
    fixed = {
        "spec": {
            "strategy": {"blueGreen": {"prePromotionAnalysis": sleep(exit_code="0", duration="5")}}
        }
    }
    r = simulate(
        tmp_path,
        [*pair(name, name), ro, sleep_job()],
        [
            update("1m", ro),
            {"at": "2m", "do": "patch", "patch": fixed},
            {"at": "2m", "do": "retry"},
        ],
        analysis=flips("5s", "2m", before=False),
        until="4m",
    )
    assert run_count(r, 59) == 0
    degraded = first(r, 60, lambda s: s.phase == "Degraded")
    assert degraded.aborted and run_count(r, degraded.time) == 1
    assert (stable_revision(degraded), active_revision(degraded)) == (1, 1)
    assert preview_revision(degraded) == 2
    healthy = first(r, 120, lambda s: s.phase == "Healthy")
    assert run_count(r, healthy.time) == 2
    assert (stable_revision(healthy), active_revision(healthy), preview_revision(healthy)) == (
        2,
        2,
        2,
    )


def test_blue_green_post_promotion_fail_replay(tmp_path):
    """``TestBlueGreenPostPromotionFail``: paused (stable and active 1, preview 2), promoted:
    active 2 while stable stays 1; the post-promotion Job exits 1, so the rollout is Degraded
    with one run and the active Service back on revision 1."""
    name = "post-promotion-fail"
    ro = bg_rollout(
        name,
        activeService=f"{name}-active",
        previewService=f"{name}-preview",
        autoPromotionEnabled=False,
        postPromotionAnalysis=sleep(exit_code="1", duration="5"),
    )
    r = simulate(
        tmp_path,
        [*pair(name, name), ro, sleep_job()],
        [update("1m", ro), {"when": {"phase": "Paused"}, "do": "promote"}],
        analysis=job_answers(sleep_job=("5s", False)),
        until="3m",
    )
    assert run_count(r, 59) == 0
    paused = first(r, 60, lambda s: s.phase == "Paused")
    assert (stable_revision(paused), active_revision(paused), preview_revision(paused)) == (
        1,
        1,
        2,
    )
    promoted = r.status_at(paused.time + 2)
    assert (stable_revision(promoted), active_revision(promoted)) == (1, 2)
    assert preview_revision(promoted) == 2
    degraded = first(r, paused.time, lambda s: s.phase == "Degraded")
    assert run_count(r, degraded.time) == 1
    assert (stable_revision(degraded), active_revision(degraded)) == (1, 1)
    assert preview_revision(degraded) == 2


def test_blue_green_abort_and_update_replay(tmp_path):
    """``TestBlueGreenAbortAndUpdate``: automatic promotion and a post-promotion Job that
    exits 1: Degraded with one run, active 1, preview 2. Updated at once to a new template
    with manual promotion and a passing analysis: paused with revision 1 and 3 on one pod each,
    revision 2 waiting out its scale-down delay; promoted: Healthy, revisions 1 and 2 marked for
    scale-down, revision 3 active and preview, two runs."""
    name = "bluegreen-abort-and-update"
    ro = bg_rollout(
        name,
        activeService=f"{name}-active",
        previewService=f"{name}-preview",
        postPromotionAnalysis=sleep(exit_code="1"),
    )
    fix = {
        "spec": {
            "template": {"metadata": {"annotations": {"foo": "bar"}}},
            "strategy": {
                "blueGreen": {
                    "autoPromotionEnabled": False,
                    "postPromotionAnalysis": {
                        "templates": [{"templateName": "sleep-job"}],
                        "args": None,
                    },
                }
            },
        }
    }
    r = simulate(
        tmp_path,
        [*pair(name, name), ro, sleep_job()],
        [
            update("1m", ro),
            {"when": {"phase": "Degraded"}, "do": "patch", "patch": fix},
            {"when": {"phase": "Paused", "for": "2s"}, "do": "promote"},
        ],
        analysis=flips("0s", "66s", before=False),
        until="3m",
    )
    assert run_count(r, 59) == 0
    degraded = first(r, 60, lambda s: s.phase == "Degraded")
    assert run_count(r, degraded.time) == 1
    assert (active_revision(degraded), preview_revision(degraded)) == (1, 2)
    paused = first(r, degraded.time, lambda s: s.phase == "Paused")
    held = r.status_at(paused.time + 2)
    assert revision_pods(held, 1) == 1 and revision_pods(held, 3) == 1
    assert by_revision(held)[2].scale_down_at is not None  # ExpectRevisionScaleDown("2", true)
    assert (active_revision(held), preview_revision(held)) == (1, 3)
    healthy = first(r, held.time, lambda s: s.phase == "Healthy")
    done = r.status_at(healthy.time + 2)
    assert revision_pods(done, 1) == 1 and revision_pods(done, 3) == 1
    assert by_revision(done)[1].scale_down_at is not None
    assert by_revision(done)[2].scale_down_at is not None
    assert (active_revision(done), preview_revision(done)) == (3, 3)
    assert run_count(r, done.time) == 2


def test_blue_green_kitchen_sink_replay(tmp_path):
    """``TestBlueGreenKitchenSink``: previewReplicaCount 1, autoPromotionSeconds 10,
    scaleDownDelaySeconds 5, a 10 s pre-promotion Job that passes and a 10 s post-promotion Job
    that exits 1. Paused with counts (2, 3, 1, 2, 2) and one run; 5 s later not yet promoted;
    promoted by autoPromotionSeconds (the preview is scaled to 2 first): counts (2, 4, 2, 2,
    2); two runs; then Degraded with active and stable 1, preview 2, both revisions on 2 pods."""
    name = "bluegreen-kitchensink"
    ro = bg_rollout(
        name,
        replicas=2,
        activeService=f"{name}-active",
        previewService=f"{name}-preview",
        previewReplicaCount=1,
        autoPromotionSeconds=10,
        scaleDownDelaySeconds=5,
        prePromotionAnalysis=sleep(duration="10"),
        postPromotionAnalysis=sleep(exit_code="1", duration="10"),
    )
    r = simulate(
        tmp_path,
        [*pair(name, name), ro, sleep_job()],
        [update("1m", ro)],
        analysis=flips("10s", "80s", before=True),
        until="3m",
    )
    paused = first(r, 60, lambda s: s.phase == "Paused")

    def revisions(s):
        return (active_revision(s), preview_revision(s), stable_revision(s))

    assert revisions(paused) == (1, 2, 1)
    assert (revision_pods(paused, 1), revision_pods(paused, 2)) == (2, 1)
    assert counts(paused) == (2, 3, 1, 2, 2)
    assert run_count(r, paused.time) == 1
    early = r.status_at(paused.time + 5)
    assert (active_revision(early), stable_revision(early)) == (1, 1)
    assert (revision_pods(early, 1), revision_pods(early, 2)) == (2, 1)
    assert counts(early) == (2, 3, 1, 2, 2)
    switched = first(r, paused.time, lambda s: active_revision(s) == 2)
    assert switched.time >= paused.time + 10  # autoPromotionSeconds
    assert (revision_pods(switched, 2), revision_pods(switched, 1)) == (2, 2)
    assert counts(switched) == (2, 4, 2, 2, 2)
    assert run_count(r, switched.time + 1) == 2
    degraded = first(r, switched.time, lambda s: s.phase == "Degraded")
    assert revisions(degraded) == (1, 2, 1)
    assert (revision_pods(degraded, 2), revision_pods(degraded, 1)) == (2, 2)
    assert counts(degraded) == (2, 4, 2, 2, 2)
