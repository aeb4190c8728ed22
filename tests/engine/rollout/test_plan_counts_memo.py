"""The desired replica counts kept across the reconciles of one plan
(``Context.desired_counts``): every change of what the arithmetic reads is seen after the
memo filled, as a fresh plan (with an empty memo) would answer it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_steps_world import H1, H2, NOW, make_plan, make_status, rs

from canarysim.engine.model import (
    Observation,
    Pause,
    Plan,
    ReplicaSetView,
    SetCanaryScale,
    SetWeight,
    TrafficWeights,
    WeightDestination,
)
from canarysim.engine.rollout.context import Context

H3 = "h3old"
TR = {"traffic_routing": True, "canary_service": "canary", "stable_service": "stable"}


def _counts(plan: Plan, views: tuple[ReplicaSetView, ...], weights: Any, **status: Any) -> Any:
    st = make_status(plan, **status)  # (the stable is H1 unless given)
    views = tuple(replace(v, rollout_replicas=plan.replicas) for v in views)
    return Context(plan, st, Observation(now=NOW, replica_sets=views)).desired_counts(weights)


def _weights(canary: int) -> TrafficWeights:
    return TrafficWeights(WeightDestination(canary, H2), WeightDestination(100 - canary, H1))


# (views, router weights, status fields): each differs from the one before it in one input
CASES: list[tuple[tuple[ReplicaSetView, ...], Any, dict[str, Any]]] = [
    ((rs(H1, 10), rs(H2, 0)), None, {"index": 0}),
    ((rs(H1, 10), rs(H2, 2)), None, {"index": 0}),  # the canary's size
    ((rs(H1, 10), rs(H2, 2, 1)), None, {"index": 0}),  # its available pods
    ((rs(H1, 10, 7), rs(H2, 2)), None, {"index": 0}),  # the stable's available pods
    ((rs(H1, 9), rs(H2, 2)), None, {"index": 0}),  # the stable's size
    ((rs(H1, 9), rs(H2, 2), rs(H3, 2)), None, {"index": 0}),  # another ReplicaSet
    ((rs(H1, 9), rs(H2, 2), rs(H3, 2, 0)), None, {"index": 0}),  # its available pods
    ((rs(H1, 10), rs(H2, 2)), None, {"index": 1}),  # the step
    ((rs(H1, 10), rs(H2, 2)), None, {"index": 2}),  # a setCanaryScale step
    ((rs(H1, 10), rs(H2, 2)), None, {"index": 4}),  # past the last step
    ((rs(H1, 10), rs(H2, 2)), None, {"index": 1, "abort": True}),
    ((rs(H1, 10), rs(H2, 2)), None, {"index": 1, "promote_full": True}),
    ((rs(H1, 10), rs(H2, 2)), _weights(10), {"index": 1}),  # the router's weights
    ((rs(H1, 10), rs(H2, 2)), _weights(40), {"index": 1}),
    ((rs(H1, 6), rs(H2, 2)), None, {"index": 1}),  # the stable's size again, at step 1
    ((rs(H2, 2), rs(H3, 0)), None, {"index": 0, "stable": H2}),  # the canary is the stable
    ((rs(H1, 2), rs(H2, 2), rs(H3, 0)), None, {"index": 0}),  # a stable of the same size
]


@pytest.mark.parametrize(
    "kw",
    [{}, TR, {**TR, "dynamic_stable_scale": True}],
    ids=["basic", "traffic-routed", "dynamic stable scale"],
)
def test_one_plans_memo_answers_each_input_as_a_fresh_plan_would(kw: dict[str, Any]) -> None:
    steps = (SetWeight(20), SetWeight(50), SetCanaryScale(replicas=3), Pause())
    plan = make_plan(replicas=10, max_surge=2, max_unavailable=1, steps=steps, **kw)
    # each answer worked out for an equal plan of its own (nothing remembered for it yet)
    expected = [_counts(replace(plan), v, w, **st) for v, w, st in CASES]
    # then one plan through every case in turn, twice (the second time all remembered)
    assert [_counts(plan, v, w, **st) for v, w, st in CASES * 2] == expected * 2


def test_a_new_plan_is_not_answered_from_the_last_ones_memo() -> None:
    """The memo follows the plan: an equal-looking reconcile of a plan with other replicas
    is worked out for that plan."""
    plan = make_plan(replicas=10, steps=(SetWeight(50), Pause()), **TR)
    views = (rs(H1, 10), rs(H2, 5))
    assert _counts(plan, views, None, index=0) == (5, 10)
    bigger = replace(plan, replicas=20)
    assert _counts(bigger, views, None, index=0) == (10, 20)
    assert _counts(plan, views, None, index=0) == (5, 10)
