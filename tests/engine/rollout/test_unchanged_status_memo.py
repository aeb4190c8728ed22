"""An unchanged status goes back as the object given, and ``checkPausedConditions`` remembers
the last status (with its plan) it found nothing to patch in: every change of what it reads
is still seen after that memo filled."""

from __future__ import annotations

import importlib
from dataclasses import replace

import pytest
from test_memo_threads import _Swapping
from test_steps_world import H1, H2, NOW, make_plan, make_status, reconcile, rs, steady

from canarysim.engine.model import (
    Observation,
    Pause,
    PauseCondition,
    Plan,
    RolloutStatus,
    SetWeight,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.status import check_paused_conditions

PLAN = make_plan(replicas=10, steps=(SetWeight(10), Pause()))


def _check(plan: Plan, status: RolloutStatus) -> RolloutStatus | None:
    views = tuple(replace(v, rollout_replicas=plan.replicas) for v in (rs(H1, 9), rs(H2, 1)))
    return check_paused_conditions(Context(plan, status, Observation(now=NOW, replica_sets=views)))


def test_an_unchanged_status_is_returned_as_the_object_given() -> None:
    settled = steady(PLAN, make_status(PLAN, index=0), rs(H1, 9), rs(H2, 1))
    again = reconcile(PLAN, settled.status, rs(H1, 9), rs(H2, 1))
    assert again.status is settled.status
    assert again.requeue_after == settled.requeue_after


def test_a_pause_is_seen_after_the_status_was_found_in_step() -> None:
    status = make_status(PLAN, index=1, counts=(10, 1, 10, 10))
    assert _check(PLAN, status) is None  # fills the memo
    assert _check(PLAN, status) is None
    # the same status object under a plan with spec.paused: Progressing and Paused patched
    paused_plan = replace(PLAN, paused=True)
    patched = _check(paused_plan, status)
    assert patched is not None and patched.condition("Paused").status == "True"  # type: ignore[union-attr]
    # another status (a pause condition) under the plan remembered
    assert _check(PLAN, status) is None
    paused = replace(status, pause_conditions=(PauseCondition("CanaryPauseStep", NOW - 5),))
    patched = _check(PLAN, paused)
    assert patched is not None and patched.condition("Paused").status == "True"  # type: ignore[union-attr]


def test_a_new_generation_of_the_same_status_is_not_checked() -> None:
    status = make_status(PLAN, index=1, counts=(10, 1, 10, 10))
    assert _check(PLAN, status) is None
    # observedGeneration behind the spec: checkPausedConditions does nothing, memo or not
    newer = replace(PLAN, generation=PLAN.generation + 1, paused=True)
    assert _check(newer, status) is None


def test_the_memo_reads_its_entry_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another simulation's thread may replace the entry between two reads: the plan read
    must be the one remembered with this status."""
    status = make_status(PLAN, index=1, counts=(10, 1, 10, 10))
    paused_plan = replace(PLAN, paused=True)
    persist = importlib.import_module("canarysim.engine.rollout.status.persist")
    swapping = _Swapping((status, PLAN), (status, paused_plan))
    monkeypatch.setattr(persist, "_IN_STEP", swapping)
    assert _check(paused_plan, status) is not None
