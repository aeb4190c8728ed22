"""ReplicaSets as Argo Rollouts creates them and the Kubernetes ReplicaSet controller runs them.

Naming, labels and annotations follow Argo (``rollout/sync.go::newRSFromRollout``): name
``<rollout>-<hash>``, the ``rollouts-pod-template-hash`` label on the ReplicaSet, its selector
and its pod template, and the ``rollout.argoproj.io/revision`` annotation. Status follows the
Kubernetes controller (``pkg/controller/replicaset/replica_set_utils.go::calculateStatus``):
only *active* pods count, i.e. pods being deleted (``Terminating``) are excluded from
``replicas``, ``readyReplicas`` and ``availableReplicas`` the moment they are deleted (the
separate ``terminatingReplicas`` field of newer Kubernetes is reported as ``terminating``).
A pod is available once it has been Ready for ``minReadySeconds``
(``podutil.IsPodAvailable``).

Which pods go first when scaling down is :func:`deletion_order`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from canarysim.sim.pods import Pod

if TYPE_CHECKING:
    from canarysim.sim.cluster import Cluster

__all__ = [
    "DELETION_COST_ANNOTATION",
    "EPOCH",
    "REVISION_ANNOTATION",
    "SCALE_DOWN_DEADLINE_ANNOTATION",
    "ReplicaSet",
    "ReplicaSetStatus",
    "deletion_order",
    "format_timestamp",
    "parse_timestamp",
]

REVISION_ANNOTATION = "rollout.argoproj.io/revision"
SCALE_DOWN_DEADLINE_ANNOTATION = "scale-down-deadline"
DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"

#: The wall-clock instant of simulated time 0, for timestamp annotations such as
#: ``scale-down-deadline`` (Argo writes them as RFC 3339 with whole seconds).
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def format_timestamp(t: float) -> str:
    """RFC 3339 (whole seconds, truncated as Go's ``time.RFC3339`` does) of simulated time *t*.

    >>> format_timestamp(90.7)
    '2026-01-01T00:01:30Z'
    """
    return (EPOCH + timedelta(seconds=math.floor(t))).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(value: str | float) -> float:
    """Simulated seconds of an RFC 3339 timestamp (or of a number given as-is).

    >>> parse_timestamp("2026-01-01T00:01:30Z"), parse_timestamp("42.5")
    (90.0, 42.5)
    """
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except ValueError:
        pass
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (dt - EPOCH).total_seconds()


class ReplicaSetStatus(NamedTuple):
    """``status.replicas``, ``readyReplicas``, ``availableReplicas`` and terminating pods."""

    replicas: int
    ready: int
    available: int
    terminating: int


@dataclass(eq=False)
class ReplicaSet:
    """One ReplicaSet. Create it with :meth:`Cluster.create_replica_set`.

    ``replicas`` is ``spec.replicas``; change it with :meth:`scale_to` so the cluster
    creates or deletes pods at once (the ReplicaSet controller reacting to the update).
    """

    name: str
    namespace: str
    rollout: str
    hash: str
    template: dict[str, Any]
    labels: dict[str, str]
    selector: dict[str, str]
    annotations: dict[str, str]
    created: float
    min_ready_seconds: float = 0.0
    replicas: int = 0
    pods: list[Pod] = field(default_factory=list)
    deleted: bool = False
    cluster: Cluster | None = field(default=None, repr=False)

    # ---------------------------------------------------------------- reading
    @property
    def revision(self) -> int:
        """The ``rollout.argoproj.io/revision`` annotation (0 when unset)."""
        try:
            return int(self.annotations.get(REVISION_ANNOTATION, "0"))
        except ValueError:
            return 0

    @property
    def image(self) -> str:
        """The first container's image."""
        containers = (self.template.get("spec") or {}).get("containers") or []
        return str(containers[0].get("image", "")) if containers else ""

    @property
    def scale_down_at(self) -> float | None:
        """The ``scale-down-deadline`` annotation in simulated seconds, or None."""
        value = self.annotations.get(SCALE_DOWN_DEADLINE_ANNOTATION)
        return None if not value else parse_timestamp(value)

    def active_pods(self) -> list[Pod]:
        """Pods that count for this ReplicaSet (not Terminating, not gone)."""
        return [p for p in self.pods if p.active]

    @property
    def status(self) -> ReplicaSetStatus:
        active = self.active_pods()
        return ReplicaSetStatus(
            replicas=len(active),
            ready=sum(p.ready for p in active),
            available=sum(p.available for p in active),
            terminating=sum(1 for p in self.pods if p.terminating and not p.gone),
        )

    def snapshot(self) -> dict[str, Any]:
        """The fields of ``result.ReplicaSetSnapshot`` except ``role`` (the world knows it).

        ``current`` is ``status.replicas``; pods are listed oldest first, Terminating ones
        included (``kubectl argo rollouts get`` shows them until they are gone).
        """
        st = self.status
        pods = sorted((p for p in self.pods if not p.gone), key=lambda p: (p.created, p.name))
        return {
            "name": self.name,
            "hash": self.hash,
            "revision": self.revision,
            "image": self.image,
            "desired": self.replicas,
            "current": st.replicas,
            "ready": st.ready,
            "available": st.available,
            "created": self.created,
            "scale_down_at": self.scale_down_at,
            "pods": tuple(p.snapshot() for p in pods),
        }

    # ---------------------------------------------------------------- writing
    def _owner(self) -> Cluster:
        if self.cluster is None:
            raise RuntimeError(f"ReplicaSet {self.name} is not part of a cluster")
        return self.cluster

    def scale_to(self, n: int) -> None:
        """Set ``spec.replicas`` to *n*; pods are created or deleted right away."""
        self._owner().scale(self, n)

    def set_annotation(self, key: str, value: str | None) -> None:
        """Set (or with None remove) an annotation; a real change is logged and notified."""
        self._owner().annotate(self, key, value)

    def set_revision(self, revision: int) -> None:
        self.set_annotation(REVISION_ANNOTATION, str(int(revision)))

    def set_scale_down_deadline(self, t: float | None) -> None:
        """Write ``scale-down-deadline`` as Argo does (RFC 3339, whole seconds) or remove it."""
        self.set_annotation(
            SCALE_DOWN_DEADLINE_ANNOTATION, None if t is None else format_timestamp(t)
        )

    def set_min_ready_seconds(self, seconds: float) -> None:
        self._owner().set_min_ready_seconds(self, seconds)


# ------------------------------------------------------------------------- scale-down order

_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def _deletion_cost(pod: Pod) -> int:
    try:
        return int(pod.annotations.get(DELETION_COST_ANNOTATION, "0"))
    except ValueError:
        return 0


def _log_rank(t: float, now: float) -> int:
    """``controller_utils.go::logarithmicRankDiff``'s rank: floor(log2(age in ns)), -1 if none."""
    age_ns = (now - t) * 1e9
    return int(math.log2(age_ns)) if age_ns > 0 else -1


def deletion_order(pods: Sequence[Pod], related: Sequence[Pod], now: float) -> list[Pod]:
    """*pods* sorted so that the first ones are deleted first when a ReplicaSet shrinks.

    Kubernetes' rules (``pkg/controller/controller_utils.go::ActivePodsWithRanks.Less``, used
    by ``replica_set.go::getPodsToDelete``), each applied only when the earlier ones tie:

    1. a pod not yet bound to a node before a bound one;
    2. phase Pending before Unknown before Running (ContainerCreating is still Pending);
    3. not Ready before Ready;
    4. lower ``controller.kubernetes.io/pod-deletion-cost`` first;
    5. more active *related* pods (all pods of the owner's ReplicaSets) on the same node first;
    6. both Ready: Ready more recently first, compared on a log2 scale of the time since;
    7. more container restarts first;
    8. created more recently first, again on a log2 scale of the age.

    In 6 and 8 (``LogarithmicScaleDown``, on by default since Kubernetes 1.22) pods whose ages
    fall in the same power-of-two bucket are ordered by UID, a pseudo-random but here
    deterministic order. Kubernetes has no separate "not available" rule.
    """
    on_node: dict[str, int] = {}
    for p in related:
        if p.active and p.node is not None:
            on_node[p.node] = on_node.get(p.node, 0) + 1

    def rank(p: Pod) -> int:
        return on_node.get(p.node, 0) if p.node is not None else 0

    def compare(a: Pod, b: Pod) -> int:
        if (a.node is None) != (b.node is None):
            return -1 if a.node is None else 1
        pa, pb = _PHASE_ORDINAL.get(a.phase, 2), _PHASE_ORDINAL.get(b.phase, 2)
        if pa != pb:
            return -1 if pa < pb else 1
        if a.ready != b.ready:
            return -1 if not a.ready else 1
        ca, cb = _deletion_cost(a), _deletion_cost(b)
        if ca != cb:
            return -1 if ca < cb else 1
        ra, rb = rank(a), rank(b)
        if ra != rb:
            return -1 if ra > rb else 1
        if a.ready and b.ready and a.ready_since != b.ready_since:
            assert a.ready_since is not None and b.ready_since is not None
            diff = _log_rank(a.ready_since, now) - _log_rank(b.ready_since, now)
            if diff == 0:
                return -1 if a.uid < b.uid else 1
            return -1 if diff < 0 else 1
        if a.restarts != b.restarts:
            return -1 if a.restarts > b.restarts else 1
        if a.created != b.created:
            diff = _log_rank(a.created, now) - _log_rank(b.created, now)
            if diff == 0:
                return -1 if a.uid < b.uid else 1
            return -1 if diff < 0 else 1
        return 0

    return sorted(sorted(pods, key=lambda p: p.name), key=functools.cmp_to_key(compare))
