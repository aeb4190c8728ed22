"""Pods in the simulated cluster: their lifecycle hooks, availability, deletion and faults.

:class:`ClusterPods` is the base of :class:`~canarysim.sim.cluster.cluster.Cluster` and holds what
happens to individual pods: the ``PodHost`` side that :mod:`.pods.lifecycle` drives (randomness,
binding, image pulls, Ready changes), the ReplicaSet controller's availability bookkeeping
(``calculateStatus`` with the ``minReadySeconds`` re-check), creation of a ReplicaSet's pods,
graceful deletion and removal, eviction (Argo's ``restart``) and the faults (kill or crash a
pod, kill or restore a node). ``Cluster`` adds ReplicaSets, Services and change notification;
the only call back into it is :meth:`ClusterPods._reconcile` (the ReplicaSet controller).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator, Mapping
from typing import Any

import numpy as np
import simpy

from canarysim.errors import SimulationError
from canarysim.sim.cluster.kubelet import pod_event
from canarysim.sim.cluster.nodes import Nodes
from canarysim.sim.cluster.pods.behaviour import PodBehaviour
from canarysim.sim.cluster.pods.lifecycle import pod_lifecycle
from canarysim.sim.cluster.pods.pod import Pod, new_pod
from canarysim.sim.cluster.replicasets import ReplicaSet, ReplicaSets, ReplicaSetStatus
from canarysim.sim.stochastic.rng import Streams

__all__ = ["AVAILABILITY_RECHECK", "ClusterPods"]


#: The ReplicaSet controller re-checks availability this long after ``minReadySeconds``
#: ("add a second to avoid milliseconds skew", ``replica_set.go::updatePod``).
AVAILABILITY_RECHECK = 1.0


class ClusterPods:
    """Pod-level operations of the cluster; the state is created by ``Cluster.__init__``."""

    env: simpy.Environment
    streams: Streams
    nodes: Nodes
    replica_sets: ReplicaSets
    pods: dict[str, Pod]
    _behaviour_for: Callable[[str], PodBehaviour]
    _record: Callable[..., None]
    _event: Callable[..., None]
    _rs_status: dict[str, ReplicaSetStatus]
    _awaiting: dict[str, dict[str, Pod]]
    _deadlines: dict[str, list[tuple[float, int, Pod]]]
    _await_order: int
    warm_until: float | None = None
    """Pods created before this time (the history before the clock starts, with a scenario's
    ``start: healthy``) are Running and Ready at once (:func:`.pods.lifecycle.pod_lifecycle`)."""

    def _reconcile(self, rs: ReplicaSet) -> None:
        """The ReplicaSet controller (:meth:`.Cluster._reconcile`)."""
        raise NotImplementedError

    # ================================================================ availability
    def _await(self, rs: ReplicaSet, pod: Pod) -> None:
        """*pod* is Ready and not yet available: look again once ``minReadySeconds`` passed.

        A heap of (deadline, order, pod) per ReplicaSet, so a status update touches only the
        pods that have become available (a scan of every waiting pod made each update O(pods)).
        Entries of pods that stopped being Ready, or became Ready again since, are stale and
        are dropped when they come up."""
        self._awaiting.setdefault(rs.name, {})[pod.name] = pod
        assert pod.ready_since is not None
        deadline = math.floor(pod.ready_since) + rs.min_ready_seconds
        if rs.min_ready_seconds <= 0:
            deadline = -math.inf
        self._await_order += 1
        heapq.heappush(self._deadlines.setdefault(rs.name, []), (deadline, self._await_order, pod))

    def _sync_status(self, rs: ReplicaSet) -> None:
        """The ReplicaSet controller's status update (``calculateStatus``): refresh which
        pods count as available now, then publish the status if it changed."""
        heap = self._deadlines.get(rs.name)
        if heap:
            now = self.env.now
            waiting = self._awaiting[rs.name]
            # ``counts_available``: floor(readySince) + minReadySeconds strictly before now.
            while heap and heap[0][0] < now:
                _, _, pod = heapq.heappop(heap)
                if waiting.get(pod.name) is not pod:
                    continue  # already dealt with
                if not pod.ready or pod.deleted_at is not None or pod.gone:
                    del waiting[pod.name]
                elif rs.counts_available(pod, now):
                    del waiting[pod.name]
                    pod.available = True
                    self._record(f"Pod/{pod.name}", "available", True, informer=False)
                # else: Ready again since this entry; its newer entry is still queued
        status = rs.status
        if self._rs_status.get(rs.name) != status:
            self._rs_status[rs.name] = status
            self._record(f"ReplicaSet/{rs.name}", "status", status, informer=True)

    def _recheck_at(self, rs: ReplicaSet, at: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(max(at - self.env.now, 0.0))
        if not rs.deleted:
            self._sync_status(rs)

    # ================================================================ PodHost (for pods/)
    @property
    def pod_rng(self) -> np.random.Generator:
        return self.streams["pods"]

    def pod_changed(self, pod: Pod, what: str, value: Any) -> None:
        obj = f"Pod/{pod.name}"
        self._record(obj, what, value, informer=False)
        if what == "status":
            ev = pod_event(pod.name, pod.namespace, pod.uid, _container_name(pod), pod.image, value)
            if ev is not None:
                self._event(obj, ev[1], ev[2], ev[0])
        rs = self.replica_sets.get(pod.replica_set)
        if rs is not None:
            self._sync_status(rs)

    def bind(self, pod: Pod) -> Generator[simpy.Event, Any, str]:
        return self.nodes.bind(pod)

    def pull(
        self, pod: Pod, node: str, image: str, seconds: float
    ) -> Generator[simpy.Event, Any, None]:
        return self.nodes.pull(pod, node, image, seconds)

    def has_images(self, node: str, images: list[str]) -> None:
        self.nodes.add_images(node, images)

    def set_ready(self, pod: Pod, ready: bool) -> None:
        """The kubelet: the pod's containers became ready, or stopped being ready. The Pod's
        Ready condition also waits for its readiness gates (:meth:`set_pod_condition`)."""
        if pod.containers_ready == ready or (ready and not pod.active):
            return
        pod.containers_ready = ready
        if not self._set_pod_ready(pod, ready and pod.gates_open):
            self.pod_changed(pod, "containers_ready", ready)

    def set_pod_condition(self, pod: Pod, condition: str, status: bool) -> None:
        """A condition written into the pod's status from outside (``kubectl patch
        --subresource=status``, a load-balancer controller): a readiness gate opens or closes."""
        if pod.conditions.get(condition) == status or not pod.active:
            return
        pod.conditions[condition] = status
        self._record(f"Pod/{pod.name}", f"condition {condition}", status, informer=False)
        self._set_pod_ready(pod, pod.containers_ready and pod.gates_open)

    def _set_pod_ready(self, pod: Pod, ready: bool) -> bool:
        """The Pod's Ready condition changes; availability follows
        (:meth:`.ReplicaSet.counts_available`, re-checked minReadySeconds + 1 s later).
        Returns whether anything changed."""
        if pod.ready == ready or (ready and not pod.active):
            return False
        pod.ready = ready
        pod.ready_since = self.env.now if ready else None
        if not ready and pod.available:
            pod.available = False
            self._record(f"Pod/{pod.name}", "available", False, informer=False)
        rs = self.replica_sets.get(pod.replica_set)
        if ready and rs is not None:
            self._await(rs, pod)
            if rs.min_ready_seconds > 0:
                at = self.env.now + rs.min_ready_seconds + AVAILABILITY_RECHECK
                self.env.process(self._recheck_at(rs, at))
        self.pod_changed(pod, "ready", ready)
        return True

    # ================================================================ pods
    def _create_pod(self, rs: ReplicaSet) -> Pod:
        behaviour = self._behaviour_for(rs.image)
        pod = new_pod(
            rs.name,
            rs.namespace,
            rs.template,
            behaviour,
            self.env.now,
            self.pods,
            self.streams["pod-names"],
        )
        self.pods[pod.name] = pod
        rs.add_pod(pod)
        self._event(f"ReplicaSet/{rs.name}", "SuccessfulCreate", f"Created pod: {pod.name}")
        self._record(f"Pod/{pod.name}", "status", "Pending", informer=False)
        warm = (
            self.warm_until
            if self.warm_until is not None and self.env.now < self.warm_until
            else None
        )
        pod.process = self.env.process(pod_lifecycle(pod, self, warm))
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
        if pod.ready:
            self._record(f"Pod/{pod.name}", "ready", False, informer=False)
        pod.ready = pod.containers_ready = pod.available = False
        pod.ready_since = None
        self.pod_changed(pod, "status", "Terminating")
        grace = pod.grace_period if grace is None else max(0.0, float(grace))
        if pod.node is None or grace == 0:
            self._remove(pod)
            return
        exit_after = 0.0  # nothing running: the kubelet removes the pod at once
        if was_running:
            shutdown = pod.behaviour.shutdown
            exit_after = (
                grace if shutdown is None else min(grace, float(shutdown.sample(self.pod_rng)))
            )
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
        pod.running = pod.ready = pod.containers_ready = pod.available = False
        self.pods.pop(pod.name, None)
        self.nodes.remove_pod(pod)
        rs = self.replica_sets.get(pod.replica_set)
        if rs is not None:
            rs.remove_pod(pod)
        self.pod_changed(pod, "gone", True)

    def pods_matching(
        self, labels: Mapping[str, str], *, include_terminating: bool = False
    ) -> list[Pod]:
        """Pods whose labels include all of *labels*, by name."""
        out = [
            p
            for p in self.pods.values()
            if (p.active or include_terminating)
            and all(p.labels.get(k) == v for k, v in labels.items())
        ]
        return sorted(out, key=lambda p: p.name)

    def evict(self, rs: ReplicaSet, count: int, before: float) -> list[Pod]:
        """Argo's ``restart``: evict (gracefully delete) up to *count* of the ReplicaSet's
        active pods created before *before*, in name order (the restarter walks the pods as
        the API server lists them, rollout/restart.go); the ReplicaSet replaces them."""
        old = sorted((p for p in rs.active_pods() if p.created < before), key=_name)
        victims = old[: max(0, int(count))]
        for pod in victims:
            self.delete_pod(pod)
        return victims

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
        the pods on the remaining nodes (pods waiting for room stay ``Pending``).

        Simplification: Kubernetes would notice only after the node-monitor grace period
        and evict after the pods' 300 s tolerations; here both happen at once.
        """
        node = self.nodes[name]
        if not node.alive:
            return
        self.nodes.node_down(node)
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
        self.nodes.node_up(node)
        self._record(f"Node/{name}", "alive", True, informer=True)
        self.nodes.capacity_freed()


def _name(pod: Pod) -> str:
    return pod.name


def _container_name(pod: Pod) -> str:
    containers = (pod.template.get("spec") or {}).get("containers") or []
    return str(containers[0].get("name", "")) if containers else ""
