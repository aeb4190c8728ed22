"""``set image``'s new template is the old one with the image changed, as stripping the
changed copy gives it (same content and key order)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from worldkit import set_image, write_scenario

from canarysim.sim.cluster.templatehash import strip_hash_label
from canarysim.sim.world import World


def test_the_new_template_is_the_stripped_changed_copy(tmp_path: Path) -> None:
    world = World.build(write_scenario(tmp_path, operator=[set_image("1m")], until="5m"))
    (old_hash, old), *_ = world.templates.items()
    world.run(120.0)
    new_hash = world.plan.pod_template_hash
    assert new_hash != old_hash
    expected = copy.deepcopy(old)
    expected["spec"]["containers"][0]["image"] = "app:v2"
    expected = strip_hash_label(expected)
    got = world.templates[new_hash]
    assert json.dumps(got) == json.dumps(expected)
    assert got is not old and old["spec"]["containers"][0]["image"] != "app:v2"
