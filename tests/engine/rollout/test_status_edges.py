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
    PauseCondition,
    Plan,
    PromotionAnalysis,
    ReplicaSetView,
    RolloutDuration,
    RolloutStatus,
    RunStatus,
    SetWeight,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.status import (
    Draft,
    base_status,
    calculate_conditions,
    check_paused_conditions,
    evaluate_progress_deadline_abort,
    indefinite_step,
    persist,
    rollout_healthy,
    rollout_phase,
    rollout_progressing,
    set_condition,
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


# --------------------------------------------------------------------------------------------
# calculateRolloutConditions: the Available condition of a blue-green rollout
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("active_rs", "expect"),
    [
        (rs(H2, 10), True),
        (rs(H2, 11, 10), False),
        (replace(rs(H2, 10), rollout_replicas=5), False),
        (rs(H2, 10, 9), False),
    ],
    ids=["saturated", "more replicas", "sized for another count", "one unavailable"],
)
def test_blue_green_availability_asks_the_active_replica_set_to_be_saturated(
    active_rs: ReplicaSetView, expect: bool
) -> None:
    """``annotations.IsSaturated``: the ReplicaSet the active Service selects has
    ``spec.replicas`` = desired-replicas annotation = available = ``spec.replicas`` of the
    rollout; the other ReplicaSets (listed first here, an unsaturated one) do not count."""
    plan = make_plan(replicas=10, blue_green=BG)
    status = make_status(plan, stable=H2, index=None, blue_green=BlueGreenStatus(H2, H2))
    views = tuple(
        r if r.rollout_replicas is not None else replace(r, rollout_replicas=10)
        for r in (rs(H1, 3), active_rs)
    )
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=views))
    d = base_status(ctx)
    d.blue_green = status.blue_green
    calculate_conditions(ctx, d, paused=False)
    available = {c.type: c for c in d.conditions}["Available"]
    assert (available.status == "True") is expect


# --------------------------------------------------------------------------------------------
# persistRolloutStatus and sendStateChangeEvents
# --------------------------------------------------------------------------------------------


def test_persisted_status_records_the_generations_counts_and_alb_fields() -> None:
    """``persistRolloutStatus``: observedGeneration is the spec's generation, the workload
    generation is the workloadRef annotation's as a string, the draft's counts and ALB
    fields are written as they are."""
    alb = AlbStatus(ingress="ing")
    plan = make_plan(replicas=10, generation=4, workload_generation=7)
    status = replace(make_status(plan, counts=(10, 5, 10, 10)), observed_generation=3)
    ctx = context(plan, status, rs(H1, 5), rs(H2, 5))
    d = base_status(ctx)
    d.alb, d.alb_status, d.albs = True, alb, (alb,)
    new = persist(ctx, d)
    assert (new.observed_generation, new.workload_observed_generation) == (4, "7")
    assert (new.replicas, new.updated_replicas, new.ready_replicas) == (10, 5, 10)
    assert (new.alb, new.alb_status, new.albs) == (True, alb, (alb,))


def test_persisted_status_has_no_workload_generation_without_a_workload_ref() -> None:
    plan = make_plan(replicas=10)
    ctx = context(plan, make_status(plan, counts=(10, 5, 10, 10)), rs(H1, 5), rs(H2, 5))
    assert persist(ctx, base_status(ctx)).workload_observed_generation == ""


def test_a_held_abort_keeps_its_time() -> None:
    """``CalculatePauseStatus``: an abort already recorded keeps its ``abortedAt``."""
    plan = make_plan(replicas=10, steps=(SetWeight(50),))
    status = make_status(plan, abort=True, aborted_at=NOW - 100, counts=(10, 0, 10, 10))
    ctx = context(plan, status, rs(H1, 10), rs(H2, 0))
    assert persist(ctx, base_status(ctx)).aborted_at == NOW - 100


def test_a_new_pause_condition_keeps_a_healthy_rollout_from_the_healthy_condition() -> None:
    """``calculateRolloutConditions`` reads isPaused from the new status: a pause added in
    this reconcile counts, though the status as read had none."""
    plan = make_plan(replicas=10)
    status = make_status(plan, stable=H2, index=None, counts=(10, 10, 10, 10))
    ctx = context(plan, status, rs(H2, 10))
    ctx.pause.add_pause("CanaryPauseStep")
    assert persist(ctx, base_status(ctx)).condition("Healthy") is None
    ctx = context(plan, status, rs(H2, 10))
    assert persist(ctx, base_status(ctx)).condition("Healthy") is not None


