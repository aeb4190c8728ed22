"""Traffic-routed edges the mutation run found unpinned (``traffic_routed_canary_counts``).

``CalculateReplicaCountsForTrafficRoutedCanary`` (``utils/replicaset/canary.go``) divides every
weight by ``maxTrafficWeight``, not by 100, and applies ``minPodsPerReplicaSet`` to both sides
under dynamicStableScale. Values worked by hand: ``ceil(R * weight / maxWeight)``.
"""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.replicas import traffic_routed_canary_counts


def _edge(expect: tuple[int, int], id: str, **kw: Any) -> Any:
    base: dict[str, Any] = dict(
        replicas=10,
        explicit_canary=None,
        dynamic_stable_scale=False,
        min_pods_per_replica_set=None,
        aborted=False,
        traffic_weights=None,
        max_weight=100,
    )
    return pytest.param({**base, **kw}, expect, id=id)


ROUTED_EDGES = [
    _edge((3, 10), "maxTrafficWeight 200: weight 60 needs ceil(10*60/200) canary pods", weight=60,
          max_weight=200),
    _edge((3, 7), "maxTrafficWeight 200 with dynamicStableScale: stable carries 140 of 200",
          weight=60, max_weight=200, dynamic_stable_scale=True),
    _edge((3, 9), "maxTrafficWeight 200: the stable keeps pods for the 180 the router still sends",
          weight=60, max_weight=200, dynamic_stable_scale=True, traffic_weights=(20, 180)),
    _edge((5, 10), "maxTrafficWeight 200 on abort: the canary keeps pods for its 100 of 200",
          weight=0, max_weight=200, dynamic_stable_scale=True, traffic_weights=(100, 100),
          aborted=True),
    _edge((10, 2), "dynamicStableScale: minPodsPerReplicaSet also raises the stable",
          weight=95, dynamic_stable_scale=True, min_pods_per_replica_set=2),
]  # fmt: skip


@pytest.mark.parametrize("kw,expect", ROUTED_EDGES)
def test_traffic_routed_edges(kw: dict[str, Any], expect: tuple[int, int]) -> None:
    assert traffic_routed_canary_counts(**kw) == expect
