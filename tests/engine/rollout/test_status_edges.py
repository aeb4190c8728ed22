"""The status stages of one reconcile, pinned where the mutation run of
``engine/rollout/status.py`` found them loose.

Each test calls one stage (``calculateBaseStatus``, ``RolloutProgressing``, ``RolloutHealthy``,
``RolloutTimedOut``, ``isIndefiniteStep``, ... of rollout/sync.go and
utils/conditions/conditions.go) on a reconcile context built from the same Given fixtures as
the replays of upstream rollout/canary_test.go, and names the Argo function it follows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_steps_world import H1, H2, H3, NOW, cond, make_plan, make_status, reconcile, rs

from canarysim.engine.model import (
    AlbStatus,
    Analysis,
    BlueGreen,
    BlueGreenStatus,
    Condition,
    EmitEvent,
    Observation,
    Pause,
    Plan,
    ReplicaSetView,
    RolloutStatus,
    SetWeight,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.status import (
    Draft,
    base_status,
    calculate_conditions,
    evaluate_progress_deadline_abort,
    indefinite_step,
    rollout_healthy,
    rollout_progressing,
    timed_out,
    waiting_for_scale_down,
)

BG = BlueGreen(active_service="active", preview_service="preview")


def context(plan: Plan, status: RolloutStatus, *rss: ReplicaSetView, now: float = NOW) -> Context:
    """A reconcile context over these ReplicaSets (desired-replicas annotation = replicas)."""
    views = tuple(replace(r, rollout_replicas=plan.replicas) for r in rss)
    return Context(plan, status, Observation(now=now, replica_sets=views))


# --------------------------------------------------------------------------------------------
# calculateBaseStatus
# --------------------------------------------------------------------------------------------


def test_base_status_carries_the_alb_and_ping_pong_fields_forward() -> None:
    """``calculateBaseStatus`` copies ``status.alb``, ``status.albs`` and the ping-pong side
    of the status as read; later stages change them only when they act."""
    alb = AlbStatus(ingress="ing")
    plan = make_plan(replicas=10)
    status = make_status(plan, alb=True, alb_status=alb, albs=(alb,), stable_ping_pong="ping")
    d = base_status(context(plan, status, rs(H1, 10)))
    assert (d.alb, d.alb_status, d.albs, d.stable_ping_pong) == (True, alb, (alb,), "ping")


def test_base_status_counts_no_updated_replicas_without_a_new_replica_set() -> None:
    """``calculateBaseStatus``: updatedReplicas is the new ReplicaSet's, 0 when there is none
    yet (before ``createDesiredReplicaSet``)."""
    plan = make_plan(replicas=10)
    d = base_status(context(plan, make_status(plan), rs(H1, 10)))
    assert (d.replicas, d.updated_replicas) == (10, 0)


# --------------------------------------------------------------------------------------------
# RolloutProgressing: any one of these moves is progress, for each strategy
# --------------------------------------------------------------------------------------------

# counts of the status as read: replicas 10, updated 5, ready 8, available 8
OLD_COUNTS = (10, 5, 8, 8)


def _progressing(plan: Plan, old: RolloutStatus, **moved: Any) -> bool:
    ctx = context(plan, old, rs(H1, 5), rs(H2, 5))
    d = Draft(
        current_pod_hash=old.current_pod_hash,
        current_step_hash=old.current_step_hash,
        current_step_index=old.current_step_index,
        stable_rs=old.stable_rs,
        promote_full=False,
        replicas=old.replicas,
        updated_replicas=old.updated_replicas,
        ready_replicas=old.ready_replicas,
        available_replicas=old.available_replicas,
        blue_green=old.blue_green,
    )
    for name, value in moved.items():
        setattr(d, name, value)
    return rollout_progressing(ctx, d)


CANARY_MOVES: list[tuple[str, dict[str, Any], bool]] = [
    ("nothing moved", {}, False),
    ("updated replicas changed", {"updated_replicas": 4}, True),
    ("fewer old replicas", {"replicas": 9}, True),
    ("more old replicas", {"replicas": 11}, False),
    ("more ready", {"ready_replicas": 9}, True),
    ("fewer ready", {"ready_replicas": 7}, False),
    ("more available", {"available_replicas": 9}, True),
    ("fewer available", {"available_replicas": 7}, False),
    ("stable changed", {"stable_rs": H2}, True),
    ("step index moved", {"current_step_index": 1}, True),
    ("step index unset", {"current_step_index": None}, False),
    ("step hash changed", {"current_step_hash": "other"}, True),
]


@pytest.mark.parametrize(
    ("moved", "expect"), [(m, e) for _, m, e in CANARY_MOVES], ids=[n for n, _, _ in CANARY_MOVES]
)
def test_canary_progress_is_any_one_move(moved: dict[str, Any], expect: bool) -> None:
    """``RolloutProgressing``, canary: updated count changed, fewer old pods, more ready or
    available pods, a new stable, a new step index (both set) or a new steps hash."""
    plan = make_plan(replicas=10, steps=(SetWeight(50), Pause()))
    assert _progressing(plan, make_status(plan, counts=OLD_COUNTS), **moved) is expect


def test_canary_step_index_appearing_is_not_progress() -> None:
    """``RolloutProgressing`` compares step indexes only when both are set."""
    plan = make_plan(replicas=10, steps=(SetWeight(50), Pause()))
    old = make_status(plan, index=None, counts=OLD_COUNTS)
    assert _progressing(plan, old, current_step_index=1) is False


def _bg_plan() -> Plan:
    return make_plan(replicas=10, blue_green=BG)


def _bg_old() -> RolloutStatus:
    plan = _bg_plan()
    return make_status(plan, index=None, counts=OLD_COUNTS, blue_green=BlueGreenStatus(H1, H2))


BLUE_GREEN_MOVES: list[tuple[str, dict[str, Any], bool]] = [
    ("nothing moved", {}, False),
    ("updated replicas changed", {"updated_replicas": 6}, True),
    ("fewer old replicas", {"replicas": 9}, True),
    ("more ready", {"ready_replicas": 9}, True),
    ("more available", {"available_replicas": 9}, True),
    ("active selector moved", {"blue_green": BlueGreenStatus(H2, H2)}, True),
    ("preview selector moved", {"blue_green": BlueGreenStatus(H1, H3)}, True),
    ("stable changed", {"stable_rs": H2}, False),
    ("steps hash changed", {"current_step_hash": "other"}, False),
]


@pytest.mark.parametrize(
    ("moved", "expect"),
    [(m, e) for _, m, e in BLUE_GREEN_MOVES],
    ids=[n for n, _, _ in BLUE_GREEN_MOVES],
)
def test_blue_green_progress_is_any_one_move(moved: dict[str, Any], expect: bool) -> None:
    """``RolloutProgressing``, blue-green: the counts as for a canary, and a moved active or
    preview selector; the stable and the steps hash are canary-only."""
    assert _progressing(_bg_plan(), _bg_old(), **moved) is expect


# --------------------------------------------------------------------------------------------
# RolloutHealthy, blue-green: both Services must select the current pods
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preview_service", "active", "preview", "expect"),
    [
        ("preview", H2, H2, True),
        ("preview", H2, H1, False),
        ("preview", H1, H2, False),
        ("", H2, H1, True),
    ],
    ids=["both current", "preview behind", "active behind", "no preview Service"],
)
def test_blue_green_health_asks_both_selectors(
    preview_service: str, active: str, preview: str, expect: bool
) -> None:
    """``RolloutHealthy``, blue-green: the active selector is the current hash and, when a
    preview Service is named, so is the preview selector (no step or stable check)."""
    plan = make_plan(replicas=10, blue_green=BlueGreen("active", preview_service))
    status = make_status(plan, stable=H1, index=None, counts=(10, 10, 10, 10))
    ctx = context(plan, status, rs(H2, 10))
    d = base_status(ctx)
    d.blue_green = BlueGreenStatus(active, preview)
    assert rollout_healthy(ctx, d) is expect


CANARY_HEALTH: list[tuple[str, int, int | None, dict[str, Any], bool]] = [
    ("all steps done", 2, 2, {}, True),
    ("a step left", 2, 1, {}, False),
    ("one step, at it", 1, 0, {}, False),
    ("steps, index unset", 2, None, {}, True),
    ("no steps", 0, None, {}, True),
    ("no steps, index set", 0, 1, {}, True),
    ("stable is not current", 2, 2, {"stable_rs": H1}, False),
    ("old pods left", 2, 2, {"replicas": 11}, False),
    ("updated short", 2, 2, {"updated_replicas": 9}, False),
    ("available short", 2, 2, {"available_replicas": 9}, False),
]


@pytest.mark.parametrize(
    ("steps", "index", "draft", "expect"),
    [row[1:] for row in CANARY_HEALTH],
    ids=[row[0] for row in CANARY_HEALTH],
)
def test_canary_health(steps: int, index: int | None, draft: dict[str, Any], expect: bool) -> None:
    """``RolloutHealthy``, canary: replicas updated and available, every step executed (only
    checked with steps and an index), the stable is the current hash, no old pods left."""
    plan = make_plan(replicas=10, steps=(SetWeight(50),) * steps)
    status = make_status(plan, stable=H2, index=index, counts=(10, 10, 10, 10))
    ctx = context(plan, status, rs(H2, 10))
    d = base_status(ctx)
    for name, value in draft.items():
        setattr(d, name, value)
    assert rollout_healthy(ctx, d) is expect


def test_health_waits_for_the_generation_to_be_observed() -> None:
    """``RolloutHealthy``: the status as read must have observed the spec's generation."""
    plan = make_plan(replicas=10, generation=3)
    status = make_status(plan, stable=H2, index=None, counts=(10, 10, 10, 10))
    ctx = context(plan, replace(status, observed_generation=2), rs(H2, 10))
    assert rollout_healthy(ctx, base_status(ctx)) is False
    ctx = context(plan, status, rs(H2, 10))
    assert rollout_healthy(ctx, base_status(ctx)) is True


