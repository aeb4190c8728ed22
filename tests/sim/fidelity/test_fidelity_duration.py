"""``status.duration`` (when a rollout attempt started and finished, how it ended, how long it
waited for a human), replayed from Argo's end-to-end suite (test/e2e/duration_test.go
upstream): twelve canary and thirteen blue-green journeys, with the same manifests (one
replica, no router; blue-green with an active and a preview Service), the same actions
(``kubectl patch`` of the spec, promote, promote --full, abort, retry) and the same waits.

Upstream sleeps (``Sleep(2s)``) and waits on a wall clock; here the operator acts at fixed
simulated times, a few seconds apart, so that ``rolloutStartedAt`` of two attempts differ as
they do on a cluster. Every test also checks what upstream's ``assertDurationFieldsConsistency``
checks: a start time, and once finished an outcome, no running manual pause and a finish not
before the start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fidelitykit import basic, op, simulate
from worldkit import service

from canarysim.result import DurationSnapshot, Result, RolloutSnapshot

# ------------------------------------------------------------------------------------ kit


def _canary(steps: list[dict[str, Any]], **spec: Any) -> list[dict[str, Any]]:
    """One replica, no traffic routing, the template annotated ``version: "1"``."""
    manifests = basic(steps, replicas=1)
    manifests[0]["spec"]["template"]["metadata"]["annotations"] = {"version": "1"}
    manifests[0]["spec"].update(spec)
    return manifests


def _blue_green(*, spec: dict[str, Any] | None = None, **strategy: Any) -> list[dict[str, Any]]:
    """One replica behind an active and a preview Service."""
    rollout = _canary([], **(spec or {}))[0]
    rollout["spec"]["strategy"] = {
        "blueGreen": {"activeService": "app-active", "previewService": "app-preview", **strategy}
    }
    return [rollout, service("app-active"), service("app-preview")]


def _patch(at: float, spec: dict[str, Any]) -> dict[str, Any]:
    """``kubectl patch rollout app --type merge -p '{"spec": ...}'`` (upstream ``UpdateSpec``)."""
    return op(at, "patch", patch={"spec": spec})


def _version(at: float, version: str) -> dict[str, Any]:
    """Upstream ``UpdateVersion``: a new ``version`` annotation on the pod template."""
    return _patch(at, {"template": {"metadata": {"annotations": {"version": version}}}})


def _update(at: float) -> dict[str, Any]:
    """Upstream ``UpdateSpec()``: a new ``update`` annotation on the pod template."""
    return _patch(at, {"template": {"metadata": {"annotations": {"update": str(at)}}}})


def _wait(r: Result, phase: str, after: float) -> RolloutSnapshot:
    """``WaitForRolloutStatus(phase)`` after an action at ``after``: the first snapshot from
    then on in that phase (a spec not yet observed reads Progressing, as kubectl shows it)."""
    return next(s for s in r.snapshots if s.time >= after and s.phase == phase)


def _duration(snap: RolloutSnapshot) -> DurationSnapshot:
    """``status.duration`` checked as upstream's ``assertDurationFieldsConsistency`` does."""
    d = snap.duration
    assert d is not None, "Duration should be initialized"
    assert d.rollout_started_at is not None
    if d.finished_at is not None:
        assert d.completion_status is not None
        assert d.manual_pause_started_at is None
        assert d.finished_at >= d.rollout_started_at
    return d


def _run(manifests: list[dict[str, Any]], ops: list[dict[str, Any]], tmp: Path) -> Result:
    return simulate(tmp, manifests, ops, until="4m")


TIMED = [{"setWeight": 50}, {"pause": {"duration": "1s"}}]
INDEFINITE = [{"setWeight": 50}, {"pause": {}}]
WINDOW = {"revisionHistoryLimit": 5, "rollbackWindow": {"revisions": 1}}


# --------------------------------------------------------------------------------- canary


