"""``RolloutPodRestarter.Reconcile`` (rollout/restart.go), pinned where the mutation run of
``engine/rollout/restart.py`` asked: when a restart is due, the eviction order and budget,
PodDisruptionBudgets, and when ``status.restartedAt`` catches up.

The order is the pods' names as the API server lists them (``<rollout>-<hash>-<suffix>``), so
ReplicaSets come in the order of their hashes: H3 (``59b…``) before H1 (``6d8…``) before H2
(``7f9…``), whichever is stable, new or older.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_steps_world import H1, H2, H3, NOW, make_plan, make_status, rs

from canarysim.engine.model import (
    DisruptionBudgetView,
    EvictPods,
    Observation,
    ReplicaSetView,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.restart import needs_restart, reconcile_restart

AT = NOW - 10  # spec.restartAt
OLD, YOUNG = AT - 100, AT + 1  # pod creation times before and after it


def _ctx(
    *rss: ReplicaSetView, budgets: tuple[DisruptionBudgetView, ...] = (), **kw: Any
) -> Context:
    plan_kw: dict[str, Any] = {
        "replicas": 4,
        "restart_at": AT,
        "max_surge": 1,
        "max_unavailable": 1,
    }
    plan_kw.update(kw.pop("plan", {}))
    plan = make_plan(**plan_kw)
    status = make_status(plan, **kw)
    views = tuple(replace(r, rollout_replicas=plan.replicas) for r in rss)
    return Context(
        plan, status, Observation(now=NOW, replica_sets=views, disruption_budgets=budgets)
    )


def pods(n: int, created: float = OLD) -> tuple[float, ...]:
    return (created,) * n


@pytest.mark.parametrize(
    ("restart_at", "restarted_at", "now", "expect"),
    [
        (None, None, NOW, False),
        (AT, None, NOW, True),
        (AT, None, AT, True),
        (AT, None, AT - 1, False),
        (AT, AT, NOW, False),
    ],
    ids=["no restartAt", "due", "due this instant", "in the future", "already done"],
)
def test_needs_restart(
    restart_at: float | None, restarted_at: float | None, now: float, expect: bool
) -> None:
    """A restart is due once ``spec.restartAt`` has come and ``status.restartedAt`` differs."""
    plan = make_plan(replicas=4, restart_at=restart_at)
    status = make_status(plan, restarted_at=restarted_at)
    ctx = Context(plan, status, Observation(now=now, replica_sets=(rs(H1, 4),)))
    assert needs_restart(ctx) is expect


def test_one_pod_at_a_time_in_pod_name_order() -> None:
    """All 4 available, maxUnavailable 1: ``available - (max(R, total) - max(1, 1))`` = 1
    eviction per reconcile, taken from the first pod by name: the new ReplicaSet H1's, before
    the stable H2's."""
    ctx = _ctx(
        rs(H2, 2, pods=pods(2)), rs(H1, 2, pods=pods(2)), stable=H2, plan={"pod_template_hash": H1}
    )
    assert reconcile_restart(ctx) == 1
    assert ctx.actions == [EvictPods(H1, 1, AT)]
    assert ctx.restarted_at is None


def test_the_budget_spreads_over_replica_sets_in_name_order() -> None:
    """maxUnavailable 2 of 4 with 5 pods up and 5 available: 5 - (5 - 2) = 2 evictions: the
    older H3's old pod, then the stable H1's; the new H2's old pod waits."""
    ctx = _ctx(
        rs(H3, 1, pods=pods(1), created=5.0),
        rs(H2, 2, pods=(YOUNG, OLD)),
        rs(H1, 2, pods=(OLD, YOUNG)),
        stable=H1,
        plan={"max_unavailable": 2},
    )
    assert reconcile_restart(ctx) == 2
    assert ctx.actions == [EvictPods(H3, 1, AT), EvictPods(H1, 1, AT)]


