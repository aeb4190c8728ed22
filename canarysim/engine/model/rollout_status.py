"""What Argo keeps in ``rollout.status``: :class:`RolloutStatus` and its parts.

This is all the engine remembers between reconciles, as the real controller does: anything not
here must be recomputed from the :class:`~canarysim.engine.model.plan.Plan` and the observation.
Re-exported by :mod:`canarysim.engine.model`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

from canarysim.engine.model.fastinit import fast_frozen_init

ConditionStatus = Literal["True", "False", "Unknown"]


@fast_frozen_init
@dataclass(frozen=True)
class PauseCondition:
    """``status.pauseConditions[]``: ``CanaryPauseStep``, ``InconclusiveAnalysisRun`` or
    ``InconclusiveExperiment``; ``start_time`` whole seconds (metav1.Time resolution)."""

    reason: str
    start_time: float


@fast_frozen_init
@dataclass(frozen=True)
class Condition:
    """``status.conditions[]`` (types ``Progressing``, ``Available``, ``Paused``,
    ``Completed``, ``Healthy``, ``InvalidSpec``)."""

    type: str
    status: ConditionStatus
    reason: str
    message: str
    last_update_time: float = 0.0
    last_transition_time: float = 0.0


@fast_frozen_init
@dataclass(frozen=True)
class WeightDestination:
    """One router destination: weight plus the pod hash / Service it points at."""

    weight: int
    pod_template_hash: str = ""
    service_name: str = ""


@fast_frozen_init
@dataclass(frozen=True)
class TrafficWeights:
    """``status.canary.weights``: what the engine last wrote to the router."""

    canary: WeightDestination
    stable: WeightDestination
    additional: tuple[WeightDestination, ...] = ()
    verified: bool | None = None
    """``weights.verified``: the router's ``VerifyWeight`` answer (ALB with weight
    verification; None when the router does not verify)."""


@fast_frozen_init
@dataclass(frozen=True)
class RunStatus:
    """``status.canary.current{Step,Background}AnalysisRunStatus`` / ``currentExperiment``:
    the name of the run the rollout is following, and its phase/message when last seen."""

    name: str
    phase: str = ""
    message: str = ""


@dataclass(frozen=True)
class BlueGreenStatus:
    """``status.blueGreen``: the hashes the active and preview Services select (as last
    seen), the one-way ``scaleUpPreviewCheckPoint`` of ``previewReplicaCount``, and the
    pre/post-promotion AnalysisRuns the rollout follows."""

    active_selector: str = ""
    preview_selector: str = ""
    scale_up_preview_check_point: bool = False
    pre_promotion_run: RunStatus | None = None
    post_promotion_run: RunStatus | None = None


NO_BLUE_GREEN = BlueGreenStatus()
"""The empty ``status.blueGreen`` (every canary status has it): one shared immutable value
rather than a new one per status."""


Phase = Literal["Healthy", "Progressing", "Paused", "Degraded"]

CompletionStatus = Literal[
    "Promoted", "FastPromoted", "Aborted", "Superseded", "RolledBack", "FastRolledBack"
]
"""``status.duration.completionStatus``: how a rollout attempt ended (or, for a rollback, how
it will end: Argo classifies a rollback as soon as it is detected)."""


@fast_frozen_init
@dataclass(frozen=True)
class RolloutDuration:
    """``status.duration`` (Argo's ``RolloutDurationStatus``, pkg/apis/rollouts/v1alpha1/
    types.go): the timing of the current rollout attempt. Times are whole seconds, as the
    status is persisted (metav1.Time); None is a field Argo leaves out (``omitempty``)."""

    rollout_started_at: float | None = None
    manual_pause_started_at: float | None = None
    total_manual_pause_duration_seconds: int | None = None
    finished_at: float | None = None
    completion_status: CompletionStatus | None = None

    @property
    def completed(self) -> bool:
        """``IsCompleted``: the attempt started and reached its terminal state."""
        return self.rollout_started_at is not None and self.finished_at is not None

    def end_manual_pause(self, now: float) -> RolloutDuration:
        """Fold a running manual pause into the total: Go's ``int64(now.Sub(start).Seconds())``
        truncates, and ``now`` keeps its sub-second part (only the start was persisted)."""
        if self.manual_pause_started_at is None:
            return self
        total = (self.total_manual_pause_duration_seconds or 0) + int(
            now - self.manual_pause_started_at
        )
        return replace(
            self, total_manual_pause_duration_seconds=total, manual_pause_started_at=None
        )

    def complete(self, now: float, outcome: CompletionStatus) -> RolloutDuration:
        """``CompleteRollout``: end any manual pause, stamp ``finishedAt`` and the outcome."""
        ended = self.end_manual_pause(now)
        return replace(ended, finished_at=_second(now), completion_status=outcome)


def _second(t: float) -> float:
    """A time as the API server keeps it: whole seconds (metav1.Time, RFC 3339)."""
    return float(math.floor(t))


@dataclass(frozen=True)
class AwsResourceRef:
    """``AwsResourceRef``: an AWS resource as ``status.alb`` records it."""

    name: str = ""
    arn: str = ""
    full_name: str = ""
    """``fullName``: the ARN after ``loadbalancer/`` (a load balancer) or after the first
    ``/`` (a target group), as CloudWatch names them."""


@dataclass(frozen=True)
class AlbStatus:
    """``ALBStatus`` (``status.alb`` and each entry of ``status.albs``)."""

    load_balancer: AwsResourceRef = field(default_factory=AwsResourceRef)
    canary_target_group: AwsResourceRef = field(default_factory=AwsResourceRef)
    stable_target_group: AwsResourceRef = field(default_factory=AwsResourceRef)
    ingress: str = ""

    def to_json(self) -> dict[str, object]:
        """As Argo serialises it (``omitempty`` only on ``ingress``)."""

        def ref(r: AwsResourceRef) -> dict[str, str]:
            return {"name": r.name, "arn": r.arn, "fullName": r.full_name}

        out: dict[str, object] = {
            "loadBalancer": ref(self.load_balancer),
            "canaryTargetGroup": ref(self.canary_target_group),
            "stableTargetGroup": ref(self.stable_target_group),
        }
        if self.ingress:
            out["ingress"] = self.ingress
        return out


@fast_frozen_init
@dataclass(frozen=True)
class RolloutStatus:
    """``rollout.status``. The default value is a brand-new rollout's empty status."""

    current_pod_hash: str = ""
    current_step_hash: str = ""
    current_step_index: int | None = None
    stable_rs: str = ""
    pause_conditions: tuple[PauseCondition, ...] = ()
    controller_pause: bool = False
    abort: bool = False
    aborted_at: float | None = None
    promote_full: bool = False
    restarted_at: float | None = None
    observed_generation: int = 0
    workload_observed_generation: str = ""
    """``status.workloadObservedGeneration``: the referenced Deployment's generation as a
    string ("" without a resolved ``spec.workloadRef``)."""
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    canary_weights: TrafficWeights | None = None
    current_step_analysis_run: RunStatus | None = None
    current_background_analysis_run: RunStatus | None = None
    current_experiment: RunStatus | None = None
    stable_ping_pong: str = ""
    """``status.canary.stablePingPong``: ``ping`` or ``pong``, the Service that is stable."""
    alb: bool = False
    """``status.alb`` is set: ALB weight verification ran once (see ``VerifyWeight``)."""
    alb_status: AlbStatus | None = None
    """``status.alb``: the load balancer and target groups ``VerifyWeight`` last found."""
    albs: tuple[AlbStatus, ...] = ()
    """``status.albs``: the same, per ALB Ingress, in the Rollout's order."""
    phase: Phase = "Progressing"
    message: str = ""
    conditions: tuple[Condition, ...] = ()
    blue_green: BlueGreenStatus = NO_BLUE_GREEN
    duration: RolloutDuration | None = None
    """``status.duration``: the timing of the current rollout attempt (None until the first
    attempt starts)."""

    def __eq__(self, other: object) -> bool:
        """The dataclass's field-by-field equality, read off the instance dictionaries,
        which hold exactly the fields in field order (``fast_frozen_init`` fills them; this
        class caches nothing else there): compared in C, without building two tuples of
        the 29 fields. Every reconcile compares the status written with the one read."""
        if other.__class__ is self.__class__:
            return self.__dict__ == other.__dict__
        return NotImplemented

    def with_conditions(self, conditions: tuple[Condition, ...]) -> RolloutStatus:
        """``replace(self, conditions=conditions)``, built from the instance dictionary
        (exactly the fields: see :meth:`__eq__`) rather than field by field."""
        fields = dict(self.__dict__)
        fields["conditions"] = conditions
        return status_from_fields(fields)

    def condition(self, type_: str) -> Condition | None:
        """The condition of this type, if any."""
        for c in self.conditions:  # (a loop: several lookups a reconcile, no generator)
            if c.type == type_:
                return c
        return None


def status_from_fields(fields: dict[str, object]) -> RolloutStatus:
    """The status whose instance dictionary is ``fields``: a copy of another status's
    (every field, in field order) with some values changed. What ``RolloutStatus(**fields)``
    builds, without a keyword call of 29 arguments (four times the cost)."""
    status = object.__new__(RolloutStatus)
    status.__dict__.update(fields)
    return status
