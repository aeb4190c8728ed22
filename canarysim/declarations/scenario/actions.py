"""Operator actions and faults of the scenario format: events, each ``{at, do, ...}``.

``do`` names the verb: the operator's are those of ``kubectl argo rollouts`` (``setImage``,
``promote``, ``promoteFull``, ``abort``, ``retry``, ``pause``, ``resume``, ``restart``,
``undo``, ``scale``), plus ``markPodsReady`` (a readiness-gate condition set on pods, as Argo's
end-to-end suite does), ``kubectl patch`` (``patch``), ``kubectl apply`` (``apply``) and
``kubectl delete`` (``delete``); faults are ``killPod``, ``killNode``
and ``errorSpike``. An operator action happens ``at`` a time or ``when`` a condition holds
(:mod:`.conditions`), then ``after`` a delay, once (or every time the condition becomes true
again with ``repeat: true``); ``markPodsReady`` and faults only ``at`` a time.
:func:`canarysim.declarations.plan.to_command` turns an operator action into the engine's command.
"""

from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from canarysim.declarations.scenario.conditions import When
from canarysim.declarations.scenario.values import Duration, PositiveDuration, ScenarioModel

__all__ = [
    "Abort",
    "ApplyObject",
    "DeleteObject",
    "ErrorRate",
    "ErrorSpike",
    "Fault",
    "KillNode",
    "KillPod",
    "MarkPodsReady",
    "OperatorAction",
    "PatchAction",
    "PauseAction",
    "Promote",
    "PromoteFull",
    "Restart",
    "Resume",
    "Retry",
    "ScaleAction",
    "SetImage",
    "Undo",
]

Count = Annotated[int, Field(ge=0, le=1_000_000)]
ErrorRate = Annotated[float, Field(ge=0.0, le=1.0)]


# ------------------------------------------------------------------------------ operator
class _Timed(ScenarioModel):
    at: Duration


class _Action(ScenarioModel):
    at: Duration | None = None
    """When the command is typed; or instead ``when``."""
    when: When | None = None
    after: Duration | None = None
    """With ``when``: how long after the condition holds (``restart``: its ``--in``)."""
    repeat: bool = False
    """With ``when``: fire every time the condition becomes true again, not only the first."""

    @model_validator(mode="after")
    def _at_or_when(self) -> "_Action":
        if (self.at is None) == (self.when is None):
            raise ValueError("exactly one of at (a time) or when (a condition)")
        if self.when is None and self.repeat:
            raise ValueError("repeat only with when (a condition)")
        if self.when is None and self.after is not None and self.do != "restart":
            raise ValueError("after only with when (a condition)")
        return self

    do: str


class SetImage(_Action):
    """``kubectl argo rollouts set image ROLLOUT container=image``."""

    do: Literal["setImage"]
    container: str = ""
    """Container name; empty: the first container (``*`` in kubectl means all)."""
    image: str


class Promote(_Action):
    do: Literal["promote"]
    full: bool = False


class PromoteFull(_Action):
    do: Literal["promoteFull"]


class Abort(_Action):
    do: Literal["abort"]


class Retry(_Action):
    do: Literal["retry"]


class PauseAction(_Action):
    do: Literal["pause"]


class Resume(_Action):
    do: Literal["resume"]


class Restart(_Action):
    do: Literal["restart"]
    after: Duration | None = None
    """``--in``: restart this long after the command (default: now); with ``when``, this long
    after the condition holds."""


class Undo(_Action):
    do: Literal["undo"]
    to_revision: Annotated[int, Field(ge=1, le=1_000_000)] | None = None


class ScaleAction(_Action):
    do: Literal["scale"]
    replicas: Count


