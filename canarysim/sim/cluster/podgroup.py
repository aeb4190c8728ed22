"""A ReplicaSet's pods as its status, its snapshots and the Services need them, kept current.

Every change of a pod field that a status or a snapshot shows goes through ``Pod.__setattr__``
to its :class:`PodGroup`, which keeps running counts (``status.replicas``, ``readyReplicas``,
``availableReplicas``, terminating pods), the live pods in the order ``kubectl argo rollouts
get`` lists them with their Result snapshots, and the creation times of active pods. A change
then costs O(log pods) instead of a recount of every pod, which made runs quadratic in pods.
"""

from __future__ import annotations

import bisect
import math

from canarysim.engine.model.fastinit import frozen_dict_init
from canarysim.result import PodSnapshot
from canarysim.sim.cluster.pods.pod import Pod, share

__all__ = ["PodGroup"]


def _key(pod: Pod) -> tuple[int, str]:
    """``info/pod_info.go::addPodInfos`` order: creation time in whole seconds, then name."""
    return (math.floor(pod.created), pod.name)


_fill_pod = frozen_dict_init(PodSnapshot)


def _snapshot(pod: Pod) -> PodSnapshot:
    """``PodSnapshot(**pod.snapshot())``, filled through its ``__dict__`` (an equal, equally
    frozen snapshot; one per change of a pod a snapshot shows)."""
    snap: PodSnapshot = object.__new__(PodSnapshot)
    _fill_pod(snap, **pod.snapshot())
    return snap


class PodGroup:
    """The pods of one ReplicaSet (see the module doc); pods join with :meth:`add` and leave
    when they are gone."""

    def __init__(self) -> None:
        self.replicas = self.ready = self.available = self.terminating = 0
        self._keys: list[tuple[int, str]] = []
        self._pods: list[Pod] = []
        self._snaps: list[PodSnapshot] = []
        self._dirty: dict[str, Pod] = {}
        self._snap_tuple: tuple[PodSnapshot, ...] | None = None
        self._active_created: tuple[float, ...] | None = None
        self._serving: tuple[str, ...] | None = None

    def _count(self, part: tuple[int, int, int, int], sign: int) -> None:
        self.replicas += sign * part[0]
        self.ready += sign * part[1]
        self.available += sign * part[2]
        self.terminating += sign * part[3]

    def add(self, pod: Pod) -> None:
        if pod.gone:
            return
        key = _key(pod)
        i = bisect.bisect_right(self._keys, key)
        self._keys.insert(i, key)
        self._pods.insert(i, pod)
        self._snaps.insert(i, _snapshot(pod))
        self._count(share(pod.__dict__), 1)
        pod.watcher = self
        self._snap_tuple = self._active_created = self._serving = None

    def _drop(self, pod: Pod) -> None:
        i = bisect.bisect_left(self._keys, _key(pod))
        if i < len(self._pods) and self._pods[i] is pod:
            del self._keys[i], self._pods[i], self._snaps[i]
        self._dirty.pop(pod.name, None)
        self._serving = None
        pod.watcher = None

    def changed(self, pod: Pod, before: tuple[int, int, int, int] | None) -> None:
        if before is not None:
            after = share(pod.__dict__)
            if after != before:
                self._count(before, -1)
                self._count(after, 1)
                self._serving = None
                if after[0] != before[0]:
                    self._active_created = None
        if pod.gone:
            self._drop(pod)
        else:
            self._dirty[pod.name] = pod
        self._snap_tuple = None

    # ---------------------------------------------------------------- reading
    def pods(self) -> list[Pod]:
        """The live pods (Terminating ones included) in ``kubectl argo rollouts get`` order."""
        return list(self._pods)

    def first_ready(self) -> Pod | None:
        """The first Ready active pod in :meth:`pods` order, or None. (Terminating pods keep
        the labels they had; active ones all carry the template's, ephemeral metadata too.)"""
        if not self.ready:
            return None
        return next((p for p in self._pods if p.ready and p.deleted_at is None), None)

    def snapshots(self) -> tuple[PodSnapshot, ...]:
        """:class:`~canarysim.result.PodSnapshot` of each live pod, in :meth:`pods` order."""
        if self._snap_tuple is None:
            for pod in self._dirty.values():
                i = bisect.bisect_left(self._keys, _key(pod))
                self._snaps[i] = _snapshot(pod)
            self._dirty.clear()
            self._snap_tuple = tuple(self._snaps)
        return self._snap_tuple

    def serving(self) -> tuple[str, ...]:
        """Names of the Ready pods not being deleted (those a Service sends requests to),
        in :meth:`pods` order; the same tuple until one of them changes."""
        if self._serving is None:
            self._serving = tuple(p.name for p in self._pods if p.ready and p.active)
        return self._serving

    def active_created(self) -> tuple[float, ...]:
        """Creation times of the active pods (not Terminating), sorted."""
        if self._active_created is None:
            self._active_created = tuple(
                sorted(p.created for p in self._pods if p.deleted_at is None)
            )
        return self._active_created
