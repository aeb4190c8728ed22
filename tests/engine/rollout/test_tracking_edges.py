"""``requiresManualAction`` (rollout/pause.go), which decides whether a pause is timed in
``status.duration``, pinned where the mutation run of ``engine/rollout/duration/tracking.py``
asked: blue-green pauses, pause reasons left over from the other strategy, compound steps."""

from __future__ import annotations

import pytest
from test_steps_world import NOW, make_plan, make_status

from canarysim.engine.model import (
    BlueGreen,
    CompoundStep,
    Observation,
    Pause,
    SetCanaryScale,
    SetWeight,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.duration import requires_manual_action
from canarysim.engine.rollout.pause import BLUE_GREEN_PAUSE, CANARY_PAUSE_STEP


def _ctx(index: int = 0, **plan_kw: object) -> Context:
    plan = make_plan(**plan_kw)
    return Context(plan, make_status(plan, index=index), Observation(now=NOW))


@pytest.mark.parametrize(
    ("auto", "expect"), [(False, True), (True, False)], ids=["manual", "auto-promoted"]
)
def test_a_blue_green_pause_needs_a_human_without_auto_promotion(auto: bool, expect: bool) -> None:
    ctx = _ctx(blue_green=BlueGreen("active", auto_promotion_enabled=auto))
    assert requires_manual_action(ctx, BLUE_GREEN_PAUSE) is expect


def test_a_pause_reason_of_the_other_strategy_never_counts() -> None:
    """A pause condition left over from a strategy switch: a canary's ``BlueGreenPause`` and
    a blue-green's ``CanaryPauseStep`` wait for no one."""
    canary = _ctx(steps=(Pause(),))
    assert requires_manual_action(canary, CANARY_PAUSE_STEP)
    assert not requires_manual_action(canary, BLUE_GREEN_PAUSE)
    bg = _ctx(blue_green=BlueGreen("active", auto_promotion_enabled=False))
    assert not requires_manual_action(bg, CANARY_PAUSE_STEP)


@pytest.mark.parametrize(
    ("step", "expect"),
    [
        (CompoundStep((Pause(), SetCanaryScale(replicas=1))), True),
        (CompoundStep((Pause(seconds=30.0), SetCanaryScale(replicas=1))), False),
        (SetWeight(10), False),
    ],
    ids=["compound, indefinite pause", "compound, timed pause", "no pause field"],
)
def test_the_current_steps_pause_field_decides(step: object, expect: bool) -> None:
    """Argo reads ``currentStep.Pause`` whatever else the step sets."""
    ctx = _ctx(steps=(step,))
    assert requires_manual_action(ctx, CANARY_PAUSE_STEP) is expect