PAUSE = PauseCondition("CanaryPauseStep", NOW - 30)


def _state_events(status: RolloutStatus, intent: str) -> list[Any]:
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause(), SetWeight(50)))
    ctx = context(plan, status, rs(H1, 9), rs(H2, 1))
    if intent == "pause":
        ctx.pause.add_pause("CanaryPauseStep")
    elif intent == "resume":
        ctx.pause.remove_pause("CanaryPauseStep")
    elif intent == "abort":
        ctx.pause.abort("")
    persist(ctx, base_status(ctx))
    return [a for a in ctx.actions if a.reason in ("RolloutPaused", "RolloutResumed")]


def test_pausing_sends_rollout_paused_with_the_reason() -> None:
    """``sendStateChangeEvents``: pause conditions appear: RolloutPaused "Rollout is paused
    (<first reason>)"."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause(), SetWeight(50)))
    status = make_status(plan, index=1, counts=(10, 1, 10, 10))
    assert _state_events(status, "pause") == [
        EmitEvent("Normal", "RolloutPaused", "Rollout is paused (CanaryPauseStep)")
    ]


def test_resuming_sends_rollout_resumed_but_an_abort_does_not() -> None:
    """``sendStateChangeEvents``: the pause conditions go: RolloutResumed, unless the status
    is aborted (an abort clears the pause conditions too)."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause(), SetWeight(50)))
    status = make_status(plan, index=1, pause=(PAUSE,), counts=(10, 1, 10, 10))
    assert _state_events(status, "resume") == [
        EmitEvent("Normal", "RolloutResumed", "Rollout is resumed")
    ]
    assert _state_events(status, "abort") == []
    assert _state_events(status, "none") == []


def test_invalid_spec_condition_makes_the_rollout_degraded() -> None:
    """``CalculateRolloutPhase``: an InvalidSpec condition: Degraded, "InvalidSpec: <msg>"."""
    plan = make_plan(replicas=10)
    status = replace(
        make_status(plan), conditions=(cond("InvalidSpec", "True", "InvalidSpec", "bad"),)
    )
    assert rollout_phase(plan, status) == ("Degraded", "InvalidSpec: bad")


# --------------------------------------------------------------------------------------------
# CalculateRolloutPhase, first match wins
# --------------------------------------------------------------------------------------------

DONE = RolloutStatus(
    current_pod_hash=H2,
    stable_rs=H2,
    replicas=10,
    updated_replicas=10,
    ready_replicas=10,
    available_replicas=10,
)
POST = PromotionAnalysis(templates=("smoke",))

PHASES: list[tuple[str, dict[str, Any], dict[str, Any], tuple[str, str]]] = [
    ("healthy", {}, {}, ("Healthy", "")),
    (
        "aborted",
        {},
        {"conditions": (cond("Progressing", "False", "RolloutAborted", "why"),)},
        ("Degraded", "RolloutAborted: why"),
    ),
    (
        "timed out",
        {},
        {"conditions": (cond("Progressing", "False", "ProgressDeadlineExceeded", "late"),)},
        ("Degraded", "ProgressDeadlineExceeded: late"),
    ),
    ("manually paused", {"paused": True}, {}, ("Paused", "manually paused")),
    ("pause condition", {}, {"pause_conditions": (PAUSE,)}, ("Paused", "CanaryPauseStep")),
    ("restarting", {"restart_at": 5.0}, {}, ("Progressing", "rollout is restarting")),
    ("restarted", {"restart_at": 5.0}, {"restarted_at": 5.0}, ("Healthy", "")),
    (
        "updating",
        {},
        {"updated_replicas": 9},
        ("Progressing", "more replicas need to be updated"),
    ),
    (
        "becoming available",
        {},
        {"available_replicas": 9},
        ("Progressing", "updated replicas are still becoming available"),
    ),
    (
        "old pods left",
        {},
        {"replicas": 11},
        ("Progressing", "old replicas are pending termination"),
    ),
    ("old pods left, routed", {"traffic_routing": True}, {"replicas": 11}, ("Healthy", "")),
    (
        "steps left",
        {},
        {"stable_rs": H1},
        ("Progressing", "waiting for all steps to complete"),
    ),
    ("no stable", {}, {"stable_rs": ""}, ("Progressing", "waiting for all steps to complete")),
]


