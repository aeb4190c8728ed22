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

Which pods go first when scaling down is
:func:`~canarysim.sim.cluster.pods.deletion.deletion_order` (re-exported here).
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from canarysim.errors import SimulationError
from canarysim.sim.cluster.metadata import without_ephemeral_metadata
from canarysim.sim.cluster.podgroup import PodGroup
from canarysim.sim.cluster.pods.deletion import DELETION_COST_ANNOTATION, deletion_order
from canarysim.sim.cluster.pods.pod import Pod
from canarysim.sim.cluster.templatehash import (
    POD_TEMPLATE_HASH_LABEL,
    pod_template_hash,
    templates_equal_ignoring_hash,
)


class ReplicaSetOwner(Protocol):
    """What a ReplicaSet asks of the cluster that owns it (the ReplicaSet controller):
    :class:`~canarysim.sim.cluster.cluster.Cluster` is one. Writes go through the owner so it
    can create or delete pods, log the change and wake the informers."""

    def scale(self, rs: ReplicaSet, replicas: int, rollout_replicas: int | None = None) -> None:
        """``spec.replicas := replicas``; pods are created or deleted at once."""

    def annotate(self, rs: ReplicaSet, key: str, value: str | None) -> None:
        """Set (or with None remove) an annotation."""

    def set_min_ready_seconds(self, rs: ReplicaSet, seconds: float) -> None:
        """Copy ``spec.minReadySeconds`` to the ReplicaSet and recompute availability."""


__all__ = [
    "DELETION_COST_ANNOTATION",
    "DESIRED_REPLICAS_ANNOTATION",
    "EPOCH",
    "REVISION_ANNOTATION",
    "SCALE_DOWN_DEADLINE_ANNOTATION",
    "ReplicaSet",
    "ReplicaSetOwner",
    "ReplicaSetStatus",
    "ReplicaSets",
    "deletion_order",
    "format_timestamp",
    "new_replica_set",
    "parse_timestamp",
]

REVISION_ANNOTATION = "rollout.argoproj.io/revision"
DESIRED_REPLICAS_ANNOTATION = "rollout.argoproj.io/desired-replicas"
SCALE_DOWN_DEADLINE_ANNOTATION = "scale-down-deadline"

#: The wall-clock instant of simulated time 0, for timestamp annotations such as
#: ``scale-down-deadline`` (Argo writes them as RFC 3339 with whole seconds).
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def format_timestamp(t: float) -> str:
    """RFC 3339 (whole seconds, truncated as Go's ``time.RFC3339`` does) of simulated time *t*.

    >>> format_timestamp(90.7)
    '2026-01-01T00:01:30Z'
    """
    return _format_seconds(math.floor(t))


@functools.lru_cache(maxsize=256)
def _format_seconds(seconds: int) -> str:
    """:func:`format_timestamp` of whole seconds (pure; the same deadline is written often)."""
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(value: str | float) -> float:
    """Simulated seconds of an RFC 3339 timestamp (or of a number given as-is).

    >>> parse_timestamp("2026-01-01T00:01:30Z"), parse_timestamp("42.5")
    (90.0, 42.5)
    """
    if isinstance(value, int | float):
        return float(value)
    return _parse_text(value)


