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
    ("ready", "before", "after", "want"),
    [
        (0, 0, 4, None),  # nothing Ready yet, scaling up: the Deployment keeps its pods
        (1, 4, 4, 3),  # replicas - readyReplicas
        (4, 4, 4, 0),
        (0, 4, 2, 4),  # the new ReplicaSet scaled down: back up to replicas - ready
    ],
)
def test_progressively_keeps_replicas_minus_ready(ready, before, after, want):
    current = 4 if want != 4 else 1
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