@pytest.mark.parametrize(
    ("plan_kw", "status_kw", "expect"), [r[1:] for r in PHASES], ids=[r[0] for r in PHASES]
)
def test_canary_phase(
    plan_kw: dict[str, Any], status_kw: dict[str, Any], expect: tuple[str, str]
) -> None:
    """``CalculateRolloutPhase`` for a canary: each row fails exactly one check."""
    plan = make_plan(replicas=10, **plan_kw)
    assert rollout_phase(plan, replace(DONE, **status_kw)) == expect


CUTOVER = "active service cutover pending"
ANALYSIS = "waiting for analysis to complete"
VERIFY = "waiting for post-promotion verification to complete"
BG_PHASES: list[tuple[str, Any, tuple[str, str], Any, tuple[str, str]]] = [
    ("promoted", None, (H2, H2), None, ("Healthy", "")),
    ("no active selector", None, ("", H2), None, ("Progressing", CUTOVER)),
    ("active on the old pods", None, (H1, H2), None, ("Progressing", CUTOVER)),
    ("stable behind", None, (H2, H1), None, ("Progressing", VERIFY)),
    ("no stable", None, (H2, ""), None, ("Progressing", VERIFY)),
    ("post-analysis not started", POST, (H2, H1), None, ("Progressing", ANALYSIS)),
    ("post-analysis running", POST, (H2, H1), "Running", ("Progressing", ANALYSIS)),
    ("post-analysis done", POST, (H2, H1), "Successful", ("Progressing", VERIFY)),
    ("post-analysis inconclusive", POST, (H2, H1), "Inconclusive", ("Progressing", VERIFY)),
    ("post-analysis failed", POST, (H2, H1), "Failed", ("Progressing", VERIFY)),
    ("post-analysis error", POST, (H2, H1), "Error", ("Progressing", VERIFY)),
]


@pytest.mark.parametrize(
    ("post", "active_stable", "run_phase", "expect"),
    [r[1:] for r in BG_PHASES],
    ids=[r[0] for r in BG_PHASES],
)
def test_blue_green_phase(
    post: PromotionAnalysis | None,
    active_stable: tuple[str, str],
    run_phase: str | None,
    expect: tuple[str, str],
) -> None:
    """``CalculateRolloutPhase`` for blue-green: the active Service must select the current
    pods, then the stable must be the current hash, which, with a post-promotion analysis,
    first waits for that run to finish (``waitingForBlueGreenPostPromotionAnalysis``)."""
    plan = make_plan(replicas=10, blue_green=replace(BG, post_promotion_analysis=post))
    run = None if run_phase is None else RunStatus("post", run_phase)
    active, stable = active_stable
    bg = BlueGreenStatus(active, H2, post_promotion_run=run)
    assert rollout_phase(plan, replace(DONE, stable_rs=stable, blue_green=bg)) == expect


# --------------------------------------------------------------------------------------------
# checkPausedConditions
# --------------------------------------------------------------------------------------------


def _paused_patch(
    *, pause: bool = False, spec_paused: bool = False, progressing: str, paused: str, **kw: Any
) -> RolloutStatus | None:
    """``checkPausedConditions`` on a mid-rollout canary whose Progressing condition has
    reason ``progressing`` and whose Paused condition has status ``paused``."""
    plan = make_plan(replicas=10, paused=spec_paused, steps=(SetWeight(10), Pause()))
    status = make_status(plan, index=1, pause=(PAUSE,) if pause else (), counts=(10, 1, 10, 10))
    conditions = (
        cond("Progressing", "Unknown", progressing, "was"),
        cond("Paused", paused, "RolloutPaused", "Rollout is paused"),
    )
    status = replace(status, conditions=conditions, **kw)
    return check_paused_conditions(context(plan, status, rs(H1, 9), rs(H2, 1)))


def _by_type(status: RolloutStatus | None) -> dict[str, tuple[str, str, str]]:
    assert status is not None
    return {c.type: (c.status, c.reason, c.message) for c in status.conditions}


