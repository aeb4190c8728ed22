"""The quicker ``__init__`` of the hot frozen dataclasses behaves as the generated one."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from canarysim.engine.model import Decision, Observation, RolloutStatus, TrafficWeights
from canarysim.engine.model.fastinit import fast_frozen_init
from canarysim.engine.model.rollout_status import NO_BLUE_GREEN, WeightDestination


def test_defaults_positional_and_keywords() -> None:
    status = RolloutStatus()
    assert status.blue_green is NO_BLUE_GREEN and status.conditions == ()
    weights = TrafficWeights(WeightDestination(20, "a"), stable=WeightDestination(80, "b"))
    assert weights.additional == () and weights.verified is None
    assert weights.canary.service_name == ""
    assert Decision(status).actions == () and Decision(status).requeue_after is None
    assert Observation(now=3.0).now == 3.0


def test_still_frozen_equal_hashable_and_replaceable() -> None:
    a = WeightDestination(10, "h", "svc")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.weight = 3  # type: ignore[misc]
    assert a == WeightDestination(10, "h", "svc") and hash(a) == hash(
        WeightDestination(10, "h", "svc")
    )
    assert dataclasses.replace(a, weight=30) == WeightDestination(30, "h", "svc")
    with pytest.raises(TypeError):
        WeightDestination()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        WeightDestination(1, nope=2)  # type: ignore[call-arg]


def test_same_signature_as_the_dataclass() -> None:
    @dataclasses.dataclass(frozen=True)
    class Plain:
        a: int
        b: str = "x"

    @fast_frozen_init
    @dataclasses.dataclass(frozen=True)
    class Fast:
        a: int
        b: str = "x"

    assert str(inspect.signature(Fast)) == str(inspect.signature(Plain))
    assert Fast(1) == Fast(a=1, b="x") and Fast(1, "y").b == "y"


def test_refuses_what_it_cannot_do() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithFactory:
        a: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass
    class NotFrozen:
        a: int

    for cls in (WithFactory, NotFrozen):
        with pytest.raises(TypeError):
            fast_frozen_init(cls)
