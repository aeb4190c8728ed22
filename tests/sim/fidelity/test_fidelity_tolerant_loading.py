"""Rollouts whose pod templates Argo's controller reads tolerantly: malformed resource
quantities, ephemeral containers, several quantity formats, ConfigMap volumes.

Replays upstream ``test/e2e/functional_test.go::TestMalformedRollout``,
``TestMalformedRolloutEphemeralCtr``, ``TestContainerResourceFormats`` and
``TestRolloutPodVolumesItemsSpec``, each of which creates the Rollout and waits for it to
become Healthy. Argo's informer converts a Rollout that fails typed decoding (a quantity such
as ``memory: invalid``) field by field instead of dropping it
(``utils/tolerantinformer/tollerantinformer.go::coerceToTyped``), so none of these is an
InvalidSpec: the controller deploys them like any other. canarysim does not read resource
requests, volumes or ephemeral containers at all; the replay pins that such manifests load
without an error (nothing for ``validate`` to refuse) and run to Healthy, and that what
canarysim does ignore (an object of a kind it does not read) is said, by ``validate`` and in
the run's warnings alike.
"""

from __future__ import annotations

from typing import Any

from fidelitykit import basic, simulate

from canarysim import load_scenario
from canarysim.declarations import validate_scenario

DEMO = "argoproj/rollouts-demo:blue"
NGINX = "nginx:1.19-alpine"


def _rollout(
    name: str,
    template_spec: dict[str, Any],
    *,
    replicas: int | None = None,
    steps: list[dict[str, Any]] | None = None,
    **canary: Any,
) -> dict[str, Any]:
    ro = basic(steps or [], **canary)[0]
    ro["metadata"]["name"] = name
    ro["spec"]["selector"] = {"matchLabels": {"app": name}}
    ro["spec"]["template"] = {"metadata": {"labels": {"app": name}}, "spec": template_spec}
    if steps is None:
        ro["spec"]["strategy"] = {"canary": {}}
    if replicas is None:
        del ro["spec"]["replicas"]  # Argo's default: 1
    else:
        ro["spec"]["replicas"] = replicas
    return ro


def _run(tmp_path, manifests: list[dict[str, Any]]):
    r = simulate(tmp_path, manifests, until="2m")
    scenario = load_scenario(sorted(tmp_path.glob("scenario-*.yaml"))[-1])
    findings = validate_scenario(scenario)
    return r, findings


def _healthy_with_ready_pods(r, replicas: int) -> None:
    assert r.final.phase == "Healthy"
    assert (r.final.desired, r.final.ready, r.final.available) == (replicas,) * 3
    assert len(r.final.replica_sets) == 1 and r.final.revision == 1


def test_malformed_rollout_replay(tmp_path):
    """Carried over: a Rollout whose container requests ``memory: invalid`` becomes Healthy
    (Argo decodes it tolerantly). Extra: no error finding, so every command runs it."""
    container = {
        "name": "malformed-rollout",
        "image": DEMO,
        "resources": {"requests": {"memory": "invalid"}},
    }
    r, findings = _run(tmp_path, [_rollout("malformed-rollout", {"containers": [container]})])
    assert not [f for f in findings if f.severity == "error"]
    _healthy_with_ready_pods(r, 1)


def test_malformed_rollout_ephemeral_ctr_replay(tmp_path):
    """Carried over: the same malformed container plus an ephemeral container that repeats
    its name and its invalid request (the upstream panic of issue 1045) still becomes Healthy
    (Kubernetes drops an ephemeral container list it cannot decode). Extra: no error finding;
    canarysim never starts ephemeral containers, so the pod is the one container's."""
    bad = {"requests": {"memory": "invalid"}}
    spec = {
        "containers": [{"name": "malformed-rollout-ephemeral", "image": DEMO, "resources": bad}],
        "ephemeralContainers": [
            {"name": "malformed-rollout-ephemeral", "image": DEMO, "resources": bad}
        ],
    }
    r, findings = _run(tmp_path, [_rollout("malformed-rollout-ephemeral", spec)])
    assert not [f for f in findings if f.severity == "error"]
    _healthy_with_ready_pods(r, 1)


def test_container_resource_formats_replay(tmp_path):
    """Carried over: three containers asking for the same CPU as ``0.001`` (a number),
    ``'0.001'`` (a string) and ``1m`` are accepted, not refused by validation, and the
    Rollout becomes Healthy with its pod Ready (all three containers started). Difference:
    upstream then reads the pod's first container's CPU request back as ``1m``; canarysim
    does not model resource requests (no scheduling by capacity), so that check has no
    counterpart."""
    containers = [
        {"name": name, "image": NGINX, "command": ["sleep", "infinity"],
         "resources": {"requests": {"cpu": cpu}}}
        for name, cpu in (("a", 0.001), ("b", "0.001"), ("c", "1m"))
    ]  # fmt: skip
    spec = {"terminationGracePeriodSeconds": 1, "containers": containers}
    r, findings = _run(tmp_path, [_rollout("container-resource-formats", spec, replicas=1)])
    assert not [f for f in findings if f.severity == "error"]
    _healthy_with_ready_pods(r, 1)


def test_rollout_pod_volumes_items_spec_replay(tmp_path):
    """Carried over: a ConfigMap and a two-replica Rollout (maxUnavailable 100 %, setWeight
    25 then pause) whose pods mount two of its keys through ``volumes[].configMap.items``
    become Healthy. Difference: canarysim does not read ConfigMaps (nor mount volumes), so
    the pods start as if the volume were there; ``validate`` warns that the ConfigMap is
    ignored, and the run carries the same warning in ``Result.warnings``."""
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "rollout-items", "namespace": "ns"},
        "data": {
            "game.properties": "enemy.types=aliens,monsters\nplayer.maximum-lives=5\n",
            "user-interface.properties": "color.good=purple\ncolor.bad=yellow\n",
        },
    }
    spec = {
        "containers": [{
            "name": "rollout-items", "image": NGINX,
            "volumeMounts": [{"name": "rollout-items", "mountPath": "/config", "readOnly": True}],
        }],
        "volumes": [{
            "name": "rollout-items",
            "configMap": {"name": "rollout-items", "items": [
                {"key": "game.properties", "path": "game.properties"},
                {"key": "user-interface.properties", "path": "user-interface.properties"},
            ]},
        }],
    }  # fmt: skip
    steps = [{"setWeight": 25}, {"pause": {}}]
    ro = _rollout("rollout-items", spec, replicas=2, steps=steps, maxUnavailable="100%")
    r, findings = _run(tmp_path, [config_map, ro])
    _healthy_with_ready_pods(r, 2)
    ignored = [f for f in findings if f.rule == "load/ignored-kind"]
    assert [(f.severity, f.message) for f in ignored] == [
        ("warning", "ConfigMap (v1) is not simulated; ignored")
    ]
    assert f"{ignored[0].file}:{ignored[0].line}: {ignored[0].message}" in r.warnings
