"""``_wakes`` remembers per action class whether it wakes the controller: the answer must be
the class check's, for a subclass too, on the first look and on later ones."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from canarysim.engine.model import EmitEvent, ScaleReplicaSet, SetTrafficWeight

requeue = importlib.import_module("canarysim.engine.rollout.requeue")


@dataclass(frozen=True)
class _Scale(ScaleReplicaSet):
    """A subclass of a waking action (none exists in the engine; isinstance counts it)."""


def test_wakes_by_class_twice() -> None:
    event = EmitEvent("Normal", "r", "m")
    weight = SetTrafficWeight(10, 90, ())
    scale = ScaleReplicaSet.__new__(ScaleReplicaSet)
    sub = _Scale.__new__(_Scale)
    for _ in range(2):  # the second round answers from the memo
        assert requeue._wakes((event, weight)) is False
        assert requeue._wakes((event, scale)) is True
        assert requeue._wakes((weight, sub)) is True
        assert requeue._wakes(()) is False
    assert requeue._WAKES_BY_TYPE[EmitEvent] is False
    assert requeue._WAKES_BY_TYPE[_Scale] is True
