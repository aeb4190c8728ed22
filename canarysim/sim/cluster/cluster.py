"""The simulated cluster: nodes, ReplicaSets and their pods, Services, faults.

Pods move through KWOK-like stages with durations drawn from the ``pods`` stream
(:mod:`.pods`, with the kubelet's probe and back-off rules in :mod:`.kubelet`); nodes hold
image caches and take pods least-loaded first (:mod:`.nodes`);
ReplicaSets count pods as the Kubernetes controller does (:mod:`.replicasets`); Services
select Ready pods (:mod:`.services`). The cluster plays the ReplicaSet controller: pods are
created or deleted the moment ``spec.replicas`` or the set of active pods changes, and the
status is recomputed on every change of one of its pods.

Two events let processes wait for change, the way informers wake controllers:

* :attr:`Cluster.changed` fires on what Argo's informers see: a ReplicaSet created, deleted,
  rescaled, re-annotated or with a new status (replicas / ready / available / terminating),
  a Service selector change, a node lost or restored. Endpoint sets only change together
  with one of these, so the router can reload on it too.
* :attr:`Cluster.pods_changed` fires on every change, pod stages included.

Both are re-armed after firing (:mod:`.changes`): wait on ``env.timeout(t) | cluster.changed``.
A change made while nobody waits (the controller's own writes) wakes no one; compare
``len(cluster.log)`` around a reconcile to see them. Every change is also appended to
:attr:`Cluster.log` and passed to the listeners given to :meth:`subscribe`; Kubernetes-style
events (``Scheduled``, ``Pulling``, ``BackOff``, ``SuccessfulCreate`` ...) go to
:attr:`Cluster.events`.

What happens to single pods (lifecycle hooks, availability, deletion, faults) is the base class
:class:`~canarysim.sim.cluster.pod_control.ClusterPods`; this module adds ReplicaSets, Services and
change notification.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import simpy

from canarysim.errors import SimulationError
from canarysim.sim.cluster.changes import Change, ChangeFeed
from canarysim.sim.cluster.disruption import DisruptionBudgets
from canarysim.sim.cluster.metadata import (
    EPHEMERAL_METADATA_ANNOTATION,
    PodMetadata,
    ephemeral_annotation,
    existing_ephemeral_metadata,
    sync_pod_metadata,
)
from canarysim.sim.cluster.nodes import Nodes
from canarysim.sim.cluster.pod_control import AVAILABILITY_RECHECK, ClusterPods
from canarysim.sim.cluster.pods.behaviour import PodBehaviour
from canarysim.sim.cluster.pods.pod import Pod
from canarysim.sim.cluster.replicasets import (
    DESIRED_REPLICAS_ANNOTATION,
    ReplicaSet,
    ReplicaSets,
    ReplicaSetStatus,
    deletion_order,
    new_replica_set,
)
from canarysim.sim.cluster.services import Service, Services
from canarysim.sim.stochastic.rng import Streams

__all__ = ["AVAILABILITY_RECHECK", "Change", "Cluster"]  # Change re-exported from .changes


class Cluster(ClusterPods):
    """The cluster of one simulation run.

    *behaviour_for* maps a container image to its :class:`PodBehaviour` (the world builds it
    from the scenario); the default makes every stage instant.
    """

    def __init__(
        self,
        env: simpy.Environment,
        streams: Streams,
        behaviour_for: Callable[[str], PodBehaviour] | None = None,
        *,
        nodes: int = 3,
        max_pods_per_node: int | None = None,
        namespace: str = "default",
    ) -> None:
        self.env = env
        self.streams = streams
        self.namespace = namespace
        self._behaviour_for = behaviour_for or (lambda image: PodBehaviour())
        self.feed = ChangeFeed(env)
        self._record = self.feed.record
        self._event = self.feed.event
        self.nodes = Nodes(env, nodes, max_pods_per_node, self._event)
        self.replica_sets = ReplicaSets()
        self.pods: dict[str, Pod] = {}
        self.services = Services(self.feed, lambda: self.pods.values(), self._ready_groups)
        self.budgets = DisruptionBudgets()
        """PodDisruptionBudgets, which the eviction API honours."""
        self._rs_status: dict[str, ReplicaSetStatus] = {}
        # per ReplicaSet: Ready pods not yet counted available (the only ones to re-check)
        self._awaiting: dict[str, dict[str, Pod]] = {}
        self._deadlines: dict[str, list[tuple[float, int, Pod]]] = {}
        self._await_order = 0
        #: :meth:`ready_by_hash`'s answers, with the length of the log they hold for
        self._counted: tuple[int, dict[Any, dict[str, int]]] = (-1, {})

    # ================================================================ change notification
    @property
    def changed(self) -> simpy.Event:
        """Fires at the next informer-visible change (see module doc); then re-armed."""
        return self.feed.changed

    @property
    def pods_changed(self) -> simpy.Event:
        """Fires at the next change of any kind, pod stages included; then re-armed."""
        return self.feed.pods_changed

    @property
    def log(self) -> list[Change]:
        return self.feed.log

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.feed.events

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        """Call *listener(change)* synchronously for every change, in log order."""
        self.feed.subscribe(listener)

    # ================================================================ ReplicaSets
    def create_replica_set(
        self,
        rollout: str,
        template: Mapping[str, Any],
        *,
        revision: int,
        replicas: int = 0,
        min_ready_seconds: float = 0.0,
        selector: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
        collision_count: int | None = None,
        pod_hash: str | None = None,
        rollout_replicas: int | None = None,
        name: str | None = None,
        hash_label: str | None = None,
    ) -> ReplicaSet:
        """Create ``<rollout>-<hash>`` for *template* (a pod template manifest dict), see
        :func:`.replicasets.new_replica_set`; *rollout_replicas* goes into the
        ``desired-replicas`` annotation. Raises SimulationError when a ReplicaSet of that
        name exists (look for it with :meth:`find_replica_set` first)."""
        if rollout_replicas is not None:
            annotations = {
                **(annotations or {}),
                DESIRED_REPLICAS_ANNOTATION: str(rollout_replicas),
            }
        rs = new_replica_set(
            rollout,
            template,
            namespace=self.namespace,
            revision=revision,
            created=self.env.now,
            min_ready_seconds=min_ready_seconds,
            selector=selector,
            annotations=annotations,
            collision_count=collision_count,
            pod_hash=pod_hash,
            name=name,
            **({"hash_label": hash_label} if hash_label else {}),
        )
        if rs.name in self.replica_sets:
            raise SimulationError(f'replicasets.apps "{rs.name}" already exists')
        rs.cluster = self
        self.replica_sets[rs.name] = rs
        self._record(f"ReplicaSet/{rs.name}", "created", {"revision": rs.revision}, informer=True)
        self._sync_status(rs)
        if replicas:
            self.scale(rs, replicas)
        return rs

    def find_replica_set(self, rollout: str, template: Mapping[str, Any]) -> ReplicaSet | None:
        """The rollout's ReplicaSet for *template* (hash label ignored), or None."""
        return self.replica_sets.find(rollout, template)

    def replica_sets_of(self, rollout: str) -> list[ReplicaSet]:
        """The rollout's ReplicaSets, newest revision first (then by name)."""
        return self.replica_sets.of(rollout)

    def replica_set(self, name_or_hash: str, rollout: str | None = None) -> ReplicaSet:
        """A ReplicaSet by name, or by hash (within *rollout* if given)."""
        return self.replica_sets.lookup(name_or_hash, rollout)

    def scale(self, rs: ReplicaSet, replicas: int, rollout_replicas: int | None = None) -> None:
        """``spec.replicas := replicas`` and let the ReplicaSet controller react;
        *rollout_replicas* (if given) goes into the ``desired-replicas`` annotation."""
        replicas = int(replicas)
        if replicas < 0:
            raise SimulationError(f"cannot scale {rs.name} to {replicas} replicas")
        if rs.deleted:
            raise SimulationError(f"ReplicaSet {rs.name} was deleted")
        if rollout_replicas is not None:
            self.annotate(rs, DESIRED_REPLICAS_ANNOTATION, str(int(rollout_replicas)))
        if replicas == rs.replicas:
            return
        rs.replicas = replicas
        self._record(f"ReplicaSet/{rs.name}", "replicas", replicas, informer=True)
        self._reconcile(rs)

    def annotate(self, rs: ReplicaSet, key: str, value: str | None) -> None:
        if rs.annotations.get(key) == value:
            return
        if value is None:
            del rs.annotations[key]
        else:
            rs.annotations[key] = value
        self.replica_sets.version += 1  # (the revision orders ReplicaSets.of)
        self._record(f"ReplicaSet/{rs.name}", f"annotations[{key}]", value, informer=True)

    def sync_ephemeral_metadata(self, rs: ReplicaSet, desired: PodMetadata | None) -> None:
        """Argo's ``syncEphemeralMetadata``: first the ReplicaSet's pod template (and the
        annotation remembering what was injected), so pods created from now on carry it; then,
        unless the ReplicaSet has 0 replicas, its existing pods."""
        existing = existing_ephemeral_metadata(rs.annotations)
        meta = rs.template.get("metadata") or {}
        labels, annotations, modified = sync_pod_metadata(
            meta.get("labels") or {}, meta.get("annotations") or {}, existing, desired
        )
        if modified:
            new_meta = {**meta, "labels": labels}
            if annotations:
                new_meta["annotations"] = annotations
            else:
                new_meta.pop("annotations", None)
            rs.template = {**rs.template, "metadata": new_meta}
            value = None if desired is None else ephemeral_annotation(desired)
            self.annotate(rs, EPHEMERAL_METADATA_ANNOTATION, value)
        if rs.replicas == 0:
            return
        for pod in rs.active_pods():
            labels, annotations, changed = sync_pod_metadata(
                pod.labels, pod.annotations, existing, desired
            )
            if changed:
                pod.labels, pod.annotations = labels, annotations
                self.pod_changed(pod, "labels", dict(sorted(labels.items())))

    def set_min_ready_seconds(self, rs: ReplicaSet, seconds: float) -> None:
        """Argo copies ``spec.minReadySeconds`` to its ReplicaSets; availability is then
        recomputed (Ready pods may lose it until they have been Ready long enough)."""
        if rs.min_ready_seconds == float(seconds):
            return
        rs.min_ready_seconds = float(seconds)
        self._record(f"ReplicaSet/{rs.name}", "minReadySeconds", float(seconds), informer=True)
        # Deadlines move with minReadySeconds: queue the waiting pods again.
        self._deadlines.pop(rs.name, None)
        for pod in list(self._awaiting.get(rs.name, {}).values()):
            if pod.ready:
                self._await(rs, pod)
        for pod in rs.active_pods():
            if pod.available and not rs.counts_available(pod, self.env.now):
                pod.available = False
                self._record(f"Pod/{pod.name}", "available", False, informer=False)
            if pod.ready and not pod.available:
                self._await(rs, pod)
                assert pod.ready_since is not None
                at = pod.ready_since + rs.min_ready_seconds + AVAILABILITY_RECHECK
                self.env.process(self._recheck_at(rs, at))
        self._sync_status(rs)

    def delete_replica_set(self, rs: ReplicaSet) -> None:
        """Delete the ReplicaSet; its pods are deleted gracefully (garbage collection)."""
        rs.deleted = True
        for pod in list(rs.pods):
            if pod.active:
                self._delete(pod, None)
        del self.replica_sets[rs.name]
        self._record(f"ReplicaSet/{rs.name}", "deleted", True, informer=True)

    def _reconcile(self, rs: ReplicaSet) -> None:
        """The ReplicaSet controller: create or delete pods until active == spec.replicas
        (``replica_set.go::manageReplicas``; victims chosen by :func:`deletion_order`)."""
        if rs.deleted:
            return
        active = rs.active_pods()
        diff = len(active) - rs.replicas
        if diff < 0:
            for _ in range(-diff):
                self._create_pod(rs)
        elif diff > 0:
            related = [r for r in self.replica_sets.values() if r.rollout == rs.rollout]
            pods = [p for r in related for p in r.members]
            for pod in deletion_order(active, pods, self.env.now)[:diff]:
                self._delete(pod, None)
                self._event(f"ReplicaSet/{rs.name}", "SuccessfulDelete", f"Deleted pod: {pod.name}")
        self._sync_status(rs)

    # ================================================================ Services
    def _ready_groups(self) -> Iterator[tuple[Pod, int]]:
        """Per ReplicaSet with Ready active pods: one of them (active pods share the
        template's labels and ports) and how many. Every Ready active pod belongs to a live
        ReplicaSet: deleting one deletes its pods at once."""
        for rs in self.replica_sets.values():
            pod = rs.group.first_ready()
            if pod is not None:
                yield pod, rs.group.ready

    def add_service(self, service: Service | Mapping[str, Any]) -> Service:
        """Register a Service (a :class:`Service` or a ``kind: Service`` manifest dict)."""
        return self.services.add(service)

    def service(self, name: str) -> Service:
        return self.services[name]

    def set_selector_hash(self, service: Service | str, pod_hash: str | None) -> None:
        """Argo's selector injection: ``rollouts-pod-template-hash: <hash>`` (None removes)."""
        self.services.set_selector_hash(service, pod_hash)

    def endpoints(self, service: str, port: int | str | None = None) -> list[Pod]:
        """Pods that serve the Service's *port* (first port by default): selected, Ready,
        not Terminating, and with a matching container port (see :mod:`.services`)."""
        return self.services.endpoints(service, port)

    def ready_by_hash(
        self,
        service: str,
        extra_labels: Mapping[str, str] | None = None,
        port: int | str | None = None,
    ) -> dict[str, int]:
        """Endpoints of *service* also carrying *extra_labels* (a DestinationRule subset's
        labels), counted per ``rollouts-pod-template-hash``, keys sorted. An unknown Service
        has no endpoints (for the router's resolver: Envoy answers 503).

        Counted once per state of the cluster: everything they read (Services, their
        selectors, ReplicaSets, pods' readiness, deletion and labels) changes only with a
        change in :attr:`log`, and a routing rewrite makes the router ask again for the
        endpoints it asked for a moment before."""
        stamp = self.feed.count
        counted = self._counted
        if counted[0] != stamp:
            counted = self._counted = (stamp, {})
        key = (service, None if extra_labels is None else tuple(extra_labels.items()), port)
        got = counted[1].get(key)
        if got is None:
            got = counted[1][key] = self.services.ready_by_hash(service, extra_labels, port)
        return dict(got)

    # ================================================================ snapshots
    def snapshot(self, rollout: str, *, pod_snapshots: bool = False) -> list[dict[str, Any]]:
        """``ReplicaSet.snapshot()`` of each of the rollout's ReplicaSets, newest first."""
        return [rs.snapshot(pod_snapshots=pod_snapshots) for rs in self.replica_sets_of(rollout)]
