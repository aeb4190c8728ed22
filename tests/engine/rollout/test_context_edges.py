"""The reconcile context's small facts (utils/rollout/rolloututil.go ``CanaryStepString``,
utils/replicaset/canary.go ``GetCurrentSetWeight`` and ``AtDesiredReplicaCountsForCanary``),
pinned where the mutation run of ``engine/rollout/context.py`` asked."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_steps_world import H1, H2, NOW, make_plan, make_status, rs

from canarysim.engine.model import (
    Analysis,
    CompoundStep,
    Experiment,
    Observation,
    Pause,
    ReplicaSetView,
    SetCanaryScale,
    SetHeaderRoute,
    SetMirrorRoute,
    SetWeight,
    Step,
    TrafficWeights,
    WeightDestination,
)
from canarysim.engine.rollout.context import Context, step_mapping, step_string


@pytest.mark.parametrize(
    ("step", "text"),
    [
        (Pause(seconds=30.0), "pause: 30"),
        (Pause(seconds=0.0), "pause: 0"),
        (Pause(seconds=1.5), "pause: 1.5"),
        (Pause(seconds=30.0, raw="30s"), "pause: 30s"),
        (SetCanaryScale(weight=30), "setCanaryScale{weight: 30}"),
        (SetCanaryScale(match_traffic_weight=True), "setCanaryScale{matchTrafficWeight: true}"),
        (SetCanaryScale(replicas=2), "setCanaryScale{replicas: 2}"),
        (SetHeaderRoute("h"), "setHeaderRoute: h"),
        (SetMirrorRoute("m"), "setMirrorRoute: m"),
    ],
)
def test_step_string(step: Step, text: str) -> None:
    """A pause built without its manifest text prints its seconds as Go prints an int."""
    assert step_string(step) == text


def _ctx(*rss: ReplicaSetView, index: int | None = 0, **kw: Any) -> Context:
    plan = make_plan(**kw.pop("plan", {}))
    status = make_status(plan, index=index, **kw)
    views = tuple(replace(r, rollout_replicas=plan.replicas) for r in rss)
    return Context(plan, status, Observation(now=NOW, replica_sets=views))


@pytest.mark.parametrize(
    ("index", "abort", "expect"),
    [(0, False, 0), (1, False, 20), (2, False, 20), (3, False, 100), (2, True, 0)],
    ids=["before any setWeight", "at one", "after one", "past the last step", "aborted"],
)
def test_current_set_weight(index: int, abort: bool, expect: int) -> None:
    steps = (Pause(), SetWeight(20), Pause())
    assert _ctx(index=index, abort=abort, plan={"steps": steps}).current_set_weight() == expect


def _at_desired(*rss: ReplicaSetView, weights: TrafficWeights | None = None, **kw: Any) -> bool:
    """10 replicas at the 20 % step (canary H2 wants 2, stable H1 wants 10)."""
    plan = {"replicas": 10, "steps": (SetWeight(20),), **kw.pop("plan", {})}
    return _ctx(*rss, stable=H1, plan=plan, **kw).at_desired_replica_counts(weights)


def test_at_desired_needs_the_new_replica_set() -> None:
    assert not _at_desired(rs(H1, 10))


def test_at_desired_needs_the_stable_replica_set() -> None:
    assert _at_desired(rs(H2, 2), rs(H1, 10), plan={"traffic_routing": True})
    assert not _at_desired(rs(H2, 2), plan={"traffic_routing": True})


def test_at_desired_needs_the_stables_pods_created() -> None:
    """``allDesiredAreCreated``: spec and status replicas both at the desired count."""
    routed = {"traffic_routing": True}
    assert not _at_desired(rs(H2, 2), rs(H1, 10, status_replicas=9), plan=routed)
    assert not _at_desired(rs(H2, 2), rs(H1, 9, status_replicas=10), plan=routed)


def test_at_desired_skips_the_stable_only_with_dynamic_stable_scale() -> None:
    assert _at_desired(
        rs(H2, 2), rs(H1, 4), plan={"traffic_routing": True, "dynamic_stable_scale": True}
    )
    assert not _at_desired(rs(H2, 2), rs(H1, 4), plan={"traffic_routing": True})


def test_at_desired_reads_the_weights_it_is_given() -> None:
    """Aborted under dynamicStableScale the canary keeps the pods for the traffic it still
    gets: with 50 % still on it, 5 canary pods are the desired count, without weights 0."""
    plan = {"traffic_routing": True, "dynamic_stable_scale": True}
    weights = TrafficWeights(WeightDestination(50, H2), WeightDestination(50, H1))
    assert _at_desired(rs(H2, 5), rs(H1, 10), weights=weights, abort=True, plan=plan)
    assert not _at_desired(rs(H2, 5), rs(H1, 10), abort=True, plan=plan)


@pytest.mark.parametrize(
    ("step", "mapping"),
    [
        (SetWeight(20), {"setWeight": 20}),
        (SetCanaryScale(replicas=2), {"setCanaryScale": {"replicas": 2}}),
        (SetCanaryScale(weight=30), {"setCanaryScale": {"weight": 30}}),
        (
            SetCanaryScale(match_traffic_weight=True),
            {"setCanaryScale": {"matchTrafficWeight": True}},
        ),
        (Pause(), {"pause": {}}),
        (Pause(seconds=30.0), {"pause": {"duration": 30.0}}),
        (Analysis(), {"analysis": {}}),
        (Experiment(), {"experiment": {}}),
        (SetHeaderRoute("h"), {"setHeaderRoute": {}}),
        (SetMirrorRoute("m"), {"setMirrorRoute": {}}),
        (CompoundStep((SetWeight(20), Pause())), {"setWeight": 20, "pause": {}}),
    ],
)
def test_step_mapping(step: Step, mapping: dict[str, Any]) -> None:
    """The manifest form the replica arithmetic reads: the set fields only, under the
    manifest's (lower camel case) names; a compound step holds every field."""
    assert step_mapping(step) == mapping
