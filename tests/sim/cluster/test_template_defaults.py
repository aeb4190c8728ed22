"""The pod template as the API server stores it in a ReplicaSet (Kubernetes' defaults)."""

from __future__ import annotations

import pytest

from canarysim.sim.cluster.templatehash import pod_template_hash, with_api_defaults


def _template(image: str, **container) -> dict:
    return {
        "metadata": {"labels": {"app": "a"}},
        "spec": {"containers": [{"name": "main", "image": image, **container}]},
    }


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("registry:5000/team/nginx", "Always"),
        ("nginx:1.19-alpine", "IfNotPresent"),
        ("registry:5000/team/nginx:1.2", "IfNotPresent"),
        ("nginx@sha256:" + "0" * 64, "IfNotPresent"),
    ],
)
def test_image_pull_policy_follows_the_tag(image, policy):
    container = with_api_defaults(_template(image))["spec"]["containers"][0]
    assert container["imagePullPolicy"] == policy


def test_defaults_fill_only_what_is_left_out():
    template = _template(
        "app:v1", imagePullPolicy="Never", ports=[{"containerPort": 80}, {"containerPort": 53,
                                                                          "protocol": "UDP"}]
    )  # fmt: skip
    template["spec"]["terminationGracePeriodSeconds"] = 1
    out = with_api_defaults(template)
    spec, container = out["spec"], out["spec"]["containers"][0]
    assert spec["terminationGracePeriodSeconds"] == 1
    assert (spec["restartPolicy"], spec["dnsPolicy"], spec["schedulerName"]) == (
        "Always",
        "ClusterFirst",
        "default-scheduler",
    )
    assert container["imagePullPolicy"] == "Never"
    assert [p["protocol"] for p in container["ports"]] == ["TCP", "UDP"]
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert template["spec"]["containers"][0].get("terminationMessagePath") is None  # a copy


def test_the_stored_form_hashes_apart_but_defaults_are_idempotent():
    template = _template("app:v1")
    stored = with_api_defaults(template)
    assert pod_template_hash(stored) != pod_template_hash(template)
    assert with_api_defaults(stored) == stored
