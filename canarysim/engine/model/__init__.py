"""The step engine's vocabulary: what it is told, what it remembers, what it decides.

``decide(plan, status, observation) -> Decision`` (in :mod:`canarysim.engine.rollout.canary`) is one
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

# The vocabulary lives in one module per idea; this module is the front that keeps every
# ``from canarysim.engine.model import X`` working.
from canarysim.engine.model.actions import (
    Action,
    AnnotateReplicaSet,
    CreateReplicaSet,
    Decision,
    DeleteReplicaSet,
    EmitEvent,
    EvictPods,
    RemoveManagedRoutes,
    ScaleReplicaSet,
    SetReplicaSetRevision,
    SetServiceSelector,
    SetTrafficHeaderRoute,
    SetTrafficMirrorRoute,
    SetTrafficWeight,
    StartAnalysisRun,
    StartExperiment,
    SyncEphemeralMetadata,
    TerminateAnalysisRun,
    TerminateExperiment,
    UpdateTrafficHash,
)
from canarysim.engine.model.observation import (
    Abort,
    AlbView,
    AnalysisRunView,
    Command,
    DisruptionBudgetView,
    ExperimentView,
    LoadBalancerView,
    Observation,
    PauseRollout,
    Promote,
    PromoteFull,
    ReplicaSetView,
    Restart,
    Resume,
    Retry,
    RunKind,
    RunPhase,
    Scale,
    SetImage,
    TargetGroupView,
    Undo,
)
from canarysim.engine.model.plan import (
    Analysis,
    BackgroundAnalysis,
    BlueGreen,
    CompoundStep,
    Experiment,
    Pause,
    Plan,
    PodMetadata,
    PromotionAnalysis,
    SetCanaryScale,
    SetHeaderRoute,
    SetMirrorRoute,
    SetWeight,
    SingleStep,
    Step,
    step_part,
    step_parts,
    steps_hash,
)
from canarysim.engine.model.rollout_status import (
    AlbStatus,
    AwsResourceRef,
    BlueGreenStatus,
    Condition,
    ConditionStatus,
    PauseCondition,
    Phase,
    RolloutStatus,
    RunStatus,
    TrafficWeights,
    WeightDestination,
)

__all__ = [
    "Abort",
    "Action",
    "AlbStatus",
    "AlbView",
    "Analysis",
    "AnalysisRunView",
    "AnnotateReplicaSet",
    "AwsResourceRef",
    "BackgroundAnalysis",
    "BlueGreen",
    "BlueGreenStatus",
    "Command",
    "CompoundStep",
    "Condition",
    "ConditionStatus",
    "CreateReplicaSet",
    "Decision",
    "DeleteReplicaSet",
    "DisruptionBudgetView",
    "EmitEvent",
    "EvictPods",
    "Experiment",
    "ExperimentView",
    "LoadBalancerView",
    "Observation",
    "Pause",
    "PauseCondition",
    "PauseRollout",
    "Phase",
    "Plan",
    "PodMetadata",
    "Promote",
    "PromoteFull",
    "PromotionAnalysis",
    "RemoveManagedRoutes",
    "ReplicaSetView",
    "Restart",
    "Resume",
    "Retry",
    "RolloutStatus",
    "RunKind",
    "RunPhase",
    "RunStatus",
    "Scale",
    "ScaleReplicaSet",
    "SetCanaryScale",
    "SetHeaderRoute",
    "SetImage",
    "SetMirrorRoute",
    "SetReplicaSetRevision",
    "SetServiceSelector",
    "SetTrafficHeaderRoute",
    "SetTrafficMirrorRoute",
    "SetTrafficWeight",
    "SetWeight",
    "SingleStep",
    "StartAnalysisRun",
    "StartExperiment",
    "Step",
    "SyncEphemeralMetadata",
    "TargetGroupView",
    "TerminateAnalysisRun",
    "TerminateExperiment",
    "TrafficWeights",
    "Undo",
    "UpdateTrafficHash",
    "WeightDestination",
    "step_part",
    "step_parts",
    "steps_hash",
]
