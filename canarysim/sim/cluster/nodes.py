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
    """A node: alive or not, the images it holds, its pods (Terminating ones included)."""

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
                self._emit(
                    f"Pod/{pod.name}",
                    "Scheduled",
                    f"Successfully assigned {pod.namespace}/{pod.name} to {node.name}",
                )
                return node.name
            yield self._capacity

    def _least_loaded(self, pod: Pod) -> Node | None:
        """The live node with room and the fewest pods, then one holding the pod's images,
        then the first; None if none has room. One pass over the nodes per pod, no
        per-node tuple (many nodes, many pods): the lowest-index node of the fewest pods
        so far, and the lowest-index one of them holding the images."""
        cap = self.max_pods
        images = set(pod.images)
        fewest = -1
        first: Node | None = None
        holder: Node | None = None
        for n in self.by_name.values():
            if not n.alive:
                continue
            k = len(n.pods)
            if cap is not None and k >= cap:
                continue
            if fewest < 0 or k < fewest:
                fewest, first = k, n
                holder = n if images <= n.images else None
            elif k == fewest:
                if first is None or n.index < first.index:
                    first = n
                if images <= n.images and (holder is None or n.index < holder.index):
                    holder = n
        return holder if holder is not None else first

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
            self._emit(obj, "Pulled", f'Successfully pulled image "{image}" in {seconds:.3g}s')

    def remove_pod(self, pod: Pod) -> None:
        if pod.node is not None:
            node = self.by_name[pod.node]
            if pod in node.pods:
                node.pods.remove(pod)
                self.capacity_freed()