@functools.lru_cache(maxsize=256)
def _parse_text(value: str) -> float:
    """:func:`parse_timestamp` of a string (pure; the same annotation is read often)."""
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
    members: dict[Pod, None] = field(default_factory=dict, repr=False)
    """Its pods not gone yet, in creation order (a dict: a pod leaves in O(1))."""
    deleted: bool = False
    cluster: ReplicaSetOwner | None = field(default=None, repr=False)
    group: PodGroup = field(default_factory=PodGroup, repr=False)
    """Running counts and ordered snapshots of :attr:`pods` (see :meth:`add_pod`)."""
    viewed: tuple[Any, Any] | None = field(default=None, init=False, repr=False)
    shown: tuple[Any, Any] | None = field(default=None, init=False, repr=False)
    """Its last engine view and Result snapshot, each with what it was built from
    (:mod:`~canarysim.sim.cluster.views`)."""
    imaged: tuple[dict[str, Any], str] | None = field(default=None, init=False, repr=False)
    """The template :attr:`image` was last read from, and the image."""

    def add_pod(self, pod: Pod) -> None:
        """A new pod of this ReplicaSet (the only way pods join :attr:`pods`)."""
        self.members[pod] = None
        self.group.add(pod)

    def remove_pod(self, pod: Pod) -> None:
        """*pod* is gone from the API."""
        self.members.pop(pod, None)

    @property
    def pods(self) -> list[Pod]:
        """Its pods not gone yet (Terminating ones included), in creation order."""
        return list(self.members)

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
        """The first container's image. Read once per template object: the traffic asks on
        every routing change, and a template is never rewritten in place (ephemeral
        metadata replaces it, see ``Pod.ports``)."""
        template = self.template
        known = self.imaged
        if known is not None and known[0] is template:
            return known[1]
        containers = (template.get("spec") or {}).get("containers") or []
        image = str(containers[0].get("image", "")) if containers else ""
        self.imaged = (template, image)
        return image

    @property
    def scale_down_at(self) -> float | None:
        """The ``scale-down-deadline`` annotation in simulated seconds, or None."""
        value = self.annotations.get(SCALE_DOWN_DEADLINE_ANNOTATION)
        return None if not value else parse_timestamp(value)

    @property
    def rollout_replicas(self) -> int | None:
        """The ``rollout.argoproj.io/desired-replicas`` annotation, or None."""
        value = self.annotations.get(DESIRED_REPLICAS_ANNOTATION)
        try:
            return None if value is None else int(value)
        except ValueError:
            return None

    def active_pods(self) -> list[Pod]:
        """Pods that count for this ReplicaSet (not Terminating, not gone)."""
        return [p for p in self.members if not p.gone and p.deleted_at is None]

    def counts_available(self, pod: Pod, now: float) -> bool:
        """``podutil.IsPodAvailable``: Ready, and the Ready condition's transition time (kept
        in whole seconds by the API) plus ``minReadySeconds`` lies strictly before *now*."""
        if not pod.ready:
            return False
        if self.min_ready_seconds <= 0:
            return True
        assert pod.ready_since is not None
        return math.floor(pod.ready_since) + self.min_ready_seconds < now

    @property
    def status(self) -> ReplicaSetStatus:
        """Counts over the pods that are not gone: active ones (replicas, of which ready and
        available) and Terminating ones; kept current by :attr:`group`, since this runs on
        every pod change."""
        g = self.group
        return ReplicaSetStatus(g.replicas, g.ready, g.available, g.terminating)

    def view(self) -> dict[str, Any]:
        """The fields of ``engine.model.ReplicaSetView`` (``ReplicaSetView(**rs.view())``)."""
        st = self.status
        return {
            "hash": self.hash,
            "revision": self.revision,
            "replicas": self.replicas,
            "status_replicas": st.replicas,
            "ready": st.ready,
            "available": st.available,
            "scale_down_deadline": self.scale_down_at,
            "rollout_replicas": self.rollout_replicas,
            "created": self.created,
            "pod_created": self.group.active_created(),
        }

    def snapshot(self, *, pod_snapshots: bool = False) -> dict[str, Any]:
        """The fields of ``result.ReplicaSetSnapshot`` except ``role`` (the world knows it).

        ``current`` is ``status.replicas``; pods are listed as ``kubectl argo rollouts get``
        lists them (``info/pod_info.go::addPodInfos``: by creation timestamp, which has whole
        seconds, then name), Terminating ones included until they are gone: as ``Pod.snapshot``
        dicts, or with ``pod_snapshots`` as the Result's ``PodSnapshot`` objects (kept
        between calls, so a snapshot costs nothing per unchanged pod).
        """
        st = self.status
        pods: tuple[Any, ...] = (
            self.group.snapshots()
            if pod_snapshots
            else tuple(p.snapshot() for p in self.group.pods())
        )
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
            "pods": pods,
        }

    # ---------------------------------------------------------------- writing
    def _owner(self) -> ReplicaSetOwner:
        if self.cluster is None:
            raise RuntimeError(f"ReplicaSet {self.name} is not part of a cluster")
        return self.cluster

    def scale_to(self, n: int, rollout_replicas: int | None = None) -> None:
        """Set ``spec.replicas`` to *n*; pods are created or deleted right away.
        *rollout_replicas* (if given) goes into the ``desired-replicas`` annotation."""
        self._owner().scale(self, n, rollout_replicas)

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


