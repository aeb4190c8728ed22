"""Nodes: where pods run, which images they hold, and how a pod gets a node.

The scheduler is reduced to what shapes a rollout's timing: a pod goes to the live node with
the fewest pods; among those, to one that already has its images (kube-scheduler's
ImageLocality score breaks such ties), then by node order (kube-scheduler picks at random
among equal scores; a fixed order keeps runs reproducible). It waits ``Pending`` while no
live node has room. Each node keeps an image cache: the first pod needing an image pulls it,
later ones find it "already present on machine". Pulls on one node run one at a time, as with
the kubelet's default ``serializeImagePulls: true``; a pod queued behind a pull of the same
image finds it present when its turn comes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from canarysim.errors import SimulationError
from canarysim.sim.cluster.pods.pod import Pod

__all__ = ["Node", "Nodes"]

#: ``emit(object, reason, message)``: report a Kubernetes event.
Emit = Callable[[str, str, str], None]


@dataclass(eq=False)
class Node:
    """A node: alive or not, the images it holds, its pods (Terminating ones included).
    Changed through :class:`Nodes` (or followed by :meth:`Nodes.changed`): the scheduler's
    rankings follow each change."""

    name: str
    index: int
    alive: bool = True
    images: set[str] = field(default_factory=set)
    pods: list[Pod] = field(default_factory=list)
    puller: simpy.Resource | None = field(default=None, repr=False)


class Nodes:
    """The cluster's nodes ``node-1`` ... ``node-<count>``."""

    def __init__(
        self, env: simpy.Environment, count: int, max_pods: int | None, emit: Emit
    ) -> None:
        if count < 1:
            raise SimulationError(f"a cluster needs at least one node, got {count}")
        self.env = env
        self.max_pods = max_pods
        self._emit = emit
        self.by_name: dict[str, Node] = {}
        for i in range(count):
            name = f"node-{i + 1}"
            # the image puller is made at the node's first pull (most never pull)
            self.by_name[name] = Node(name, i)
        self._nodes = list(self.by_name.values())
        #: Per image set of the pods bound so far, the nodes ranked for such a pod (a few
        #: sets at most: the oldest one is dropped past :data:`_MAX_RANKINGS`).
        self._rankings: dict[frozenset[str], _Ranking] = {}
        self._capacity = env.event()

    def __getitem__(self, name: str) -> Node:
        try:
            return self.by_name[name]
        except KeyError:
            raise SimulationError(f"no node {name!r}") from None

    def __iter__(self) -> Any:
        return iter(self.by_name.values())

    def capacity_freed(self) -> None:
        """A pod left a node or a node came back: pods waiting for room try again."""
        self._capacity.succeed()
        self._capacity = self.env.event()

    def bind(self, pod: Pod) -> Generator[simpy.Event, Any, str]:
        """Wait for a live node with room, then bind *pod* to the least-loaded one
        (preferring a node that has its images)."""
        while True:
            node = self._least_loaded(pod)
            if node is not None:
                pod.node = node.name
                node.pods.append(pod)
                self.changed(node)
                self._emit(
                    f"Pod/{pod.name}",
                    "Scheduled",
                    f"Successfully assigned {pod.namespace}/{pod.name} to {node.name}",
                )
                return node.name
            yield self._capacity

    def _least_loaded(self, pod: Pod) -> Node | None:
        """The live node with room and the fewest pods, then one holding the pod's images,
        then the first; None if none has room. Answered from the :class:`_Ranking` of the
        pod's image set (kept current as nodes change), not by a pass over the nodes."""
        images = frozenset(pod.images)
        ranking = self._rankings.get(images)
        if ranking is None:
            if len(self._rankings) >= _MAX_RANKINGS:
                del self._rankings[next(iter(self._rankings))]  # the oldest one
            ranking = self._rankings[images] = _Ranking(images, self._nodes, self.max_pods)
        best = ranking.tree[1]
        return None if best >= _NO_ROOM else self._nodes[best & ranking.mask]

    def changed(self, node: Node) -> None:
        """*node*'s pods, aliveness or images changed: its key follows in every ranking (see
        :class:`_Ranking`). Whoever changes them calls this (the methods here do)."""
        for ranking in self._rankings.values():
            key = ranking.key(node, self.max_pods)
            tree = ranking.tree
            j = ranking.mask + 1 + node.index
            if tree[j] == key:
                continue
            tree[j] = key
            while j > 1:  # up to the root: each slot the least of its two below
                other = tree[j ^ 1]
                if other < key:
                    key = other
                j >>= 1
                if tree[j] == key:
                    break  # unchanged here, so unchanged above
                tree[j] = key

    def add_images(self, name: str, images: list[str]) -> None:
        """The node holds *images* (a pod's, when it starts warm)."""
        node = self[name]
        if not node.images.issuperset(images):  # (mostly held already: nothing changes)
            node.images.update(images)
            self.changed(node)

    def node_down(self, node: Node) -> None:
        """*node* is lost with its image cache (its pods are removed by the caller)."""
        node.alive = False
        node.images.clear()
        self.changed(node)

    def node_up(self, node: Node) -> None:
        """*node* is back, its image cache empty."""
        node.alive = True
        self.changed(node)

    def pull(
        self, pod: Pod, node_name: str, image: str, seconds: float
    ) -> Generator[simpy.Event, Any, None]:
        """Make *image* present on the node: at once if cached, else one serialised pull."""
        node = self[node_name]
        obj = f"Pod/{pod.name}"
        present = f'Container image "{image}" already present on machine'
        if image in node.images:
            self._emit(obj, "Pulled", present)
            return
        if node.puller is None:
            node.puller = simpy.Resource(self.env, capacity=1)
        with node.puller.request() as req:
            yield req
            if image in node.images:
                self._emit(obj, "Pulled", present)
                return
            self._emit(obj, "Pulling", f'Pulling image "{image}"')
            yield self.env.timeout(seconds)
            if node.alive:
                node.images.add(image)
                self.changed(node)
            self._emit(obj, "Pulled", f'Successfully pulled image "{image}" in {seconds:.3g}s')

    def remove_pod(self, pod: Pod) -> None:
        if pod.node is not None:
            node = self.by_name[pod.node]
            if pod in node.pods:
                node.pods.remove(pod)
                self.changed(node)
                self.capacity_freed()


