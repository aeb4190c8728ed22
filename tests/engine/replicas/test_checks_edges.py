"""Step-completion edges the mutation run found unpinned (``utils/replicaset/canary.go``).

``ReplicaProgressThresholdMet``: a negative value means "use the default" (all desired pods
available), zero is a real threshold, and a Percent is compared with a 1e-10 tolerance.
``AtDesiredReplicaCountsForCanary``: the threshold applies, and the stable's spec must match even
when its created pods already do. Values worked by hand from the Go functions.
"""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.replicas import (
    ReplicaSetCounts,
    at_desired_replica_counts,
    replica_progress_threshold_met,
)

RS = ReplicaSetCounts


@pytest.mark.parametrize(
    "threshold,canary,desired,expect",
    [
        pytest.param({"type": "Percent", "value": -1}, RS(10, 7), 10, False,
                     id="negative value falls back to all desired available"),
        pytest.param({"type": "Pods", "value": 0}, RS(10, 0), 10, True,
                     id="zero Pods is met with no pod available"),
        pytest.param({"type": "Percent", "value": 100}, RS(200, 199), 200, False,
                     id="99.5 percent is below 100"),
        # 29 / 100 * 100 is 28.999999999999996 in binary floating point: the tolerance passes it
        pytest.param({"type": "Percent", "value": 29}, RS(100, 29), 100, True,
                     id="29 of 100 meets 29 percent despite float error"),
    ],
)  # fmt: skip
def test_replica_progress_threshold_edges(
    threshold: dict[str, Any], canary: ReplicaSetCounts, desired: int, expect: bool
) -> None:
    assert replica_progress_threshold_met(threshold, canary, desired) is expect


def _at(**kw: Any) -> bool:
    base: dict[str, Any] = dict(
        desired=(4, 6),
        canary=RS(4, 4),
        stable=RS(6, 6),
        stable_current=6,
        others_available=0,
        traffic_routing=False,
    )
    return at_desired_replica_counts(**{**base, **kw})


def test_at_desired_applies_the_progress_threshold() -> None:
    threshold = {"type": "Pods", "value": 3}
    assert _at(canary=RS(4, 3), replica_progress_threshold=threshold)
    assert not _at(canary=RS(4, 3))


def test_at_desired_needs_the_stable_spec_even_when_its_pods_match() -> None:
    assert not _at(stable=RS(7, 6), stable_current=6)


def test_at_desired_needs_a_stable_without_dynamic_stable_scale() -> None:
    assert not _at(stable=None, stable_current=0, desired=(4, 0))
