"""``decide(plan, status, observation) -> Decision``: one reconcile, whatever the strategy.

Argo's ``reconcile`` picks ``rolloutBlueGreen`` or ``rolloutCanary`` from the spec
(rollout/controller.go); so does this: :func:`~canarysim.engine.rollout.bluegreen.decide_blue_green`
when the plan has a ``blue_green`` strategy, :func:`~canarysim.engine.rollout.canary.decide`
otherwise.
"""

from __future__ import annotations

from canarysim.engine.model import Decision, Observation, Plan, RolloutStatus
from canarysim.engine.rollout import canary
from canarysim.engine.rollout.bluegreen import decide_blue_green

__all__ = ["decide"]


def decide(plan: Plan, status: RolloutStatus, observation: Observation) -> Decision:
    """One reconcile of the rollout controller (canary or blue-green)."""
    if plan.blue_green is not None:
        return decide_blue_green(plan, status, observation)
    return canary.decide(plan, status, observation)