def test_canary_duration_initial_rollout_replay(tmp_path: Path) -> None:
    """All assertions carry over: Promoted, finished, no manual pause total."""
    r = _run(_canary(TIMED), [], tmp_path)
    d = _duration(_wait(r, "Healthy", 0))
    assert d.completion_status == "Promoted"
    assert d.total_manual_pause_duration_seconds is None
    assert d.finished_at is not None


def test_canary_duration_spec_paused_replay(tmp_path: Path) -> None:
    """All assertions carry over (manual pause running while ``spec.paused``; after the
    resume Promoted with a positive total); the total is also the resume time minus the
    persisted pause start, truncated to whole seconds."""
    ops = [_patch(60, {"paused": True}), _update(61), _patch(72.5, {"paused": False})]
    r = _run(_canary(TIMED), ops, tmp_path)
    paused = _duration(_wait(r, "Paused", 61))
    assert paused.manual_pause_started_at is not None
    assert paused.rollout_started_at == 61.0
    d = _duration(_wait(r, "Healthy", 72.5))
    assert d.completion_status == "Promoted"
    assert d.finished_at is not None
    assert d.total_manual_pause_duration_seconds == int(72.5 - paused.manual_pause_started_at)
    assert d.total_manual_pause_duration_seconds > 0


def test_canary_duration_pause_step_replay(tmp_path: Path) -> None:
    """All assertions carry over: a timed pause step is no manual pause (total stays unset)."""
    r = _run(_canary(TIMED), [_update(60)], tmp_path)
    progressing = _wait(r, "Progressing", 60)
    assert _duration(progressing).finished_at is None
    assert any(s.time > 60 and s.message == "CanaryPauseStep" for s in r.snapshots)
    d = _duration(_wait(r, "Healthy", progressing.time))
    assert d.completion_status == "Promoted"
    assert d.finished_at is not None
    assert d.total_manual_pause_duration_seconds is None


def test_canary_duration_indefinite_pause_step_replay(tmp_path: Path) -> None:
    """All assertions carry over: ``pause: {}`` is a manual pause, timed until the promote."""
    r = _run(_canary(INDEFINITE), [_update(60), op(72, "promote")], tmp_path)
    paused = _duration(_wait(r, "Paused", 60))
    assert paused.manual_pause_started_at is not None
    d = _duration(_wait(r, "Healthy", 72))
    assert d.completion_status == "Promoted"
    assert d.finished_at is not None
    assert d.total_manual_pause_duration_seconds == int(72 - paused.manual_pause_started_at)
    assert d.total_manual_pause_duration_seconds > 0


def test_canary_duration_fully_promoted_replay(tmp_path: Path) -> None:
    """All assertions carry over: ``promote --full`` ends FastPromoted, the total is set."""
    steps = [
        {"setWeight": 25},
        {"pause": {}},
        {"setWeight": 50},
        {"pause": {}},
        {"setWeight": 75},
        {"pause": {}},
    ]
    r = _run(_canary(steps), [_update(60), op(70, "promoteFull")], tmp_path)
    assert _duration(_wait(r, "Paused", 60)).manual_pause_started_at is not None
    d = _duration(_wait(r, "Healthy", 70))
    assert d.completion_status == "FastPromoted"
    assert d.finished_at is not None
    assert d.total_manual_pause_duration_seconds is not None
    assert d.total_manual_pause_duration_seconds >= 0


def test_canary_duration_abort_replay(tmp_path: Path) -> None:
    """All assertions carry over: Aborted, finished at the abort, the pause folded in."""
    r = _run(_canary(INDEFINITE), [_update(60), op(70, "abort")], tmp_path)
    _wait(r, "Paused", 60)
    d = _duration(_wait(r, "Degraded", 70))
    assert d.completion_status == "Aborted"
    assert d.finished_at == 70.0
    assert d.total_manual_pause_duration_seconds is not None
    assert d.total_manual_pause_duration_seconds >= 0