class PatchAction(_Action):
    """``kubectl patch rollout ROLLOUT --type TYPE -p PATCH``: any change of the Rollout's
    spec (a changed ``spec.template`` is a new revision, as on a cluster). See
    :mod:`canarysim.declarations.patch`. ``kind: Deployment`` with ``name``: ``kubectl patch
    deployment NAME`` instead (a workloadRef's Deployment: a changed template is a new
    revision of the Rollout that references it)."""

    do: Literal["patch"]
    type: Literal["merge", "json", "strategic"] = "merge"
    patch: dict[str, Any] | list[Any]
    kind: Literal["Rollout", "Deployment"] = "Rollout"
    name: str | None = None

    @model_validator(mode="after")
    def _named(self) -> "PatchAction":
        if self.kind == "Deployment" and not self.name:
            raise ValueError("a patch of kind Deployment names it (name: the Deployment)")
        return self


class MarkPodsReady(_Timed):
    """Set a readiness-gate condition True on ``count`` pods of a revision, as Argo's e2e
    suite's ``MarkPodsReady(revision, count)`` does: pods that do not carry the condition
    yet, in name order, polling every second until ``count`` have been marked (pods that do
    not exist yet are marked when they appear)."""

    do: Literal["markPodsReady"]
    revision: Annotated[int, Field(ge=1, le=1_000_000)]
    count: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    condition: str | None = None
    """The condition type; default: the template's first ``readinessGates`` entry."""


class ApplyObject(_Action):
    """``kubectl apply -f FILE``: the objects of ``manifest`` (one, inline) or ``file`` (a
    manifest file relative to the scenario) are created, or replace their namesakes. Kinds:
    Rollout (the simulated one: an edit, applied as ``kubectl apply``'s patch from the last
    applied manifest), AnalysisTemplate, ClusterAnalysisTemplate, Service,
    PodDisruptionBudget, Secret, Deployment, VirtualService, DestinationRule, Ingress (see
    :mod:`canarysim.declarations.apply`)."""

    do: Literal["apply"]
    manifest: dict[str, Any] | None = None
    file: str | None = None
    #: The typed objects, set by the scenario loader (which reads ``file``).
    _objects: list[Any] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _one_source(self) -> "ApplyObject":
        if (self.manifest is None) == (self.file is None):
            raise ValueError("exactly one of manifest (an object) or file (a manifest file)")
        return self

    @property
    def objects(self) -> list[Any]:
        return list(self._objects)


class DeleteObject(_Action):
    """``kubectl delete KIND NAME``: the object is gone from the cluster. A
    PodDisruptionBudget stops guarding evictions; a Service stops serving (its traffic finds
    no endpoint) and a Rollout that references it is invalid at its next reconcile; an
    AnalysisTemplate cannot start new runs (the Rollout that references it is invalid at its
    next reconcile; runs already started keep their copy of the metrics); a Secret is no
    longer there for arguments to read; a Deployment's pods go, and a Rollout whose
    workloadRef names it is invalid at its next reconcile (nothing wakes it: Argo's informer
    leaves the Rollout unchanged)."""

    do: Literal["delete"]
    kind: Literal[
        "PodDisruptionBudget",
        "Service",
        "AnalysisTemplate",
        "ClusterAnalysisTemplate",
        "Secret",
        "Deployment",
    ]
    name: str


OperatorAction = Annotated[
    SetImage
    | Promote
    | PromoteFull
    | Abort
    | Retry
    | PauseAction
    | Resume
    | Restart
    | Undo
    | ScaleAction
    | PatchAction
    | MarkPodsReady
    | ApplyObject
    | DeleteObject,
    Field(discriminator="do"),
]


# ------------------------------------------------------------------------------ faults
class KillPod(_Timed):
    do: Literal["killPod"]
    target: str = "any"
    """``canary``, ``stable``, ``any`` or a pod name."""
    count: Annotated[int, Field(ge=1, le=1_000_000)] = 1


class KillNode(_Timed):
    do: Literal["killNode"]
    node: str
    """A node name, ``node-1`` ... ``node-N``."""
    down_for: PositiveDuration | None = None
    """How long the node stays down (default: for good)."""


class ErrorSpike(_Timed):
    do: Literal["errorSpike"]
    image: str | None = None
    """Image affected; default: every version."""
    error_rate: ErrorRate
    duration: PositiveDuration


Fault = Annotated[KillPod | KillNode | ErrorSpike, Field(discriminator="do")]
