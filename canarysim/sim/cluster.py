"""The simulated cluster: nodes, ReplicaSets and their pods, Services, faults.

Pods move through KWOK-like stages with durations drawn from the ``pods`` stream
(:mod:`canarysim.sim.pods`); ReplicaSets count them as the Kubernetes controller does
(:mod:`canarysim.sim.replicasets`); Services select Ready pods (:mod:`canarysim.sim.services`).
The cluster itself plays the parts of the scheduler (least-loaded live node, ties by node
order), the kubelet's image cache (one pull per image and node, pulls serialised per node as
with the kubelet's default ``serializeImagePulls``) and the ReplicaSet controller (pods are
created or deleted the moment ``spec.replicas`` or the set of active pods changes).

Two events let processes wait for change, the way informers wake controllers:

* :attr:`Cluster.changed` fires on what Argo's informers see: a ReplicaSet created, deleted,
  rescaled, re-annotated or with a new status (replicas / ready / available / terminating),
  a Service selector change, a node lost or restored. Endpoint sets only change with one of
  these, so the router can reload on it too.
* :attr:`Cluster.pods_changed` fires on every pod stage change as well.

Both are re-armed after firing: wait on ``env.timeout(t) | cluster.changed``. Every change is
also appended to :attr:`Cluster.log` and passed to the listeners given to :meth:`subscribe`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from canarysim.errors import SimulationError
from canarysim.sim.nodes import Nodes
from canarysim.sim.pods import (
    DEFAULT_GRACE_PERIOD,
    Pod,
    PodBehaviour,
    ReadinessProbe,
    pod_lifecycle,
)
from canarysim.sim.replicasets import (
    REVISION_ANNOTATION,
    ReplicaSet,
    ReplicaSetStatus,
    deletion_order,
)
from canarysim.sim.rng import Streams
from canarysim.sim.services import Service, count_by_hash, endpoints_of
from canarysim.sim.templatehash import ALPHANUMS, POD_TEMPLATE_HASH_LABEL, pod_template_hash

__all__ = ["Change", "Cluster"]


@dataclass(frozen=True)
class Change:
    """One entry of the change log: at *time*, *object* (``Pod/x``, ``ReplicaSet/y``, ...)
    changed *what* to *value*."""

    time: float
    object: str
    what: str
    value: Any


class Cluster:
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
        self.nodes = Nodes(env, nodes, max_pods_per_node, self._event)
        self.replica_sets: dict[str, ReplicaSet] = {}
        self.services: dict[str, Service] = {}
        self.pods: dict[str, Pod] = {}
        self.log: list[Change] = []
        self.events: list[dict[str, Any]] = []
        self._listeners: list[Callable[[Change], None]] = []
        self._changed = env.event()
        self._pods_changed = env.event()
        self._rs_status: dict[str, ReplicaSetStatus] = {}
        self._avail_token: dict[str, int] = {}

    # ================================================================ change notification
    @property
    def changed(self) -> simpy.Event:
        """Fires at the next informer-visible change (see module doc); then re-armed."""
        return self._changed

    @property
    def pods_changed(self) -> simpy.Event:
        """Fires at the next change of any kind, pod stages included; then re-armed."""
        return self._pods_changed

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        """Call *listener(change)* synchronously for every change, in log order."""
        self._listeners.append(listener)

    def _record(self, obj: str, what: str, value: Any, *, informer: bool) -> None:
        change = Change(self.env.now, obj, what, value)
        self.log.append(change)
        for listener in self._listeners:
            listener(change)
        self._pods_changed.succeed(change)
        self._pods_changed = self.env.event()
        if informer:
            self._changed.succeed(change)
            self._changed = self.env.event()

    def _event(self, obj: str, reason: str, message: str, kind: str = "Normal") -> None:
        now = self.env.now
        self.events.append(
            {"time": now, "kind": kind, "object": obj, "reason": reason, "message": message}
        )

    def _check_rs_status(self, rs: ReplicaSet) -> None:
        status = rs.status
        if self._rs_status.get(rs.name) != status:
            self._rs_status[rs.name] = status
            self._record(f"ReplicaSet/{rs.name}", "status", status, informer=True)

    # ================================================================ PodHost (for pods.py)
    @property
    def pod_rng(self) -> np.random.Generator:
        return self.streams["pods"]

    def pod_changed(self, pod: Pod, what: str, value: Any) -> None:
        self._record(f"Pod/{pod.name}", what, value, informer=False)
        obj = f"Pod/{pod.name}"
        if what == "status" and value == "Running":
            self._event(obj, "Started", f"Started container {_container_name(pod)}")
        elif what == "status" and value == "CrashLoopBackOff":
            self._event(
                obj,
                "BackOff",
                f"Back-off restarting failed container {_container_name(pod)} in pod "
                f"{pod.name}_{pod.namespace}({pod.uid})",
                "Warning",
            )
        elif what == "status" and value == "ErrImagePull":
            self._event(obj, "Failed", f'Failed to pull image "{pod.image}"', "Warning")
        rs = self.replica_sets.get(pod.replica_set)
        if rs is not None:
            self._check_rs_status(rs)

    def bind(self, pod: Pod) -> Generator[simpy.Event, Any, str]:
        return self.nodes.bind(pod)

    def pull(
        self, pod: Pod, node: str, image: str, seconds: float
    ) -> Generator[simpy.Event, Any, None]:
        return self.nodes.pull(pod, node, image, seconds)

    def set_ready(self, pod: Pod, ready: bool) -> None:
        """Ready condition changes; availability follows after ``minReadySeconds``."""
        if pod.ready == ready or (ready and not pod.active):
            return
        token = self._avail_token.get(pod.name, 0) + 1
        self._avail_token[pod.name] = token
        pod.ready = ready
        pod.ready_since = self.env.now if ready else None
        if not ready:
            pod.available = False
        self.pod_changed(pod, "ready", ready)
        if ready:
            self._schedule_available(pod)

    def _schedule_available(self, pod: Pod) -> None:
        rs = self.replica_sets.get(pod.replica_set)
        min_ready = rs.min_ready_seconds if rs is not None else 0.0
        assert pod.ready_since is not None
        at = pod.ready_since + min_ready
        if at <= self.env.now:
            if not pod.available:
                pod.available = True
                self.pod_changed(pod, "available", True)
            return
        if pod.available:  # minReadySeconds grew: not available any more until `at`
            pod.available = False
            self.pod_changed(pod, "available", False)
        self.env.process(self._available_at(pod, self._avail_token[pod.name], at))

    def _available_at(self, pod: Pod, token: int, at: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(at - self.env.now)
        if self._avail_token.get(pod.name) == token and pod.ready and pod.active:
            pod.available = True
            self.pod_changed(pod, "available", True)

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
    ) -> ReplicaSet:
        """Create ``<rollout>-<hash>`` for *template* (a pod template manifest dict).

        The hash label goes into the ReplicaSet's labels, its selector (*selector*, by
        default the template's labels) and its pod template. Raises SimulationError when a
        ReplicaSet of that name exists (use :meth:`find_replica_set` first).
        """
        h = pod_template_hash(template, collision_count)
        name = f"{rollout}-{h}"
        if name in self.replica_sets:
            raise SimulationError(f'replicasets.apps "{name}" already exists')
        tpl = _deep_copy(template)
        meta = tpl.setdefault("metadata", {})
        labels = dict(meta.get("labels") or {})
        labels[POD_TEMPLATE_HASH_LABEL] = h
        meta["labels"] = labels
        sel = dict(
            selector
            if selector is not None
            else (template.get("metadata") or {}).get("labels") or {}
        )
        sel[POD_TEMPLATE_HASH_LABEL] = h
        ann = dict(annotations or {})
        ann[REVISION_ANNOTATION] = str(int(revision))
        rs = ReplicaSet(
            name=name,
            namespace=self.namespace,
            rollout=rollout,
            hash=h,
            template=tpl,
            labels=dict(labels),
            selector=sel,
            annotations=ann,
            created=self.env.now,
            min_ready_seconds=float(min_ready_seconds),
            cluster=self,
        )
        self.replica_sets[name] = rs
        self._record(f"ReplicaSet/{name}", "created", {"revision": int(revision)}, informer=True)
        self._check_rs_status(rs)
        if replicas:
            self.scale(rs, replicas)
        return rs

    def find_replica_set(self, rollout: str, template: Mapping[str, Any]) -> ReplicaSet | None:
        """The rollout's ReplicaSet whose template equals *template* apart from the hash."""
        from canarysim.sim.templatehash import templates_equal_ignoring_hash

        for rs in self.replica_sets.values():
            if rs.rollout == rollout and templates_equal_ignoring_hash(rs.template, template):
                return rs
        return None

    def replica_sets_of(self, rollout: str) -> list[ReplicaSet]:
        """The rollout's ReplicaSets, newest revision first (then by name)."""
        rss = [rs for rs in self.replica_sets.values() if rs.rollout == rollout]
        return sorted(rss, key=lambda rs: (-rs.revision, rs.name))

    def replica_set(self, name_or_hash: str, rollout: str | None = None) -> ReplicaSet:
        """A ReplicaSet by name, or by hash (within *rollout* if given)."""
        rs = self.replica_sets.get(name_or_hash)
        if rs is not None:
            return rs
        for rs in self.replica_sets.values():
            if rs.hash == name_or_hash and (rollout is None or rs.rollout == rollout):
                return rs
        raise SimulationError(f"no ReplicaSet {name_or_hash!r}")

    def scale(self, rs: ReplicaSet, replicas: int) -> None:
        """``spec.replicas := replicas`` and let the ReplicaSet controller react."""
        replicas = int(replicas)
        if replicas < 0:
            raise SimulationError(f"cannot scale {rs.name} to {replicas} replicas")
        if rs.deleted:
            raise SimulationError(f"ReplicaSet {rs.name} was deleted")
        if replicas != rs.replicas:
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
        self._record(f"ReplicaSet/{rs.name}", f"annotations[{key}]", value, informer=True)

    def set_min_ready_seconds(self, rs: ReplicaSet, seconds: float) -> None:
        if rs.min_ready_seconds == float(seconds):
            return
        rs.min_ready_seconds = float(seconds)
        self._record(
            f"ReplicaSet/{rs.name}", "minReadySeconds", rs.min_ready_seconds, informer=True
        )
        for pod in rs.active_pods():
            if pod.ready:
                token = self._avail_token.get(pod.name, 0) + 1
                self._avail_token[pod.name] = token
                self._schedule_available(pod)

    def delete_replica_set(self, rs: ReplicaSet) -> None:
        """Delete the ReplicaSet; its pods are deleted gracefully (garbage collection)."""
        rs.deleted = True
        for pod in list(rs.pods):
            if pod.active:
                self._delete(pod, None)
        rs.replicas = 0
        del self.replica_sets[rs.name]
        self._record(f"ReplicaSet/{rs.name}", "deleted", True, informer=True)

    def _reconcile(self, rs: ReplicaSet) -> None:
        """The ReplicaSet controller: create or delete pods until active == spec.replicas."""
        if rs.deleted:
            return
        active = rs.active_pods()
        diff = len(active) - rs.replicas
        if diff < 0:
            for _ in range(-diff):
                self._create_pod(rs)
        elif diff > 0:
            related = [
                p for r in self.replica_sets.values() if r.rollout == rs.rollout for p in r.pods
            ]
            for pod in deletion_order(active, related, self.env.now)[:diff]:
                self._delete(pod, None)
                self._event(f"ReplicaSet/{rs.name}", "SuccessfulDelete", f"Deleted pod: {pod.name}")
        self._check_rs_status(rs)

    # ================================================================ pods
    def _create_pod(self, rs: ReplicaSet) -> Pod:
        names = self.streams["pod-names"]
        while True:
            suffix = "".join(ALPHANUMS[i] for i in names.integers(0, len(ALPHANUMS), 5))
            name = f"{rs.name}-{suffix}"
            if name not in self.pods:
                break
        uid = str(uuid.UUID(bytes=names.bytes(16), version=4))
        meta = rs.template.get("metadata") or {}
        spec = rs.template.get("spec") or {}
        grace = spec.get("terminationGracePeriodSeconds")
        image = rs.image
        pod = Pod(
            name=name,
            uid=uid,
            namespace=rs.namespace,
            replica_set=rs.name,
            labels=dict(meta.get("labels") or {}),
            annotations=dict(meta.get("annotations") or {}),
            template=rs.template,
            behaviour=self._behaviour_for(image),
            created=self.env.now,
            grace_period=DEFAULT_GRACE_PERIOD if grace is None else float(grace),
            probe=ReadinessProbe.from_template(rs.template),
        )
        self.pods[name] = pod
        rs.pods.append(pod)
        self._event(f"ReplicaSet/{rs.name}", "SuccessfulCreate", f"Created pod: {name}")
        self._record(f"Pod/{name}", "status", "Pending", informer=False)
        pod.process = self.env.process(pod_lifecycle(pod, self))
        return pod

    def pod(self, name: str) -> Pod:
        try:
            return self.pods[name]
        except KeyError:
            raise SimulationError(f"no pod {name!r}") from None

    def delete_pod(self, pod: Pod | str, grace: float | None = None) -> None:
        """Delete a pod gracefully (*grace* overrides the template's grace period; 0 forces).

        The pod is ``Terminating`` at once: it stops being Ready, an endpoint and an active
        pod of its ReplicaSet (which replaces it if still below ``spec.replicas``). The object
        goes away when the process exits (``PodBehaviour.shutdown``) or the grace period ends.
        A pod not yet bound to a node is removed immediately, as the API server does.
        """
        pod = self.pod(pod) if isinstance(pod, str) else pod
        if not pod.active:
            return
        self._delete(pod, grace)
        rs = self.replica_sets.get(pod.replica_set)
        if rs is not None:
            self._reconcile(rs)

    def _delete(self, pod: Pod, grace: float | None) -> None:
        pod.deleted_at = self.env.now
        was_running = pod.running
        self._stop(pod)
        was_ready = pod.ready
        pod.ready = pod.available = False
        pod.ready_since = None
        self._avail_token[pod.name] = self._avail_token.get(pod.name, 0) + 1
        self.pod_changed(pod, "status", "Terminating")
        if was_ready:
            self._record(f"Pod/{pod.name}", "ready", False, informer=False)
        grace = pod.grace_period if grace is None else max(0.0, float(grace))
        if pod.node is None or grace == 0:
            self._remove(pod)
        else:
            exit_after = grace
            if was_running and pod.behaviour.shutdown is not None:
                exit_after = min(grace, float(pod.behaviour.shutdown.sample(self.pod_rng)))
            elif not was_running:
                exit_after = 0.0
            self._event(f"Pod/{pod.name}", "Killing", f"Stopping container {_container_name(pod)}")
            self.env.process(self._finish_termination(pod, exit_after))

    def _finish_termination(self, pod: Pod, after: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(after)
        self._remove(pod)

    def _stop(self, pod: Pod) -> None:
        proc = pod.process
        if proc is not None and proc.is_alive and self.env.active_process is not proc:
            proc.interrupt("deleted")
        pod.running = False

    def _remove(self, pod: Pod) -> None:
        """The pod object is gone from the API."""
        if pod.gone:
            return
        pod.gone = True
        pod.running = pod.ready = pod.available = False
        self.pods.pop(pod.name, None)
        self.nodes.remove_pod(pod)
        rs = self.replica_sets.get(pod.replica_set)
        if rs is not None and pod in rs.pods:
            rs.pods.remove(pod)
        self.pod_changed(pod, "gone", True)

    def pods_matching(
        self, labels: Mapping[str, str], *, include_terminating: bool = False
    ) -> list[Pod]:
        """Pods whose labels include all of *labels*, by name."""
        out = [
            p
            for p in self.pods.values()
            if (p.active or (include_terminating and not p.gone))
            and all(p.labels.get(k) == v for k, v in labels.items())
        ]
        return sorted(out, key=lambda p: p.name)

    # ================================================================ faults
    def kill_pod(self, name: str, *, grace: float | None = None) -> None:
        """Fault: delete the pod (``kubectl delete pod``; ``grace=0`` for ``--force``)."""
        self.delete_pod(self.pod(name), grace)

    def crash_pod(self, name: str) -> None:
        """Fault: the pod's running container exits with an error now (restarts follow the
        kubelet's back-off). Does nothing if no container is running."""
        pod = self.pod(name)
        if pod.running and pod.crash_now is not None and not pod.crash_now.triggered:
            pod.crash_now.succeed()

    def kill_node(self, name: str) -> None:
        """Fault: the node disappears with its pods and image cache; ReplicaSets replace
        the pods on the remaining nodes (pods waiting for room stay ``Pending``)."""
        node = self.nodes[name]
        if not node.alive:
            return
        node.alive = False
        node.images.clear()
        self._record(f"Node/{name}", "alive", False, informer=True)
        victims = list(node.pods)
        for pod in victims:
            self._stop(pod)
            self._remove(pod)
        for rs_name in dict.fromkeys(p.replica_set for p in victims):
            rs = self.replica_sets.get(rs_name)
            if rs is not None:
                self._reconcile(rs)

    def restore_node(self, name: str) -> None:
        """A killed node comes back, empty (no pods, no images)."""
        node = self.nodes[name]
        if node.alive:
            return
        node.alive = True
        self._record(f"Node/{name}", "alive", True, informer=True)
        self.nodes.capacity_freed()

    # ================================================================ Services
    def add_service(self, service: Service | Mapping[str, Any]) -> Service:
        """Register a Service (a :class:`Service` or a ``kind: Service`` manifest dict)."""
        svc = service if isinstance(service, Service) else Service.from_manifest(service)
        self.services[svc.name] = svc
        self._record(f"Service/{svc.name}", "selector", svc.selector, informer=True)
        return svc

    def service(self, name: str) -> Service:
        try:
            return self.services[name]
        except KeyError:
            raise SimulationError(f"no Service {name!r}") from None

    def set_selector_hash(self, service: Service | str, pod_hash: str | None) -> None:
        """Argo's selector injection: ``rollouts-pod-template-hash: <hash>`` (None removes)."""
        svc = self.service(service) if isinstance(service, str) else service
        selector = dict(svc.selector or {})
        if pod_hash is None:
            selector.pop(POD_TEMPLATE_HASH_LABEL, None)
        else:
            selector[POD_TEMPLATE_HASH_LABEL] = pod_hash
        if selector != (svc.selector or {}):
            svc.selector = selector
            self._record(f"Service/{svc.name}", "selector", dict(selector), informer=True)

    def endpoints(self, service: str, port: int | str | None = None) -> list[Pod]:
        """Pods that serve the Service's *port* (first port by default): selected, Ready,
        not Terminating, and with a matching container port (see :mod:`.services`)."""
        return endpoints_of(self.service(service), self.pods.values(), port)

    def ready_by_hash(
        self,
        service: str,
        extra_labels: Mapping[str, str] | None = None,
        port: int | str | None = None,
    ) -> dict[str, int]:
        """Endpoints of *service* also carrying *extra_labels* (a DestinationRule subset's
        labels), counted per ``rollouts-pod-template-hash``, keys sorted."""
        return count_by_hash(self.endpoints(service, port), extra_labels)

    # ================================================================ snapshots
    def snapshot(self, rollout: str) -> list[dict[str, Any]]:
        """``ReplicaSet.snapshot()`` of each of the rollout's ReplicaSets, newest first."""
        return [rs.snapshot() for rs in self.replica_sets_of(rollout)]

    def all_pods(self) -> Iterable[Pod]:
        return list(self.pods.values())


def _container_name(pod: Pod) -> str:
    containers = (pod.template.get("spec") or {}).get("containers") or []
    return str(containers[0].get("name", "")) if containers else ""


def _deep_copy(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _deep_copy(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_deep_copy(v) for v in obj]
    return obj
