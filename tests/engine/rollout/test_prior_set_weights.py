"""The nearest setWeight at or before each step, worked out once per steps tuple."""

from __future__ import annotations

from canarysim.engine.model import CompoundStep, Pause, SetCanaryScale, SetWeight, step_part
from canarysim.engine.rollout.context import prior_set_weights


def _walk_back(steps: tuple, index: int) -> int | None:  # type: ignore[type-arg]
    for step in reversed(steps[: index + 1]):
        if (weight := step_part(step, SetWeight)) is not None:
            return weight.weight
    return None


def test_matches_walking_the_steps_back() -> None:
    steps = (
        Pause(10.0),
        SetWeight(20),
        Pause(None),
        CompoundStep((SetCanaryScale(replicas=2), SetWeight(0))),
        Pause(5.0),
        SetWeight(60),
    )
    assert prior_set_weights(steps) == tuple(_walk_back(steps, i) for i in range(len(steps)))
    assert prior_set_weights(steps) == (None, 20, 20, 0, 0, 60)


def test_another_steps_tuple_is_seen_after_the_first_was_remembered() -> None:
    first = (SetWeight(10), Pause(None))
    assert prior_set_weights(first) == (10, 10)
    assert prior_set_weights(first) is prior_set_weights(first)
    second = (SetWeight(30), Pause(None))
    assert prior_set_weights(second) == (30, 30)
    assert prior_set_weights(()) == ()
