"""Argo's blue-green e2e tests of test/e2e/functional_test.go and bluegreen_test.go, replayed.

Each test creates the Rollout from nothing (as the e2e suite does), waits for it as the suite's
``WaitFor...`` calls do (the first snapshot where the condition holds), makes the same edit
(``UpdateSpec()`` is a new pod template: here a new image) and asserts what the upstream test
asserts: replica counts (desired, current, updated, ready, available), pods per revision,
active/preview/stable revisions, the abort flag, conditions and events. Pods become Ready 5 s
after creation and terminate in 2 s (``fidelitykit.pods``).
"""

from __future__ import annotations

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
from fidelitykit import events, op, pods, simulate


def test_blue_green_update_replay(tmp_path):
    """``TestBlueGreenUpdate`` (functional/rollout-bluegreen.yaml): 3 replicas, automatic
    promotion; while revision 2 comes up the counts are (3, 6, 3, 3, 3), still so once Healthy
    (the old ReplicaSet waits out scaleDownDelaySeconds), and the Rollout's events up to then
    are exactly the upstream list."""
    ro = bg_rollout("bluegreen", replicas=3, activeService="bluegreen", scaleDownDelaySeconds=10)
    r = simulate(tmp_path, [svc("bluegreen", "bluegreen"), ro], [update("1m", ro)], until="3m")
    assert counts(r.status_at(59)) == (3, 3, 3, 3, 3)
    assert r.status_at(59).phase == "Healthy"
    progressing = first(r, 60, lambda s: s.phase == "Progressing")
    switched = first(r, progressing.time, lambda s: active_revision(s) == 2)
    assert counts(switched) == (3, 6, 3, 3, 3)
    healthy = first(r, progressing.time, lambda s: s.phase == "Healthy")
    assert counts(healthy) == (3, 6, 3, 3, 3)
    reasons = [why for t, why, _ in events(r) if t <= healthy.time and why != "OperatorCommand"]
    assert reasons == [
        "RolloutAddedToInformer",
        "RolloutUpdated",
        "NewReplicaSetCreated",
        "ScalingReplicaSet",
        "RolloutCompleted",
        "SwitchService",
        "RolloutUpdated",
        "NewReplicaSetCreated",
        "RolloutNotCompleted",
        "ScalingReplicaSet",
        "SwitchService",
        "RolloutCompleted",
    ]
    # and the old ReplicaSet goes scaleDownDelaySeconds after the switch
    assert counts(r.status_at(healthy.time + 11)) == (3, 3, 3, 3, 3)


def test_blue_green_promote_full_replay(tmp_path):
    """``TestBlueGreenPromoteFull``: manual promotion, a pre-promotion analysis (a 10 s Job)
    and a post-promotion one; ``promote --full`` while the pre-promotion run is Running skips
    both analyses, so the rollout becomes Healthy with one AnalysisRun only."""
    ro = bg_rollout(
        "bluegreen-promote-full",
        replicas=3,
        activeService="bluegreen-promote-full-active",
        autoPromotionEnabled=False,
        prePromotionAnalysis={
            "templates": [{"templateName": "sleep-job"}],
            "args": [{"name": "duration", "value": "10"}],
        },
        postPromotionAnalysis={"templates": [{"templateName": "sleep-job"}]},
    )
    r = simulate(
        tmp_path,
        [svc("bluegreen-promote-full-active", "bluegreen-promote-full"), ro, sleep_job()],
        [
            update("1m", ro),
            {"when": {"analysisRun": "Running"}, "do": "promoteFull"},
        ],
        analysis=job_answers(sleep_job=("10s", True)),
        until="3m",
    )
    running = first(r, 60, lambda s: any(a.phase == "Running" for a in s.analysis_runs))
    assert running.analysis_runs[0].name.endswith("-pre")
    healthy = first(r, running.time, lambda s: s.phase == "Healthy")
    assert active_revision(healthy) == 2
    assert run_count(r, healthy.time) == 1
    assert run_count(r, r.until) == 1  # no post-promotion run later either


