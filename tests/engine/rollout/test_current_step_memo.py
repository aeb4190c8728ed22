"""``Context.current_step`` remembers its answer for the status and plan it read: a status
(as ``syncReplicaSetRevision`` replaces it) or plan replaced after the memo filled must be
read afresh."""

from __future__ import annotations

from dataclasses import replace

from test_steps_world import H1, H2, NOW, make_plan, make_status, rs

from canarysim.engine.model import Observation, Pause, SetWeight
from canarysim.engine.rollout.context import Context


def test_current_step_follows_a_replaced_status_or_plan() -> None:
    plan = make_plan(steps=(SetWeight(20), Pause(None), SetWeight(50)))
    status = make_status(plan, index=0)
    views = (rs(H1, 10, 10), rs(H2, 0))
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=views))
    assert ctx.current_step() == (plan.steps[0], 0)
    assert ctx.current_step() == (plan.steps[0], 0)  # from the memo
    ctx.status = replace(status, current_step_index=1)
    assert ctx.current_step() == (plan.steps[1], 1)
    ctx.status = replace(status, current_step_index=3)
    assert ctx.current_step() == (None, 3)
    ctx.plan = replace(plan, steps=(*plan.steps, SetWeight(80)))
    assert ctx.current_step() == (ctx.plan.steps[3], 3)
    ctx.plan = replace(plan, steps=())
    assert ctx.current_step() == (None, None)
