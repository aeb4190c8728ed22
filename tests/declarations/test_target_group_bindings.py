"""``TargetGroupBinding`` manifests (``elbv2.k8s.aws``) and the ``aws.verifyTargetGroup``
switch: loaded and typed as Argo reads them (utils/aws/aws.go's subset), refused when a
cluster would refuse them, and ``validate`` saying, binding by binding, when the run will not
wait for one."""

from __future__ import annotations

from pathlib import Path

import pytest

from canarysim.declarations import load_scenario, validate_paths
from canarysim.declarations.load import load_manifests
from canarysim.errors import ScenarioError

BINDING = """
apiVersion: elbv2.k8s.aws/{version}
kind: TargetGroupBinding
metadata: {{name: web-tgb}}
spec:
  serviceRef: {{name: {service}, port: {port}}}
  targetGroupARN: arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/web/1
  {target_type}
  networking: {{ingress: []}}
"""

ROLLOUT = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: web:v1, ports: [{name: http, containerPort: 8080}]}]
  strategy:
    blueGreen: {activeService: web-active}
---
apiVersion: v1
kind: Service
metadata: {name: web-active}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
"""


def binding(
    *,
    version: str = "v1beta1",
    service: str = "web-active",
    port: str = "80",
    target_type: str = "targetType: ip",
) -> str:
    return BINDING.format(version=version, service=service, port=port, target_type=target_type)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifests.yaml"
    path.write_text(text)
    return path


def test_binding_is_loaded_and_typed(tmp_path: Path) -> None:
    objs = load_manifests([write(tmp_path, binding())])
    assert not [f for f in objs.findings if f.rule == "load/ignored-kind"]
    [tgb] = objs.target_group_bindings
    assert tgb.spec.service_ref.name == "web-active"
    assert tgb.spec.service_ref.port == 80
    assert tgb.spec.target_type == "ip"
    assert tgb.spec.target_group_arn.endswith("targetgroup/web/1")
    assert tgb.namespace == "default"


def test_named_port_stays_a_name(tmp_path: Path) -> None:
    """``port: http`` and ``port: "80"`` are names (intstr's string form), 80 is a number."""
    for written, read in (("http", "http"), ('"80"', "80"), ("80", 80)):
        objs = load_manifests([write(tmp_path, binding(port=written))])
        assert objs.target_group_bindings[0].spec.service_ref.port == read


def test_older_api_version_is_served(tmp_path: Path) -> None:
    objs = load_manifests([write(tmp_path, binding(version="v1alpha1"))])
    assert len(objs.target_group_bindings) == 1
    assert not [f for f in objs.findings if f.severity == "error"]


def test_unknown_api_version_is_an_error(tmp_path: Path) -> None:
    objs = load_manifests([write(tmp_path, binding(version="v1"))])
    [finding] = [f for f in objs.findings if f.rule == "load/api-version"]
    assert "elbv2.k8s.aws/v1alpha1, elbv2.k8s.aws/v1beta1" in finding.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            binding().replace(
                "  targetGroupARN: arn:aws:elasticloadbalancing:us-west-2:123456789012:"
                "targetgroup/web/1\n",
                "",
            ),
            "spec.targetGroupARN: expected this field to be set",
        ),
        (binding(target_type="targetType: pod"), "spec.targetType"),
    ],
)
def test_malformed_binding_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ScenarioError, match=expected.replace(".", r"\.")):
        load_manifests([write(tmp_path, text)])


# ------------------------------------------------------------------------- the switch
def scenario(tmp_path: Path, manifests: str, aws: str) -> Path:
    (tmp_path / "manifests.yaml").write_text(manifests)
    path = tmp_path / "scenario.yaml"
    path.write_text(f"name: t\nmanifests: [manifests.yaml]\n{aws}")
    return path


def test_the_flag_has_two_names_that_must_agree(tmp_path: Path) -> None:
    path = scenario(
        tmp_path, ROLLOUT, "aws:\n  verifyTargetGroup: true\n  albVerifyWeight: false\n"
    )
    with pytest.raises(ScenarioError, match="name the same controller flag"):
        load_scenario(path)
    agreed = scenario(
        tmp_path, ROLLOUT, "aws:\n  verifyTargetGroup: true\n  albVerifyWeight: true\n"
    )
    assert load_scenario(agreed).aws.verify
    assert load_scenario(scenario(tmp_path, ROLLOUT, "aws: {albVerifyWeight: true}\n")).aws.verify
    assert not load_scenario(scenario(tmp_path, ROLLOUT, "")).aws.verify


def lint(tmp_path: Path, manifests: str, aws: str = "aws: {verifyTargetGroup: true}\n") -> list:
    path = scenario(tmp_path, manifests, aws)
    return [
        (f.line, f.message) for f in validate_paths([path]) if f.rule == "scenario/target-group"
    ]


def test_validate_is_silent_about_a_binding_argo_verifies(tmp_path: Path) -> None:
    assert lint(tmp_path, ROLLOUT + "---" + binding()) == []
    assert lint(tmp_path, ROLLOUT + "---" + binding(port="http")) == []


@pytest.mark.parametrize(
    ("kw", "aws", "says"),
    [
        (
            {},
            "",
            "the controller runs without --aws-verify-target-group (aws.verifyTargetGroup): "
            "Argo never reads it",
        ),
        (
            {"target_type": "targetType: instance"},
            "aws: {verifyTargetGroup: true}\n",
            "targetType instance: Argo verifies only ip target groups (pod IPs), so the rollout "
            "never waits for it",
        ),
        (
            {"target_type": ""},
            "aws: {verifyTargetGroup: true}\n",
            "targetType unset: Argo verifies only ip target groups",
        ),
        (
            {"service": "web-preview"},
            "aws: {verifyTargetGroup: true}\n",
            'Service "web-preview" is not one Argo verifies',
        ),
        (
            {"port": "81"},
            "aws: {verifyTargetGroup: true}\n",
            'serviceRef.port 81 is no port of Service "web-active": Argo does not find the binding',
        ),
    ],
)
def test_validate_says_when_the_run_will_not_wait(
    tmp_path: Path, kw: dict[str, str], aws: str, says: str
) -> None:
    [(line, message)] = lint(tmp_path, ROLLOUT + "---" + binding(**kw), aws)
    assert line == ROLLOUT.count("\n") + 2  # where the binding starts
    assert message.startswith('TargetGroupBinding "web-tgb": ')
    assert says in message
