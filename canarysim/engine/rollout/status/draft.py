"""The status under construction (``newStatus``) and its base: ``calculateBaseStatus``
(rollout/sync.go) and the condition reasons and messages of utils/conditions/conditions.go,
verbatim."""

from __future__ import annotations

from dataclasses import dataclass, field

from canarysim.engine.model import (
    AlbStatus,
    BlueGreenStatus,
    Condition,
    PauseCondition,
    RolloutDuration,
    RunStatus,
    TrafficWeights,
)
from canarysim.engine.model.rollout_status import NO_BLUE_GREEN
from canarysim.engine.rollout.context import Context

PROGRESSING = "Progressing"
AVAILABLE = "Available"
PAUSED = "Paused"
COMPLETED = "Completed"
HEALTHY = "Healthy"
INVALID_SPEC = "InvalidSpec"

# Reasons and messages (utils/conditions/conditions.go), verbatim.
NEW_RS_REASON = "NewReplicaSetCreated"
NEW_RS_MESSAGE = 'Created new replica set "{}"'
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
FOUND_NEW_RS_MESSAGE = 'Found new replica set "{}"'
RS_UPDATED_REASON = "ReplicaSetUpdated"
RS_PROGRESSING_MESSAGE = 'ReplicaSet "{}" is progressing.'
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
RS_COMPLETED_MESSAGE = 'ReplicaSet "{}" has successfully progressed.'
RS_NOT_AVAILABLE_REASON = "ReplicaSetNotAvailable"
NOT_AVAILABLE_MESSAGE = "Rollout does not have minimum availability"
AVAILABLE_REASON = "AvailableReason"
AVAILABLE_MESSAGE = "Rollout has minimum availability"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
RS_TIMED_OUT_MESSAGE = 'ReplicaSet "{}" has timed out progressing.'
ABORTED_REASON = "RolloutAborted"
ABORTED_MESSAGE = "Rollout aborted update to revision {}"
RETRY_REASON = "RolloutRetry"
RETRY_MESSAGE = "Retrying Rollout after abort"
PAUSED_REASON = "RolloutPaused"
PAUSED_MESSAGE = "Rollout is paused"
RESUMED_REASON = "RolloutResumed"
RESUMED_MESSAGE = "Rollout is resumed"
COMPLETED_REASON = "RolloutCompleted"
NOT_COMPLETED_REASON = "RolloutNotCompleted"
NOT_COMPLETED_MESSAGE = "Rollout not completed, started update to revision {} ({})"
HEALTHY_REASON = "RolloutHealthy"
HEALTHY_MESSAGE = "Rollout is healthy"
NOT_HEALTHY_MESSAGE = "Rollout is not healthy"


@dataclass
class Draft:
    """The status under construction (``newStatus``)."""

    current_pod_hash: str
    current_step_hash: str
    current_step_index: int | None
    stable_rs: str
    promote_full: bool
    replicas: int
    updated_replicas: int
    ready_replicas: int
    available_replicas: int
    conditions: list[Condition] = field(default_factory=list)
    canary_weights: TrafficWeights | None = None
    step_run: RunStatus | None = None
    background_run: RunStatus | None = None
    experiment: RunStatus | None = None
    restarted_at: float | None = None
    blue_green: BlueGreenStatus = NO_BLUE_GREEN
    stable_ping_pong: str = ""
    alb: bool = False
    duration: RolloutDuration | None = None
    alb_status: AlbStatus | None = None
    albs: tuple[AlbStatus, ...] = ()
    pause_conditions: tuple[PauseCondition, ...] = ()
    """Filled in by ``persist`` when it folds the pause intents (``CalculatePauseStatus``)."""

    def condition(self, type_: str) -> Condition | None:
        """The condition of this type, if any (as :meth:`RolloutStatus.condition`)."""
        for c in self.conditions:
            if c.type == type_:
                return c
        return None


def base_counts(ctx: Context) -> tuple[int, int, int, int]:
    """The counts of ``syncRolloutStatusCanary``: (replicas, updated, ready, available)."""
    replicas = ready = available = 0
    for rs in ctx.obs.replica_sets:  # (one pass for the three sums)
        replicas += rs.status_replicas
        ready += rs.ready
        available += rs.available
    new = ctx.new_rs
    return replicas, new.status_replicas if new is not None else 0, ready, available


def base_status(ctx: Context) -> Draft:
    """``calculateBaseStatus`` + the counts of ``syncRolloutStatusCanary``."""
    replicas, updated, ready, available = base_counts(ctx)
    st = ctx.status
    # Positional, in Draft's field order (a keyword call costs over twice as much; every
    # reconcile builds one): tests/engine pin the order field by field.
    return Draft(
        ctx.plan.pod_template_hash,  # current_pod_hash
        ctx.plan.step_hash,  # current_step_hash
        st.current_step_index,  # current_step_index
        st.stable_rs,  # stable_rs
        # calculateBaseStatus compares against a stableRS that is not filled in yet, so in
        # effect promoteFull survives until promoteStable clears it.
        st.promote_full,  # promote_full
        replicas,  # replicas
        updated,  # updated_replicas
        ready,  # ready_replicas
        available,  # available_replicas
        list(st.conditions),  # conditions
        ctx.new_weights,  # canary_weights
        ctx.step_run,  # step_run
        ctx.background_run,  # background_run
        ctx.experiment,  # experiment
        ctx.restarted_at,  # restarted_at
        NO_BLUE_GREEN,  # blue_green
        st.stable_ping_pong,  # stable_ping_pong
        ctx.alb,  # alb
        st.duration,  # duration
        ctx.alb_status,  # alb_status
        ctx.albs,  # albs
    )
