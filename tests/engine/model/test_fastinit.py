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


def test_refuses_a_class_that_is_not_a_frozen_dataclass_with_a_dict() -> None:
    class NoDataclass:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Slotted:
        a: int

    for cls in (NoDataclass, Slotted):
        with pytest.raises(TypeError, match=f"{cls.__name__}: not a frozen dataclass"):
            fast_frozen_init(cls)


def test_refuses_a_post_init_and_fields_it_cannot_fill() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithPostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    with pytest.raises(TypeError, match="WithPostInit: has a __post_init__"):
        fast_frozen_init(WithPostInit)

    @dataclasses.dataclass(frozen=True)
    class NoInit:
        a: int = dataclasses.field(init=False, default=1)

    @dataclasses.dataclass(frozen=True)
    class KeywordOnly:
        a: int = dataclasses.field(kw_only=True)

    for cls in (NoInit, KeywordOnly):
        with pytest.raises(TypeError, match=f"{cls.__name__}.a: unsupported field"):
            fast_frozen_init(cls)


def test_a_dataclass_without_fields() -> None:
    @fast_frozen_init
    @dataclasses.dataclass(frozen=True)
    class Empty:
        pass

    assert Empty() == Empty() and Empty().__dict__ == {}


def test_the_new_init_is_named_and_documented_as_the_one_it_replaces() -> None:
    @fast_frozen_init
    @dataclasses.dataclass(frozen=True)
    class Fast:
        a: int

    assert Fast.__init__.__module__ == __name__
    assert Fast.__init__.__qualname__.endswith("Fast.__init__")

    # declared without a generated __init__: object's is the one replaced
    @fast_frozen_init
    @dataclasses.dataclass(frozen=True, init=False)
    class Bare:
        a: int

    assert Bare(4).a == 4
    assert Bare.__init__.__annotations__ == {}
    assert Bare.__init__.__doc__ == object.__init__.__doc__