# --------------------------------------------------------------------------------------------
# RolloutTimedOut
# --------------------------------------------------------------------------------------------

DEADLINE = 600.0


@pytest.mark.parametrize(
    ("reason", "updated_ago", "expect"),
    [
        ("ReplicaSetUpdated", DEADLINE, False),
        ("ReplicaSetUpdated", DEADLINE + 1, True),
        ("ProgressDeadlineExceeded", 0.0, True),
        ("RolloutAborted", DEADLINE + 1, False),
        ("RolloutPaused", DEADLINE + 1, False),
        (None, DEADLINE + 1, False),
    ],
    ids=["at the deadline", "past it", "already timed out", "aborted", "paused", "none"],
)
def test_timed_out(reason: str | None, updated_ago: float, expect: bool) -> None:
    """``RolloutTimedOut``: the Progressing condition's last update plus
    ``progressDeadlineSeconds`` is strictly before now; a condition that already records the
    time-out stays timed out; an abort or pause condition, or none, never times out."""
    plan = make_plan(replicas=10, progress_deadline_seconds=DEADLINE)
    conditions = (
        [] if reason is None else [cond("Progressing", "True", reason, at=NOW - updated_ago)]
    )
    ctx = context(plan, make_status(plan), rs(H1, 10))
    assert timed_out(ctx, conditions) is expect


