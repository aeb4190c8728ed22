"""User commands as ``kubectl argo rollouts`` applies them.

The CLI patches ``.status`` for ``promote``, ``promote --full``, ``abort`` and ``retry``
(cmd/promote/promote.go ``getPatches``, cmd/abort, cmd/retry): :func:`apply_commands` does
that, and ``decide`` calls it first. The other verbs change ``.spec``: the world builds the new
:class:`~canarysim.engine.model.Plan`, with :func:`apply_spec_command` for the verbs that need
no world knowledge (``promote`` also unpauses ``spec.paused``).
"""

from __future__ import annotations

from dataclasses import replace

from canarysim.engine.model import (
    Abort,
    Command,
    PauseRollout,
    Plan,
    Promote,
    PromoteFull,
    Restart,
    Resume,
    Retry,
    RolloutStatus,
    Scale,
)


def apply_commands(
    plan: Plan, status: RolloutStatus, commands: tuple[Command, ...]
) -> RolloutStatus:
    """The ``.status`` half of ``kubectl argo rollouts promote|promote --full|abort|retry``
    (cmd/promote/promote.go ``getPatches``, cmd/abort, cmd/retry). Spec verbs are ignored
    here: see :func:`apply_spec_command`."""
    for cmd in commands:
        if isinstance(cmd, Abort):
            status = replace(status, abort=True)
        elif isinstance(cmd, Retry):
            status = replace(status, abort=False)
        elif isinstance(cmd, PromoteFull):
            if status.current_pod_hash != status.stable_rs:
                status = replace(status, promote_full=True)
        elif isinstance(cmd, Promote):
            status = _promote(plan, status)
    return status


def _promote(plan: Plan, status: RolloutStatus) -> RolloutStatus:
    """Plain ``promote``: an Inconclusive step analysis is skipped; otherwise a pause is
    ended; otherwise (waiting at any other step) the current step is skipped."""
    index = None if not plan.steps else (status.current_step_index or 0)
    next_index = None if index is None else min(index + 1, len(plan.steps))
    run = status.current_step_analysis_run
    inconclusive = run is not None and run.phase == "Inconclusive"
    if inconclusive and status.pause_conditions and status.controller_pause:
        if next_index is None:
            return status
        return replace(
            status, pause_conditions=(), controller_pause=False, current_step_index=next_index
        )
    if status.pause_conditions:
        return replace(status, pause_conditions=())
    if next_index is not None:
        return replace(status, current_step_index=next_index)
    return status


def apply_spec_command(plan: Plan, command: Command, now: float) -> Plan:
    """The ``.spec`` half of a command, for the verbs that need no world knowledge: pause,
    resume, scale, restart, and the unpause that ``promote``/``promote --full`` include.
    ``SetImage`` and ``Undo`` need the pod-template hash the world computes, so the world
    builds that Plan itself (bumping ``generation``). Returns ``plan`` when nothing changes."""
    changed: Plan = plan
    if isinstance(command, PauseRollout):
        changed = replace(plan, paused=True)
    elif isinstance(command, Resume | Promote | PromoteFull):
        changed = replace(plan, paused=False)
    elif isinstance(command, Scale):
        changed = replace(plan, replicas=command.replicas)
    elif isinstance(command, Restart):
        changed = replace(plan, restart_at=now if command.at is None else command.at)
    if changed == plan:
        return plan
    return replace(changed, generation=plan.generation + 1)
