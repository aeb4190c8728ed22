"""The request classes and the host check's warnings are worked out once per loaded
scenario: its other runs get the same classes and the same warnings, and another scenario
is worked out afresh."""

from __future__ import annotations

from pathlib import Path

from worldkit import rollout, write_scenario

import canarysim
from canarysim.sim.world import World

UNSERVED = (
    "traffic: requests go to host 'app', which no VirtualService or Service serves: "
    "every request fails (set traffic.host)"
)


def test_every_run_of_a_scenario_warns_and_another_scenario_is_checked_again(
    tmp_path: Path,
) -> None:
    unserved = canarysim.load_scenario(
        write_scenario(tmp_path, manifests=[rollout(routed=False)], until="1m")
    )
    first = World.build(unserved)
    again = World.build(unserved, until="2m")
    assert first.recorder.warnings == again.recorder.warnings == [UNSERVED]
    assert again.classes == first.classes
    assert again.classes is not first.classes  # a list of its own

    served = canarysim.load_scenario(write_scenario(tmp_path, until="1m"))
    assert UNSERVED not in World.build(served).recorder.warnings
    assert World.build(unserved).recorder.warnings == [UNSERVED]
