"""``RolloutStatus`` equality reads the instance dictionaries: it must stay the dataclass's
field-by-field equality (and agree with its hash)."""

from __future__ import annotations

from dataclasses import fields, replace

from canarysim.engine.model import Condition, RolloutStatus
from canarysim.engine.model.rollout_status import status_from_fields


def test_equality_is_field_by_field() -> None:
    cond = Condition("Progressing", "True", "r", "m", 1.0, 1.0)
    base = RolloutStatus(current_pod_hash="abc", conditions=(cond,))
    same = replace(base, conditions=(Condition("Progressing", "True", "r", "m", 1.0, 1.0),))
    assert base == same and hash(base) == hash(same)
    for f in fields(RolloutStatus):
        changed = replace(base, **{f.name: "x" if getattr(base, f.name) != "x" else "y"})
        assert base != changed, f.name
    assert base != object() and base.__eq__(object()) is NotImplemented


def test_the_instance_dictionary_holds_exactly_the_fields_in_order() -> None:
    """What ``__eq__`` and ``checkPausedConditions``' copy of a status rely on."""
    status = replace(RolloutStatus(), abort=True)
    status.condition("Progressing")
    assert list(status.__dict__) == [f.name for f in fields(RolloutStatus)]


def test_with_conditions_is_replace() -> None:
    cond = Condition("Progressing", "True", "r", "m", 1.0, 1.0)
    base = RolloutStatus(current_pod_hash="abc", abort=True, replicas=3)
    new = base.with_conditions((cond,))
    assert new == replace(base, conditions=(cond,))
    assert list(new.__dict__) == [f.name for f in fields(RolloutStatus)]
    assert base.conditions == ()


def test_status_from_fields_is_the_keyword_call() -> None:
    cond = Condition("Paused", "True", "r", "m", 2.0, 1.0)
    values = dict(RolloutStatus(current_pod_hash="abc", replicas=3).__dict__)
    values["conditions"] = (cond,)
    built = status_from_fields(values)
    assert built == RolloutStatus(**values) and hash(built) == hash(RolloutStatus(**values))
    assert list(built.__dict__) == [f.name for f in fields(RolloutStatus)]
    values["replicas"] = 9  # the status keeps its own dictionary
    assert built.replicas == 3