def test_no_budget_when_pods_are_unavailable() -> None:
    """3 of 4 available with maxUnavailable 1: 3 - (4 - 1) = 0 evictions; the restart
    stays pending."""
    ctx = _ctx(rs(H1, 4, 3, pods=pods(4)), stable=H1, plan={"pod_template_hash": H1})
    assert reconcile_restart(ctx) == 0
    assert ctx.actions == []
    assert ctx.restarted_at is None


def test_max_unavailable_zero_still_allows_one() -> None:
    """``max(maxUnavailable, 1)``: with maxUnavailable 0, one pod at a time."""
    ctx = _ctx(
        rs(H1, 4, pods=pods(4)), stable=H1, plan={"pod_template_hash": H1, "max_unavailable": 0}
    )
    assert reconcile_restart(ctx) == 1
    assert ctx.actions == [EvictPods(H1, 1, AT)]


def test_max_unavailable_above_replicas_counts_as_replicas() -> None:
    """``replicasetutil.MaxUnavailable`` clamps to the Rollout's replicas: maxUnavailable 10
    of 4 with 6 pods up and available gives 6 - (6 - 4) = 4 evictions (not 6 - (6 - 10)),
    all from the stable; the new ReplicaSet's old pods wait."""
    ctx = _ctx(
        rs(H2, 2, pods=pods(2)),
        rs(H1, 4, pods=pods(4)),
        stable=H1,
        plan={"max_surge": 2, "max_unavailable": 10},
    )
    assert reconcile_restart(ctx) == 4
    assert ctx.actions == [EvictPods(H1, 4, AT)]


def test_only_pods_older_than_restart_at_are_evicted_and_none_left_is_done() -> None:
    """Pods created after ``restartAt`` stay; when no old pod remains, ``restartedAt``
    catches up with ``spec.restartAt``."""
    ctx = _ctx(rs(H1, 4, pods=pods(4, YOUNG)), stable=H1, plan={"pod_template_hash": H1})
    assert reconcile_restart(ctx) == 0
    assert ctx.restarted_at == AT


def test_the_last_old_pod_evicted_completes_the_restart() -> None:
    ctx = _ctx(
        rs(H1, 4, pods=(OLD, YOUNG, YOUNG, YOUNG)), stable=H1, plan={"pod_template_hash": H1}
    )
    assert reconcile_restart(ctx) == 1
    assert ctx.restarted_at == AT


def test_a_surge_counts_against_the_budget() -> None:
    """``max(R, total)``: 5 pods of 4 (a surge), all available, maxUnavailable 1:
    5 - (5 - 1) = 1."""
    ctx = _ctx(
        rs(H1, 3, pods=pods(3)), rs(H2, 2, pods=pods(2)), stable=H1, plan={"max_unavailable": 1}
    )
    assert reconcile_restart(ctx) == 1


@pytest.mark.parametrize(
    ("budgets", "expect"),
    [
        ((DisruptionBudgetView("pdb", 1, (H1,)),), [EvictPods(H1, 1, AT)]),
        ((DisruptionBudgetView("pdb", 0, (H1,)),), []),
        ((DisruptionBudgetView("a", 5, (H1,)), DisruptionBudgetView("b", 5, (H1,))), []),
        ((DisruptionBudgetView("other", 0, (H2,)),), [EvictPods(H1, 2, AT)]),
    ],
    ids=["budget of one", "no disruption allowed", "two budgets", "another ReplicaSet's"],
)
def test_disruption_budgets(
    budgets: tuple[DisruptionBudgetView, ...], expect: list[EvictPods]
) -> None:
    """The eviction API: a budget that selects the pods allows ``disruptionsAllowed``
    evictions; a pod two budgets select cannot be evicted; other budgets do not matter."""
    ctx = _ctx(
        rs(H1, 4, pods=pods(4)),
        budgets=budgets,
        stable=H1,
        plan={"pod_template_hash": H1, "max_unavailable": 2},
    )
    reconcile_restart(ctx)
    assert ctx.actions == expect


