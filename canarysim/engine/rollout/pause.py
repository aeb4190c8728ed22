"""Pause and abort intents of one reconcile (Argo's ``pauseContext``, rollout/pause.go).

Sub-reconcilers do not edit pause conditions or the abort flag directly: they record an
intent (add a pause reason, remove one, clear all, abort with a message, remove the abort) and
the intents are folded into the new status once, when it is persisted
(``CalculatePauseStatus``). That is why, e.g., an abort wipes every pause condition and why a
pause added in the same reconcile as a clear is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from canarysim.engine.model import PauseCondition, RolloutStatus

CANARY_PAUSE_STEP = "CanaryPauseStep"
BLUE_GREEN_PAUSE = "BlueGreenPause"
INCONCLUSIVE_ANALYSIS = "InconclusiveAnalysisRun"
INCONCLUSIVE_EXPERIMENT = "InconclusiveExperiment"


@dataclass(init=False)
class PauseContext:
    """Intents recorded during one reconcile, relative to the status as read."""

    status: RolloutStatus
    add_reasons: list[str] = field(default_factory=list)
    remove_reasons: list[str] = field(default_factory=list)
    clear: bool = False
    add_abort: bool = False
    remove_abort: bool = False
    abort_message: str = ""

    def __init__(self, status: RolloutStatus) -> None:
        # (written out: one per reconcile, and the generated one's default factories cost)
        self.status = status
        self.add_reasons = []
        self.remove_reasons = []
        self.clear = self.add_abort = self.remove_abort = False
        self.abort_message = ""

    def has_add_pause(self) -> bool:
        return bool(self.add_reasons)

    def is_aborted(self) -> bool:
        """Aborted as of this reconcile (``IsAborted``)."""
        if self.remove_abort:
            return False
        return self.add_abort or self.status.abort

    def abort(self, message: str) -> None:
        self.add_abort = True
        self.abort_message = message

    def add_pause(self, reason: str) -> None:
        self.add_reasons.append(reason)

    def remove_pause(self, reason: str) -> None:
        self.remove_reasons.append(reason)

    def condition(self, reason: str) -> PauseCondition | None:
        """The pause condition with this reason in the status as read."""
        for c in self.status.pause_conditions:
            if c.reason == reason:
                return c
        return None

    def fold(
        self, now_second: float, aborted_at: float | None
    ) -> tuple[bool, float | None, tuple[PauseCondition, ...], bool]:
        """``CalculatePauseStatus``: (abort, abortedAt, pauseConditions, controllerPause) of
        the new status. ``now_second`` stamps new conditions and a new abort."""
        if self.add_abort or (not self.remove_abort and self.status.abort):
            at = aborted_at if aborted_at is not None else now_second
            return True, at, (), False
        if self.clear or not (self.status.pause_conditions or self.add_reasons):
            # (nor any pause condition to keep or to add: most reconciles)
            return False, None, (), False
        removing = set(self.remove_reasons)
        kept = [c for c in self.status.pause_conditions if c.reason not in removing]
        existing = {c.reason for c in self.status.pause_conditions}
        controller_pause = self.status.controller_pause
        for reason in self.add_reasons:
            if reason not in existing:
                kept.append(PauseCondition(reason, now_second))
                existing.add(reason)
                controller_pause = True
        if not kept:
            # Argo leaves controllerPause unset (false) when no pause condition remains.
            return False, None, (), False
        return False, None, tuple(kept), controller_pause
