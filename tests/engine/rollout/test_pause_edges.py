"""The pause and abort intents of one reconcile (Argo's ``pauseContext``, rollout/pause.go),
pinned where the mutation run of ``engine/rollout/pause.py`` asked: ``IsAborted``,
``HasAddPause`` and ``CalculatePauseStatus``.
"""

from __future__ import annotations

import pytest

from canarysim.engine.model import PauseCondition, RolloutStatus
from canarysim.engine.rollout.pause import PauseContext

NOW = 1000.0
STEP = PauseCondition("CanaryPauseStep", NOW - 30)
INCONCLUSIVE = PauseCondition("InconclusiveAnalysisRun", NOW - 20)


@pytest.mark.parametrize(
    ("status_abort", "add", "remove", "expect"),
    [
        (False, False, False, False),
        (True, False, False, True),
        (False, True, False, True),
        (True, False, True, False),
        (True, True, True, False),
    ],
    ids=["never", "as read", "added", "removed", "added and removed"],
)
def test_is_aborted(status_abort: bool, add: bool, remove: bool, expect: bool) -> None:
    """``IsAborted``: a removed abort wins; else an added abort or the status's."""
    pc = PauseContext(RolloutStatus(abort=status_abort))
    if add:
        pc.abort("why")
    pc.remove_abort = remove
    assert pc.is_aborted() is expect


def test_an_abort_wipes_the_pause_conditions_and_is_stamped_once() -> None:
    """``CalculatePauseStatus``: an added abort clears every pause condition and the
    controller pause, stamped now; an abort already held keeps its time."""
    pc = PauseContext(RolloutStatus(pause_conditions=(STEP,), controller_pause=True))
    pc.abort("why")
    pc.add_pause("CanaryPauseStep")
    assert pc.abort_message == "why"
    assert pc.fold(NOW, None) == (True, NOW, (), False)
    held = PauseContext(RolloutStatus(abort=True))
    assert held.fold(NOW, NOW - 100) == (True, NOW - 100, (), False)


def test_a_removed_abort_goes_on_to_the_pauses() -> None:
    """A retried rollout (abort removed) keeps its pause conditions as any other."""
    pc = PauseContext(RolloutStatus(abort=True, pause_conditions=(STEP,), controller_pause=True))
    pc.remove_abort = True
    assert pc.fold(NOW, NOW - 100) == (False, None, (STEP,), True)


def test_clear_drops_every_pause_even_one_added_in_the_same_reconcile() -> None:
    pc = PauseContext(RolloutStatus(pause_conditions=(STEP,), controller_pause=True))
    pc.clear = True
    pc.add_pause("InconclusiveAnalysisRun")
    assert pc.fold(NOW, None) == (False, None, (), False)


def test_an_added_pause_is_stamped_once_and_sets_the_controller_pause() -> None:
    """A new reason is appended with ``now`` (once, however often it is added) and sets
    controllerPause; a reason already present keeps its start time."""
    pc = PauseContext(RolloutStatus(pause_conditions=(STEP,), controller_pause=False))
    assert pc.has_add_pause() is False
    pc.add_pause("CanaryPauseStep")
    assert pc.has_add_pause() is True
    assert pc.fold(NOW, None) == (False, None, (STEP,), False)
    pc.add_pause("InconclusiveAnalysisRun")
    pc.add_pause("InconclusiveAnalysisRun")
    added = PauseCondition("InconclusiveAnalysisRun", NOW)
    assert pc.fold(NOW, None) == (False, None, (STEP, added), True)


def test_removing_pauses_keeps_the_others_and_the_last_one_unsets_the_controller_pause() -> None:
    """``RemovePauseCondition``: only that reason goes; with none left, controllerPause is
    false."""
    both = RolloutStatus(pause_conditions=(STEP, INCONCLUSIVE), controller_pause=True)
    pc = PauseContext(both)
    pc.remove_pause("CanaryPauseStep")
    assert pc.fold(NOW, None) == (False, None, (INCONCLUSIVE,), True)
    pc.remove_pause("InconclusiveAnalysisRun")
    assert pc.fold(NOW, None) == (False, None, (), False)


def test_condition_finds_the_pause_condition_by_reason() -> None:
    pc = PauseContext(RolloutStatus(pause_conditions=(STEP, INCONCLUSIVE)))
    assert pc.condition("InconclusiveAnalysisRun") == INCONCLUSIVE
    assert pc.condition("CanaryPauseStep") == STEP
    assert pc.condition("InconclusiveExperiment") is None


def test_a_reason_removed_and_added_in_one_reconcile_is_gone() -> None:
    """``CalculatePauseConditions`` counts a reason as existing even when it is being
    removed, so adding it back in the same reconcile does not restore it."""
    pc = PauseContext(RolloutStatus(pause_conditions=(STEP,), controller_pause=True))
    pc.remove_pause("CanaryPauseStep")
    pc.add_pause("CanaryPauseStep")
    assert pc.fold(NOW, None) == (False, None, (), False)
