"""The step engine's vocabulary: what it is told, what it remembers, what it decides.

``decide(plan, status, observation) -> Decision`` (in :mod:`canarysim.engine.steps`) is one
reconcile of Argo Rollouts' canary controller. Its inputs and outputs are the frozen dataclasses
below, so the engine is a pure function and can be property-tested without a clock:

* :class:`Plan` is the Rollout *spec* with every default already applied (the spec layer builds
  it; tests build it by hand). It changes only when a user changes the spec (new image, scale,
  ``spec.paused``, undo, restart): the world then hands the engine a new ``Plan``.
* :class:`RolloutStatus` is exactly what Argo keeps in ``.status`` and nothing more: the engine
  remembers nothing else between reconciles, as the real controller does.
* :class:`Observation` is what the controller sees in the cluster at ``now``: the rollout's
  ReplicaSets, its AnalysisRuns and Experiments, and user commands not yet applied.
* :class:`Decision` is the new status, the actions the world must apply, and when the engine next
  needs a look (``requeue_after``), so that the simulator never polls.

Times are simulated seconds (floats) measured from the start of the run; the engine never reads
a clock. Which user commands the engine consumes and which the world turns into a new ``Plan``:
see :data:`Command`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

# --------------------------------------------------------------------------------------------
# Plan: the defaulted spec
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetWeight:
    """``- setWeight: N``: canary weight N (0..max_weight)."""

    weight: int


@dataclass(frozen=True)
class Pause:
    """``- pause: {duration: D}`` (seconds) or ``- pause: {}`` (``seconds=None``: wait for
    promote). ``raw`` is the duration as written (``"30s"``, ``60``), used verbatim in the step
    string of Argo's "Rollout step i/N completed (pause: 30s)" event; None means use seconds."""

    seconds: float | None = None
    raw: str | None = None


@dataclass(frozen=True)
class SetCanaryScale:
    """``- setCanaryScale``: exactly one of ``replicas``, ``weight`` or
    ``match_traffic_weight=True`` (traffic routing only)."""

    replicas: int | None = None
    weight: int | None = None
    match_traffic_weight: bool = False


@dataclass(frozen=True)
class Analysis:
    """``- analysis: {templates, args}`` (one step AnalysisRun for all templates).

    ``templates`` are template names; ``args`` the Argo arg mappings as written
    (``{"name": ..., "value": ...}``); the simulator interprets both."""

    templates: tuple[str, ...] = ()
    args: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Experiment:
    """``- experiment: {duration, templates, analyses}``; payload as written in the manifest
    (``templates``/``analyses`` are Argo's mappings). ``duration`` in seconds or None."""

    duration: float | None = None
    templates: tuple[dict[str, Any], ...] = ()
    analyses: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class SetHeaderRoute:
    """``- setHeaderRoute: {name, match}``; ``match`` as written (Argo's ``HeaderRoutingMatch``
    mappings). An empty ``match`` removes the route."""

    name: str
    match: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class SetMirrorRoute:
    """``- setMirrorRoute: {name, match, percentage}``; an empty ``match`` removes the route."""

    name: str
    match: tuple[dict[str, Any], ...] = ()
    percentage: int | None = None


Step = SetWeight | Pause | SetCanaryScale | Analysis | Experiment | SetHeaderRoute | SetMirrorRoute
"""One canary step. Plugin steps are rejected by the spec layer."""


@dataclass(frozen=True)
class BackgroundAnalysis:
    """``strategy.canary.analysis``: runs beside the steps from ``starting_step`` (0-based)."""

    templates: tuple[str, ...] = ()
    args: tuple[dict[str, Any], ...] = ()
    starting_step: int = 0


