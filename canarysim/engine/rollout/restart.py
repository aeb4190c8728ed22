"""``kubectl argo rollouts restart``: evict pods older than ``spec.restartAt``.

Mirrors ``RolloutPodRestarter.Reconcile`` (rollout/restart.go): the pods as the API server
lists them, sorted by name (``<rollout>-<pod-template-hash>-<suffix>``, so grouped by
ReplicaSet hash; the priority sort of the ReplicaSets before the list only gathers their UIDs);
at most ``available - (max(R, total) - max(maxUnavailable, 1))`` evictions per reconcile;
when no old pod remains ``status.restartedAt`` catches up.
Pods are evicted through the eviction API: one a PodDisruptionBudget has no disruption left
for is refused (429) and skipped, and the restarter looks again ``restartPodCheckTime`` later.
"""

from __future__ import annotations

from canarysim.engine import replicas
from canarysim.engine.model import EvictPods, ReplicaSetView
from canarysim.engine.rollout.context import Context

RESTART_CHECK_SECONDS = 30.0
"""``restartPodCheckTime``: how soon the restarter looks again while pods remain."""


def needs_restart(ctx: Context) -> bool:
    at = ctx.plan.restart_at
    return at is not None and ctx.now >= at and ctx.status.restarted_at != at


def reconcile_restart(ctx: Context) -> int:
    """Evict what the budget allows; returns the number of pods evicted."""
    if not needs_restart(ctx):
        return 0
    at = ctx.plan.restart_at
    assert at is not None
    plan = ctx.plan
    # getRolloutPods lists the pods (sorted by name): a ReplicaSet's pods come together, in
    # the order of their hashes; the world evicts a ReplicaSet's old pods in name order too.
    ordered: list[ReplicaSetView] = sorted(ctx.obs.replica_sets, key=lambda rs: rs.hash)
    total = sum(rs.replicas for rs in ctx.obs.replica_sets)
    available = sum(rs.available for rs in ctx.obs.replica_sets)
    _, unavailable = replicas.resolve_fenceposts(
        plan.max_surge, plan.max_unavailable, plan.replicas
    )
    can_restart = available - (max(plan.replicas, total) - max(unavailable, 1))
    budgets = {b.name: b.allowed for b in ctx.obs.disruption_budgets}
    needing = restarted = 0
    for rs in ordered:
        old = sum(1 for t in rs.pod_created if t < at)
        needing += old
        guards = [b.name for b in ctx.obs.disruption_budgets if rs.hash in b.hashes]
        count = 0
        while count < min(old, max(0, can_restart)):
            # The eviction API (policy/v1 Eviction): refused while a budget selecting the pod
            # allows no disruption; a pod two budgets select cannot be evicted at all.
            if len(guards) > 1 or any(budgets[g] <= 0 for g in guards):
                break
            for g in guards:
                budgets[g] -= 1
            count += 1
        if count:
            ctx.actions.append(EvictPods(rs.hash, count, at))
            can_restart -= count
            restarted += count
    if needing == restarted:
        ctx.restarted_at = at
    return restarted
