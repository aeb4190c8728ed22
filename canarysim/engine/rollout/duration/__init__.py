"""``status.duration``: when a rollout attempt started and finished, how it ended, and how long
it waited for a human (Argo's ``calculateStatusDuration``, rollout/sync.go, and the
``RolloutDurationStatus`` helpers of pkg/apis/rollouts/v1alpha1/types.go).

A sub-room of the reconcile (:mod:`canarysim.engine.rollout`): the status stages call
:func:`track_duration` wherever Argo persists a status (``persistRolloutStatus`` and
``patchCondition``), and :func:`promoted_outcome` where ``promoteStable`` switches the stable
ReplicaSet. Times come in as data (``observation.now``): no clock here.

May import: the standard library, :mod:`canarysim.engine.model` and the reconcile's context,
pause and run helpers (never :mod:`.status`, which imports this room).
"""

from canarysim.engine.rollout.duration.tracking import (
    promoted_outcome,
    requires_manual_action,
    track_duration,
)

__all__ = ["promoted_outcome", "requires_manual_action", "track_duration"]
