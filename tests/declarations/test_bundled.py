"""Every bundled scenario loads, and all but the as-published twin are valid and lint-clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from canarysim.declarations import load_scenario, rollout_invalid_message, to_plan, validate_paths

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ALL = sorted(SCENARIOS.rglob("scenario.yaml"))
VALID = [p for p in ALL if "as-published" not in p.parts]


def test_the_expected_scenarios_are_bundled():
    names = {p.parent.relative_to(SCENARIOS).as_posix() for p in ALL}
    assert names >= {
        "imesh-canary",
        "imesh-canary/as-published",
        "basic-canary",
        "subset-split",
        "header-route",
        "analysis-abort",
    }


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.parent.name)
def test_bundled_scenario_is_valid_and_clean(path):
    s = load_scenario(path)
    assert s.name == path.parent.name
    assert rollout_invalid_message(s) is None
    assert [str(f) for f in validate_paths([path])] == []
    plan = to_plan(s.rollout, pod_template_hash="h")
    if s.rollout.blue_green is not None:
        assert plan.blue_green is not None and not plan.steps
    else:
        assert plan.steps, "every bundled canary rollout has steps"
    for action in s.operator:
        if action.do == "setImage":
            assert action.image in s.versions, "the new image's behaviour is described"


def test_analysis_abort_loads_its_template():
    s = load_scenario(SCENARIOS / "analysis-abort" / "scenario.yaml")
    (t,) = s.manifests.analysis_templates
    (metric,) = t.spec.metrics
    assert (t.name, t.namespace, metric.interval, metric.failure_limit) == (
        "error-rate",
        "shop",
        "30s",
        1,
    )
    assert metric.provider.prometheus is not None
    assert "istio_requests_total" in metric.provider.prometheus.query
    plan = to_plan(s.rollout, pod_template_hash="h")
    assert plan.background_analysis is not None
    assert plan.background_analysis.templates == ("error-rate",)
    assert plan.background_analysis.starting_step == 1


def test_header_route_has_the_header_mix():
    s = load_scenario(SCENARIOS / "header-route" / "scenario.yaml")
    (mix,) = s.traffic.headers
    assert (mix.fraction, mix.headers) == (0.05, {"x-canary": "true"})
    plan = to_plan(s.rollout, pod_template_hash="h")
    assert plan.managed_routes == ("canary-testers",)
