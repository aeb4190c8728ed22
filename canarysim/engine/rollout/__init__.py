"""One reconcile of a Rollout (Argo's ``rollout/`` package): ``decide`` and its pipelines.

:func:`decide` picks the strategy as Argo's ``reconcile`` does (rollout/controller.go):
:mod:`.canary` reads top to bottom as Argo's ``rolloutCanary`` and :mod:`.bluegreen` as
``rolloutBlueGreen``; the other modules are their shared stages: the reconcile context
(:mod:`.context`, with what the steps say worked out once in :mod:`.step_facts`), ReplicaSet
writes (:mod:`.scaling`), Services and router weights (:mod:`.traffic`), AnalysisRuns and
Experiments (:mod:`.runs`), pause/abort intents (:mod:`.pause`), the next look
(:mod:`.requeue`), ``restartAt`` evictions (:mod:`.restart`), ephemeral pod metadata
(:mod:`.metadata`), user commands (:mod:`.commands`) and the new status (:mod:`.status`); the
sub-room :mod:`.duration` keeps ``status.duration`` (the timing of each rollout attempt).

May import: the standard library, :mod:`canarysim.errors`, :mod:`canarysim.lang` and the other
engine rooms.
"""

from __future__ import annotations

from canarysim.engine.model import Decision, Observation, Plan, RolloutStatus
from canarysim.engine.rollout import canary
from canarysim.engine.rollout.bluegreen import decide_blue_green

__all__ = ["decide"]


def decide(plan: Plan, status: RolloutStatus, observation: Observation) -> Decision:
    """One reconcile of the rollout controller: blue-green when the plan has a
    ``blue_green`` strategy, canary otherwise."""
    if plan.blue_green is not None:
        return decide_blue_green(plan, status, observation)
    return canary.decide(plan, status, observation)
