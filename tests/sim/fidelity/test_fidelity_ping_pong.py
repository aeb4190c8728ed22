"""``canary.pingPong`` with Istio: two Services take turns being stable. The canary one is
pointed at the new ReplicaSet while an update runs (``rollout/service.go::
reconcilePingAndPongService``); promotion swaps the roles (``status.canary.stablePingPong``,
set in ``syncRolloutStatusCanary``), so the VirtualService's weights go to the other Service.

Replays upstream ``test/e2e/istio_test.go::TestIstioPingPongUpdate`` (fixture
``test/e2e/istio/istio-host-split-ping-pong.yaml``: routes ``ping`` then ``pong``; setWeight 25
then a 5 s pause).
"""

from __future__ import annotations

from fidelitykit import op, set_image, simulate
from worldkit import rollout, service, virtual_service

STEPS = [{"setWeight": 25}, {"pause": {"duration": "5s"}}]


def ping_pong():
    ro = rollout(steps=STEPS, replicas=1)
    canary = ro["spec"]["strategy"]["canary"]
    del canary["canaryService"], canary["stableService"]
    canary["pingPong"] = {"pingService": "ping", "pongService": "pong"}
    vs = virtual_service()
    vs["spec"]["http"][0]["route"] = [
        {"destination": {"host": "ping"}, "weight": 100},
        {"destination": {"host": "pong"}, "weight": 0},
    ]
    return [ro, service("ping"), service("pong"), vs]


def route(r, t):
    http = r.manifests_at(t)["virtualservices"][0]["spec"]["http"][0]["route"]
    return [(d["destination"]["host"], d.get("weight", 0)) for d in http]


def healthy_after(r, t):
    return next(s.time for s in r.snapshots if s.time >= t and s.phase == "Healthy")


def at_step_1_after(r, t):
    return next(s.time for s in r.snapshots if s.time >= t and s.step_index == 1)


def test_istio_ping_pong_update_replay(tmp_path):
    # As upstream: check one second after reaching the 5 s pause (step index 1), then promote;
    # the pods' 5 s readiness puts step index 1 at 65 s and 185 s here.
    ops = [set_image("1m"), op(67, "promote"), set_image("3m", "app:v3"), op(187, "promote")]
    r = simulate(tmp_path, ping_pong(), ops, until="5m")
    assert r.status_at(59).phase == "Healthy"
    assert route(r, 59) == [("ping", 100), ("pong", 0)]

    # Update 1: ping is stable, pong the canary.
    t = at_step_1_after(r, 60) + 1
    assert t == 66
    assert route(r, t) == [("ping", 75), ("pong", 25)]
    t = healthy_after(r, 67) + 1
    assert route(r, t) == [("ping", 0), ("pong", 100)]

    # Update 2: pong is stable now, ping the canary.
    t = at_step_1_after(r, 180) + 1
    assert t == 186
    assert route(r, t) == [("ping", 25), ("pong", 75)]
    # The Result's weight columns follow the roles, not the Service names.
    assert (r.series_at("weight.canary", t), r.series_at("weight.stable", t)) == (25, 75)
    t = healthy_after(r, 187) + 1
    assert route(r, t) == [("ping", 100), ("pong", 0)]