# --------------------------------------------------------------------------------------------
# isIndefiniteStep, isWaitingForReplicaSetScaleDown
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "paused_condition", "expect"),
    [
        ((SetWeight(10), Pause()), "False", False),
        ((Pause(), SetWeight(10)), "False", True),
        ((Analysis(("ok",)), SetWeight(10)), "False", True),
        ((SetWeight(10), Pause()), "True", True),
        ((), "False", False),
        ((), "True", True),
    ],
    ids=["setWeight", "pause", "analysis", "Paused True", "no steps", "no steps, Paused True"],
)
def test_indefinite_step(steps: tuple[Any, ...], paused_condition: str, expect: bool) -> None:
    """``isIndefiniteStep``: the current step pauses, analyses or experiments, or the Paused
    condition is True (blue-green has no steps)."""
    plan = make_plan(replicas=10, steps=steps)
    status = make_status(plan, index=0 if steps else None)
    status = replace(
        status,
        conditions=(cond("Paused", paused_condition, "RolloutPaused", "Rollout is paused"),),
    )
    assert indefinite_step(context(plan, status, rs(H1, 10))) is expect


@pytest.mark.parametrize(("deadline", "expect"), [(None, False), (NOW + 30, True)])
def test_waiting_for_scale_down(deadline: float | None, expect: bool) -> None:
    """``isWaitingForReplicaSetScaleDown``: an other ReplicaSet (neither new nor stable)
    still carries a scale-down deadline."""
    plan = make_plan(replicas=10, pod_template_hash=H3)
    ctx = context(plan, make_status(plan), rs(H1, 10), rs(H2, 2, deadline=deadline), rs(H3, 0))
    assert waiting_for_scale_down(ctx) is expect


