"""Our own equivalents of Argo's example manifests load and validate as Argo would.

The fixtures under fixtures/ mirror upstream examples/rollout-canary.yaml,
examples/analysis-templates.yaml, examples/istio/*.yaml and test/e2e/istio/*.yaml (written
afresh, same shapes). Upstream applies all of them successfully, so Argo's validation must
accept every one; lint may only add the warnings listed here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from canarysim.declarations import (
    exit_code,
    first_invalid_message,
    load_manifests,
    scenario_from_manifests,
    to_plan,
    validate_paths,
)

FIXTURES = Path(__file__).parent / "fixtures"

EXPECTED_WARNINGS: dict[str, set[str]] = {
    "canary-basic.yaml": set(),
    "analysis-templates.yaml": set(),
    "istio-mirror.yaml": set(),
    "istio-subset-split.yaml": set(),
    "istio-host-tls-split.yaml": set(),
    "istio-host-tls-only.yaml": set(),
    "istio-ping-pong.yaml": set(),
    "istio-experiment-step.yaml": set(),
}


def test_every_fixture_is_listed():
    assert {p.name for p in FIXTURES.glob("*.yaml")} == set(EXPECTED_WARNINGS)


@pytest.mark.parametrize("name", sorted(EXPECTED_WARNINGS))
def test_fixture_is_accepted_by_argo(name):
    path = FIXTURES / name
    objs = load_manifests([path])
    for ro in objs.rollouts:
        assert first_invalid_message(ro, objs) is None
    findings = validate_paths([path])
    assert {f.message for f in findings} == EXPECTED_WARNINGS[name]
    assert all(f.severity == "warning" for f in findings)
    assert exit_code(findings) == 0


@pytest.mark.parametrize(
    "name", sorted(n for n in EXPECTED_WARNINGS if n != "analysis-templates.yaml")
)
def test_fixture_becomes_a_scenario_and_a_plan(name):
    objs = load_manifests([FIXTURES / name])
    s = scenario_from_manifests(objs, seed=4)
    assert (s.seed, s.until, s.traffic.rate, s.traffic.arrival) == (4, 7200.0, 100.0, "poisson")
    plan = to_plan(s.rollout, pod_template_hash="abc")
    assert plan.name == s.rollout.name
    assert len(plan.steps) == len(s.rollout.canary.steps)


def test_analysis_templates_fixture_models():
    objs = load_manifests([FIXTURES / "analysis-templates.yaml"])
    assert [t.name for t in objs.analysis_templates] == ["always-pass", "coin-flip", "http-health"]
    (cat,) = objs.cluster_analysis_templates
    assert cat.namespace == "default" and cat.metadata.namespace is None  # cluster-scoped
    flip = objs.analysis_template("coin-flip", "default")
    assert flip is not None
    (metric,) = flip.spec.metrics
    assert (metric.count, metric.interval, metric.failure_limit) == (2, "5s", 1)
    assert metric.provider.kinds == ["job"]
    web = objs.analysis_template("http-health", "default")
    assert web is not None and web.spec.metrics[0].provider.web is not None
    assert web.spec.metrics[0].provider.web.json_path == "{$.status}"


def test_mirror_fixture_steps():
    plan = to_plan(load_manifests([FIXTURES / "istio-mirror.yaml"]).rollout, pod_template_hash="h")
    from canarysim.engine import model as em

    assert plan.steps == (
        em.SetCanaryScale(weight=50),
        em.SetMirrorRoute(
            name="mirror-cart",
            match=({"method": {"exact": "POST"}, "path": {"prefix": "/cart"}},),
            percentage=50,
        ),
        em.Pause(),
    )
    assert plan.managed_routes == ("mirror-cart",)
