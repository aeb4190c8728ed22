"""Quiet looks (``engine/rollout/requeue.py``): a look at an unchanged rollout answered by
the last quiet reconcile. ``conftest.py`` checks every one the suite makes against a full
reconcile (``quiet_check``); these tests show the looks happen, and that the check catches a
bound that forgets a clock comparison."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
import quiet_check
from test_steps_world import ISTIO, MiniWorld, deployed, make_plan, new_image

import canarysim
from canarysim.engine.model import BlueGreen, Pause, Promote, SetWeight
from canarysim.engine.rollout import canary, requeue

SEED = Path(__file__).resolve().parents[3] / "scenarios" / "imesh-canary" / "scenario.yaml"


def _count_answers(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The instants of the quiet looks answered from now on (still checked)."""
    answered: list[float] = []
    checked = canary.quiet_look

    def counting(plan, status, obs):  # type: ignore[no-untyped-def]
        answer = checked(plan, status, obs)
        if answer is not None:
            answered.append(obs.now)
        return answer

    monkeypatch.setattr(canary, "quiet_look", counting)
    return answered


def test_the_seed_s_resyncs_during_its_pause_are_quiet_looks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The seed pauses an hour at 50 %: the resyncs inside the pause see nothing new."""
    answered = _count_answers(monkeypatch)
    result = canarysim.simulate(canarysim.load_scenario(SEED))
    assert result.summary["phase"] == "Healthy"
    assert {900.0, 1800.0, 2700.0, 3600.0} <= set(answered)


def test_a_bound_that_forgets_the_pause_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no bound at all, a quiet look inside the pause would be answered after the pause
    ran out; the check's probe a week later sees the full reconcile move on."""
    monkeypatch.setattr(requeue, "quiet_until", lambda ctx, status: math.inf)
    with pytest.raises(quiet_check.QuietLookMismatch):
        canarysim.simulate(canarysim.load_scenario(SEED))


def _paused_world(seconds: float) -> MiniWorld:
    """A traffic-routed rollout settled at its timed pause step (50 %, ``seconds`` long)."""
    plan = make_plan(replicas=4, steps=(SetWeight(50), Pause(seconds)), **ISTIO)
    world = deployed(plan)
    new_image(world)
    world.settle()
    assert world.status.phase == "Paused"
    return world


def _quiet(world: MiniWorld) -> requeue._Quiet:
    """Decide once more at ``world.now`` (the memo set aside): the look is quiet and stored."""
    requeue._QUIET.entry = None
    obs = world.observe()
    d = canary.decide(world.plan, world.status, obs)
    assert d.status is world.status and d.requeue_after != 0.0
    stored = requeue._QUIET.get(world.status)
    assert stored is not None and stored.ctx.obs is obs
    return stored


def test_the_bound_of_a_timed_pause_is_its_end() -> None:
    """Paused, the Progressing condition is not timed: the pause's end is the one bound."""
    world = _paused_world(60.0)
    stored = _quiet(world)
    (pause,) = world.status.pause_conditions
    assert world.status.condition("Progressing").reason == "RolloutPaused"
    assert stored.until == pause.start_time + 60.0
    assert requeue.quiet_until(stored.ctx, world.status) == stored.until


def test_a_look_past_the_bound_is_decided_again() -> None:
    """A look at the same observation once the pause ran out is no quiet look, and the full
    reconcile moves on; just before, the quiet look answers with the next timer from then."""
    world = _paused_world(60.0)
    stored = _quiet(world)
    obs = stored.ctx.obs
    past = replace(obs, now=stored.until + 0.5)
    assert requeue.quiet_look(world.plan, world.status, past) is None
    assert canary.decide(world.plan, world.status, past).status != world.status
    _quiet(world)
    before = replace(obs, now=math.nextafter(stored.until, -math.inf))
    again = requeue.quiet_look(world.plan, world.status, before)
    assert again is not None and again.status is world.status
    assert again.actions == stored.actions
    assert again.requeue_after == pytest.approx(requeue.PAUSE_WAKE_SECONDS, abs=1e-6)


def test_a_changed_observation_plan_command_or_earlier_clock_is_decided_again() -> None:
    world = _paused_world(600.0)
    stored = _quiet(world)
    obs = stored.ctx.obs
    soon = replace(obs, now=obs.now + 1.0)
    assert requeue.quiet_look(world.plan, world.status, soon) is not None
    (first, *rest) = obs.replica_sets
    moved = replace(soon, replica_sets=(replace(first, ready=first.ready - 1), *rest))
    assert requeue.quiet_look(world.plan, world.status, moved) is None
    other_plan = replace(world.plan)
    assert other_plan is not world.plan
    assert requeue.quiet_look(other_plan, world.status, soon) is None
    promoted = replace(soon, commands=(Promote(),))
    assert requeue.quiet_look(world.plan, world.status, promoted) is None
    assert requeue.quiet_look(world.plan, world.status, replace(obs, now=obs.now - 1.0)) is None
    other_status = replace(world.status)
    assert requeue.quiet_look(world.plan, other_status, soon) is None


def test_a_blue_green_reconcile_is_never_stored() -> None:
    plan = make_plan(replicas=2, blue_green=BlueGreen("active", "preview"))
    world = deployed(plan)
    requeue._QUIET.entry = None
    world.reconcile()
    assert requeue._QUIET.entry is None