@dataclass(frozen=True)
class Plan:
    """The Rollout spec as already-defaulted values (``utils/defaults/defaults.go``).

    ``pod_template_hash`` is the pod-template-hash of ``spec.template`` as it is now: the
    engine finds the new (canary) ReplicaSet as the one with this hash, and creates it if
    none exists. A new image means a new hash; an undo means the hash of an older
    ReplicaSet's template. ``max_surge``/``max_unavailable`` keep Argo's int-or-percent form
    (any string is a percentage) because they are resolved against ``replicas``, which a
    scale may change.

    Fields left ``None`` mean "not set in the manifest" where Argo tells unset from explicit:
    ``scale_down_delay_seconds`` (30 with traffic routing, 0 without),
    ``abort_scale_down_delay_seconds`` (30; explicit 0 = never scale the canary down on abort;
    with ``dynamic_stable_scale`` and unset: no delay), ``scale_down_delay_revision_limit``
    (unlimited), ``min_pods_per_replica_set``, ``rollback_window_revisions``.
    """

    name: str
    replicas: int
    pod_template_hash: str
    steps: tuple[Step, ...] = ()
    max_surge: int | str = "25%"
    max_unavailable: int | str = "25%"
    traffic_routing: bool = False
    max_weight: int = 100
    managed_routes: tuple[str, ...] = ()
    canary_service: str = ""
    stable_service: str = ""
    scale_down_delay_seconds: float | None = None
    scale_down_delay_revision_limit: int | None = None
    abort_scale_down_delay_seconds: float | None = None
    dynamic_stable_scale: bool = False
    min_pods_per_replica_set: int | None = None
    progress_deadline_seconds: float = 600.0
    progress_deadline_abort: bool = False
    min_ready_seconds: float = 0.0
    revision_history_limit: int = 10
    rollback_window_revisions: int | None = None
    background_analysis: BackgroundAnalysis | None = None
    paused: bool = False
    """``spec.paused`` (``kubectl argo rollouts pause``)."""
    restart_at: float | None = None
    """``spec.restartAt`` (``kubectl argo rollouts restart``), simulated seconds."""
    generation: int = 1
    """``metadata.generation``: bump it on every spec change (the world does)."""

    @property
    def step_hash(self) -> str:
        """A stable digest of the steps (Argo keeps an fnv hash of the steps' JSON in
        ``status.currentStepHash``; any stable digest serves the same purpose here)."""
        return steps_hash(self.steps)

    @property
    def effective_scale_down_delay(self) -> float:
        """``GetScaleDownDelaySecondsOrDefault``: 30 s only with traffic routing."""
        if not self.traffic_routing:
            return 0.0
        return 30.0 if self.scale_down_delay_seconds is None else self.scale_down_delay_seconds


def steps_hash(steps: tuple[Step, ...]) -> str:
    """Digest of a step list, stable across processes (no ``hash()`` randomisation)."""
    payload = json.dumps([[type(s).__name__, _plain(s)] for s in steps], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:10]


def _plain(step: Step) -> Any:
    return {k: getattr(step, k) for k in step.__dataclass_fields__}


# --------------------------------------------------------------------------------------------
# RolloutStatus: what Argo keeps in .status
# --------------------------------------------------------------------------------------------

ConditionStatus = Literal["True", "False", "Unknown"]


@dataclass(frozen=True)
class PauseCondition:
    """``status.pauseConditions[]``: ``CanaryPauseStep``, ``InconclusiveAnalysisRun`` or
    ``InconclusiveExperiment``; ``start_time`` whole seconds (metav1.Time resolution)."""

    reason: str
    start_time: float


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


@dataclass(frozen=True)
class WeightDestination:
    """One router destination: weight plus the pod hash / Service it points at."""

    weight: int
    pod_template_hash: str = ""
    service_name: str = ""


@dataclass(frozen=True)
class TrafficWeights:
    """``status.canary.weights``: what the engine last wrote to the router."""

    canary: WeightDestination
    stable: WeightDestination
    additional: tuple[WeightDestination, ...] = ()


@dataclass(frozen=True)
class RunStatus:
    """``status.canary.current{Step,Background}AnalysisRunStatus`` / ``currentExperiment``:
    the name of the run the rollout is following, and its phase/message when last seen."""

    name: str
    phase: str = ""
    message: str = ""