def test_blue_green_to_canary_replay(tmp_path):
    """``TestBlueGreenToCanary``: a Healthy blue-green rollout edited into a canary
    (``blueGreen: null``, setWeight 50 then pause) pauses with counts (2, 2, 1, 2, 2), and the
    former active Service loses its pod-template-hash selector (Argo's Service controller
    cleans a Service no Rollout names any more): it serves both revisions."""
    name = "bluegreen-to-canary"
    ro = bg_rollout(name, replicas=2, activeService=name, scaleDownDelaySeconds=5)
    to_canary = {
        "spec": {
            "template": {"metadata": {"annotations": {"foo": "bar"}}},
            "strategy": {
                "blueGreen": None,
                "canary": {"steps": [{"setWeight": 50}, {"pause": {}}]},
            },
        }
    }
    r = simulate(
        tmp_path,
        [svc(name, name), ro],
        [op("1m", "patch", patch=to_canary)],
        traffic={"rate": 10, "host": name},
        until="3m",
    )
    assert r.status_at(59).strategy == "BlueGreen"
    paused = first(r, 60, lambda s: s.phase == "Paused" and s.available == 2)
    assert paused.strategy == "Canary"
    assert counts(paused) == (2, 2, 1, 2, 2)
    # before the edit the Service selected revision 1 only; after it, both revisions' pods
    t = r.series["time"]
    before = (t >= 10) & (t < 60)
    after = t >= paused.time
    assert r.series["requests.canary"][before].sum() == 0
    canary = r.series["requests.canary"][after].sum()
    stable = r.series["requests.stable"][after].sum()
    n = canary + stable
    assert n > 500 and abs(canary / n - 0.5) < 5 * (0.25 / n) ** 0.5  # one pod of each


def test_blue_green_scale_down_delay_replay(tmp_path):
    """``TestBlueGreenScaleDownDelay``: scaleDownDelaySeconds of a day and
    scaleDownDelayRevisionLimit 2. After one update both revisions keep their pod; after
    three, revision 1 is scaled down (beyond the limit) and revisions 2-4 keep one pod each;
    lowering the limit to 1 scales revision 2 down at once."""
    name = "bluegreen-scaledowndelay"
    ro = bg_rollout(
        name,
        replicas=1,
        activeService=f"{name}-active",
        scaleDownDelaySeconds=86400,
        scaleDownDelayRevisionLimit=2,
    )
    r = simulate(
        tmp_path,
        [svc(f"{name}-active", name), ro],
        [
            update("1m", ro),
            update("2m", ro, "nginx:1.21-alpine"),
            update("3m", ro, "nginx:1.22-alpine"),
            op(
                "4m",
                "patch",
                patch={"spec": {"strategy": {"blueGreen": {"scaleDownDelayRevisionLimit": 1}}}},
            ),
        ],
        until="5m",
    )
    once = first(r, 60, lambda s: s.phase == "Healthy")
    assert (revision_pods(once, 2), revision_pods(once, 1)) == (1, 1)
    assert counts(once) == (1, 2, 1, 1, 1)
    thrice = r.status_at(239)
    assert active_revision(thrice) == 4 and thrice.phase == "Healthy"
    assert [revision_pods(thrice, rev) for rev in (4, 3, 2, 1)] == [1, 1, 1, 0]
    assert counts(thrice) == (1, 3, 1, 1, 1)
    lowered = r.status_at(241)
    assert [revision_pods(lowered, rev) for rev in (4, 3, 2, 1)] == [1, 1, 0, 0]
    assert counts(lowered) == (1, 2, 1, 1, 1)


BAD = {
    "containers": [{"name": "bad2good", "image": "nginx:1.19-alpine-argo-error", "command": None}]
}


