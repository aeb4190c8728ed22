"""The engine's one-entry memos (the last plan's or steps tuple's facts, kept at module level
in a :class:`~canarysim.engine.memo.LastEntry`) read their entry once: a simulation in
another thread (threaded Dask workers run several at once) may replace the entry between two
reads, and an answer must never pair one plan's key with another plan's facts."""

from __future__ import annotations

from typing import Any

import pytest
from test_steps_world import make_plan

from canarysim.engine.memo import LastEntry
from canarysim.engine.model import Pause, SetCanaryScale, SetWeight
from canarysim.engine.model import plan as plan_module
from canarysim.engine.replicas import steps as replica_steps
from canarysim.engine.rollout import context, step_facts


class _Swapping(LastEntry[Any, Any]):
    """A memo whose entry another thread replaces right after each read of it."""

    __slots__ = ("_current", "other")

    def __init__(self, entry: Any, other: Any) -> None:
        super().__init__()
        self._current = entry
        self.other = other

    @property  # type: ignore[override]
    def entry(self) -> Any:
        got = self._current
        self._current, self.other = self.other, got
        return got

    @entry.setter
    def entry(self, value: Any) -> None:
        self._current = value


STEPS = (SetWeight(weight=20), Pause(seconds=60.0), SetCanaryScale(replicas=2))
OTHER = (SetWeight(weight=70),)


def _swap(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, entry: Any, other: Any) -> None:
    monkeypatch.setattr(module, name, _Swapping(entry, other))


def test_prior_set_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    right = step_facts.prior_set_weights(STEPS)
    _swap(monkeypatch, step_facts, "_PRIOR_WEIGHTS", (STEPS, right), (OTHER, (70,)))
    assert step_facts.prior_set_weights(STEPS) == (20, 20, 20)


def test_step_mappings(monkeypatch: pytest.MonkeyPatch) -> None:
    right = step_facts.step_mappings(STEPS)
    _swap(monkeypatch, step_facts, "_MAPPED", (STEPS, right), (OTHER, ({"setWeight": 70},)))
    assert step_facts.step_mappings(STEPS) == right


def test_scale_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = ({"setWeight": 10}, {"setCanaryScale": {"replicas": 1}})
    other = ({"setCanaryScale": {"replicas": 1}},)
    right = replica_steps._scale_positions(steps)
    _swap(monkeypatch, replica_steps, "_SCALE_STEPS", (steps, right), (other, (0,)))
    assert replica_steps._scale_positions(steps) == (1,)


def test_replica_facts_and_plan_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    plan, other = make_plan(steps=STEPS), make_plan(steps=OTHER)
    facts = context._replica_facts(plan)
    _swap(monkeypatch, context, "_REPLICA_FACTS", (plan, facts), (other, (99, 99, None)))
    assert context._replica_facts(plan) == facts
    mine: dict[Any, Any] = {}
    _swap(monkeypatch, context, "_PLAN_COUNTS", (plan, mine), (other, {"x": (9, 9)}))
    assert context._plan_counts(plan) is mine


def test_steps_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = make_plan(steps=STEPS)
    right = plan_module.steps_hash(STEPS)
    _swap(monkeypatch, plan_module, "_LAST_STEPS_HASH", (STEPS, right), (OTHER, "other"))
    assert plan.step_hash == right
