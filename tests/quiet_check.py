"""Every quiet look the suite makes, checked against the reconcile it stands for.

:func:`canarysim.engine.rollout.requeue.quiet_look` answers a look at an unchanged rollout
with the last quiet reconcile's decision. :func:`checked_quiet_look` wraps it: each answer is
compared with a full ``decide`` of the same inputs (the memo set aside), and with a full
``decide`` at the last instant the answer would still be given (just before
:func:`~canarysim.engine.rollout.requeue.quiet_until`, or a long week later when no clock
comparison is pending). A clock comparison the bound forgot turns somewhere in between, and
the second ``decide`` then differs. ``conftest.py`` installs it for the whole suite.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from canarysim.engine.model import Decision, Observation, Plan, RolloutStatus
from canarysim.engine.rollout import canary, requeue

FAR = 7 * 24 * 3600.0
"""How far past the look a quiet reconcile with no pending clock comparison is probed."""

_real_quiet_look = requeue.quiet_look


class QuietLookMismatch(AssertionError):
    """A quiet look answered what a full reconcile would not."""


def _fresh(plan: Plan, status: RolloutStatus, obs: Observation) -> Decision:
    """``decide`` with the memo set aside (and left as it was)."""
    entry = requeue._QUIET.entry
    requeue._QUIET.entry = None
    try:
        return canary.decide(plan, status, obs)
    finally:
        requeue._QUIET.entry = entry


def _with_now(obs: Observation, now: float) -> Observation:
    return dataclasses.replace(obs, now=now)


def checked_quiet_look(plan: Plan, status: RolloutStatus, obs: Observation) -> Decision | None:
    """:func:`quiet_look`, its answer checked (see the module doc)."""
    last = requeue._QUIET.get(status)
    answer = _real_quiet_look(plan, status, obs)
    if answer is None:
        return None
    assert last is not None
    full = _fresh(plan, status, obs)
    if full != answer:
        raise QuietLookMismatch(f"at t={obs.now}: quiet {answer!r} != decide {full!r}")
    until = last.until
    probe = obs.now + FAR if math.isinf(until) else math.nextafter(until, -math.inf)
    if probe > obs.now:
        later = _with_now(obs, probe)
        entry = requeue._QUIET.entry
        try:
            memo = _real_quiet_look(plan, status, later)
        finally:
            requeue._QUIET.entry = entry
        full = _fresh(plan, status, later)
        if memo != full:
            raise QuietLookMismatch(
                f"stored at t={last.ctx.now}, probed at t={probe} (bound {until}): "
                f"quiet {memo!r} != decide {full!r}"
            )
    return answer


def install(monkeypatch: Any) -> None:
    """Check every quiet look of this test."""
    monkeypatch.setattr(canary, "quiet_look", checked_quiet_look)