def test_blue_green_exceed_progress_deadline_abort_replay(tmp_path):
    """``TestBlueGreenExceedProgressDeadlineAbort``: an image that never pulls and a 1 s
    progress deadline. With ``progressDeadlineAbort: false`` the rollout is Degraded but not
    aborted and the new revision keeps its pod; the same patch with ``true`` aborts it (four
    conditions) and abortScaleDownDelaySeconds (2 s) later the new revision has no pod."""
    name = "bluegreen-scaledowndelay"
    ro = bg_rollout(name, replicas=1, activeService=f"{name}-active", abortScaleDownDelaySeconds=2)

    def patch(abort: bool) -> dict:
        return {
            "spec": {
                "progressDeadlineAbort": abort,
                "progressDeadlineSeconds": 1,
                "template": {"spec": BAD},
            }
        }

    r = simulate(
        tmp_path,
        [svc(f"{name}-active", name), ro],
        [op("1m", "patch", patch=patch(False)), op("2m", "patch", patch=patch(True))],
        pods={**pods(), "images": {"nginx:1.19-alpine-argo-error": {"imagePullFails": True}}},
        until="3m",
    )
    degraded = first(r, 60, lambda s: s.phase == "Degraded")
    later = r.status_at(degraded.time + 3)
    assert revision_pods(later, 2) == 1 and not later.aborted
    assert later.phase == "Degraded"
    aborted = first(r, 120, lambda s: s.phase == "Degraded" and s.aborted)
    assert len(aborted.conditions) == 4
    assert revision_pods(r.status_at(aborted.time + 3), 2) == 0
    assert active_revision(r.final) == 1


def test_blue_green_scale_down_on_abort_replay(tmp_path):
    """``TestBlueGreenScaleDownOnAbort``: previewReplicaCount 1, manual promotion. Paused with
    one pod of revision 2 and two of revision 1; aborted, it is Degraded and within
    abortScaleDownDelaySeconds (1 s) plus a little revision 2 has no pod."""
    label = "bluegreen-preview-replicas"
    ro = bg_rollout(
        "bluegreen-scaledown-on-abort",
        replicas=2,
        label=label,
        abortScaleDownDelaySeconds=1,
        activeService=f"{label}-active",
        previewService=f"{label}-preview",
        previewReplicaCount=1,
        scaleDownDelaySeconds=5,
        autoPromotionEnabled=False,
    )
    r = simulate(
        tmp_path,
        [svc(f"{label}-active", label), svc(f"{label}-preview", label), ro],
        [update("1m", ro), {"when": {"phase": "Paused"}, "do": "abort"}],
        until="3m",
    )
    paused = first(r, 60, lambda s: s.phase == "Paused")
    assert (revision_pods(paused, 2), revision_pods(paused, 1)) == (1, 2)
    degraded = first(r, paused.time, lambda s: s.phase == "Degraded")
    assert degraded.aborted
    assert revision_pods(r.status_at(degraded.time + 3), 2) == 0
    assert revision_pods(r.status_at(degraded.time + 3), 1) == 2


def test_blue_green_preview_replica_count_promote_full_replay(tmp_path):
    """``TestBlueGreenPreviewReplicaCountPromoteFull`` (bluegreen_test.go): previewReplicaCount
    1 and a 1 s progress deadline. Paused longer than the deadline it stays Paused (a paused
    rollout is not timed), counts (2, 3, 1, 2, 2); ``promote --full`` makes it Healthy with
    (2, 4, 2, 2, 2)."""
    name = "bluegreen-preview-replicas-promote-full"
    ro = bg_rollout(
        name,
        replicas=2,
        activeService="bluegreen-preview-replicas-active",
        previewReplicaCount=1,
        autoPromotionEnabled=False,
    )
    ro["spec"]["progressDeadlineSeconds"] = 1
    r = simulate(
        tmp_path,
        [svc("bluegreen-preview-replicas-active", name), ro],
        [update("1m", ro), {"when": {"phase": "Paused", "for": "2s"}, "do": "promoteFull"}],
        until="3m",
    )
    paused = first(r, 60, lambda s: s.phase == "Paused")
    held = r.status_at(paused.time + 2)
    assert held.phase == "Paused"
    assert counts(held) == (2, 3, 1, 2, 2)
    healthy = first(r, held.time, lambda s: s.phase == "Healthy")
    assert counts(healthy) == (2, 4, 2, 2, 2)
    assert (active_revision(healthy), stable_revision(healthy)) == (2, 2)
    assert preview_revision(healthy) is None  # no previewService
