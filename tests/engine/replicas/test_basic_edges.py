"""Basic-canary edges the mutation run found unpinned (``basic_canary_counts``).

Each case is one behaviour of ``CalculateReplicaCountsForBasicCanary`` /
``adjustReplicaWithinLimits`` (``utils/replicaset/canary.go``), worked by hand from the Go
function: ``surge`` and ``unavailable`` are resolved pod counts, ``RS(spec, available)``.
"""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.replicas import ReplicaSetCounts, basic_canary_counts

RS = ReplicaSetCounts


def _edge(expect: tuple[int, int], id: str, **kw: Any) -> Any:
    return pytest.param({"max_weight": 100, **kw}, expect, id=id)


BASIC_EDGES = [
    _edge(
        (0, 10),
        "no canary ReplicaSet: none is sized up, and with no spare availability nothing moves",
        replicas=10,
        weight=50,
        surge=1,
        unavailable=0,
        canary=None,
        stable=RS(10, 10),
    ),
    _edge(
        (0, 7),
        "no canary ReplicaSet: the stable still scales down within maxUnavailable",
        replicas=10,
        weight=50,
        surge=0,
        unavailable=3,
        canary=None,
        stable=RS(10, 10),
    ),
    _edge(
        (1, 9),
        "an older ReplicaSet of one replica still blocks the scale-down",
        replicas=10,
        weight=50,
        surge=1,
        unavailable=5,
        canary=RS(1, 1),
        stable=RS(9, 9),
        others=(RS(1, 1),),
    ),
    _edge(
        (2, 5),
        "an older ReplicaSet of zero replicas does not block the scale-down",
        replicas=10,
        weight=50,
        surge=1,
        unavailable=5,
        canary=RS(1, 1),
        stable=RS(9, 9),
        others=(RS(0, 0),),
    ),
    _edge(
        (2, 9),
        "available exactly R - maxUnavailable: no scale-down budget at all",
        replicas=10,
        weight=50,
        surge=1,
        unavailable=1,
        canary=RS(1, 0),
        stable=RS(9, 9),
    ),
    _edge(
        (0, 4),
        "at exactly R - maxUnavailable nothing is adjusted, even a canary with a stray pod",
        replicas=4,
        weight=0,
        surge=0,
        unavailable=1,
        canary=RS(0, 1),
        stable=RS(3, 0),
    ),
    _edge(
        (3, 10),
        "maxTrafficWeight 200: setWeight 60 is 30 % of the pods, not 60 %",
        replicas=10,
        weight=60,
        surge=5,
        unavailable=0,
        canary=RS(0, 0),
        stable=RS(10, 10),
        max_weight=200,
    ),
    _edge(
        (0, 4),
        "the stable's availability counts when the canary's lost pods are added back",
        replicas=4,
        weight=0,
        surge=0,
        unavailable=1,
        canary=RS(0, 1),
        stable=RS(4, 3),
    ),
    _edge(
        (0, 3),
        "the stable keeps what R - maxUnavailable needs while the canary drains",
        replicas=4,
        weight=0,
        surge=0,
        unavailable=1,
        canary=RS(1, 0),
        stable=RS(3, 4),
    ),
]


@pytest.mark.parametrize("kw,expect", BASIC_EDGES)
def test_basic_canary_edges(kw: dict[str, Any], expect: tuple[int, int]) -> None:
    assert basic_canary_counts(**kw) == expect
