"""``persist`` and ``base_status`` build the status and the draft with positional arguments
(in field order, for speed): every field must land where its name says. Each input is a
distinct sentinel, so any two swapped arguments fail here."""

from __future__ import annotations

import dataclasses
import importlib
from types import SimpleNamespace
from typing import Any

import pytest

from canarysim.engine.model import RolloutStatus
from canarysim.engine.model.rollout_status import NO_BLUE_GREEN
from canarysim.engine.rollout.status.draft import Draft

# (by module path: the package re-exports functions of the same names)
draft_mod = importlib.import_module("canarysim.engine.rollout.status.draft")
persist_mod = importlib.import_module("canarysim.engine.rollout.status.persist")


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _s(name: str) -> Any:
    return _Sentinel(name)


def test_persist_puts_every_field_in_its_place(monkeypatch: pytest.MonkeyPatch) -> None:
    draft_fields = [f.name for f in dataclasses.fields(Draft)]
    d = Draft(*[_s(f"draft.{n}") for n in draft_fields])
    d.conditions = [_s("cond1"), _s("cond2")]
    fold = (_s("abort"), _s("aborted_at"), (_s("pc"),), _s("controller_pause"))
    was_paused = (_s("old_pc"),)  # paused before and after: no event
    ctx = SimpleNamespace(
        now=100.5,
        plan=SimpleNamespace(paused=False, generation=_s("generation"), workload_generation=7),
        status=SimpleNamespace(aborted_at=None, pause_conditions=was_paused),
        pause=SimpleNamespace(fold=lambda now, at: fold),
        event=lambda *a: pytest.fail("no event expected"),
    )
    monkeypatch.setattr(persist_mod, "evaluate_progress_deadline_abort", lambda c, dr: None)
    monkeypatch.setattr(persist_mod, "calculate_conditions", lambda c, dr, p: None)
    monkeypatch.setattr(persist_mod, "rollout_phase", lambda p, dr: (_s("phase"), _s("message")))
    duration = _s("duration")
    monkeypatch.setattr(persist_mod, "track_duration", lambda c, dr: duration)

    status = persist_mod.persist(ctx, d)  # type: ignore[arg-type]

    from_draft = {
        "current_step_analysis_run": "step_run",
        "current_background_analysis_run": "background_run",
        "current_experiment": "experiment",
    }
    got = status.__dict__
    assert list(got) == [f.name for f in dataclasses.fields(RolloutStatus)]
    for name, value in got.items():
        if name == "pause_conditions":
            assert value is fold[2]
        elif name in ("abort", "aborted_at", "controller_pause", "phase", "message"):
            assert isinstance(value, _Sentinel) and value.name == name, name
        elif name == "observed_generation":
            assert value is ctx.plan.generation
        elif name == "workload_observed_generation":
            assert value == "7"
        elif name == "conditions":
            assert value == tuple(d.conditions)
        elif name == "duration":
            assert value is duration
        else:
            assert value is getattr(d, from_draft.get(name, name)), name


def test_base_status_puts_every_field_in_its_place(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = (_s("replicas"), _s("updated_replicas"), _s("ready_replicas"), _s("available"))
    monkeypatch.setattr(draft_mod, "base_counts", lambda c: counts)
    status_fields = [f.name for f in dataclasses.fields(RolloutStatus)]
    status = SimpleNamespace(**{n: _s(f"status.{n}") for n in status_fields})
    status.conditions = (_s("cond1"), _s("cond2"))
    ctx = SimpleNamespace(
        plan=SimpleNamespace(pod_template_hash=_s("pod_hash"), step_hash=_s("step_hash")),
        status=status,
        **{
            n: _s(f"ctx.{n}")
            for n in (
                "new_weights",
                "step_run",
                "background_run",
                "experiment",
                "restarted_at",
                "alb",
                "alb_status",
                "albs",
            )
        },
    )

    d = draft_mod.base_status(ctx)  # type: ignore[arg-type]

    expected = {
        "current_pod_hash": ctx.plan.pod_template_hash,
        "current_step_hash": ctx.plan.step_hash,
        "current_step_index": status.current_step_index,
        "stable_rs": status.stable_rs,
        "promote_full": status.promote_full,
        "replicas": counts[0],
        "updated_replicas": counts[1],
        "ready_replicas": counts[2],
        "available_replicas": counts[3],
        "canary_weights": ctx.new_weights,
        "step_run": ctx.step_run,
        "background_run": ctx.background_run,
        "experiment": ctx.experiment,
        "restarted_at": ctx.restarted_at,
        "blue_green": NO_BLUE_GREEN,
        "stable_ping_pong": status.stable_ping_pong,
        "alb": ctx.alb,
        "duration": status.duration,
        "alb_status": ctx.alb_status,
        "albs": ctx.albs,
        "pause_conditions": (),
    }
    for name in (f.name for f in dataclasses.fields(Draft)):
        if name == "conditions":
            assert d.conditions == list(status.conditions)
        else:
            assert getattr(d, name) is expected[name], name
