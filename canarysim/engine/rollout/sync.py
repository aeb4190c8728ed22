"""What ``syncRollout`` does before a strategy's own reconcile, for the canary and blue-green
alike (rollout/sync.go, context.go): the CLI's status patches, ``newRolloutContext`` (a new
ReplicaSet for a new template ends the reconcile), an abort of a fully promoted rollout
dropped, ``checkPausedConditions``, ``syncReplicaSetRevision``; and ``isScalingEvent`` and
the status ``syncReplicasOnly`` keeps, which each strategy then uses with its own ReplicaSet
writes."""

from __future__ import annotations

from dataclasses import replace

from canarysim.engine.model import (
    CreateReplicaSet,
    Observation,
    Plan,
    RolloutStatus,
    SetReplicaSetRevision,
    SyncEphemeralMetadata,
)
from canarysim.engine.rollout.commands import apply_commands
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.metadata import creation_metadata
from canarysim.engine.rollout.status import (
    FOUND_NEW_RS_MESSAGE,
    FOUND_NEW_RS_REASON,
    NEW_RS_MESSAGE,
    NEW_RS_REASON,
    PROGRESSING,
    Draft,
    base_status,
    check_paused_conditions,
    set_condition,
)

__all__ = [
    "begin",
    "create_new_replica_set",
    "is_scaling_event",
    "sync_revision",
    "unchanged_draft",
]


def begin(
    plan: Plan, status: RolloutStatus, observation: Observation
) -> tuple[Context, RolloutStatus | None]:
    """The reconcile's context, and the status to write when the reconcile ends here (a new
    ReplicaSet created, or the paused conditions patched), else None to go on."""
    # The CLI's status patches (promote, promote --full, abort, retry) land first.
    ctx = Context(plan, apply_commands(plan, status, observation.commands), observation)
    # newRolloutContext: no ReplicaSet for the current template yet -> create it (0 pods)
    # with the next revision; that write ends the reconcile.
    if ctx.new_rs is None:
        return ctx, create_new_replica_set(ctx)
    # An abort on a fully promoted rollout is dropped silently.
    if ctx.fully_promoted and ctx.pause.is_aborted():
        ctx.pause.remove_abort = True
    # checkPausedConditions: Progressing/Paused conditions follow pauses and retries; a
    # change is patched on its own and ends the reconcile.
    patched = check_paused_conditions(ctx)
    if patched is not None:
        return ctx, patched
    # syncReplicaSetRevision: a reused ReplicaSet (rollback) takes the next revision, and a
    # rollout without a Progressing condition records that it found its ReplicaSet.
    sync_revision(ctx)
    return ctx, None


def create_new_replica_set(ctx: Context) -> RolloutStatus:
    """``createDesiredReplicaSet``: 0 replicas, revision = max + 1; the Progressing
    condition says so (NewReplicaSetCreated) and the reconcile ends."""
    plan = ctx.plan
    revision = max((rs.revision for rs in ctx.obs.replica_sets), default=0) + 1
    name = ctx.rs_name(plan.pod_template_hash)
    ctx.actions.append(
        CreateReplicaSet(plan.pod_template_hash, revision, 0, plan.replicas, plan.min_ready_seconds)
    )
    if plan.canary_metadata is not None or plan.stable_metadata is not None:
        ctx.actions.append(SyncEphemeralMetadata(plan.pod_template_hash, creation_metadata(ctx)))
    ctx.event("RolloutUpdated", f"Rollout updated to revision {revision}")
    ctx.event(NEW_RS_REASON, f"Created ReplicaSet {name} (revision {revision})")
    conds = list(ctx.status.conditions)
    set_condition(conds, ctx.now, PROGRESSING, "True", NEW_RS_REASON, NEW_RS_MESSAGE.format(name))
    return ctx.status.with_conditions(tuple(conds))


def sync_revision(ctx: Context) -> None:
    """``syncReplicaSetRevision``: a reused ReplicaSet (a rollback) takes the next revision;
    a rollout without a Progressing condition records FoundNewReplicaSet (that status update
    does not end the reconcile)."""
    new = ctx.new_rs
    assert new is not None
    top = None  # the highest revision of the other ReplicaSets (one pass, no list)
    for rs in ctx.obs.replica_sets:
        if rs is not new and (top is None or rs.revision > top):
            top = rs.revision
    if top is not None and new.revision <= top:
        revision = top + 1
        ctx.actions.append(SetReplicaSetRevision(new.hash, revision))
        ctx.event("RolloutUpdated", f"Rollout updated to revision {revision}")
        renumbered = replace(new, revision=revision)
        if ctx.stable_rs is new:
            ctx.stable_rs = renumbered
        ctx.new_rs = renumbered
        return
    if ctx.status.condition(PROGRESSING) is None:
        conds = list(ctx.status.conditions)
        message = FOUND_NEW_RS_MESSAGE.format(ctx.rs_name(new.hash))
        set_condition(conds, ctx.now, PROGRESSING, "True", FOUND_NEW_RS_REASON, message)
        ctx.status = ctx.status.with_conditions(tuple(conds))


def is_scaling_event(ctx: Context) -> bool:
    """``isScalingEvent``: an active new/stable ReplicaSet was sized for another
    ``spec.replicas`` (its desired-replicas annotation differs)."""
    replicas = ctx.plan.replicas
    for rs in (ctx.new_rs, ctx.stable_rs):  # (a loop: every reconcile asks, no generator)
        if (
            rs is not None
            and rs.replicas > 0
            and rs.rollout_replicas is not None
            and rs.rollout_replicas != replicas
        ):
            return True
    return False


def unchanged_draft(ctx: Context) -> Draft:
    """``syncReplicasOnly`` persists the old status with fresh availability counts."""
    st = ctx.status
    d = base_status(ctx)
    d.current_pod_hash, d.current_step_hash = st.current_pod_hash, st.current_step_hash
    d.replicas, d.updated_replicas, d.ready_replicas = (
        st.replicas,
        st.updated_replicas,
        st.ready_replicas,
    )
    d.step_run, d.background_run, d.experiment = (
        st.current_step_analysis_run,
        st.current_background_analysis_run,
        st.current_experiment,
    )
    return d
