"""``spec.workloadRef`` as ``canarysim validate`` and the loader see it: the template resolved
from the Deployment, and Argo's resolution errors (``rollout/templateref.go::Resolve``) as
InvalidSpec findings with its texts, ahead of any other validation error."""

from __future__ import annotations

import copy

import pytest
import yaml

from canarysim.declarations import first_invalid_message, validate_paths
from canarysim.declarations.load import load_manifests
from canarysim.declarations.workloadref import resolve_workload_ref

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "main", "image": "web:1"}]},
        },
    },
}
ROLLOUT = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Rollout",
    "metadata": {"name": "web"},
    "spec": {
        "replicas": 3,
        "workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "strategy": {"canary": {"steps": [{"setWeight": 50}]}},
    },
}


def _write(tmp_path, *objs):
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump_all(list(objs), sort_keys=False))
    return path


def _invalid(findings):
    return [f.message for f in findings if f.rule == "argo/invalid-spec"]


def test_the_template_and_selector_come_from_the_deployment(tmp_path):
    objs = load_manifests([_write(tmp_path, ROLLOUT, DEPLOYMENT)])
    res = resolve_workload_ref(objs.rollouts[0], objs)
    assert res.resolved and res.deployment is not None
    assert res.rollout.spec.template.spec.containers[0].image == "web:1"
    assert res.rollout.spec.selector.match_labels == {"app": "web"}
    assert objs.rollouts[0].raw["spec"].get("template") is None  # never persisted
    assert first_invalid_message(objs.rollouts[0], objs) is None
    assert not [f for f in validate_paths([tmp_path / "m.yaml"]) if f.severity == "error"]


def test_the_rollouts_own_selector_wins(tmp_path):
    ro = copy.deepcopy(ROLLOUT)
    ro["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "front"}}
    objs = load_manifests([_write(tmp_path, ro, DEPLOYMENT)])
    res = resolve_workload_ref(objs.rollouts[0], objs)
    assert res.rollout.spec.selector.match_labels == {"app": "web", "tier": "front"}
    # the Deployment's pods do not carry tier: front, which Argo's template validation sees
    message = first_invalid_message(objs.rollouts[0], objs) or ""
    assert "does not match template `labels`" in message


def test_a_missing_deployment_is_argos_not_found(tmp_path):
    path = _write(tmp_path, ROLLOUT)
    objs = load_manifests([path])
    assert first_invalid_message(objs.rollouts[0], objs) == (
        'The Rollout "web" is invalid: deployments.apps "web" not found'
    )
    assert _invalid(validate_paths([path])) == [
        'The Rollout "web" is invalid: deployments.apps "web" not found'
    ]


def test_a_template_beside_the_ref_is_refused_before_anything_else(tmp_path):
    ro = copy.deepcopy(ROLLOUT)
    ro["spec"]["template"] = {"metadata": {"labels": {"app": "web"}}}
    ro["spec"]["replicas"] = -1  # a spec error too: resolution's comes first
    objs = load_manifests([_write(tmp_path, ro, DEPLOYMENT)])
    assert first_invalid_message(objs.rollouts[0], objs) == (
        'The Rollout "web" is invalid: template must be empty for workload reference rollout'
    )


@pytest.mark.parametrize(
    ("api_version", "kind", "text"),
    [
        ("apps/v1", "StatefulSet", "workload of type apps/StatefulSet is not supported"),
        ("v1", "Pod", "workload of type /Pod is not supported"),
    ],
)
def test_kinds_argo_does_not_resolve(tmp_path, api_version, kind, text):
    ro = copy.deepcopy(ROLLOUT)
    ro["spec"]["workloadRef"] = {"apiVersion": api_version, "kind": kind, "name": "web"}
    objs = load_manifests([_write(tmp_path, ro, DEPLOYMENT)])
    assert first_invalid_message(objs.rollouts[0], objs) == f'The Rollout "web" is invalid: {text}'


def test_a_replica_set_ref_is_refused_by_canarysim(tmp_path):
    ro = copy.deepcopy(ROLLOUT)
    ro["spec"]["workloadRef"]["kind"] = "ReplicaSet"
    findings = validate_paths([_write(tmp_path, ro, DEPLOYMENT)])
    refused = [f for f in findings if f.rule == "load/unsupported"]
    assert refused and "simulates Deployments only" in refused[0].message
