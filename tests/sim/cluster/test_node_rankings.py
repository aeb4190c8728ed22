"""The scheduler's kept rankings choose, after any sequence of changes to the nodes, the node a
plain scan over them chooses: pods bound and removed, nodes lost and back, images pulled or
found at a warm start, with or without a ``max_pods`` capacity."""

from __future__ import annotations

from itertools import count
from types import SimpleNamespace
from typing import Any

import simpy
from hypothesis import given
from hypothesis import strategies as st

from canarysim.sim.cluster.nodes import Node, Nodes

IMAGES = ["a", "b", "c"]
_IMAGE_SETS = st.lists(st.sampled_from(IMAGES), max_size=3)

_OPS = st.one_of(
    st.tuples(st.just("bind"), _IMAGE_SETS),
    st.tuples(st.just("remove"), st.integers(0, 1000)),
    st.tuples(st.just("bind"), _IMAGE_SETS),
    st.tuples(st.just("remove"), st.integers(0, 1000)),
    st.tuples(st.just("down"), st.integers(0, 1000)),
    st.tuples(st.just("up"), st.integers(0, 1000)),
    st.tuples(st.just("pull"), st.integers(0, 1000), st.sampled_from(IMAGES)),
    st.tuples(st.just("warm"), st.integers(0, 1000), _IMAGE_SETS),
)


def _scan(nodes: Nodes, images: list[str]) -> Node | None:
    """The choice by its definition: among live nodes with room, the fewest pods; among those,
    the lowest-index one holding every image, else the lowest-index one."""
    want = set(images)
    room = [
        n for n in nodes if n.alive and (nodes.max_pods is None or len(n.pods) < nodes.max_pods)
    ]
    if not room:
        return None
    fewest = min(len(n.pods) for n in room)
    tied = sorted((n for n in room if len(n.pods) == fewest), key=lambda n: n.index)
    return next((n for n in tied if want <= n.images), tied[0])


def _bind(nodes: Nodes, pod: Any) -> bool:
    """Run the scheduler's bind for *pod*; False if it would wait for room."""
    steps = nodes.bind(pod)
    try:
        next(steps)
    except StopIteration:
        return True
    steps.close()
    return False


@given(
    count_=st.integers(1, 9),
    max_pods=st.one_of(st.none(), st.integers(0, 4)),
    ops=st.lists(_OPS, max_size=80),
)
def test_kept_rankings_choose_as_a_scan(
    count_: int, max_pods: int | None, ops: list[tuple[Any, ...]]
) -> None:
    env = simpy.Environment()
    nodes = Nodes(env, count_, max_pods, lambda *_: None)
    listed = list(nodes)
    bound: list[Any] = []
    names = count()
    for op in ops:
        kind = op[0]
        if kind == "bind":
            pod = SimpleNamespace(
                name=f"p{next(names)}", namespace="ns", images=list(op[1]), node=None
            )
            expected = _scan(nodes, pod.images)
            assert nodes._least_loaded(pod) is expected  # type: ignore[arg-type]
            assert _bind(nodes, pod) is (expected is not None)
            if expected is not None:
                assert pod.node == expected.name
                bound.append(pod)
        elif kind == "remove" and bound:
            nodes.remove_pod(bound.pop(op[1] % len(bound)))
        elif kind == "down":
            node = listed[op[1] % count_]
            if node.alive:
                nodes.node_down(node)
                for pod in list(node.pods):
                    nodes.remove_pod(pod)
                    bound.remove(pod)
        elif kind == "up":
            down = [n for n in listed if not n.alive]
            if down:
                nodes.node_up(down[op[1] % len(down)])
        elif kind == "pull":
            node = listed[op[1] % count_]
            pod = SimpleNamespace(name="puller", namespace="ns")
            env.process(nodes.pull(pod, node.name, op[2], 1.0))  # type: ignore[arg-type]
            env.run()
        elif kind == "warm":
            nodes.add_images(listed[op[1] % count_].name, list(op[2]))
        for images in ([], ["a"], ["a", "b"], ["c"]):
            pod = SimpleNamespace(images=images)
            assert nodes._least_loaded(pod) is _scan(nodes, images)  # type: ignore[arg-type]


def test_rankings_past_the_kept_number_are_rebuilt() -> None:
    """More image sets than rankings kept: a dropped one is rebuilt from the nodes as they
    are, not as they were."""
    nodes = Nodes(simpy.Environment(), 3, None, lambda *_: None)
    first = SimpleNamespace(name="p0", namespace="ns", images=["x0"], node=None)
    assert _bind(nodes, first) and first.node == "node-1"
    for i in range(1, 12):
        pod = SimpleNamespace(name=f"p{i}", namespace="ns", images=[f"x{i}"], node=None)
        assert _bind(nodes, pod)
    nodes.add_images("node-2", ["x0"])
    again = SimpleNamespace(images=["x0"])
    assert nodes._least_loaded(again) is nodes["node-2"]  # type: ignore[arg-type]
    assert _scan(nodes, ["x0"]) is nodes["node-2"]
