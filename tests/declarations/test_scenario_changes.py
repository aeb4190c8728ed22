"""Varying a scenario in memory: load_scenario from data or text, with_changes,
with_manifest. Every variation is validated like a file; errors name the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from canarysim.declarations import load_scenario
from canarysim.declarations.scenario.changes import merge_patch
from canarysim.errors import InputRefused, ScenarioError

SEED = Path(__file__).resolve().parents[2] / "scenarios" / "imesh-canary"
STEPS = ("spec", "strategy", "canary", "steps")


@pytest.fixture(scope="module")
def seed():
    return load_scenario(SEED / "scenario.yaml")


def steps_of(scenario):
    node = scenario.rollout.raw
    for key in STEPS:
        node = node[key]
    return node


def test_merge_patch_follows_rfc7386():
    target = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    patch = {"a": {"b": None, "c": [3]}, "e": {"f": 2}}
    assert merge_patch(target, patch) == {"a": {"c": [3]}, "d": 1, "e": {"f": 2}}
    assert target == {"a": {"b": 1, "c": [1, 2]}, "d": 1}  # untouched


def test_from_a_mapping_equals_the_file(seed):
    data = yaml.safe_load((SEED / "scenario.yaml").read_text())
    mem = load_scenario(data, base_dir=SEED)
    assert mem.source is None and mem.base_dir == SEED
    assert mem.model_dump() == seed.model_dump()
    assert [o.name for o in mem.manifests.all()] == [o.name for o in seed.manifests.all()]


def test_from_yaml_text(seed):
    mem = load_scenario((SEED / "scenario.yaml").read_text(), base_dir=SEED)
    assert mem.model_dump() == seed.model_dump()


def test_memory_errors_name_memory_and_the_field():
    with pytest.raises(ScenarioError) as err:
        load_scenario({"seed": -1, "manifests": []})
    assert err.value.file == "<memory>" and err.value.field == "seed"
    with pytest.raises(ScenarioError) as err:
        load_scenario("name: x\ntraffic: {rat: 5}\n")
    assert (err.value.file, err.value.field, err.value.line) == ("<memory>", "traffic.rat", 2)
    assert "did you mean 'rate'" in str(err.value)


def test_with_changes_merges_and_keeps_the_original(seed):
    changed = seed.with_changes(seed=7, until="30m", traffic={"rate": 50})
    assert (changed.seed, changed.until, changed.traffic.rate) == (7, 1800.0, 50.0)
    # the rest of the traffic mapping is kept (merge, not replace)
    assert changed.traffic.arrival == seed.traffic.arrival
    assert changed.traffic.mode == seed.traffic.mode
    assert (seed.seed, seed.traffic.rate) == (1, 100.0)
    assert changed.source == seed.source and changed.rollout.name == "imesh-rollout"


def test_with_changes_none_deletes_and_lists_replace(seed):
    changed = seed.with_changes(operator=[{"at": "1m", "do": "setImage", "image": "nginx:x"}])
    assert [(a.at, a.image) for a in changed.operator] == [(60.0, "nginx:x")]
    reset = seed.with_changes(seed=None)
    assert reset.seed == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"traffic": {"rate": -1}}, "traffic.rate"),
        ({"until": "soon"}, "until"),
        ({"sede": 1}, "sede"),
        ({"operator": [{"at": "1m", "do": "promte"}]}, "operator[0].do"),
        ({"rollout": "other"}, "rollout"),
    ],
)
def test_bad_change_names_the_field(seed, changes, field):
    with pytest.raises(ScenarioError) as err:
        seed.with_changes(**changes)
    assert (err.value.file, err.value.field) == ("<changes>", field)


def test_with_changes_reloads_manifests_when_they_change(seed):
    fewer = seed.with_changes(
        manifests=["rollout.yaml", "services.yaml"], acceptErrors=["argo/invalid-spec"]
    )
    assert fewer.manifests.virtual_services == []
    with pytest.raises(InputRefused) as refused:
        seed.with_changes(manifests=["rollout.yaml", "services.yaml"])
    assert refused.value.rule == "argo/invalid-spec"
    assert 'virtualservices.networking.istio.io "imesh-vsvc" not found' in str(refused.value)
    with pytest.raises(ScenarioError) as err:
        seed.with_changes(manifests=["missing.yaml"])
    assert err.value.field == "manifests"


def test_with_manifest_patches_and_revalidates(seed):
    steps = [{"setWeight": 20}, {"pause": {"duration": "10m"}}]
    changed = seed.with_manifest(
        "Rollout", "imesh-rollout", {"spec": {"strategy": {"canary": {"steps": steps}}}}
    )
    assert steps_of(changed) == steps
    assert steps_of(seed) == [{"setWeight": 50}, {"pause": {"duration": "1h"}}]
    assert changed.rollout.namespace == "deb-ns"
    # the other objects are the same, in the same order
    assert [type(o).__name__ for o in changed.manifests.all()] == [
        type(o).__name__ for o in seed.manifests.all()
    ]
    with pytest.raises(ScenarioError) as err:
        seed.with_manifest("Rollout", "imesh-rollout", {"spec": {"replicas": "two"}})
    assert (err.value.file, err.value.field) == ("<changes>", "spec.replicas")


def test_with_manifest_unknown_object(seed):
    with pytest.raises(ScenarioError, match="Rollout/imesh-rollout"):
        seed.with_manifest("Rollout", "nope", {})
    with pytest.raises(ScenarioError, match="one of"):
        seed.with_manifest("Deployment", "x", {})


def test_a_changed_scenario_simulates_the_change(seed):
    from canarysim import simulate

    short = seed.with_manifest(
        "Rollout",
        "imesh-rollout",
        {
            "spec": {
                "strategy": {
                    "canary": {"steps": [{"setWeight": 20}, {"pause": {"duration": "10m"}}]}
                }
            }
        },
    ).with_changes(until="40m")
    result = simulate(short)
    assert result.final.phase == "Healthy"
    # promoted after the 10 minute pause, well before the seed's hour
    assert result.summary["time_to_promotion"] < 15 * 60


def test_the_documented_python_example_runs(capsys, monkeypatch):
    import re

    root = SEED.parents[1]
    doc = (root / "docs" / "scenario-format.md").read_text()
    block = re.search(r"## Scenarios in memory \(Python\).*?```python\n(.*?)```", doc, re.S)
    assert block is not None
    monkeypatch.chdir(root)
    exec(compile(block.group(1), "scenario-format.md", "exec"), {})
    assert float(capsys.readouterr().out) < 40 * 60  # promoted within the shortened run
