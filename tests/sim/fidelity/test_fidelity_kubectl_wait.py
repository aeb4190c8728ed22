"""``kubectl wait --for=condition=...`` on a blue-green Rollout: the conditions it waits on.

Replays upstream ``test/e2e/functional_test.go::TestKubectlWaitForPaused`` and
``TestKubectlWaitForCompleted``. ``kubectl wait --for=condition=X[=S]`` returns once the
Rollout's ``status.conditions`` holds an ``X`` entry with status ``S`` (default ``True``); here
it is the first snapshot where that holds, found by :func:`_wait_for`.
"""

from __future__ import annotations

from typing import Any

from fidelitykit import by_revision, op, simulate
from worldkit import rollout, service

UPDATE = {"spec": {"template": {"metadata": {"annotations": {"update": "now"}}}}}


def _blue_green(*, auto_promote: bool, probe: dict[str, Any] | None = None) -> list[dict]:
    ro = rollout(name="app", replicas=1, routed=False)
    ro["spec"]["strategy"] = {
        "blueGreen": {"activeService": "active", "autoPromotionEnabled": auto_promote}
    }
    container = ro["spec"]["template"]["spec"]["containers"][0]
    container.update(imagePullPolicy="Always", ports=[{"containerPort": 80}])
    if probe:
        container["readinessProbe"] = probe
    svc = service("active")
    svc["spec"]["ports"] = [{"protocol": "TCP", "port": 80, "targetPort": 80}]
    return [svc, ro]


def _condition(snap, kind: str) -> str | None:
    return next((c.status for c in snap.conditions if c.type == kind), None)


def _wait_for(r, kind: str, status: str = "True", after: float = 0.0):
    """The snapshot at which ``kubectl wait --for=condition=kind=status`` returns."""
    return next(s for s in r.snapshots if s.time >= after and _condition(s, kind) == status)


def _active_revision(snap) -> int:
    return next(rev for rev, rs in by_revision(snap).items() if rs.hash == snap.active_hash)


def test_kubectl_wait_for_paused_replay(tmp_path):
    """One replica behind an active Service, ``autoPromotionEnabled: false``.

    Carried over: after an update, ``kubectl wait --for=condition=Paused`` returns, the
    rollout is Paused and the active Service still on revision 1; after ``promote``,
    ``--for=condition=Paused=False`` returns, the rollout is Healthy and active is revision
    2. Extra: the Paused condition was absent before the update (so the first wait could
    only return once the controller paused)."""
    r = simulate(
        tmp_path,
        _blue_green(auto_promote=False),
        [op("1m", "patch", patch=UPDATE), op("90s", "promote")],
        until="3m",
    )
    assert _condition(r.status_at(59), "Paused") is None
    paused = _wait_for(r, "Paused", after=60)
    assert paused.time < 90
    assert paused.phase == "Paused" and _active_revision(paused) == 1
    resumed = _wait_for(r, "Paused", "False", after=60)
    assert resumed.time >= 90
    assert resumed.phase == "Healthy" and _active_revision(resumed) == 2
    assert r.final.phase == "Healthy" and _active_revision(r.final) == 2


def test_kubectl_wait_for_completed_replay(tmp_path):
    """One replica behind an active Service, ``autoPromotionEnabled: true``, a readiness
    probe (``initialDelaySeconds: 5``, ``periodSeconds: 10``).

    Carried over: right after an update, ``kubectl wait --for=condition=Healthy=False``
    returns with the rollout Progressing and active on revision 1; then
    ``--for=condition=Healthy=True`` returns with active on revision 2. Extra: no wait for
    promotion: the switch comes when the new pod's probe first passes."""
    probe = {"initialDelaySeconds": 5, "httpGet": {"path": "/", "port": 80}, "periodSeconds": 10}
    r = simulate(
        tmp_path,
        _blue_green(auto_promote=True, probe=probe),
        [op("1m", "patch", patch=UPDATE)],
        until="3m",
        ready=0,
    )
    assert _condition(r.status_at(59), "Healthy") == "True"
    unhealthy = _wait_for(r, "Healthy", "False", after=60)
    assert unhealthy.time == 60
    assert unhealthy.phase == "Progressing" and _active_revision(unhealthy) == 1
    healthy = _wait_for(r, "Healthy", after=60)
    assert healthy.time >= 65  # not before the probe's initial delay
    assert _active_revision(healthy) == 2 and healthy.phase == "Healthy"
    assert all(s.phase != "Paused" for s in r.snapshots)
