"""rollout_snapshot fills a RolloutSnapshot's fields directly: the same as its __init__."""

import dataclasses

from canarysim.result import RolloutSnapshot
from canarysim.sim.metrics.snapshot import _new_snapshot


def test_a_snapshot_built_directly_equals_the_constructor_s():
    required = {
        f.name: i
        for i, f in enumerate(dataclasses.fields(RolloutSnapshot))
        if f.default is dataclasses.MISSING
    }
    given = {name: str(i) if name in ("name", "phase") else i for name, i in required.items()}
    built, ref = _new_snapshot(**given), RolloutSnapshot(**given)
    assert built == ref and hash(built) == hash(ref)
    assert list(vars(built)) == list(vars(ref)) and vars(built) == vars(ref)
    try:
        built.time = 1.0  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("a snapshot stays frozen")
