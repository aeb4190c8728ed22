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
