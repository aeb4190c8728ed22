"""The step plan as the table ``canarysim steps`` prints: one row per step (earliest time it
can be reached, how long it lasts at least, why), the whole rollout's minimum duration, and
during a run (``--at``) a last column with each step's progress."""

from __future__ import annotations

import math

from canarysim.report.durations import offset, span
from canarysim.report.steps.plan import StepPlan


def render_plan(plan: StepPlan, *, progress: dict[int, str] | None = None, title: str = "") -> str:
    """The plan as a table; ``progress`` maps a step index (-1 = promotion) to a status word
    (``done at 5m30s``, ``Paused (10m remaining)``) shown in a last column during a run."""
    header = ["STEP", "ACTION", "CANARY PODS", "EARLIEST", "AT LEAST", "WHY"]
    if progress is not None:
        header.append("NOW")
    rows = [header]
    for s in plan.steps:
        reached = "never" if math.isinf(s.reached) else offset(s.reached)
        minimum = "until promoted" if s.minimum is None else span(s.minimum)
        if s.minimum is None and "analysis" in s.why:
            minimum = "open-ended"
        row = [
            "-" if s.index is None else str(s.index),
            s.action,
            str(s.canary_pods),
            reached,
            minimum,
            s.why,
        ]
        if progress is not None:
            row.append(progress.get(-1 if s.index is None else s.index, ""))
        rows.append(row)
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    lines = [*title.rstrip("\n").split("\n"), ""] if title else []
    for r in rows:
        lines.append("  ".join(cell.ljust(widths[c]) for c, cell in enumerate(r)).rstrip())
    total = plan.minimum_duration
    if total is None:
        lines.append("Whole rollout: waits for a promote or an open-ended run; no upper bound.")
    else:
        lines.append(
            f"Whole rollout: at least {span(total)} "
            f"(update at {offset(plan.start)}, Healthy at {offset(plan.start + total)} "
            "at the earliest)."
        )
    return "\n".join(lines) + "\n"
