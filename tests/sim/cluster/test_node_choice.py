"""The scheduler's node choice, from rankings built on the nodes as they were set, equals its
definition: among live nodes with room, the fewest pods; among those, the lowest-index one
holding the pod's images, else the lowest-index one; none when no live node has room."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import simpy
from hypothesis import given
from hypothesis import strategies as st

from canarysim.sim.cluster.nodes import Nodes

_NODE = st.tuples(
    st.booleans(),  # alive
    st.integers(0, 4),  # pods on it
    st.sets(st.sampled_from(["a", "b", "c"]), max_size=3),  # images held
)


def _definition(nodes: Nodes, images: set[str]) -> Any:
    room = [
        n
        for n in nodes.by_name.values()
        if n.alive and (nodes.max_pods is None or len(n.pods) < nodes.max_pods)
    ]
    if not room:
        return None
    fewest = min(len(n.pods) for n in room)
    tied = sorted((n for n in room if len(n.pods) == fewest), key=lambda n: n.index)
    return next((n for n in tied if images <= n.images), tied[0])


@given(
    specs=st.lists(_NODE, min_size=1, max_size=8),
    images=st.sets(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=2),
    max_pods=st.one_of(st.none(), st.integers(1, 4)),
)
def test_least_loaded_is_its_definition(
    specs: list[tuple[bool, int, set[str]]], images: set[str], max_pods: int | None
) -> None:
    nodes = Nodes(simpy.Environment(), len(specs), max_pods, lambda *_: None)
    for node, (alive, pods, held) in zip(nodes.by_name.values(), specs, strict=True):
        node.alive, node.images = alive, set(held)
        node.pods = [object()] * pods  # type: ignore[list-item]
    pod = SimpleNamespace(images=sorted(images))
    assert nodes._least_loaded(pod) is _definition(nodes, images)  # type: ignore[arg-type]
