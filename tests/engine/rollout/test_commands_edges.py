"""``kubectl argo rollouts promote`` on the status (cmd/promote/promote.go ``getPatches``),
pinned where the mutation run of ``engine/rollout/commands.py`` asked."""

from __future__ import annotations

from test_steps_world import H1, make_plan, make_status

from canarysim.engine.model import (
    BlueGreen,
    PauseCondition,
    Promote,
)
from canarysim.engine.rollout.commands import apply_commands


def test_promote_without_steps_writes_no_step_index() -> None:
    """A canary without steps (or a blue-green) has no current step
    (``GetCurrentCanaryStep`` returns a nil index): promote patches no step index."""
    for plan in (make_plan(), make_plan(blue_green=BlueGreen("active"))):
        status = make_status(plan, stable=H1, index=None)
        assert apply_commands(plan, status, (Promote(),)) == status


def test_promote_without_steps_still_clears_a_pause() -> None:
    plan = make_plan(blue_green=BlueGreen("active"))
    pause = (PauseCondition("BlueGreenPause", 5.0),)
    status = make_status(plan, stable=H1, index=None, pause=pause)
    promoted = apply_commands(plan, status, (Promote(),))
    assert promoted.pause_conditions == ()
    assert promoted.current_step_index is None