Phase = Literal["Healthy", "Progressing", "Paused", "Degraded"]


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
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    canary_weights: TrafficWeights | None = None
    current_step_analysis_run: RunStatus | None = None
    current_background_analysis_run: RunStatus | None = None
    current_experiment: RunStatus | None = None
    phase: Phase = "Progressing"
    message: str = ""
    conditions: tuple[Condition, ...] = ()

    def condition(self, type_: str) -> Condition | None:
        """The condition of this type, if any."""
        return next((c for c in self.conditions if c.type == type_), None)


# --------------------------------------------------------------------------------------------
# Observation: the cluster as the controller sees it
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplicaSetView:
    """One ReplicaSet owned by the rollout.

    ``replicas`` is ``.spec.replicas``; ``status_replicas``/``ready``/``available`` its
    ``.status`` counts (available = Ready for ``min_ready_seconds``, the world's job).
    ``scale_down_deadline`` is the ``scale-down-deadline`` annotation (seconds) or None.
    ``rollout_replicas`` is the ``rollout.argoproj.io/desired-replicas`` annotation: the
    ``rollout_replicas`` of the last Create/Scale action applied to it (None if never set).
    ``created`` is its creation time; ``pod_created`` the creation times of its live pods
    (only needed for ``restart``)."""

    hash: str
    revision: int
    replicas: int
    status_replicas: int = 0
    ready: int = 0
    available: int = 0
    scale_down_deadline: float | None = None
    rollout_replicas: int | None = None
    created: float = 0.0
    pod_created: tuple[float, ...] = ()


RunPhase = Literal["Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"]


@dataclass(frozen=True)
class AnalysisRunView:
    """An AnalysisRun the world is executing (or has finished) for this rollout.
    ``kind`` is Argo's ``rollout-type`` label; ``step_index`` is set for step runs."""

    name: str
    kind: Literal["Step", "Background"]
    pod_template_hash: str
    phase: RunPhase = "Pending"
    message: str = ""
    step_index: int | None = None
    terminated: bool = False


@dataclass(frozen=True)
class ExperimentView:
    """An Experiment the world is running for an ``experiment`` step. ``weights`` are its
    router destinations (templates with a ``weight``) while it is Running."""

    name: str
    pod_template_hash: str
    step_index: int
    phase: RunPhase = "Pending"
    message: str = ""
    weights: tuple[WeightDestination, ...] = ()
    terminated: bool = False


# User commands, as ``kubectl argo rollouts <verb>`` offers them.
#
# Consumed by the engine (they patch .status, like the CLI does): Promote, PromoteFull, Abort,
# Retry. Put them in ``Observation.commands``; the engine applies them at the start of the next
# reconcile, in order, and the world must not pass them again.
#
# Spec verbs (the world applies them by building a new Plan, bumping ``Plan.generation``):
#   Pause -> paused=True; Resume -> paused=False; Scale -> replicas=n;
#   Restart -> restart_at=at (or now); SetImage -> pod_template_hash of the new template;
#   Undo -> pod_template_hash of the target ReplicaSet's template (previous revision by default).
# Promote and PromoteFull also have a spec half: ``kubectl argo rollouts promote`` unpauses
# ``spec.paused``, so the world sets ``paused=False`` AND passes the command to the engine.
# :func:`canarysim.engine.commands.apply_spec_command` does the spec half for the verbs that
# need no world knowledge (PauseRollout, Resume, Scale, Restart, Promote, PromoteFull).


@dataclass(frozen=True)
class Promote:
    """``promote``: end the current pause, or skip the current step."""


@dataclass(frozen=True)
class PromoteFull:
    """``promote --full``: skip all remaining steps and analysis."""


@dataclass(frozen=True)
class Abort:
    """``abort``: ``status.abort=true``."""


@dataclass(frozen=True)
class Retry:
    """``retry``: ``status.abort=false``; the steps run again from 0."""


@dataclass(frozen=True)
class Restart:
    """``restart [--in D]``: ``spec.restartAt`` (world -> Plan.restart_at)."""

    at: float | None = None


