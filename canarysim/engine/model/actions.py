"""What one reconcile answers: the actions the world must apply, and the :class:`Decision`.

Actions are frozen dataclasses the world applies in list order; :class:`Decision` bundles them
with the new status and when the engine next needs a look. Re-exported by
:mod:`canarysim.engine.model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from canarysim.engine.model.fastinit import fast_frozen_init
from canarysim.engine.model.observation import RunKind
from canarysim.engine.model.plan import Experiment, PodMetadata
from canarysim.engine.model.rollout_status import RolloutStatus, WeightDestination


@dataclass(frozen=True)
class CreateReplicaSet:
    """Create the ReplicaSet of ``Plan.pod_template_hash`` (name ``<rollout>-<hash>``) with
    ``replicas`` pods, the given revision and ``min_ready_seconds``; set its desired-replicas
    annotation to ``rollout_replicas``."""

    hash: str
    revision: int
    replicas: int
    rollout_replicas: int
    min_ready_seconds: float = 0.0


@fast_frozen_init
@dataclass(frozen=True)
class ScaleReplicaSet:
    """Set ``.spec.replicas`` (and the desired-replicas annotation to ``rollout_replicas``)."""

    hash: str
    replicas: int
    rollout_replicas: int


@fast_frozen_init
@dataclass(frozen=True)
class AnnotateReplicaSet:
    """Set (a time in seconds) or remove (None) the ``scale-down-deadline`` annotation."""

    hash: str
    scale_down_deadline: float | None


@dataclass(frozen=True)
class SetReplicaSetRevision:
    """Re-number a ReplicaSet (a rollback reuses an old ReplicaSet under a new revision)."""

    hash: str
    revision: int


@dataclass(frozen=True)
class DeleteReplicaSet:
    """Delete a scaled-down old ReplicaSet (revisionHistoryLimit), with its runs."""

    hash: str


@dataclass(frozen=True)
class EvictPods:
    """``restart``: evict ``count`` pods of the ReplicaSet created before ``before``
    (oldest first); the ReplicaSet recreates them."""

    hash: str
    count: int
    before: float


@dataclass(frozen=True)
class SyncEphemeralMetadata:
    """``syncEphemeralMetadata``: the ReplicaSet's pod template and its pods carry
    ``metadata`` (None: none), and lose what was injected before and is no longer wanted
    (the ``rollout.argoproj.io/ephemeral-metadata`` annotation remembers what that was)."""

    hash: str
    metadata: PodMetadata | None


@fast_frozen_init
@dataclass(frozen=True)
class SetServiceSelector:
    """Point the canary or stable Service (``reconcileStableAndCanaryService``), the ping or
    pong Service (``reconcilePingAndPongService``), or the blue-green active or preview Service
    (``reconcileActiveService`` / ``reconcilePreviewService``), at a ReplicaSet
    (``rollouts-pod-template-hash`` selector)."""

    role: Literal["canary", "stable", "ping", "pong", "active", "preview"]
    hash: str


@fast_frozen_init
@dataclass(frozen=True)
class UpdateTrafficHash:
    """Router ``UpdateHash``: with Istio DestinationRule subsets, the canary/stable subsets'
    ``rollouts-pod-template-hash`` labels, and one subset per extra destination (experiment
    services), named after its service."""

    canary_hash: str
    stable_hash: str
    additional: tuple[WeightDestination, ...] = ()


@fast_frozen_init
@dataclass(frozen=True)
class SetTrafficWeight:
    """Router ``SetWeight``: canary weight, stable weight (``max_weight - canary - extra``),
    and extra destinations (experiments). Integers summing to ``max_weight``."""

    canary: int
    stable: int
    additional: tuple[WeightDestination, ...] = ()


@dataclass(frozen=True)
class SetTrafficHeaderRoute:
    """Router ``SetHeaderRoute``: create/replace managed header route ``name`` (``match``
    None removes it; an empty tuple matches every request)."""

    name: str
    match: tuple[dict[str, Any], ...] | None = None


@dataclass(frozen=True)
class SetTrafficMirrorRoute:
    """Router ``SetMirrorRoute``: create/replace managed mirror route ``name`` (``match``
    None removes it; an empty tuple mirrors every request)."""

    name: str
    match: tuple[dict[str, Any], ...] | None = None
    percentage: int | None = None


@dataclass(frozen=True)
class RemoveManagedRoutes:
    """Router ``RemoveManagedRoutes``: drop every managed header/mirror route."""


@dataclass(frozen=True)
class StartAnalysisRun:
    """Create and run an AnalysisRun (``kind`` Step or Background) for the ReplicaSet
    ``pod_template_hash``; ``name`` follows Argo (``<rollout>-<hash>-<revision>[-<step>]``)."""

    name: str
    kind: RunKind
    templates: tuple[str, ...]
    args: tuple[dict[str, Any], ...]
    pod_template_hash: str
    revision: int
    step_index: int | None = None
    stable_hash: str = ""
    """The stable ReplicaSet's hash (for ``valueFrom.podTemplateHashValue: Stable`` args)."""


@dataclass(frozen=True)
class TerminateAnalysisRun:
    """Patch ``spec.terminate: true``: the run stops measuring and ends (see argo-analysis)."""

    name: str


@dataclass(frozen=True)
class StartExperiment:
    """Create and run an Experiment for the ``experiment`` step ``step_index``."""

    name: str
    step_index: int
    spec: Experiment
    pod_template_hash: str
    stable_hash: str
    revision: int


@dataclass(frozen=True)
class TerminateExperiment:
    """Terminate a running Experiment."""

    name: str


@fast_frozen_init
@dataclass(frozen=True)
class EmitEvent:
    """A Kubernetes event on the Rollout, worded as Argo's."""

    type: Literal["Normal", "Warning"]
    reason: str
    message: str


Action = (
    CreateReplicaSet
    | ScaleReplicaSet
    | AnnotateReplicaSet
    | SetReplicaSetRevision
    | DeleteReplicaSet
    | EvictPods
    | SetServiceSelector
    | UpdateTrafficHash
    | SetTrafficWeight
    | SetTrafficHeaderRoute
    | SetTrafficMirrorRoute
    | RemoveManagedRoutes
    | StartAnalysisRun
    | TerminateAnalysisRun
    | StartExperiment
    | TerminateExperiment
    | EmitEvent
    | SyncEphemeralMetadata
)


@fast_frozen_init
@dataclass(frozen=True)
class Decision:
    """One reconcile's outcome. ``requeue_after`` (seconds from ``now``) is when the engine
    needs another look even if nothing in the world changes (pause end, scale-down deadline,
    progress deadline); None means only a world change (pods, runs, commands, spec) matters.
    ``0.0`` means "look again now": this reconcile changed the status or wrote a ReplicaSet,
    Service or run, and the real controller would be woken by that write through its
    informers. Router actions (``SetTraffic*``, ``UpdateTrafficHash``, ``RemoveManagedRoutes``)
    are emitted on every reconcile, as Argo calls its router every time: apply them as
    idempotent writes."""

    status: RolloutStatus
    actions: tuple[Action, ...] = ()
    requeue_after: float | None = None
    error: str = ""
    """The reconcile returned this error after the actions were made (Argo's
    ``end of rollout, desired weight N not yet verified``): the status is not written and the
    workqueue retries with back-off, as for a router's write error."""
