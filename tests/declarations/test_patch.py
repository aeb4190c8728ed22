"""``kubectl patch`` of a Rollout: merge (RFC 7386), JSON patch (RFC 6902) and strategic
merge with Kubernetes' patch strategies for PodSpec lists; a bad patch is a one-line error."""

from __future__ import annotations

import pytest

import canarysim
from canarysim.declarations.patch import (
    PatchError,
    apply_patch,
    json_patch,
    merge_patch,
    patched_rollout,
    strategic_merge_patch,
)
from canarysim.errors import ScenarioError

POD = {
    "containers": [
        {
            "name": "app",
            "image": "app:v1",
            "args": ["--a", "--b"],
            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
            "ports": [{"containerPort": 80, "name": "http"}],
        },
        {"name": "sidecar", "image": "proxy:1"},
    ],
    "nodeSelector": {"zone": "a", "disk": "ssd"},
}


def test_merge_patch_rfc7386_examples() -> None:
    # RFC 7386 appendix A, a few rows.
    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": ["b"]}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}


def test_strategic_merges_containers_by_name() -> None:
    out = strategic_merge_patch(POD, {"containers": [{"name": "app", "image": "app:v2"}]})
    assert [c["image"] for c in out["containers"]] == ["app:v2", "proxy:1"]
    assert out["containers"][0]["args"] == ["--a", "--b"]  # untouched keys stay
    # The same patch as a merge patch replaces the whole list.
    plain = merge_patch(POD, {"containers": [{"name": "app", "image": "app:v2"}]})
    assert plain["containers"] == [{"name": "app", "image": "app:v2"}]
    assert POD["containers"][0]["image"] == "app:v1"  # inputs untouched


def test_strategic_env_ports_lists_and_directives() -> None:
    patch = {
        "containers": [
            {
                "name": "app",
                "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
                "ports": [{"containerPort": 80, "name": "web"}, {"containerPort": 9090}],
                "args": ["--c"],
            },
            {"name": "sidecar", "$patch": "delete"},
            {"name": "new", "image": "new:1"},
        ],
        "nodeSelector": {"$patch": "replace", "zone": "b"},
    }
    out = strategic_merge_patch(POD, patch)
    app = out["containers"][0]
    assert app["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "3"},
        {"name": "C", "value": "4"},
    ]
    assert app["ports"] == [{"containerPort": 80, "name": "web"}, {"containerPort": 9090}]
    assert app["args"] == ["--c"]  # no patch strategy: replaced
    assert [c["name"] for c in out["containers"]] == ["app", "new"]
    assert out["nodeSelector"] == {"zone": "b"}
    with pytest.raises(PatchError, match="needs a 'name'"):
        strategic_merge_patch(POD, {"containers": [{"image": "x"}]})


def test_json_patch_operations() -> None:
    doc = {"spec": {"replicas": 2, "steps": [{"setWeight": 20}]}}
    ops = [
        {"op": "replace", "path": "/spec/replicas", "value": 5},
        {"op": "add", "path": "/spec/steps/0", "value": {"pause": {}}},
        {"op": "add", "path": "/spec/steps/-", "value": {"setWeight": 80}},
        {"op": "copy", "from": "/spec/replicas", "path": "/spec/copy"},
        {"op": "move", "from": "/spec/copy", "path": "/spec/moved"},
        {"op": "remove", "path": "/spec/moved"},
        {"op": "test", "path": "/spec/replicas", "value": 5},
    ]
    assert json_patch(doc, ops) == {
        "spec": {"replicas": 5, "steps": [{"pause": {}}, {"setWeight": 20}, {"setWeight": 80}]}
    }
    assert doc["spec"]["replicas"] == 2
    with pytest.raises(PatchError, match="is not 3"):
        json_patch(doc, [{"op": "test", "path": "/spec/replicas", "value": 3}])
    with pytest.raises(PatchError, match="no 'nope'"):
        json_patch(doc, [{"op": "replace", "path": "/spec/nope/x", "value": 1}])
    with pytest.raises(PatchError, match="out of range"):
        json_patch(doc, [{"op": "remove", "path": "/spec/steps/3"}])
    with pytest.raises(PatchError, match="type one of"):
        apply_patch(doc, {}, "apply")


@pytest.fixture(scope="module")
def rollout_raw() -> dict:
    return canarysim.load_scenario("scenarios/imesh-canary/scenario.yaml").rollout.raw


def test_patched_rollout_loads_the_result(rollout_raw: dict) -> None:
    ro = patched_rollout(rollout_raw, {"spec": {"replicas": 5}}, namespace="deb-ns")
    assert ro.spec.replicas == 5 and ro.name == rollout_raw["metadata"]["name"]
    with pytest.raises(ScenarioError, match=r"metadata\.name: expected it unchanged"):
        patched_rollout(rollout_raw, {"metadata": {"name": "other"}})
    with pytest.raises(ScenarioError) as info:
        patched_rollout(rollout_raw, {"spec": {"replicas": "two"}}, file="kubectl patch")
    assert str(info.value) == "kubectl patch: spec.replicas: expected a whole number, got 'two'"


def test_a_bad_patch_in_a_scenario_names_the_action(rollout_raw: dict) -> None:
    seed = canarysim.load_scenario("scenarios/imesh-canary/scenario.yaml")
    ops = seed.data["operator"]
    with pytest.raises(ScenarioError) as info:
        seed.with_changes(
            operator=[*ops, {"at": "6m", "do": "patch", "patch": {"spec": {"replicas": "x"}}}]
        )
    assert "operator[1].patch.spec.replicas: expected a whole number, got 'x'" in str(info.value)
    with pytest.raises(ScenarioError, match=r"operator\[1\]\.patch: expected path"):
        seed.with_changes(
            operator=[
                *ops,
                {
                    "at": "6m",
                    "do": "patch",
                    "type": "json",
                    "patch": [{"op": "remove", "path": "/x"}],
                },
            ]
        )
