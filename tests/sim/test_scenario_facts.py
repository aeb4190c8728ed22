"""What a world reads of its scenario's manifests at build is read once per manifests and
Rollout: another seed reuses it, changed manifests are read again."""

from __future__ import annotations

from pathlib import Path

from worldkit import load

from canarysim.sim import build
from canarysim.sim.build import scenario_facts
from canarysim.sim.world import World


def test_another_seed_reuses_the_facts_and_changed_manifests_are_read_again(
    tmp_path: Path,
) -> None:
    # (the facts are kept for a few scenarios, cleared whole past them: the tests before
    # this one must not decide which of its builds finds the table full)
    build._FACTS.clear()
    scenario = load(tmp_path)
    first = World.build(scenario)
    facts = scenario_facts(scenario, first.plan.pod_template_hash)
    assert first.plan is facts.plan and facts.invalid_message is None

    other_seed = World.build(scenario.model_copy(update={"seed": 2}))
    assert other_seed.plan is first.plan

    # changed manifests: the plan is read from them
    scaled = scenario.with_manifest("Rollout", "app", {"spec": {"replicas": 3}})
    world = World.build(scaled)
    assert world.plan.replicas == 3 and first.plan.replicas == 4
    # and the first scenario's facts are still its own
    assert World.build(scenario).plan is first.plan


def test_an_invalid_rollout_s_message_is_its_own(tmp_path: Path) -> None:
    scenario = load(tmp_path, acceptErrors=["argo/invalid-spec"])
    assert World.build(scenario).invalid_message is None
    broken = scenario.with_manifest(
        "Rollout", "app", {"spec": {"strategy": {"canary": {"canaryService": "missing-svc"}}}}
    )
    message = World.build(broken).invalid_message
    assert message is not None and "missing-svc" in message
    assert World.build(scenario).invalid_message is None


def test_the_first_template_is_each_world_s_own(tmp_path: Path) -> None:
    scenario = load(tmp_path)
    first = World.build(scenario)
    (template,) = first.templates.values()
    template["spec"]["containers"][0]["image"] = "changed:in-place"
    again = World.build(scenario.model_copy(update={"seed": 2}))
    assert again.templates == World.build(scenario).templates
    assert list(again.templates) == list(first.templates)
    (kept,) = again.templates.values()
    assert kept is not template and kept["spec"]["containers"][0]["image"] != "changed:in-place"

    # another template (read after the first filled the memo): its own hash
    patch = {"spec": {"template": {"metadata": {"annotations": {"note": "other"}}}}}
    other = World.build(scenario.with_manifest("Rollout", "app", patch))
    assert list(other.templates) != list(first.templates)
