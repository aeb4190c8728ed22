"""The step plan: earliest time per step and the minimum duration, on hand-made Plans."""

from __future__ import annotations

import pytest

from canarysim.engine.model import Analysis, Pause, Plan, SetCanaryScale, SetWeight
from canarysim.report.steps.plan import canary_pods, plan_steps
from canarysim.report.steps.table import render_plan


def _plan(*steps: object, **kw: object) -> Plan:
    base = {
        "name": "r",
        "replicas": 2,
        "pod_template_hash": "h",
        "traffic_routing": True,
        "min_ready_seconds": 30.0,
    }
    base.update(kw)
    return Plan(steps=tuple(steps), **base)  # type: ignore[arg-type]


def test_seed_rollout_takes_at_least_an_hour_and_a_minute() -> None:
    plan = plan_steps(_plan(SetWeight(50), Pause(3600.0, "1h")), start=300.0)
    reached = [s.reached for s in plan.steps]
    assert reached == [300.0, 330.0, 3930.0]
    assert [s.canary_pods for s in plan.steps] == [1, 1, 2]
    assert plan.minimum_duration == 3600.0 + 30.0 + 30.0
    text = render_plan(plan)
    assert "Whole rollout: at least 1h01m (update at 5m00s, Healthy at 1h06m00s" in text
    assert "pause 1h" in text


def test_an_indefinite_pause_has_no_bound() -> None:
    plan = plan_steps(_plan(SetWeight(20), Pause(None), SetWeight(100)))
    assert plan.steps[1].minimum is None
    assert plan.minimum_duration is None
    assert "no upper bound" in render_plan(plan)


def test_weight_steps_that_need_no_new_pod_cost_nothing() -> None:
    # 2 replicas: ceil(2*0.2)=1 and ceil(2*0.4)=1, so the second step needs no new pod.
    plan = plan_steps(_plan(SetWeight(20), SetWeight(40), SetWeight(60)))
    assert [s.minimum for s in plan.steps] == [30.0, 0.0, 30.0, 0.0]


@pytest.mark.parametrize(
    ("routing", "weight", "pods"),
    [(True, 10, 1), (True, 50, 5), (False, 10, 1), (False, 50, 5), (False, 0, 0)],
)
def test_canary_pods_follow_argo_arithmetic(routing: bool, weight: int, pods: int) -> None:
    plan = _plan(SetWeight(weight), replicas=10, traffic_routing=routing)
    assert canary_pods(plan, 0) == pods


def test_set_canary_scale_sizes_the_canary_with_traffic_routing() -> None:
    plan = _plan(SetCanaryScale(replicas=3), SetWeight(10), replicas=10)
    assert canary_pods(plan, 1) == 3
    assert canary_pods(plan, None) == 10


def test_analysis_steps_use_the_bound_given() -> None:
    plan = plan_steps(
        _plan(SetWeight(50), Analysis(("success-rate",))),
        analysis_bound=lambda names: 240.0 if names == ("success-rate",) else None,
    )
    assert plan.steps[1].minimum == 240.0
    assert plan_steps(_plan(Analysis(("x",)))).steps[0].minimum is None


def test_an_operator_promote_ends_an_indefinite_pause() -> None:
    plan = plan_steps(
        _plan(SetWeight(10), Pause(None), SetWeight(50), Pause(300.0, "5m"), min_ready_seconds=0),
        start=60.0,
        promotes=[30.0, 1200.0],  # the first is before the update and is ignored
    )
    assert [s.reached for s in plan.steps] == [60.0, 60.0, 1200.0, 1200.0, 1500.0]
    assert plan.steps[1].why == "until the operator's promote at 20m00s"
    assert plan.minimum_duration == 1440.0


def test_progress_during_a_run_marks_done_current_and_promotion() -> None:
    from cli_fakes import seed_like_result

    from canarysim.report.steps.observed import progress_at

    result = seed_like_result()
    plan = plan_steps(_plan(SetWeight(50), Pause(3600.0, "1h")), start=300.0)
    assert progress_at(result, plan, 100.0) == {0: "update starts at 5m00s"}
    assert progress_at(result, plan, 3600.0) == {
        0: "done at 5m42s",
        1: "Paused (5m42s remaining)",
    }
    assert progress_at(result, plan, 7000.0) == {
        0: "done at 5m42s",
        1: "done at 1h05m42s",
        -1: "Healthy at 1h06m25s",
    }
    text = render_plan(plan, progress=progress_at(result, plan, 3600.0))
    assert text.splitlines()[2].endswith("Paused (5m42s remaining)")
