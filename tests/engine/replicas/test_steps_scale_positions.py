"""setCanaryScale look-ups over a tuple of steps (remembered per tuple) and over a list (scanned
each time) give what a scan of every step gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from canarysim.engine.replicas import active_set_canary_scale

_STEP = st.one_of(
    st.builds(lambda w: {"setWeight": w}, st.integers(0, 100)),
    st.just({"pause": {}}),
    st.builds(lambda r: {"setCanaryScale": {"replicas": r}}, st.integers(0, 5)),
    st.builds(lambda w: {"setCanaryScale": {"weight": w}}, st.integers(0, 100)),
    st.just({"setCanaryScale": {"matchTrafficWeight": True}}),
)


def _scan(steps: list[dict[str, Any]], index: int) -> Any:
    """The definition: the latest setCanaryScale at or before ``index`` unless it matches
    the traffic weight."""
    if not steps or index >= len(steps):
        return None
    for step in reversed(steps[: index + 1]):
        if "setCanaryScale" in step:
            scale = step["setCanaryScale"]
            return None if scale.get("matchTrafficWeight") else scale
    return None


@given(steps=st.lists(_STEP, max_size=12), index=st.integers(0, 13))
def test_tuple_and_list_give_the_scan_result(steps: list[dict[str, Any]], index: int) -> None:
    as_tuple = tuple(steps)
    want = _scan(steps, index)
    assert active_set_canary_scale(steps, index, traffic_routing=True) == want
    assert active_set_canary_scale(as_tuple, index, traffic_routing=True) == want
    # again with the tuple remembered, then a list changed in place in between
    assert active_set_canary_scale(as_tuple, index, traffic_routing=True) == want
    steps.append({"setCanaryScale": {"replicas": 9}})
    assert active_set_canary_scale(steps, len(steps) - 1, traffic_routing=True) == {"replicas": 9}


class _CountingStep(dict[str, Any]):
    """A step that counts how often it is asked for a key."""

    asked = 0

    def get(self, key: str, default: Any = None) -> Any:
        type(self).asked += 1
        return super().get(key, default)


def test_a_remembered_tuple_is_not_scanned_again() -> None:
    """The point of remembering: the second look-up of the same tuple reads no step, and a
    different tuple (even an equal one) is scanned afresh."""
    steps = tuple(_CountingStep(s) for s in ({"setWeight": 5}, {"setCanaryScale": {"weight": 9}}))
    _CountingStep.asked = 0
    assert active_set_canary_scale(steps, 1, traffic_routing=True) == {"weight": 9}
    first = _CountingStep.asked
    assert first >= len(steps)  # scanned once
    assert active_set_canary_scale(steps, 1, traffic_routing=True) == {"weight": 9}
    assert _CountingStep.asked - first <= 1  # only the active step itself is read
    copy = tuple(_CountingStep(s) for s in steps)
    assert active_set_canary_scale(copy, 1, traffic_routing=True) == {"weight": 9}
    assert _CountingStep.asked - first >= len(steps)
