"""Each step's progress as observed in a simulated run at one time (``canarysim steps --at``):
done (and when), current (``Paused (10m remaining)``), aborted, or pending, read from the
Result's snapshots."""

from __future__ import annotations

from typing import Any

from canarysim.report.durations import offset, span
from canarysim.report.steps.plan import StepPlan


def progress_at(result: Any, plan: StepPlan, at: float) -> dict[int, str]:
    """What each step looked like at ``at`` in a simulated run: done (and when), current
    (``Paused (10m remaining)``), aborted, or pending. Key -1 is the final promotion.

    Only the snapshots from the update (``plan.start``) to ``at`` count; an abort resets
    Argo's step index to 0, so the steps completed before it keep their "done" mark."""
    if at < plan.start:
        return {0: f"update starts at {offset(plan.start)}"}
    snap = result.status_at(at)
    window = [s for s in result.snapshots if plan.start <= s.time <= at]
    done_at: dict[int, float] = {}
    aborted_at: float | None = None
    reached = 0
    for s in window:
        if s.aborted:
            aborted_at = s.time if aborted_at is None else aborted_at
            continue
        if s.step_index is None:
            continue
        reached = max(reached, s.step_index)
        for i in range(s.step_index):
            done_at.setdefault(i, s.time)
    out: dict[int, str] = {i: f"done at {offset(t)}" for i, t in done_at.items()}
    count = len(plan.steps) - 1
    if snap.aborted and aborted_at is not None:
        if reached < count:
            out[reached] = f"aborted at {offset(aborted_at)}"
        out[-1] = "never (aborted)"
        return out
    current = snap.step_index
    if current is not None and current < count and current not in done_at:
        until = getattr(snap, "paused_until", None)
        if snap.phase == "Paused" and until is not None:
            out[current] = f"Paused ({span(max(0.0, until - at), round_up=True)} remaining)"
        elif snap.phase == "Paused":
            why = "until promoted" if snap.message in ("", "CanaryPauseStep") else snap.message
            out[current] = f"Paused ({why})"
        else:
            out[current] = snap.phase
    started = next((s.time for s in window if s.phase != "Healthy"), None)
    healthy = next(
        (
            s.time
            for s in window
            if started is not None and s.time > started and s.phase == "Healthy"
        ),
        None,
    )
    if snap.phase == "Healthy" and healthy is not None:
        out[-1] = f"Healthy at {offset(healthy)}"
    elif current == count:
        out[-1] = snap.phase
    return out
