"""The controller's validation of an edited Rollout is shared by runs of one scenario while
the objects are the loaded ones, and a different manifest is validated again."""

from __future__ import annotations

from pathlib import Path

from worldkit import load

from canarysim.sim.controller.loop import _validation
from canarysim.sim.world import World


def test_same_manifest_reuses_the_validation_and_an_edit_is_seen(tmp_path: Path) -> None:
    scenario = load(tmp_path, acceptErrors=["argo/invalid-spec"])
    first = World.build(scenario)
    rollout, message = _validation(first)
    assert message is None

    # another seed, the same manifest: the loaded Rollout and its verdict are reused
    again = World.build(scenario.model_copy(update={"seed": 2}))
    assert _validation(again) == (rollout, None)

    # the manifest edited in the run (after the validation above filled the cache)
    edited = World.build(scenario)
    canary = edited.rollout_manifest["spec"]["strategy"]["canary"]
    canary["canaryService"] = "missing-svc"
    got, message = _validation(edited)
    assert got is not rollout and message is not None and "missing-svc" in message

    # objects applied or deleted: validated against them, not taken from the cache
    applied = World.build(scenario)
    applied.bump_objects()
    got, message = _validation(applied)
    assert got is not rollout and message is None
