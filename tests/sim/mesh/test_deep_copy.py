"""The mesh's manifest copy is ``copy.deepcopy``: equal, independent, and an object reached
twice is copied once (shared in the copy as in the original), whatever its type."""

from __future__ import annotations

import copy
from collections import OrderedDict

from canarysim.sim.mesh.objects import deep_copy


def test_a_copy_is_equal_independent_and_keeps_sharing() -> None:
    route = {"name": "primary", "route": [{"destination": {"host": "stable"}, "weight": 100}]}
    odd = OrderedDict(a=[route])
    manifest = {
        "spec": {"http": [route, route], "tuple": (route, [1, 2.5, None, True]), "odd": odd},
        1: "a non-string key",
    }
    out = deep_copy(manifest)
    assert out == copy.deepcopy(manifest)
    http = out["spec"]["http"]
    assert http[0] is http[1] is out["spec"]["tuple"][0] is out["spec"]["odd"]["a"][0]
    assert http[0] is not route and type(out["spec"]["odd"]) is OrderedDict
    http[0]["route"][0]["weight"] = 0
    assert route["route"][0]["weight"] == 100