def test_canary_duration_retry_replay(tmp_path: Path) -> None:
    """All assertions carry over: a retry starts a new attempt (new start, no finish, no
    outcome)."""
    ops = [_update(60), op(70, "abort"), op(72, "retry")]
    r = _run(_canary(INDEFINITE), ops, tmp_path)
    _wait(r, "Paused", 60)
    first = _duration(_wait(r, "Degraded", 70)).rollout_started_at
    d = _duration(_wait(r, "Paused", 72))
    assert d.rollout_started_at != first
    assert d.rollout_started_at == 72.0
    assert d.finished_at is None
    assert d.completion_status is None


def test_canary_duration_superseded_rollout_replay(tmp_path: Path) -> None:
    """All assertions carry over: revision 3 replaces the paused revision 2's attempt."""
    ops = [_version(60, "2"), _version(70, "3"), op(80, "promote")]
    r = _run(_canary(INDEFINITE), ops, tmp_path)
    first = _duration(_wait(r, "Paused", 60)).rollout_started_at
    assert _wait(r, "Paused", 70).revision == 3
    d = _duration(_wait(r, "Healthy", 80))
    assert d.rollout_started_at != first
    assert d.rollout_started_at == 70.0
    assert d.completion_status == "Promoted"
    assert d.finished_at is not None


def test_canary_duration_superseded_rollback_replay(tmp_path: Path) -> None:
    """All assertions carry over: going back to the stable template keeps the attempt (same
    start) and ends it FastRolledBack."""
    r = _run(_canary(INDEFINITE), [_version(60, "2"), _version(70, "1")], tmp_path)
    first = _duration(_wait(r, "Paused", 60)).rollout_started_at
    d = _duration(_wait(r, "Healthy", 70))
    assert d.rollout_started_at == first
    assert d.completion_status == "FastRolledBack"
    assert d.finished_at is not None
    assert d.total_manual_pause_duration_seconds is not None
    assert d.total_manual_pause_duration_seconds >= 0


def test_canary_duration_rollback_outside_window_replay(tmp_path: Path) -> None:
    """All assertions carry over: back to revision 1 past a one-revision window is a plain
    rollback (steps run again, a promote is needed) and ends RolledBack."""
    ops = [
        *(_version(60, "2"), op(70, "promote")),
        *(_version(90, "3"), op(100, "promote")),
        _version(120, "4"),
        _version(130, "1"),
        op(150, "promote"),
    ]
    r = _run(_canary(INDEFINITE, **WINDOW), ops, tmp_path)
    assert _wait(r, "Paused", 130).time < 150  # the steps run again
    d = _duration(_wait(r, "Healthy", 150))
    assert d.completion_status == "RolledBack"
    assert d.finished_at is not None
    assert d.rollout_started_at == 120.0  # the attempt of revision 4 goes on


def test_canary_duration_rollback_inside_window_replay(tmp_path: Path) -> None:
    """All assertions carry over: back to the previous stable inside the window is a fast
    rollback (no promote needed) and ends FastRolledBack."""
    ops = [_version(60, "2"), op(70, "promote"), _version(90, "3"), _version(100, "1")]
    r = _run(_canary(INDEFINITE, **WINDOW), ops, tmp_path)
    d = _duration(_wait(r, "Healthy", 100))
    assert d.completion_status == "FastRolledBack"
    assert d.finished_at is not None


def test_canary_duration_scaling_only_replay(tmp_path: Path) -> None:
    """All assertions carry over: a replicas-only change starts no attempt."""
    r = _run(_canary(TIMED), [_patch(60, {"replicas": 2})], tmp_path)
    before = _duration(_wait(r, "Healthy", 0))
    scaled = next(s for s in r.snapshots if s.time >= 60 and s.available == 2)
    assert _duration(scaled) == before


# ----------------------------------------------------------------------------- blue-green


def test_blue_green_duration_initial_rollout_replay(tmp_path: Path) -> None:
    """All assertions carry over: Promoted, finished, no manual pause total."""
    r = _run(_blue_green(autoPromotionSeconds=2), [], tmp_path)
    d = _duration(_wait(r, "Healthy", 0))
    assert d.completion_status == "Promoted"
    assert d.total_manual_pause_duration_seconds is None
    assert d.finished_at is not None


