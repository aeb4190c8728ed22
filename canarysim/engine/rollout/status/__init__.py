"""The new status of one reconcile: base counts, conditions, phase and message.

Mirrors ``calculateBaseStatus``, ``persistRolloutStatus``, ``calculateRolloutConditions`` and
``checkPausedConditions`` (rollout/sync.go), ``CalculateRolloutPhase``
(utils/rollout/rolloututil.go) and the condition helpers of utils/conditions/conditions.go,
with Argo's exact reasons and messages, in three modules: :mod:`.draft` (the status under
construction and the reasons and messages), :mod:`.conditions` (conditions and phase) and
:mod:`.persist` (the status written).
"""

from canarysim.engine.rollout.status.conditions import (
    calculate_conditions as calculate_conditions,
)
from canarysim.engine.rollout.status.conditions import (
    evaluate_progress_deadline_abort as evaluate_progress_deadline_abort,
)
from canarysim.engine.rollout.status.conditions import (
    get_condition as get_condition,
)
from canarysim.engine.rollout.status.conditions import (
    indefinite_step as indefinite_step,
)
from canarysim.engine.rollout.status.conditions import (
    rollout_healthy as rollout_healthy,
)
from canarysim.engine.rollout.status.conditions import (
    rollout_healthy_of as rollout_healthy_of,
)
from canarysim.engine.rollout.status.conditions import (
    rollout_phase as rollout_phase,
)
from canarysim.engine.rollout.status.conditions import (
    rollout_progressing as rollout_progressing,
)
from canarysim.engine.rollout.status.conditions import (
    set_condition as set_condition,
)
from canarysim.engine.rollout.status.conditions import (
    timed_out as timed_out,
)
from canarysim.engine.rollout.status.conditions import (
    waiting_for_scale_down as waiting_for_scale_down,
)
from canarysim.engine.rollout.status.draft import (
    ABORTED_MESSAGE as ABORTED_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    ABORTED_REASON as ABORTED_REASON,
)
from canarysim.engine.rollout.status.draft import (
    AVAILABLE as AVAILABLE,
)
from canarysim.engine.rollout.status.draft import (
    AVAILABLE_MESSAGE as AVAILABLE_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    AVAILABLE_REASON as AVAILABLE_REASON,
)
from canarysim.engine.rollout.status.draft import (
    COMPLETED as COMPLETED,
)
from canarysim.engine.rollout.status.draft import (
    COMPLETED_REASON as COMPLETED_REASON,
)
from canarysim.engine.rollout.status.draft import (
    FOUND_NEW_RS_MESSAGE as FOUND_NEW_RS_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    FOUND_NEW_RS_REASON as FOUND_NEW_RS_REASON,
)
from canarysim.engine.rollout.status.draft import (
    HEALTHY as HEALTHY,
)
from canarysim.engine.rollout.status.draft import (
    HEALTHY_MESSAGE as HEALTHY_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    HEALTHY_REASON as HEALTHY_REASON,
)
from canarysim.engine.rollout.status.draft import (
    INVALID_SPEC as INVALID_SPEC,
)
from canarysim.engine.rollout.status.draft import (
    NEW_RS_AVAILABLE_REASON as NEW_RS_AVAILABLE_REASON,
)
from canarysim.engine.rollout.status.draft import (
    NEW_RS_MESSAGE as NEW_RS_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    NEW_RS_REASON as NEW_RS_REASON,
)
from canarysim.engine.rollout.status.draft import (
    NOT_AVAILABLE_MESSAGE as NOT_AVAILABLE_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    NOT_COMPLETED_MESSAGE as NOT_COMPLETED_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    NOT_COMPLETED_REASON as NOT_COMPLETED_REASON,
)
from canarysim.engine.rollout.status.draft import (
    NOT_HEALTHY_MESSAGE as NOT_HEALTHY_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    PAUSED as PAUSED,
)
from canarysim.engine.rollout.status.draft import (
    PAUSED_MESSAGE as PAUSED_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    PAUSED_REASON as PAUSED_REASON,
)
from canarysim.engine.rollout.status.draft import (
    PROGRESSING as PROGRESSING,
)
from canarysim.engine.rollout.status.draft import (
    RESUMED_MESSAGE as RESUMED_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    RESUMED_REASON as RESUMED_REASON,
)
from canarysim.engine.rollout.status.draft import (
    RETRY_MESSAGE as RETRY_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    RETRY_REASON as RETRY_REASON,
)
from canarysim.engine.rollout.status.draft import (
    RS_COMPLETED_MESSAGE as RS_COMPLETED_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    RS_NOT_AVAILABLE_REASON as RS_NOT_AVAILABLE_REASON,
)
from canarysim.engine.rollout.status.draft import (
    RS_PROGRESSING_MESSAGE as RS_PROGRESSING_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    RS_TIMED_OUT_MESSAGE as RS_TIMED_OUT_MESSAGE,
)
from canarysim.engine.rollout.status.draft import (
    RS_UPDATED_REASON as RS_UPDATED_REASON,
)
from canarysim.engine.rollout.status.draft import (
    TIMED_OUT_REASON as TIMED_OUT_REASON,
)
from canarysim.engine.rollout.status.draft import (
    Draft as Draft,
)
from canarysim.engine.rollout.status.draft import (
    base_counts as base_counts,
)
from canarysim.engine.rollout.status.draft import (
    base_status as base_status,
)
from canarysim.engine.rollout.status.persist import (
    check_paused_conditions as check_paused_conditions,
)
from canarysim.engine.rollout.status.persist import (
    persist as persist,
)
