"""A timed pause longer than ``progressDeadlineSeconds`` is not a stalled rollout.

Replays upstream ``test/e2e/functional_test.go::
TestRolloutPauseDurationGreaterThanProgressDeadlineSeconds``.
"""

from __future__ import annotations

from fidelitykit import basic, events, op, simulate, with_spec

UPDATE = {"spec": {"template": {"metadata": {"annotations": {"update": "now"}}}}}
STEPS = [{"setWeight": 32}, {"pause": {"duration": "30s"}}, {"setWeight": 67}]


def _progressing(snap) -> tuple[str, str] | None:
    return next(((c.status, c.reason) for c in snap.conditions if c.type == "Progressing"), None)


def test_rollout_pause_duration_greater_than_progress_deadline_seconds_replay(tmp_path):
    """Three replicas, ``progressDeadlineSeconds: 5``, steps setWeight 32 / pause 30 s /
    setWeight 67; pods Ready a second after they are created (nginx without a probe).

    Carried over: updated, the rollout is watched until it settles, and it settles Healthy
    (the watch would have ended on Degraded). Extra: the 30 s pause really ran past the 5 s
    deadline; while it ran the Progressing condition was ``Unknown`` / ``RolloutPaused``
    (Argo's ``utils/conditions`` stops the deadline clock for a paused rollout), and no
    ``ProgressDeadlineExceeded`` came of it.
    """
    manifests = with_spec(basic(STEPS, replicas=3), progressDeadlineSeconds=5)
    r = simulate(tmp_path, manifests, [op("1m", "patch", patch=UPDATE)], until="3m", ready=1)
    paused = next(s for s in r.snapshots if s.time >= 60 and s.phase == "Paused")
    resumed = next(t for t, _, msg in events(r, "RolloutStepCompleted") if "pause: 30s" in msg)
    assert resumed - paused.time >= 30 > 5
    assert _progressing(paused) == ("Unknown", "RolloutPaused")
    assert all(s.phase != "Degraded" for s in r.snapshots)
    assert not [m for s in r.snapshots for c in s.conditions
                if (m := c.reason) == "ProgressDeadlineExceeded"]  # fmt: skip
    assert r.final.phase == "Healthy" and r.final.step_index == 3
    assert (r.final.desired, r.final.updated, r.final.available) == (3, 3, 3)