def test_blue_green_duration_spec_paused_replay(tmp_path: Path) -> None:
    """All assertions carry over: ``spec.paused`` is a manual pause even with timed
    auto-promotion; after the resume Promoted with a positive total."""
    ops = [_patch(60, {"paused": True}), _version(61, "2"), _patch(70, {"paused": False})]
    r = _run(_blue_green(autoPromotionSeconds=2), ops, tmp_path)
    paused = _duration(_wait(r, "Paused", 61))
    assert paused.manual_pause_started_at is not None
    d = _duration(_wait(r, "Healthy", 70))
    assert d.completion_status == "Promoted"
    assert d.finished_at is not None
    assert d.total_manual_pause_duration_seconds == int(70 - paused.manual_pause_started_at)
    assert d.total_manual_pause_duration_seconds > 0


def test_blue_green_duration_auto_promotion_replay(tmp_path: Path) -> None:
    """All assertions carry over: the ``autoPromotionSeconds`` pause needs no human, so no
    manual pause is counted (it did pause: checked too)."""
    r = _run(_blue_green(autoPromotionSeconds=2), [_update(60)], tmp_path)
    pause = _wait(r, "Paused", 60)
    assert pause.message == "BlueGreenPause"
    assert _duration(pause).manual_pause_started_at is None
    d = _duration(_wait(r, "Healthy", 60))
    assert d.completion_status == "Promoted"
    assert d.finished_at is not None
    assert d.total_manual_pause_duration_seconds is None


def test_blue_green_duration_manual_promotion_replay(tmp_path: Path) -> None:
    """All assertions carry over: with auto-promotion off the pause is manual; Promoted."""
    r = _run(_blue_green(autoPromotionEnabled=False), [_update(60), op(72, "promote")], tmp_path)
    paused = _duration(_wait(r, "Paused", 60))
    assert paused.manual_pause_started_at is not None
    d = _duration(_wait(r, "Healthy", 72))
    assert d.completion_status == "Promoted"
    assert d.finished_at is not None
    assert d.total_manual_pause_duration_seconds == int(72 - paused.manual_pause_started_at)


def test_blue_green_duration_fully_promoted_replay(tmp_path: Path) -> None:
    """All assertions carry over: ``promote --full`` ends FastPromoted, the total is set."""
    r = _run(
        _blue_green(autoPromotionEnabled=False), [_update(60), op(70, "promoteFull")], tmp_path
    )
    _wait(r, "Paused", 60)
    d = _duration(_wait(r, "Healthy", 70))
    assert d.completion_status == "FastPromoted"
    assert d.finished_at is not None
    assert d.total_manual_pause_duration_seconds is not None
    assert d.total_manual_pause_duration_seconds >= 0


def test_blue_green_duration_abort_replay(tmp_path: Path) -> None:
    """All assertions carry over: Aborted, finished at the abort, the pause folded in."""
    r = _run(_blue_green(autoPromotionEnabled=False), [_update(60), op(70, "abort")], tmp_path)
    _wait(r, "Paused", 60)
    d = _duration(_wait(r, "Degraded", 70))
    assert d.completion_status == "Aborted"
    assert d.finished_at == 70.0
    assert d.total_manual_pause_duration_seconds is not None
    assert d.total_manual_pause_duration_seconds >= 0


def test_blue_green_duration_retry_replay(tmp_path: Path) -> None:
    """All assertions carry over: a retry starts a new attempt (new start, no finish, no
    outcome)."""
    ops = [_update(60), op(70, "abort"), op(72, "retry")]
    r = _run(_blue_green(autoPromotionEnabled=False), ops, tmp_path)
    _wait(r, "Paused", 60)
    first = _duration(_wait(r, "Degraded", 70)).rollout_started_at
    d = _duration(_wait(r, "Paused", 72))
    assert d.rollout_started_at != first
    assert d.finished_at is None
    assert d.completion_status is None


