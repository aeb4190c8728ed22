"""The snapshots a :class:`~canarysim.result.Result` holds: the Rollout, its ReplicaSets, pods,
analysis runs and experiments as they stood at one time. Plain, immutable data."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

#: Kinds of events, as ``kubectl get events`` prints them.
EVENT_KINDS = ("Normal", "Warning")


@dataclass(frozen=True)
class PodSnapshot:
    """One pod as ``kubectl argo rollouts get rollout`` lists it."""

    name: str
    status: str  # Running, ContainerCreating, Pending, Terminating, CrashLoopBackOff, ...
    ready: bool
    available: bool
    restarts: int
    created: float  # simulated seconds


@dataclass(frozen=True)
class ReplicaSetSnapshot:
    """One ReplicaSet of the rollout; ``role`` is stable, canary or old."""

    name: str
    hash: str
    revision: int
    role: str
    image: str
    desired: int
    current: int
    ready: int
    available: int
    created: float
    scale_down_at: float | None
    pods: tuple[PodSnapshot, ...] = ()


@dataclass(frozen=True)
class AnalysisRunSnapshot:
    """One AnalysisRun with its measurement tallies (the ✔ ✖ ? ⚠ column of the CLI)."""

    name: str
    phase: str
    revision: int
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    errors: int = 0
    message: str = ""


@dataclass(frozen=True)
class ExperimentSnapshot:
    """An Experiment of an ``experiment`` step (extension of the v1 contract): its phase, its
    template ReplicaSets (``role`` is the template name) and its AnalysisRuns."""

    name: str
    phase: str
    revision: int
    message: str = ""
    created: float = 0.0
    available_at: float | None = None
    finished_at: float | None = None
    replica_sets: tuple[ReplicaSetSnapshot, ...] = ()
    analysis_runs: tuple[AnalysisRunSnapshot, ...] = ()


@dataclass(frozen=True)
class DurationSnapshot:
    """The Rollout's ``status.duration`` (extension of the v1 contract): Argo's
    ``RolloutDurationStatus``, times in simulated whole seconds. In the JSON under Argo's own
    keys (``rolloutStartedAt``, ...), a field that is None left out, as Argo leaves it out."""

    rollout_started_at: float | None = None
    manual_pause_started_at: float | None = None
    total_manual_pause_duration_seconds: int | None = None
    finished_at: float | None = None
    completion_status: str | None = None


@dataclass(frozen=True)
class ConditionSnapshot:
    """One ``status.conditions`` entry of the Rollout (extension of the v1 contract)."""

    type: str
    status: str
    reason: str
    message: str


@dataclass(frozen=True)
class RolloutSnapshot:
    """The rollout as ``kubectl argo rollouts get rollout`` would show it at ``time``.

    ``paused_remaining`` is the time left in a timed pause at ``time``; ``paused_until`` (an
    extension) is the absolute end of that pause, so a viewer can compute the remaining time at
    any later instant without a new snapshot.
    """

    time: float
    name: str
    namespace: str
    phase: str
    message: str
    strategy: str
    step_index: int | None
    step_count: int
    set_weight: int
    actual_weight: int
    paused_remaining: float | None
    aborted: bool
    revision: int
    stable_hash: str
    canary_hash: str
    desired: int
    current: int
    updated: int
    ready: int
    available: int
    replica_sets: tuple[ReplicaSetSnapshot, ...] = ()
    analysis_runs: tuple[AnalysisRunSnapshot, ...] = ()
    paused_until: float | None = None
    conditions: tuple[ConditionSnapshot, ...] = ()
    experiments: tuple[ExperimentSnapshot, ...] = ()
    """Extension: the rollout's Experiments (left out of the JSON when there are none)."""
    active_hash: str = ""
    """Extension, blue-green: ``status.blueGreen.activeSelector`` (left out when empty)."""
    preview_hash: str = ""
    """Extension, blue-green: ``status.blueGreen.previewSelector`` (left out when empty)."""
    generation: int = 1
    """Extension: ``metadata.generation`` (left out of the JSON, with ``observed_generation``,
    while the two are equal)."""
    observed_generation: int = 1
    """Extension: ``status.observedGeneration``, the generation the controller last observed."""
    created: float = 0.0
    """Extension: the Rollout's ``creationTimestamp`` (s; negative when the scenario starts
    Healthy: it was created before the clock started); left out of the JSON when 0."""
    duration: DurationSnapshot | None = None
    """Extension: ``status.duration`` (left out of the JSON while the Rollout has none)."""
    alb: dict[str, Any] | None = None
    """Extension, ALB with weight verification: ``status.alb`` as Argo writes it
    (``loadBalancer`` / ``canaryTargetGroup`` / ``stableTargetGroup`` with ``name``, ``arn``,
    ``fullName``, and ``ingress``); left out of the JSON when unset."""
    albs: tuple[dict[str, Any], ...] = ()
    """Extension: ``status.albs``, one such entry per ALB Ingress; left out when empty."""
    workload_observed_generation: str = ""
    """Extension, ``spec.workloadRef``: ``status.workloadObservedGeneration``, the referenced
    Deployment's generation; left out of the JSON when empty."""

    def observable(self) -> tuple[Any, ...]:
        """Everything but the time: two snapshots with equal ``observable()`` look the same."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "time")