# --------------------------------------------------------------------------------------------
# evaluateProgressDeadlineAbort
# --------------------------------------------------------------------------------------------


def _stuck(
    steps: tuple[Any, ...], *, other_deadline: float | None = None, **plan_kw: Any
) -> Context:
    """A canary at 1/10 of step 0 whose Progressing condition was last updated 601 s ago
    (the deadline is 600 s), with nothing moving in this reconcile."""
    plan = make_plan(replicas=10, pod_template_hash=H3, steps=steps, **plan_kw)
    status = make_status(plan, counts=(10, 1, 10, 10))
    stale = cond("Progressing", "True", "ReplicaSetUpdated", at=NOW - 601)
    status = replace(status, conditions=(stale, *status.conditions[1:]))
    others = (rs(H2, 0, deadline=other_deadline),) if other_deadline is not None else ()
    return context(plan, status, rs(H1, 9), rs(H3, 1), *others)


def test_progress_deadline_abort_aborts_a_stuck_update_with_a_warning() -> None:
    """``evaluateProgressDeadlineAbort``: past the deadline with no progress, the rollout is
    aborted and a Warning RolloutAborted event names the new ReplicaSet."""
    ctx = _stuck((SetWeight(10), SetWeight(50)), progress_deadline_abort=True)
    evaluate_progress_deadline_abort(ctx, base_status(ctx))
    assert ctx.pause.is_aborted()
    message = f'ReplicaSet "foo-{H3}" has timed out progressing.'
    assert ctx.pause.abort_message == message
    assert ctx.actions == [EmitEvent("Warning", "RolloutAborted", message)]


@pytest.mark.parametrize(
    ("steps", "other_deadline"),
    [((Pause(), SetWeight(50)), None), ((SetWeight(10), SetWeight(50)), NOW + 30)],
    ids=["at a pause step", "an old ReplicaSet waits for its scale-down"],
)
def test_progress_deadline_abort_spares(
    steps: tuple[Any, ...], other_deadline: float | None
) -> None:
    """``evaluateProgressDeadlineAbort``: an indefinite step, or an other ReplicaSet still
    waiting for its scale-down deadline, each on its own keeps the rollout from aborting."""
    ctx = _stuck(steps, other_deadline=other_deadline, progress_deadline_abort=True)
    evaluate_progress_deadline_abort(ctx, base_status(ctx))
    assert not ctx.pause.is_aborted()
    assert ctx.actions == []


# --------------------------------------------------------------------------------------------
# calculateRolloutConditions: the Healthy condition
# --------------------------------------------------------------------------------------------


def _healthy_condition(paused: bool, canary_pods: int) -> Condition | None:
    """One reconcile of a rollout to H2 with ``canary_pods`` of 10 on H2 (10: done)."""
    plan = make_plan(replicas=10, paused=paused)
    done = canary_pods == 10
    counts = (10, canary_pods, 10, 10)
    status = make_status(plan, stable=H2 if done else H1, index=None, counts=counts)
    pods = (rs(H2, 10),) if done else (rs(H1, 10 - canary_pods), rs(H2, canary_pods))
    return reconcile(plan, status, *pods).status.condition("Healthy")


def test_a_healthy_rollout_gets_the_healthy_condition() -> None:
    """``calculateRolloutConditions``: not paused and ``RolloutHealthy``: Healthy True."""
    expect = Condition("Healthy", "True", "RolloutHealthy", "Rollout is healthy", NOW, NOW)
    assert _healthy_condition(paused=False, canary_pods=10) == expect


