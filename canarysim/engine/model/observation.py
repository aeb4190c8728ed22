"""What one reconcile is told: the cluster as the controller sees it, and user commands.

:class:`Observation` holds the rollout's ReplicaSets, AnalysisRuns and Experiments as views, the
Services' and DestinationRule's current selectors, and the user commands (:data:`Command`) not
yet applied. Re-exported by :mod:`canarysim.engine.model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from canarysim.engine.model.fastinit import fast_frozen_init
from canarysim.engine.model.rollout_status import WeightDestination


@fast_frozen_init
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


@fast_frozen_init
@dataclass(frozen=True)
class DisruptionBudgetView:
    """A PodDisruptionBudget that selects pods of the rollout: ``allowed`` is its
    ``status.disruptionsAllowed`` now, ``hashes`` the ReplicaSets whose pods it selects."""

    name: str
    allowed: int
    hashes: tuple[str, ...] = ()


RunPhase = Literal["Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"]
RunKind = Literal["Step", "Background", "PrePromotion", "PostPromotion"]
"""Argo's ``rollout-type`` label of an AnalysisRun."""


@fast_frozen_init
@dataclass(frozen=True)
class AnalysisRunView:
    """An AnalysisRun the world is executing (or has finished) for this rollout.
    ``kind`` is Argo's ``rollout-type`` label; ``step_index`` is set for step runs."""

    name: str
    kind: RunKind
    pod_template_hash: str
    phase: RunPhase = "Pending"
    message: str = ""
    step_index: int | None = None
    terminated: bool = False


@fast_frozen_init
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
# :func:`canarysim.engine.rollout.commands.apply_spec_command` does the spec half for the verbs that
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
class TargetGroupView:
    """One AWS target group of a load balancer as ``DescribeTargetGroups``/``DescribeRules``
    report it: the Service it was made for (its ``ingress.k8s.aws/resource`` tag names
    ``namespace/ingress-service:port``), its ARN and name, its weight in the listener rule's
    forward action (None: in no weighted forward)."""

    resource_id: str
    arn: str
    name: str
    weight: int | None = None


@dataclass(frozen=True)
class LoadBalancerView:
    """The ALB behind one Ingress (``status.loadBalancer.ingress[].hostname``), as
    ``VerifyWeight`` finds it: "" hostname while none is allocated yet."""

    ingress: str
    hostname: str = ""
    name: str = ""
    arn: str = ""
    target_groups: tuple[TargetGroupView, ...] = ()


@dataclass(frozen=True)
class AlbView:
    """What ``VerifyWeight`` reads: the Rollout's namespace and ``alb.servicePort`` (target
    groups are tagged ``namespace/ingress-service:port``) and the load balancer of each ALB
    Ingress of the Rollout, in ``ingresses`` order."""

    namespace: str
    service_port: int
    load_balancers: tuple[LoadBalancerView, ...] = ()


@dataclass(frozen=True)
class TargetGroupBindingView:
    """A ``TargetGroupBinding`` (``elbv2.k8s.aws``) of the Rollout's namespace and what AWS
    reports for its target group: ``DescribeTargetHealth``'s registered targets as
    ``(id, port)`` (the pod IP and port for ``targetType: ip``). ``target_type`` is "" when
    unset; ``port`` is ``spec.serviceRef.port`` (a number or a port name)."""

    name: str
    target_group_arn: str
    service_name: str
    port: int | str
    target_type: str = ""
    registered: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ServicePortView:
    """One entry of a Service's ``spec.ports``."""

    port: int
    name: str = ""
    target_port: int | str = 0


@dataclass(frozen=True)
class EndpointsView:
    """The Endpoints of a Service whose selector picks ``pod_hash``: the ready pods' IPs
    (``subsets[].addresses``) and the subset's ports as ``(Service port name, number)``."""

    pod_hash: str
    addresses: tuple[str, ...] = ()
    ports: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ServiceTargetsView:
    """A Service a target group may bind: its ports, and its Endpoints for each pod hash of
    the Rollout its selector could pick (Argo switches selectors, then reads the Endpoints)."""

    name: str
    ports: tuple[ServicePortView, ...] = ()
    endpoints: tuple[EndpointsView, ...] = ()

    def endpoints_for(self, pod_hash: str) -> EndpointsView:
        found = next((e for e in self.endpoints if e.pod_hash == pod_hash), None)
        return found if found is not None else EndpointsView(pod_hash)


@dataclass(frozen=True)
class TargetGroupsView:
    """What ``awsVerifyTargetGroups`` reads (rollout/service.go): the namespace's
    TargetGroupBindings with their registered targets, and the Services they may bind."""

    bindings: tuple[TargetGroupBindingView, ...] = ()
    services: tuple[ServiceTargetsView, ...] = ()

    def service(self, name: str) -> ServiceTargetsView | None:
        return next((s for s in self.services if s.name == name), None)


@fast_frozen_init
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
    active_service_hash: str = ""
    """Blue-green: the ``rollouts-pod-template-hash`` the active Service selects now."""
    preview_service_hash: str = ""
    """Blue-green: the ``rollouts-pod-template-hash`` the preview Service selects now."""
    ping_service_hash: str = ""
    """The hash the pingPong ping Service selects now ("" = none)."""
    pong_service_hash: str = ""
    """The hash the pingPong pong Service selects now ("" = none)."""
    disruption_budgets: tuple[DisruptionBudgetView, ...] = ()
    """The PodDisruptionBudgets selecting the rollout's pods (evictions must respect them)."""
    alb: AlbView | None = None
    """ALB weight verification (the controller's ``--alb-verify-weight``) and what AWS
    reports now. None: verification is off (the default), ``VerifyWeight`` returns nil."""
    target_groups: TargetGroupsView | None = None
    """Target-group verification (``--aws-verify-target-group``, the same flag as
    ``--alb-verify-weight``) and what AWS reports now. None: the flag is off."""