class ReplicaSets(dict[str, ReplicaSet]):
    """The cluster's ReplicaSets by name, with the look-ups the controller needs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = 0
        """Bumped when a ReplicaSet is added or removed, and by ``Cluster.annotate`` (the
        revision annotation orders :meth:`of`): the ReplicaSets' names, owners and revisions
        are as they were while it stands."""
        #: rollout -> (the version it was worked out at, its ReplicaSets in :meth:`of` order)
        self._order: dict[str, tuple[int, list[ReplicaSet]]] = {}

    def __setitem__(self, name: str, rs: ReplicaSet) -> None:
        super().__setitem__(name, rs)
        self.version += 1

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name)
        self.version += 1

    def of(self, rollout: str) -> list[ReplicaSet]:
        """The rollout's ReplicaSets, newest revision first (then by name). Worked out again
        only when a ReplicaSet came or went or an annotation was written (the controller and
        the recording ask on every reconcile and every recorded instant)."""
        seen = self._order.get(rollout)
        if seen is not None and seen[0] == self.version:
            return list(seen[1])
        rss = [rs for rs in self.values() if rs.rollout == rollout]
        if len(rss) >= 2:
            rss.sort(key=_newest_first)
        self._order[rollout] = (self.version, rss)
        return list(rss)

    def find(self, rollout: str, template: Mapping[str, Any]) -> ReplicaSet | None:
        """The rollout's ReplicaSet whose template equals *template* apart from the hash
        label (Argo's ``FindNewReplicaSet``; going back to a template reuses its RS)."""
        for rs in self.values():
            if rs.rollout == rollout and templates_equal_ignoring_hash(
                without_ephemeral_metadata(rs.template, rs.annotations), template
            ):
                return rs
        return None

    def lookup(self, name_or_hash: str, rollout: str | None = None) -> ReplicaSet:
        """A ReplicaSet by name, or by hash (within *rollout* if given)."""
        rs = self.get(name_or_hash)
        if rs is not None:
            return rs
        for rs in self.values():
            if rs.hash == name_or_hash and (rollout is None or rs.rollout == rollout):
                return rs
        raise SimulationError(f"no ReplicaSet {name_or_hash!r}")


def _newest_first(rs: ReplicaSet) -> tuple[int, str]:
    return -rs.revision, rs.name


def new_replica_set(
    rollout: str,
    template: Mapping[str, Any],
    *,
    namespace: str,
    revision: int,
    created: float,
    min_ready_seconds: float = 0.0,
    selector: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    collision_count: int | None = None,
    pod_hash: str | None = None,
    name: str | None = None,
    hash_label: str = POD_TEMPLATE_HASH_LABEL,
) -> ReplicaSet:
    """A ReplicaSet for *template* as Argo builds it (``newRSFromRollout``), with 0 replicas.
    A Deployment's own ReplicaSet (a Rollout's workloadRef) passes its *name* and
    ``pod-template-hash`` as *hash_label*; its owner goes in *rollout* (``Deployment/<name>``).

    The hash (*pod_hash*, or computed by :func:`pod_template_hash`) goes into the
    ReplicaSet's name and labels, its selector (*selector*, by default the template's labels)
    and its pod template; *revision* into its revision annotation.
    """
    h = pod_hash or pod_template_hash(template, collision_count)
    tpl = copy.deepcopy(dict(template))
    meta = tpl.setdefault("metadata", {})
    meta["labels"] = {**(meta.get("labels") or {}), hash_label: h}
    if selector is None:
        selector = (template.get("metadata") or {}).get("labels") or {}
    return ReplicaSet(
        name=name or f"{rollout}-{h}",
        namespace=namespace,
        rollout=rollout,
        hash=h,
        template=tpl,
        labels=dict(meta["labels"]),
        selector={**selector, hash_label: h},
        annotations={**(annotations or {}), REVISION_ANNOTATION: str(int(revision))},
        created=created,
        min_ready_seconds=float(min_ready_seconds),
    )