@pytest.mark.parametrize(
    ("paused", "canary_pods"), [(True, 10), (False, 5)], ids=["paused", "mid-rollout"]
)
def test_no_healthy_condition_is_added_while_paused_or_unhealthy(
    paused: bool, canary_pods: int
) -> None:
    """``calculateRolloutConditions``: a paused or unhealthy rollout that never had a Healthy
    condition does not get one (it is only turned False once it exists)."""
    assert _healthy_condition(paused, canary_pods) is None


# --------------------------------------------------------------------------------------------
# calculateRolloutConditions: the Progressing condition
# --------------------------------------------------------------------------------------------

PROGRESSING_SINCE = NOW - 60  # make_status's conditions were last written a minute ago


def _calculate(
    plan: Plan, status: RolloutStatus, *rss: ReplicaSetView, **draft: Any
) -> tuple[dict[str, Condition], list[Any]]:
    """``calculateRolloutConditions`` on the base status (with ``draft`` changes): the new
    conditions by type, and the events sent."""
    ctx = context(plan, status, *rss)
    d = base_status(ctx)
    for name, value in draft.items():
        setattr(d, name, value)
    calculate_conditions(ctx, d, paused=False)
    return {c.type: c for c in d.conditions}, ctx.actions


def test_progress_refreshes_progressing_but_keeps_its_transition_time() -> None:
    """More ready pods is progress: Progressing True ReplicaSetUpdated naming the new
    ReplicaSet, updated now; its transition time stays (it was True already)."""
    plan = make_plan(replicas=10, steps=(SetWeight(50), Pause()))
    status = make_status(plan, counts=(10, 5, 9, 9))
    conds, _ = _calculate(plan, status, rs(H1, 5), rs(H2, 5))
    message = f'ReplicaSet "foo-{H2}" is progressing.'
    expect = Condition("Progressing", "True", "ReplicaSetUpdated", message, NOW, PROGRESSING_SINCE)
    assert conds["Progressing"] == expect


def test_a_completed_rollout_losing_a_pod_is_progressing_again() -> None:
    """A fully promoted rollout whose Healthy condition turns False (a pod lost) without
    other progress: Progressing True ReplicaSetNotAvailable "Rollout does not have minimum
    availability" (its transition time kept), Healthy False "Rollout is not healthy"."""
    plan = make_plan(replicas=10)
    was = [
        cond("Progressing", "True", "NewReplicaSetAvailable", "done"),
        cond("Healthy", "True", "RolloutHealthy", "Rollout is healthy"),
    ]
    status = make_status(plan, stable=H2, index=None, counts=(10, 10, 10, 10))
    status = replace(status, conditions=tuple(was))
    conds, _ = _calculate(plan, status, rs(H2, 10, 9))
    assert conds["Progressing"] == Condition(
        "Progressing",
        "True",
        "ReplicaSetNotAvailable",
        "Rollout does not have minimum availability",
        NOW,
        PROGRESSING_SINCE,
    )
    assert conds["Healthy"] == Condition(
        "Healthy", "False", "RolloutHealthy", "Rollout is not healthy", NOW, NOW
    )


def test_a_healthy_rollout_records_its_new_replica_set_available() -> None:
    """``RolloutHealthy``: Progressing True NewReplicaSetAvailable, "ReplicaSet ... has
    successfully progressed."."""
    plan = make_plan(replicas=10)
    status = make_status(plan, stable=H2, index=None, counts=(10, 10, 10, 10))
    conds, _ = _calculate(plan, status, rs(H2, 10))
    message = f'ReplicaSet "foo-{H2}" has successfully progressed.'
    assert conds["Progressing"] == Condition(
        "Progressing", "True", "NewReplicaSetAvailable", message, NOW, PROGRESSING_SINCE
    )


def test_an_abort_sets_progressing_false_with_a_warning_event() -> None:
    """``calculateRolloutConditions``, aborted: Progressing False RolloutAborted "Rollout
    aborted update to revision N", announced once by a Warning event."""
    plan = make_plan(replicas=10, steps=(SetWeight(50),))
    status = make_status(plan, abort=True, counts=(10, 0, 10, 10))
    conds, actions = _calculate(plan, status, rs(H1, 10), rs(H2, 0))
    message = "Rollout aborted update to revision 2"
    assert conds["Progressing"] == Condition(
        "Progressing", "False", "RolloutAborted", message, NOW, NOW
    )
    assert EmitEvent("Warning", "RolloutAborted", message) in actions


