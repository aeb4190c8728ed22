"""Operator actions and faults of the scenario format: timed events, each ``{at, do, ...}``.

``do`` names the verb: the operator's are those of ``kubectl argo rollouts`` (``setImage``,
``promote``, ``promoteFull``, ``abort``, ``retry``, ``pause``, ``resume``, ``restart``,
``undo``, ``scale``), plus ``markPodsReady`` (a readiness-gate condition set on pods, as Argo's
end-to-end suite does); faults are ``killPod``, ``killNode`` and ``errorSpike``.
:func:`canarysim.declarations.plan.to_command` turns an operator action into the engine's command.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from canarysim.declarations.scenario.values import Duration, PositiveDuration, ScenarioModel

__all__ = [
    "Abort",
    "DeleteObject",
    "ErrorRate",
    "ErrorSpike",
    "Fault",
    "KillNode",
    "KillPod",
    "MarkPodsReady",
    "OperatorAction",
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
class _Action(ScenarioModel):
    at: Duration


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
    """``--in``: restart this long after the command (default: now)."""


class Undo(_Action):
    do: Literal["undo"]
    to_revision: Annotated[int, Field(ge=1, le=1_000_000)] | None = None


class ScaleAction(_Action):
    do: Literal["scale"]
    replicas: Count


class MarkPodsReady(_Action):
    """Set a readiness-gate condition True on ``count`` pods of a revision, as Argo's e2e
    suite's ``MarkPodsReady(revision, count)`` does: pods that do not carry the condition
    yet, in name order, polling every second until ``count`` have been marked (pods that do
    not exist yet are marked when they appear)."""

    do: Literal["markPodsReady"]
    revision: Annotated[int, Field(ge=1, le=1_000_000)]
    count: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    condition: str | None = None
    """The condition type; default: the template's first ``readinessGates`` entry."""


class DeleteObject(_Action):
    """``kubectl delete KIND NAME``: the object is gone from the cluster (for now only a
    PodDisruptionBudget: the evictions of ``restart`` stop waiting for it)."""

    do: Literal["delete"]
    kind: Literal["PodDisruptionBudget"]
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
    | MarkPodsReady
    | DeleteObject,
    Field(discriminator="do"),
]


# ------------------------------------------------------------------------------ faults
class KillPod(_Action):
    do: Literal["killPod"]
    target: str = "any"
    """``canary``, ``stable``, ``any`` or a pod name."""
    count: Annotated[int, Field(ge=1, le=1_000_000)] = 1


class KillNode(_Action):
    do: Literal["killNode"]
    node: str
    """A node name, ``node-1`` ... ``node-N``."""
    down_for: PositiveDuration | None = None
    """How long the node stays down (default: for good)."""


class ErrorSpike(_Action):
    do: Literal["errorSpike"]
    image: str | None = None
    """Image affected; default: every version."""
    error_rate: ErrorRate
    duration: PositiveDuration


Fault = Annotated[KillPod | KillNode | ErrorSpike, Field(discriminator="do")]
