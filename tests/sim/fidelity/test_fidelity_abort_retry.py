"""Abort, retry, then let the pause run out: the canary's pods and the Rollout's events.

Replays upstream ``test/e2e/functional_test.go::TestRolloutAbortRetryPromote``.
"""

from __future__ import annotations

from fidelitykit import basic, events, op, pod_count, simulate

# The e2e suite's ``UpdateSpec()`` with no text: a merge patch stamping the pod template.
UPDATE = {"spec": {"template": {"metadata": {"annotations": {"update": "now"}}}}}


def test_rollout_abort_retry_promote_replay(tmp_path):
    """One replica, steps setWeight 50 / pause 3 s, deployed from nothing then updated.

    Carried over: paused at step 1 with one pod of revision 1 and one of revision 2; abort
    makes it Degraded; retry pauses again with the same pods; the 3 s pause then ends in
    Healthy with revision 1 at 0 pods and revision 2 at 1; and the exact sequence of the
    Rollout's event reasons, from ``RolloutAddedToInformer`` to the final
    ``RolloutCompleted``. Difference: canarysim also records each operator command as an
    ``OperatorCommand`` event of its own (no Kubernetes event upstream); they are left out of
    the comparison. The upstream waits (``WaitForRolloutStatus``) are the ``when`` actions.
    """
    r = simulate(
        tmp_path,
        basic([{"setWeight": 50}, {"pause": {"duration": "3s"}}], replicas=1),
        [
            op("1m", "patch", patch=UPDATE),
            {"when": {"phase": "Paused"}, "do": "abort"},
            {"when": {"phase": "Degraded"}, "do": "retry"},
        ],
        until="3m",
    )
    phases = [(s.time, s.phase) for s in r.snapshots if s.time >= 60]
    paused = [t for t, phase in phases if phase == "Paused"]
    degraded = [t for t, phase in phases if phase == "Degraded"]
    assert paused and degraded
    first_pause, aborted = paused[0], degraded[0]
    assert (pod_count(r, first_pause, 1), pod_count(r, first_pause, 2)) == (1, 1)
    assert aborted > first_pause
    # Abort brings the canary down to zero; retry brings it back and pauses again.
    assert pod_count(r, aborted, 2) == 0
    second_pause = next(t for t in paused if t > aborted)
    assert (pod_count(r, second_pause, 1), pod_count(r, second_pause, 2)) == (1, 1)
    healthy = next(t for t, phase in phases if t > second_pause and phase == "Healthy")
    assert 3 <= healthy - second_pause < 5  # the 3 s pause, then the promotion
    assert (pod_count(r, healthy, 1), pod_count(r, healthy, 2)) == (0, 1)
    assert r.final.phase == "Healthy"
    reasons = [why for _, why, _ in events(r) if why != "OperatorCommand"]
    assert reasons == [
        "RolloutAddedToInformer",
        "RolloutUpdated",
        "NewReplicaSetCreated",
        "RolloutNotCompleted",
        "ScalingReplicaSet",
        "RolloutCompleted",
        "RolloutUpdated",
        "NewReplicaSetCreated",
        "RolloutNotCompleted",
        "ScalingReplicaSet",
        "RolloutStepCompleted",
        "RolloutPaused",
        "ScalingReplicaSet",
        "RolloutAborted",
        "ScalingReplicaSet",
        "RolloutStepCompleted",
        "RolloutPaused",
        "RolloutStepCompleted",
        "RolloutResumed",
        "ScalingReplicaSet",
        "RolloutCompleted",
    ]