def test_progress_after_a_resume_starts_a_new_transition() -> None:
    """The transition time is kept only from a Progressing condition that was True: after
    Unknown (RolloutResumed), progress stamps a new one."""
    plan = make_plan(replicas=10, steps=(SetWeight(50), Pause()))
    status = make_status(plan, counts=(10, 5, 9, 9))
    resumed = cond("Progressing", "Unknown", "RolloutResumed", "Rollout is resumed")
    status = replace(status, conditions=(resumed, *status.conditions[1:]))
    conds, _ = _calculate(plan, status, rs(H1, 5), rs(H2, 5))
    assert (conds["Progressing"].reason, conds["Progressing"].last_transition_time) == (
        "ReplicaSetUpdated",
        NOW,
    )


def test_progress_of_a_completed_rollout_that_did_not_become_unhealthy() -> None:
    """ReplicaSetNotAvailable needs both a completed rollout and a Healthy condition that
    just turned False; a completed rollout that merely gets a pod back (no Healthy condition
    to turn) records ReplicaSetUpdated."""
    plan = make_plan(replicas=10)
    status = make_status(plan, stable=H2, index=None, counts=(10, 10, 8, 8))
    conds, _ = _calculate(plan, status, rs(H2, 10, 9))
    assert conds["Progressing"].reason == "ReplicaSetUpdated"


def test_a_stuck_update_times_out() -> None:
    """No progress, not at an indefinite step, past the deadline: Progressing False
    ProgressDeadlineExceeded naming the new ReplicaSet."""
    ctx = _stuck((SetWeight(10), SetWeight(50)))
    d = base_status(ctx)
    calculate_conditions(ctx, d, paused=False)
    message = f'ReplicaSet "foo-{H3}" has timed out progressing.'
    assert {c.type: c for c in d.conditions}["Progressing"] == Condition(
        "Progressing", "False", "ProgressDeadlineExceeded", message, NOW, NOW
    )


# --------------------------------------------------------------------------------------------
# calculateRolloutConditions: Available and Completed
# --------------------------------------------------------------------------------------------


def test_a_completed_rollout_is_available_and_completed() -> None:
    """Every replica available: Available True AvailableReason "Rollout has minimum
    availability"; stable is the current hash: Completed True RolloutCompleted."""
    plan = make_plan(replicas=10)
    status = make_status(plan, stable=H2, index=None, counts=(10, 10, 10, 10))
    conds, actions = _calculate(plan, status, rs(H2, 10))
    assert sorted(conds) == ["Available", "Completed", "Healthy", "Paused", "Progressing"]
    assert conds["Available"] == Condition(
        "Available", "True", "AvailableReason", "Rollout has minimum availability", NOW, NOW
    )
    assert conds["Completed"] == Condition(
        "Completed", "True", "RolloutCompleted", "RolloutCompleted", NOW, NOW
    )
    assert actions == []


def test_an_update_short_of_pods_is_not_available_nor_completed() -> None:
    """Fewer available than ``spec.replicas``: Available False "Rollout does not have
    minimum availability"; not completed: Completed False, announced by RolloutNotCompleted."""
    plan = make_plan(replicas=10, steps=(SetWeight(50), Pause()))
    status = make_status(plan, counts=(10, 5, 9, 9))
    conds, actions = _calculate(plan, status, rs(H1, 5), rs(H2, 5, 4))
    assert sorted(conds) == ["Available", "Completed", "Paused", "Progressing"]
    assert conds["Available"] == Condition(
        "Available",
        "False",
        "AvailableReason",
        "Rollout does not have minimum availability",
        NOW,
        NOW,
    )
    assert conds["Completed"] == Condition(
        "Completed", "False", "RolloutCompleted", "RolloutCompleted", NOW, NOW
    )
    message = f"Rollout not completed, started update to revision 2 ({H2})"
    assert actions == [EmitEvent("Normal", "RolloutNotCompleted", message)]