def test_older_replica_sets_in_name_order_not_by_age() -> None:
    """Three old ReplicaSets besides the stable: the budget of 2 goes to the first two by
    name, not to the two oldest, whatever order the observation lists them in."""
    ctx = _ctx(
        rs(H1, 1, pods=pods(1, YOUNG), created=1.0),
        rs("c4", 1, pods=pods(1), created=10.0),
        rs("c2", 1, pods=pods(1), created=30.0),
        rs("c3", 1, pods=pods(1), created=20.0),
        stable=H1,
        plan={"replicas": 4, "max_unavailable": 2, "pod_template_hash": H1},
    )
    assert reconcile_restart(ctx) == 2
    assert ctx.actions == [EvictPods("c2", 1, AT), EvictPods("c3", 1, AT)]


def test_a_pod_created_at_restart_at_is_current() -> None:
    """``CreationTimestamp.Equal(restartAt)`` counts as restarted already: nothing to evict,
    and ``restartedAt`` catches up."""
    ctx = _ctx(rs(H1, 4, pods=pods(4, AT)), stable=H1, plan={"pod_template_hash": H1})
    assert reconcile_restart(ctx) == 0
    assert ctx.actions == []
    assert ctx.restarted_at == AT


def test_old_pods_left_in_an_earlier_replica_set_keep_the_restart_pending() -> None:
    """The old pods are counted over every ReplicaSet: the stable's last old pod is evicted,
    but the new ReplicaSet's old pod waits for the next reconcile, so ``restartedAt`` stays."""
    ctx = _ctx(rs(H2, 2, pods=(OLD, YOUNG)), rs(H1, 2, pods=(OLD, YOUNG)), stable=H1)
    assert reconcile_restart(ctx) == 1
    assert ctx.actions == [EvictPods(H1, 1, AT)]
    assert ctx.restarted_at is None


@pytest.mark.parametrize(
    ("allowed", "expect"),
    [(2, [EvictPods(H1, 2, AT)]), (3, [EvictPods(H1, 2, AT)])],
    ids=["budget of two", "more than the restarter's own limit"],
)
def test_each_eviction_takes_one_disruption(allowed: int, expect: list[EvictPods]) -> None:
    ctx = _ctx(
        rs(H1, 4, pods=pods(4)),
        budgets=(DisruptionBudgetView("pdb", allowed, (H1,)),),
        stable=H1,
        plan={"pod_template_hash": H1, "max_unavailable": 2},
    )
    assert reconcile_restart(ctx) == 2
    assert ctx.actions == expect


def test_a_budget_over_two_replica_sets_is_shared() -> None:
    """One budget selecting the stable and the new pods, 1 disruption allowed: the stable's
    eviction uses it up and the new ReplicaSet's old pod is refused (429) this time."""
    ctx = _ctx(
        rs(H2, 2, pods=pods(2)),
        rs(H1, 2, pods=pods(2)),
        budgets=(DisruptionBudgetView("pdb", 1, (H1, H2)),),
        stable=H1,
        plan={"max_unavailable": 2},
    )
    assert reconcile_restart(ctx) == 1
    assert ctx.actions == [EvictPods(H1, 1, AT)]


def test_nothing_due_evicts_nothing() -> None:
    ctx = _ctx(rs(H1, 4, pods=pods(4)), stable=H1, plan={"restart_at": None})
    assert reconcile_restart(ctx) == 0
    assert ctx.actions == []


def test_without_a_stable_replica_set_the_new_one_is_restarted() -> None:
    """No stable ReplicaSet yet (a first rollout): the new one's pods come first."""
    ctx = _ctx(rs(H2, 4, pods=pods(4)), rs(H3, 0), stable="")
    assert reconcile_restart(ctx) == 1
    assert ctx.actions == [EvictPods(H2, 1, AT)]