@dataclass(frozen=True)
class PauseRollout:
    """``pause``: ``spec.paused=true`` (world -> Plan.paused)."""


@dataclass(frozen=True)
class Resume:
    """``spec.paused=false`` (world -> Plan.paused)."""


@dataclass(frozen=True)
class SetImage:
    """``set image``: a new pod template (world -> Plan.pod_template_hash)."""

    image: str
    container: str = ""


@dataclass(frozen=True)
class Scale:
    """``scale`` (``kubectl scale``): ``spec.replicas`` (world -> Plan.replicas)."""

    replicas: int


@dataclass(frozen=True)
class Undo:
    """``undo [--to-revision N]``: the template of that revision (default: the previous one)
    becomes ``spec.template`` (world -> Plan.pod_template_hash)."""

    to_revision: int | None = None


Command = (
    Promote
    | PromoteFull
    | Abort
    | Retry
    | Restart
    | PauseRollout
    | Resume
    | SetImage
    | Scale
    | Undo
)


@dataclass(frozen=True)
class Observation:
    """What one reconcile sees: ``now`` (simulated seconds), the rollout's ReplicaSets (any
    order), its AnalysisRuns and Experiments (all not yet deleted), and pending commands."""

    now: float
    replica_sets: tuple[ReplicaSetView, ...] = ()
    analysis_runs: tuple[AnalysisRunView, ...] = ()
    experiments: tuple[ExperimentView, ...] = ()
    commands: tuple[Command, ...] = ()
    canary_service_hash: str = ""
    """The ``rollouts-pod-template-hash`` the canary Service selects now ("" = none yet)."""
    stable_service_hash: str = ""
    """The ``rollouts-pod-template-hash`` the stable Service selects now ("" = none yet)."""
    destination_rule_hashes: tuple[str, ...] = ()
    """Hashes the Istio DestinationRule's subsets select now (subset-level routing)."""


# --------------------------------------------------------------------------------------------
# Actions: what the world must do, in list order
# --------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ScaleReplicaSet:
    """Set ``.spec.replicas`` (and the desired-replicas annotation to ``rollout_replicas``)."""

    hash: str
    replicas: int
    rollout_replicas: int


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
class SetServiceSelector:
    """Point the canary or stable Service (``rollouts-pod-template-hash`` selector) at a
    ReplicaSet (``reconcileStableAndCanaryService``)."""

    role: Literal["canary", "stable"]
    hash: str


@dataclass(frozen=True)
class UpdateTrafficHash:
    """Router ``UpdateHash``: with Istio DestinationRule subsets, the canary/stable subsets'
    ``rollouts-pod-template-hash`` labels."""

    canary_hash: str
    stable_hash: str


@dataclass(frozen=True)
class SetTrafficWeight:
    """Router ``SetWeight``: canary weight, stable weight (``max_weight - canary - extra``),
    and extra destinations (experiments). Integers summing to ``max_weight``."""

    canary: int
    stable: int
    additional: tuple[WeightDestination, ...] = ()


@dataclass(frozen=True)
class SetTrafficHeaderRoute:
    """Router ``SetHeaderRoute``: create/replace managed header route ``name`` (empty
    ``match`` removes it)."""

    name: str
    match: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class SetTrafficMirrorRoute:
    """Router ``SetMirrorRoute``: create/replace managed mirror route ``name`` (empty
    ``match`` removes it)."""

    name: str
    match: tuple[dict[str, Any], ...] = ()
    percentage: int | None = None


@dataclass(frozen=True)
class RemoveManagedRoutes:
    """Router ``RemoveManagedRoutes``: drop every managed header/mirror route."""


@dataclass(frozen=True)
class StartAnalysisRun:
    """Create and run an AnalysisRun (``kind`` Step or Background) for the ReplicaSet
    ``pod_template_hash``; ``name`` follows Argo (``<rollout>-<hash>-<revision>[-<step>]``)."""

    name: str
    kind: Literal["Step", "Background"]
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
)


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
    actions: tuple[Action, ...] = field(default_factory=tuple)
    requeue_after: float | None = None
