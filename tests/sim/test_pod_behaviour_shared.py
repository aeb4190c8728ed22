"""Pods of one image share one (immutable) PodBehaviour while the version's crash settings
in force stay the same, and get a new one from the moment they change."""

from __future__ import annotations

from pathlib import Path

from worldkit import write_scenario

import canarysim
from canarysim.sim.inputs import pod_behaviour_for


def test_the_behaviour_follows_the_crash_changes(tmp_path: Path) -> None:
    crash = [{"at": "0s", "value": None}, {"at": "10m", "value": {"meanTimeBetween": "5m"}}]
    scenario = canarysim.load_scenario(
        write_scenario(tmp_path, versions={"app:v1": {"crash": crash}})
    )
    clock = [0.0]
    behaviour = pod_behaviour_for(scenario, lambda: clock[0])
    first = behaviour("app:v1")
    assert behaviour("app:v1") is first
    assert first.crash_after is None and first.crash_at(0.0) is None
    clock[0] = 700.0
    later = behaviour("app:v1")
    assert later is not first
    assert later.crash_after is not None
    assert behaviour("app:v1") is later
    assert behaviour("other:v2") is not later


def test_runs_of_one_scenario_share_the_behaviours_and_other_pods_are_read_again(
    tmp_path: Path,
) -> None:
    scenario = canarysim.load_scenario(write_scenario(tmp_path))
    first = pod_behaviour_for(scenario, lambda: 0.0)("app:v1")
    other_seed = scenario.model_copy(update={"seed": 2})
    assert pod_behaviour_for(other_seed, lambda: 0.0)("app:v1") is first

    # another scenario's pods section (read after the first one filled the memo)
    slow = {"default": {"scheduling": {"fixed": "7s"}}}
    changed = canarysim.load_scenario(write_scenario(tmp_path, pods=slow))
    got = pod_behaviour_for(changed, lambda: 0.0)("app:v1")
    assert got is not first and got.scheduling.a == 7.0 and first.scheduling.a != 7.0
    # and the first scenario's behaviours are still its own
    again = pod_behaviour_for(scenario, lambda: 0.0)("app:v1")
    assert again == first and again.scheduling.a != 7.0