_MAX_RANKINGS = 8

#: The rank of a node that cannot take a pod (down, or at ``max_pods``): above every other.
_NO_ROOM = 1 << 62


class _Ranking:
    """The nodes ranked for a pod needing *images*. A node's key is its rank (``2 * pods``,
    plus 1 if it lacks one of the images), then its index in the low ``shift`` bits;
    :data:`_NO_ROOM` if it is down or full. The scheduler's choice (fewest pods, then holding
    the images, then lowest index) is the node of the least key, kept at the root of a
    tournament tree: ``tree[size + i]`` is node *i*'s key, ``tree[j]`` the lesser of
    ``tree[2j]`` and ``tree[2j + 1]``. A node's change replays its path to the root (log of the
    node count, less when a slot comes out unchanged); the choice is read at the root."""

    __slots__ = ("images", "mask", "shift", "tree")

    def __init__(self, images: frozenset[str], nodes: list[Node], cap: int | None) -> None:
        self.images = images
        shift = max(1, (len(nodes) - 1).bit_length())
        size = 1 << shift
        self.shift, self.mask = shift, size - 1
        tree = [_NO_ROOM] * (2 * size)
        for n in nodes:
            tree[size + n.index] = self.key(n, cap)
        for j in range(size - 1, 0, -1):
            tree[j] = min(tree[2 * j], tree[2 * j + 1])
        self.tree = tree

    def key(self, node: Node, cap: int | None) -> int:
        """*node*'s key here (see the class doc)."""
        k = len(node.pods)
        if not node.alive or (cap is not None and k >= cap):
            return _NO_ROOM
        return (2 * k + (0 if self.images <= node.images else 1)) << self.shift | node.index