def test_blue_green_duration_superseded_rollout_replay(tmp_path: Path) -> None:
    """All assertions carry over: revision 3 replaces the paused revision 2's attempt."""
    ops = [_version(60, "2"), _version(70, "3"), op(80, "promote")]
    r = _run(_blue_green(autoPromotionEnabled=False), ops, tmp_path)
    first = _duration(_wait(r, "Paused", 60)).rollout_started_at
    assert _wait(r, "Paused", 70).revision == 3
    d = _duration(_wait(r, "Healthy", 80))
    assert d.rollout_started_at != first
    assert d.completion_status == "Promoted"
    assert d.finished_at is not None


def test_blue_green_duration_superseded_rollback_to_stable_replay(tmp_path: Path) -> None:
    """All assertions carry over: back to the stable template (no scale-down delay) keeps
    the attempt (same start) and ends it FastRolledBack."""
    manifests = _blue_green(autoPromotionEnabled=False, scaleDownDelaySeconds=0)
    r = _run(manifests, [_version(60, "2"), _version(70, "1")], tmp_path)
    first = _duration(_wait(r, "Paused", 60)).rollout_started_at
    d = _duration(_wait(r, "Healthy", 70))
    assert d.rollout_started_at == first
    assert d.completion_status == "FastRolledBack"
    assert d.finished_at is not None
    assert d.total_manual_pause_duration_seconds is not None
    assert d.total_manual_pause_duration_seconds >= 0


def test_blue_green_duration_superseded_rollback_replay(tmp_path: Path) -> None:
    """All assertions carry over: back to revision 1 while its ReplicaSet is still inside
    its 30 s scale-down delay is a fast rollback (no pause, no promote): FastRolledBack."""
    manifests = _blue_green(autoPromotionEnabled=False, scaleDownDelaySeconds=30)
    ops = [_version(60, "2"), op(70, "promote"), _version(80, "3"), _version(90, "1")]
    r = _run(manifests, ops, tmp_path)
    assert _wait(r, "Paused", 80).revision == 3
    d = _duration(_wait(r, "Healthy", 90))
    assert d.completion_status == "FastRolledBack"
    assert d.finished_at is not None


def test_blue_green_duration_rollback_outside_window_replay(tmp_path: Path) -> None:
    """All assertions carry over: past the window and without a scale-down delay, back to
    revision 1 pauses again and ends RolledBack after the promote."""
    manifests = _blue_green(spec=WINDOW, autoPromotionEnabled=False, scaleDownDelaySeconds=0)
    ops = [
        *(_version(60, "2"), op(70, "promote")),
        *(_version(90, "3"), op(100, "promote")),
        _version(120, "4"),
        _version(130, "1"),
        op(150, "promote"),
    ]
    r = _run(manifests, ops, tmp_path)
    assert _wait(r, "Paused", 130).time < 150
    d = _duration(_wait(r, "Healthy", 150))
    assert d.completion_status == "RolledBack"
    assert d.finished_at is not None


def test_blue_green_duration_rollback_inside_window_replay(tmp_path: Path) -> None:
    """All assertions carry over: back to the previous stable inside the window (no
    scale-down delay) is a fast rollback: FastRolledBack without a promote."""
    manifests = _blue_green(spec=WINDOW, autoPromotionEnabled=False, scaleDownDelaySeconds=0)
    ops = [_version(60, "2"), op(70, "promote"), _version(90, "3"), _version(100, "1")]
    r = _run(manifests, ops, tmp_path)
    d = _duration(_wait(r, "Healthy", 100))
    assert d.completion_status == "FastRolledBack"
    assert d.finished_at is not None


def test_blue_green_duration_scaling_only_replay(tmp_path: Path) -> None:
    """All assertions carry over: a replicas-only change starts no attempt."""
    r = _run(_blue_green(autoPromotionSeconds=2), [_patch(60, {"replicas": 2})], tmp_path)
    before = _duration(_wait(r, "Healthy", 0))
    scaled = next(s for s in r.snapshots if s.time >= 60 and s.available == 2)
    assert _duration(scaled) == before
