"""Our own world-level invariants over whole generated scenarios, with the strategies users
get from ``canarysim.testing``: replicas, maxSurge/maxUnavailable as counts and percentages,
random step lists, routing on (host and subset level) and off, pod timings, error rates and
crashes, pod and node kills, operator actions at random times.

Each run must keep the invariants of :mod:`canarysim.testing.invariants`, terminate within
its ``until``, and give the same Result for the same seed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invariantkit import BASES, EXAMPLES

import canarysim
from canarysim.testing import assert_invariants, variations

SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _run(scenario):
    result = canarysim.simulate(scenario)
    # Terminates: the run covers exactly its time and stops there.
    assert result.until == scenario.until
    assert result.final.time <= scenario.until
    return result


@pytest.mark.parametrize("base", sorted(BASES))
@SETTINGS
@given(data=st.data())
def test_invariants_hold_undisturbed(base: str, data: st.DataObject) -> None:
    scenario = data.draw(variations(BASES[base]))
    assert_invariants(_run(scenario), scenario)


@pytest.mark.parametrize("base", sorted(BASES))
@SETTINGS
@given(data=st.data())
def test_invariants_hold_with_faults_and_crashes(base: str, data: st.DataObject) -> None:
    scenario = data.draw(
        variations(BASES[base], faults=True, crashes=True, traffic=True, conditional=True)
    )
    assert_invariants(_run(scenario), scenario)


@settings(max_examples=max(3, EXAMPLES // 3), deadline=None)
@given(data=st.data())
def test_same_seed_same_result(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(sorted(BASES)))
    scenario = data.draw(variations(BASES[base], faults=True))
    assert canarysim.simulate(scenario).dumps() == canarysim.simulate(scenario).dumps()
