"""The seed system: scenarios/imesh-canary and its as-published twin."""

from __future__ import annotations

from pathlib import Path

from canarysim.declarations import (
    exit_code,
    load_scenario,
    rollout_invalid_message,
    to_command,
    to_plan,
    validate_paths,
)
from canarysim.engine import model as em

ROOT = Path(__file__).resolve().parents[2] / "scenarios" / "imesh-canary"


def test_corrected_scenario_is_exactly_the_article_system():
    s = load_scenario(ROOT / "scenario.yaml")
    assert (s.name, s.namespace, s.until, s.traffic.rate, s.traffic.arrival) == (
        "imesh-canary",
        "deb-ns",
        7200.0,
        100.0,
        "poisson",
    )
    ro = s.rollout
    assert (ro.name, ro.namespace, ro.spec.replicas) == ("imesh-rollout", "deb-ns", 2)
    assert (ro.spec.min_ready_seconds, ro.spec.revision_history_limit) == (30, 3)
    assert ro.spec.selector is not None and ro.spec.selector.match_labels == {"app": "nginx"}
    (container,) = ro.spec.template.spec.containers
    assert (container.name, container.image, container.ports[0].container_port) == (
        "nginx",
        "nginx:1.15.4",
        80,
    )
    c = ro.canary
    assert c is not None and (c.canary_service, c.stable_service) == ("canary-svc", "stable-svc")
    assert ro.istio is not None and ro.istio.virtual_service is not None
    assert (ro.istio.virtual_service.name, ro.istio.virtual_service.routes) == (
        "imesh-vsvc",
        ["primary"],
    )
    assert (c.steps[0].kind, c.steps[0].action) == ("setWeight", 50)
    assert c.steps[1].pause is not None and c.steps[1].pause.duration == "1h"
    (vs,) = s.manifests.virtual_services
    assert (vs.name, vs.spec.gateways, vs.spec.hosts) == (
        "imesh-vsvc",
        ["imesh-gateway"],
        ["imesh-rollout"],
    )
    route = vs.spec.http[0] if vs.spec.http else None
    assert route is not None and route.name == "primary"
    assert [(d.destination.host, d.weight) for d in route.route] == [
        ("stable-svc", 100),
        ("canary-svc", 0),
    ]
    (gw,) = s.manifests.gateways
    assert (
        gw.name,
        gw.spec.selector,
        gw.spec.servers[0].port.number,
        gw.spec.servers[0].hosts,
    ) == (
        "imesh-gateway",
        {"istio": "ingressgateway"},
        80,
        ["*"],
    )
    assert sorted(svc.name for svc in s.manifests.services) == ["canary-svc", "stable-svc"]
    for svc in s.manifests.services:
        assert (svc.spec.ports[0].port, svc.spec.ports[0].target_port) == (80, "http")
    (action,) = s.operator
    assert (action.at, action.do, action.container, action.image) == (
        300.0,
        "setImage",
        "nginx",
        "nginx:1.15.5",
    )
    assert to_command(action) == em.SetImage(image="nginx:1.15.5", container="nginx")


def test_corrected_scenario_is_valid_and_clean():
    s = load_scenario(ROOT / "scenario.yaml")
    assert rollout_invalid_message(s) is None
    findings = validate_paths([ROOT / "scenario.yaml"])
    assert findings == []
    assert exit_code(findings) == 0


def test_corrected_plan_has_argo_defaults():
    s = load_scenario(ROOT / "scenario.yaml")
    plan = to_plan(s.rollout, pod_template_hash="h1")
    assert plan == em.Plan(
        name="imesh-rollout",
        replicas=2,
        pod_template_hash="h1",
        steps=(em.SetWeight(50), em.Pause(seconds=3600.0, raw="1h")),
        traffic_routing=True,
        canary_service="canary-svc",
        stable_service="stable-svc",
        min_ready_seconds=30.0,
        revision_history_limit=3,
        progress_deadline_seconds=600.0,
    )
    assert plan.effective_scale_down_delay == 30.0


def test_as_published_is_invalid_as_argo_says():
    s = load_scenario(ROOT / "as-published" / "scenario.yaml")
    assert rollout_invalid_message(s) == (
        'The Rollout "imesh-rollout" is invalid: spec.strategy.canary.stableService: '
        'Invalid value: "stable-svc": Service "stable-svc" has unmatch label "app" in rollout'
    )


def test_as_published_findings():
    """Its errors are errors of the manifests; the scenario accepts them on purpose
    (acceptErrors), so validating the scenario shows them as accepted warnings."""
    manifests = sorted((ROOT / "as-published").glob("[grsv]*.yaml"))
    findings = validate_paths([p for p in manifests if p.name != "scenario.yaml"], "deb-ns")
    accepted = validate_paths([ROOT / "as-published" / "scenario.yaml"])
    assert {(f.file, f.line, f.rule) for f in accepted} == {
        (f.file, f.line, f.rule) for f in findings
    }
    assert all(f.severity == "warning" for f in accepted)
    assert all(
        f.message.endswith("(accepted: acceptErrors)")
        for f in accepted
        if "/" in f.rule and f.rule.split("/")[0] in ("argo",)
    )
    got = {(Path(f.file).name, f.line, f.rule, f.severity) for f in findings}
    assert got == {
        ("gateway.yaml", 6, "lint/unknown-field", "warning"),
        ("virtualservice.yaml", 6, "lint/unknown-field", "warning"),
        ("rollout.yaml", 6, "lint/unknown-field", "warning"),
        ("services.yaml", 6, "lint/unknown-field", "warning"),
        ("services.yaml", 18, "lint/unknown-field", "warning"),
        ("rollout.yaml", 27, "argo/invalid-spec", "error"),
        ("rollout.yaml", 26, "argo/invalid-spec", "error"),
        ("services.yaml", 8, "lint/service-selects-nothing", "error"),
        ("services.yaml", 20, "lint/service-selects-nothing", "error"),
        ("services.yaml", 12, "lint/target-port", "error"),
        ("services.yaml", 24, "lint/target-port", "error"),
    }
    messages = {f.message for f in findings}
    assert (
        'unknown field "metadata.Namespace" in Rollout "imesh-rollout" (did you mean '
        "'namespace'?): kubectl apply rejects it (strict field validation) and a lenient apply "
        "drops it; the object goes to namespace deb-ns"
    ) in messages
    assert (
        'Service "canary-svc" targets port "http" but no container of Rollout "imesh-rollout" '
        "names a port so (named ports: none): its endpoints get no port and requests fail"
    ) in messages
    assert (
        'Service "stable-svc" selects app: imesh-rollout but the pods of Rollout "imesh-rollout" '
        "carry app: nginx: it has no endpoints"
    ) in messages
    assert (
        'The Rollout "imesh-rollout" is invalid: spec.strategy.canary.canaryService: Invalid '
        'value: "canary-svc": Service "canary-svc" has unmatch label "app" in rollout'
    ) in messages
    assert exit_code(findings) == 1


def test_as_published_manifests_without_the_scenario_default_namespace(tmp_path):
    """Applied without -n, the misspelt Namespace keys put everything in "default"."""
    files = sorted((ROOT / "as-published").glob("*.yaml"))
    files = [f for f in files if f.name != "scenario.yaml"]
    findings = validate_paths(files)
    assert any("the object goes to namespace default" in f.message for f in findings)
