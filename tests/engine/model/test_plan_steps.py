"""The step helpers of :mod:`canarysim.engine.model.plan`: finding a step's parts and the
digest Argo keeps as ``status.currentStepHash``."""

from __future__ import annotations

import dataclasses
import typing

from canarysim.engine.model.plan import (
    Analysis,
    CompoundStep,
    Pause,
    Plan,
    SetCanaryScale,
    SetHeaderRoute,
    SetWeight,
    SingleStep,
    step_part,
    step_parts,
    steps_hash,
)

SCALE_AND_PAUSE = CompoundStep((SetCanaryScale(replicas=1), Pause()))


def test_step_part_of_a_single_step_is_the_step_or_none():
    assert step_part(SetWeight(5), SetWeight) == SetWeight(5)
    assert step_part(SetWeight(5), Pause) is None
    assert step_part(None, Pause) is None


def test_step_part_of_a_compound_step_is_its_part_of_that_kind_or_none():
    assert step_part(SCALE_AND_PAUSE, Pause) == Pause()
    assert step_part(SCALE_AND_PAUSE, SetCanaryScale) == SetCanaryScale(replicas=1)
    assert step_part(SCALE_AND_PAUSE, SetWeight) is None


def test_step_parts():
    assert step_parts(SetWeight(5)) == (SetWeight(5),)
    assert step_parts(SCALE_AND_PAUSE) == (SetCanaryScale(replicas=1), Pause())


def test_steps_hash_sees_a_change_inside_a_compound_step():
    other = CompoundStep((SetCanaryScale(replicas=2), Pause()))
    assert steps_hash((SCALE_AND_PAUSE,)) != steps_hash((other,))


def test_steps_hash_ignores_the_order_of_keys_in_an_arg_mapping():
    """Argo hashes the steps' structs, whose fields have one order."""
    one = Analysis(templates=("t",), args=({"name": "a", "value": "1"},))
    two = Analysis(templates=("t",), args=({"value": "1", "name": "a"},))
    assert steps_hash((one,)) == steps_hash((two,))
    assert steps_hash((one,)) != steps_hash((Analysis(templates=("t",)),))


def test_every_step_kind_has_its_own_field_names():
    """steps_hash leaves out the kind of a step: its field names already tell it."""
    kinds = typing.get_args(SingleStep)
    fields = {frozenset(f.name for f in dataclasses.fields(k)) for k in kinds}
    assert len(fields) == len(kinds)
    assert steps_hash((SetHeaderRoute("r"),)) != steps_hash((Pause(),))


def test_a_replaced_plan_digests_its_own_steps() -> None:
    """The digest is kept with the last steps tuple: a plan replaced for another field
    shares it, and a plan with other steps (or the first ones again) is digested afresh."""
    first = Plan(name="r", replicas=1, pod_template_hash="h", steps=(SCALE_AND_PAUSE,))
    digest = first.step_hash
    assert dataclasses.replace(first, replicas=3).step_hash == digest
    other = dataclasses.replace(first, steps=(Pause(),))
    assert other.step_hash == steps_hash((Pause(),)) != digest
    assert dataclasses.replace(first, paused=True).step_hash == digest
    assert (
        Plan(name="r", replicas=1, pod_template_hash="h", steps=(SCALE_AND_PAUSE,)).step_hash
        == digest
    )
