"""The invariants have teeth: an engine broken on purpose (monkeypatched) is caught.

Each break is one a real regression could make; the unbroken engine passes the same checks
on the same scenario, so it is the break that is caught and not the scenario."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from invariantkit import BASES, EXAMPLES

import canarysim
from canarysim.engine.model import CompletionStatus, RolloutDuration
from canarysim.engine.rollout import canary, traffic
from canarysim.engine.rollout.context import Context
from canarysim.testing import perturb, variations, violations


def _shift_weight_early(monkeypatch: pytest.MonkeyPatch) -> None:
    """The router gets the step's weight before the canary is available: the traffic
    reconciler is shown a canary ReplicaSet whose pods are all available already."""
    real = traffic.reconcile_traffic_routing

    def eager(ctx: Context) -> None:
        new = ctx.new_rs
        if new is None:
            real(ctx)
            return
        ctx.new_rs = replace(new, available=max(new.available, new.replicas, 1))
        ctx.at_desired_replica_counts = lambda weights: True  # type: ignore[method-assign]
        try:
            real(ctx)
        finally:
            ctx.new_rs = new
            del ctx.at_desired_replica_counts

    # canary.py imported the name: patch it where it is called.
    monkeypatch.setattr(canary, "reconcile_traffic_routing", eager)


def test_weight_before_the_canary_is_available_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = perturb(BASES["imesh-canary"], pods={"imagePull": "20s"})
    assert violations(canarysim.simulate(scenario), scenario) == []
    _shift_weight_early(monkeypatch)
    found = violations(canarysim.simulate(scenario), scenario)
    assert any(v.startswith("canary-endpoints:") for v in found), found


def test_the_property_test_finds_the_break(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated-scenario test of test_invariants fails on the broken engine."""
    _shift_weight_early(monkeypatch)
    seen: list[list[str]] = []

    @settings(
        max_examples=max(EXAMPLES, 20),
        deadline=None,
        database=None,
        report_multiple_bugs=False,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(data=st.data())
    def prop(data: st.DataObject) -> None:
        scenario = data.draw(variations(BASES["imesh-canary"]))
        found = violations(canarysim.simulate(scenario), scenario)
        if found:
            seen.append(found)
        assert not found

    with pytest.raises(AssertionError):
        prop()
    assert any(v.startswith("canary-endpoints:") for found in seen for v in found)


def test_a_finish_stamped_before_its_start_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """``status.duration``: an attempt whose ``finishedAt`` is stamped an hour early (a
    mixed-up clock) breaks the ``duration`` invariant."""
    scenario = BASES["basic-canary"]
    assert violations(canarysim.simulate(scenario), scenario) == []
    real = RolloutDuration.complete

    def early(self: RolloutDuration, now: float, outcome: CompletionStatus) -> RolloutDuration:
        return real(self, now - 3600.0, outcome)

    monkeypatch.setattr(RolloutDuration, "complete", early)
    found = violations(canarysim.simulate(scenario), scenario)
    assert any(v.startswith("duration:") for v in found), found
