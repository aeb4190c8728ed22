"""A canary whose pods are slow to become Ready against a 5 s progress deadline, and pauses
(steps and ``spec.paused``), on the ``rollout-canary-with-pause`` manifests of Argo's
end-to-end suite: 3 replicas, ``progressDeadlineSeconds: 5`` and a readinessProbe with
``initialDelaySeconds: 10`` (canarysim's kubelet probes as the template says, so a pod is
Ready at its first probe, 10 s after its container started).

Replays upstream ``test/e2e/canary_test.go``: ``TestCanaryProgressDeadlineExceededWithPause``,
``TestCanaryWithPausedRollout`` and ``TestCanaryWithSpecPause``. The suite's
``WaitForRolloutStatus`` watches the Rollout: it returns at the first *change* into the phase
after the command (``next_phase`` below), and reads a phase only once the generation is
observed.
"""

from __future__ import annotations

from e2ekit import canary_rollout, canary_stable_pods, live_pods, mark, patch, services, update_spec
from fidelitykit import op, simulate

NAME = "rollout-canary-with-pause"


def _rollout(steps, *, history=2, **canary):
    ro = canary_rollout(NAME, replicas=3, steps=steps, **canary)
    ro["spec"].update(revisionHistoryLimit=history, progressDeadlineSeconds=5)
    container = ro["spec"]["template"]["spec"]["containers"][0]
    container.update(
        name="rollouts-demo",
        ports=[{"containerPort": 80}],
        readinessProbe={
            "initialDelaySeconds": 10,
            "httpGet": {"path": "/", "port": 80},
            "periodSeconds": 30,
        },
    )
    return ro


def next_phase(r, after, phase):
    """The first time from ``after`` on at which the Rollout changes into ``phase``."""
    before = r.status_at(after - 1e-3).phase
    for s in r.snapshots:
        if s.time >= after:
            if s.phase == phase and before != phase:
                return s.time
            before = s.phase
    raise AssertionError(f"never {phase} after {after}")


def test_canary_progress_deadline_exceeded_with_pause_replay(tmp_path):
    """Created: Degraded (no pod Ready within 5 s), then Healthy with 3 replicas. Updated:
    Degraded, then Paused at setWeight 20 with 1 canary / 3 stable pods. Promoted: Degraded,
    then Healthy."""
    r = simulate(
        tmp_path,
        [_rollout([{"setWeight": 20}, {"pause": {}}])],
        [update_spec("1m"), op("2m", "promote")],
        until="4m",
    )
    degraded = next_phase(r, 0, "Degraded")
    healthy = next_phase(r, degraded, "Healthy")
    assert healthy < 60
    assert r.status_at(healthy).current == 3
    degraded = next_phase(r, 60, "Degraded")
    paused = next_phase(r, degraded, "Paused")
    assert paused < 120
    assert canary_stable_pods(r, paused) == (1, 3)
    degraded = next_phase(r, 120, "Degraded")
    healthy = next_phase(r, degraded, "Healthy")
    assert r.status_at(healthy).stable_hash == r.status_at(healthy).canary_hash
    assert r.final.phase == "Healthy"


def test_canary_with_paused_rollout_replay(tmp_path):
    """With canary and stable Services: revision 2 paused at setWeight 20, then revision 3:
    once paused again (a second later), revision 1 keeps its 3 pods, revision 2 has none
    and revision 3 has one. (The fixture has no readiness gate: marking its pods changes
    nothing, as on a cluster.)"""
    ro = _rollout(
        [{"setWeight": 20}, {"pause": {}}],
        history=3,
        canaryService=f"{NAME}-canary",
        stableService=f"{NAME}-stable",
    )
    r = simulate(
        tmp_path,
        [*services(NAME, f"{NAME}-root", f"{NAME}-canary", f"{NAME}-stable"), ro],
        [mark(0, 1, 3), update_spec("1m", 1), update_spec("2m", 2)],
        until="3m",
        # The fixture's Services target a port named http that its container does not name
        # (the suite only counts pods): canarysim refuses that unless told to go on.
        acceptErrors=["lint/target-port"],
    )
    assert r.status_at(59).phase == "Healthy"
    assert next_phase(r, 60, "Paused") < 120
    paused = next_phase(r, 120, "Paused")
    assert r.status_at(paused).revision == 3
    t = paused + 1
    assert (live_pods(r, t, 1), live_pods(r, t, 2), live_pods(r, t, 3)) == (3, 0, 1)


def test_canary_with_spec_pause_replay(tmp_path):
    """A single setWeight 20 step: created (Degraded, then Healthy with 3 replicas), then
    ``spec.paused: true``: for 5 s no Progressing condition reads Unknown/RolloutPaused (no
    loop flapping that condition on a completed rollout), and the rollout is Paused."""
    r = simulate(
        tmp_path,
        [_rollout([{"setWeight": 20}])],
        [patch("1m", {"spec": {"paused": True}})],
        until="2m",
    )
    degraded = next_phase(r, 0, "Degraded")
    healthy = next_phase(r, degraded, "Healthy")
    assert healthy < 60 and r.status_at(healthy).current == 3
    window = [s for s in r.snapshots if 60 <= s.time <= 65] + [r.status_at(65)]
    assert not [
        (s.time, c)
        for s in window
        for c in s.conditions
        if (c.type, c.reason, c.status) == ("Progressing", "RolloutPaused", "Unknown")
    ]
    assert next_phase(r, 60, "Paused") <= 65
    assert (r.final.phase, r.final.message) == ("Paused", "manually paused")
