"""``workloadRef.scaleDown``: the referenced Deployment's replicas after a reconcile
(``rollout/sync.go::promoteStable``, ``rollout/replicaset.go::reconcileNewReplicaSet``)."""

from __future__ import annotations

import pytest

from canarysim.engine.replicas.workloadref import deployment_replicas


@pytest.mark.parametrize("rule", ["onsuccess", "progressively"])
def test_healthy_at_revision_one_scales_to_zero(rule):
    assert deployment_replicas(rule, revision=1, phase="Healthy", current=4) == 0
    assert deployment_replicas(rule, revision=1, phase="Healthy", current=0) is None  # no-op


@pytest.mark.parametrize("rule", ["onsuccess", "progressively", "never", "", "Never"])
def test_later_revisions_never_touch_it(rule):
    assert deployment_replicas(rule, revision=2, phase="Healthy", current=4) is None


def test_onsuccess_waits_for_healthy():
    assert deployment_replicas("onsuccess", revision=1, phase="Progressing", current=4) is None


@pytest.mark.parametrize(
    ("ready", "before", "after", "current", "want"),
    [
        (0, 0, 4, 4, None),  # nothing Ready yet, scaling up: the Deployment keeps its pods
        (0, 0, 4, 2, None),  # ... whatever its own count
        (1, 4, 4, 4, 3),  # replicas - readyReplicas
        (4, 4, 4, 4, 0),
        (0, 4, 2, 1, 4),  # the new ReplicaSet scaled down: back up to replicas - ready
        (0, 1, 0, 2, 4),  # ... to nothing
        (0, 2, 2, 2, None),  # no Ready pod and no scale-down: left alone
    ],
)
def test_progressively_keeps_replicas_minus_ready(ready, before, after, current, want):
    """Where the Deployment's own count differs from the target, leaving it alone (None) and
    writing the target are told apart."""
    got = deployment_replicas(
        "progressively",
        revision=1,
        phase="Progressing",
        current=current,
        rollout_replicas=4,
        ready=ready,
        new_rs_before=before,
        new_rs_after=after,
    )
    assert got == want


def test_progressively_needs_spec_replicas():
    got = deployment_replicas(
        "progressively", revision=1, phase="Progressing", current=4, ready=2, rollout_replicas=None
    )
    assert got is None


def test_progressively_defaults_are_no_ready_pods_and_no_scale_change():
    """Without ``ready`` and the new ReplicaSet's counts, nothing moves the Deployment;
    with only ``new_rs_before`` the new ReplicaSet went from it down to 0."""
    call = {"revision": 1, "phase": "Progressing", "current": 2, "rollout_replicas": 4}
    assert deployment_replicas("progressively", **call) is None
    assert deployment_replicas("progressively", **call, new_rs_before=1) == 4
    assert deployment_replicas("progressively", **call, ready=1, new_rs_before=1) == 3
