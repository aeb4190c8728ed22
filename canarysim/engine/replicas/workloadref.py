"""How many pods Argo leaves a Rollout's referenced Deployment (``workloadRef.scaleDown``).

Two rules of the controller, both only while the Rollout's revision is 1 (the migration from
the Deployment; a later revision never touches it, as upstream notes):

* ``onsuccess`` (``rollout/sync.go::promoteStable``): once the Rollout was Healthy when the
  reconcile began, the Deployment goes to 0.
* ``progressively`` (``rollout/replicaset.go::reconcileNewReplicaSet``): Healthy -> 0; else,
  when the Rollout has Ready pods or its new ReplicaSet was just scaled down, the Deployment
  keeps ``spec.replicas - status.readyReplicas`` (never below 0), so that old and new pods
  together stay at the Rollout's size.

``never`` (and any other text: the CRD types the field as a free string) leaves it alone.
The Rollout's phase and Ready count are those read at the start of the reconcile
(``c.rollout.Status``). ``scaleDeployment`` writes only a changed count.

>>> deployment_replicas("onsuccess", revision=1, phase="Healthy", current=2)
0
>>> deployment_replicas("progressively", revision=1, phase="Progressing", current=4,
...                     rollout_replicas=4, ready=1, new_rs_before=1, new_rs_after=2)
3
>>> deployment_replicas("never", revision=1, phase="Healthy", current=2) is None
True
"""

from __future__ import annotations

__all__ = ["deployment_replicas"]


def deployment_replicas(
    scale_down: str,
    *,
    revision: int,
    phase: str,
    current: int,
    rollout_replicas: int | None = None,
    ready: int = 0,
    new_rs_before: int = 0,
    new_rs_after: int = 0,
) -> int | None:
    """The Deployment's new ``spec.replicas`` after one reconcile, or None to leave it."""
    if revision != 1:
        return None
    target: int | None = None
    if scale_down == "onsuccess":
        target = 0 if phase == "Healthy" else None
    elif scale_down == "progressively":
        if phase == "Healthy":
            target = 0
        elif rollout_replicas is not None and (ready > 0 or new_rs_before > new_rs_after):
            target = max(rollout_replicas - ready, 0)
    if target is None or target == current:
        return None
    return target