def test_a_new_pause_is_patched_into_both_conditions() -> None:
    """Paused (a pause condition or ``spec.paused``) while Progressing does not say so:
    Progressing Unknown RolloutPaused and Paused True, phase recomputed."""
    for kw in ({"pause": True}, {"spec_paused": True}):
        new = _paused_patch(progressing="ReplicaSetUpdated", paused="False", **kw)
        assert _by_type(new) == {
            "Progressing": ("Unknown", "RolloutPaused", "Rollout is paused"),
            "Paused": ("True", "RolloutPaused", "Rollout is paused"),
        }
        assert new is not None
        assert (new.phase, new.message) == (
            ("Paused", "CanaryPauseStep") if kw.get("pause") else ("Paused", "manually paused")
        )


def test_a_pause_patch_starts_timing_the_manual_pause() -> None:
    """``patchCondition`` also brings ``status.duration`` up to date: ``spec.paused`` starts
    a manual pause of the attempt in flight."""
    started = RolloutDuration(rollout_started_at=NOW - 100)
    new = _paused_patch(
        spec_paused=True, progressing="ReplicaSetUpdated", paused="False", duration=started
    )
    assert new is not None
    assert new.duration == replace(started, manual_pause_started_at=NOW)


def test_a_resume_is_patched_into_both_conditions() -> None:
    """No longer paused while Progressing says RolloutPaused: Progressing Unknown
    RolloutResumed "Rollout is resumed", Paused False."""
    new = _paused_patch(progressing="RolloutPaused", paused="True")
    assert _by_type(new) == {
        "Progressing": ("Unknown", "RolloutResumed", "Rollout is resumed"),
        "Paused": ("False", "RolloutPaused", "Rollout is paused"),
    }


def test_a_retry_after_an_abort_is_patched() -> None:
    """The abort was removed (retry) while Progressing still says RolloutAborted:
    Progressing Unknown RolloutRetry "Retrying Rollout after abort"; while aborted and
    paused, nothing is patched (an abort condition holds the pause conditions back)."""
    new = _paused_patch(progressing="RolloutAborted", paused="False")
    assert _by_type(new)["Progressing"] == (
        "Unknown",
        "RolloutRetry",
        "Retrying Rollout after abort",
    )
    assert (
        _paused_patch(pause=True, progressing="RolloutAborted", paused="False", abort=True) is None
    )


def test_a_completed_rollout_patches_only_the_paused_condition() -> None:
    """``RolloutCompleted`` (stable is the current hash) keeps Progressing as it is."""
    new = _paused_patch(
        spec_paused=True, progressing="ReplicaSetUpdated", paused="False", stable_rs=H2
    )
    assert _by_type(new) == {
        "Progressing": ("Unknown", "ReplicaSetUpdated", "was"),
        "Paused": ("True", "RolloutPaused", "Rollout is paused"),
    }


def test_nothing_to_patch_or_an_unobserved_generation_patches_nothing() -> None:
    """Conditions already in step: nothing; a generation not yet observed: the full
    reconcile decides instead."""
    assert _paused_patch(pause=True, progressing="RolloutPaused", paused="True") is None
    assert (
        _paused_patch(progressing="ReplicaSetUpdated", paused="True", observed_generation=0) is None
    )


# --------------------------------------------------------------------------------------------
# SetRolloutCondition
# --------------------------------------------------------------------------------------------


def test_set_condition_with_the_same_status_and_reason_changes_nothing() -> None:
    """``SetRolloutCondition``: same status and reason: no change (false), the update time
    is not refreshed even if the message differs; same status, new reason: replaced, the
    transition time kept; new status: a new transition."""
    old = cond("Available", "True", "AvailableReason", "old message")
    conditions = [old]
    assert set_condition(conditions, NOW, "Available", "True", "AvailableReason", "new") is False
    assert conditions == [old]
    assert set_condition(conditions, NOW, "Available", "True", "Other", "new") is True
    assert conditions == [
        Condition("Available", "True", "Other", "new", NOW, old.last_transition_time)
    ]
    assert set_condition(conditions, NOW + 5, "Available", "False", "Other", "new") is True
    assert conditions == [Condition("Available", "False", "Other", "new", NOW + 5, NOW + 5)]
