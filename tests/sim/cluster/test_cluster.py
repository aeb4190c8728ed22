"""Pods in the simulated cluster: stage timing, image cache, readiness, minReadySeconds,
crash back-off, termination and node loss."""

from __future__ import annotations

import itertools
import math
from typing import Any

import simpy

from canarysim.sim.cluster.cluster import Cluster
from canarysim.sim.cluster.kubelet import ReadinessProbe, RestartBackoff, ready_time
from canarysim.sim.cluster.pods.behaviour import CrashBehaviour, PodBehaviour
from canarysim.sim.stochastic.distributions import Dist
from canarysim.sim.stochastic.rng import Streams

SCHED, PULL, START, WARM = 1.0, 5.0, 2.0, 3.0
FIXED = PodBehaviour(
    scheduling=Dist.fixed(SCHED),
    image_pull=Dist.fixed(PULL),
    container_start=Dist.fixed(START),
    readiness=Dist.fixed(WARM),
)


def template(image: str = "demo:1", **spec: Any) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "app",
        "image": image,
        "ports": [{"name": "http", "containerPort": 8080}],
    }
    probe = spec.pop("readinessProbe", None)
    if probe is not None:
        container["readinessProbe"] = probe
    return {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [container], **spec}}


def make(
    behaviour: PodBehaviour = FIXED, seed: int = 1, nodes: int = 3, **kw: Any
) -> tuple[simpy.Environment, Cluster]:
    env = simpy.Environment()
    return env, Cluster(env, Streams(seed), lambda image: behaviour, nodes=nodes, **kw)


def times(cluster: Cluster, pod: str, what: str, value: Any = None) -> list[float]:
    return [
        c.time
        for c in cluster.log
        if c.object == f"Pod/{pod}" and c.what == what and (value is None or c.value == value)
    ]


# ------------------------------------------------------------------ stages and timing
def test_fixed_stage_durations_are_exact() -> None:
    env, c = make()
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1, min_ready_seconds=30)
    (pod,) = rs.pods
    seen: list[tuple[float, str]] = []
    c.subscribe(
        lambda ch: seen.append((ch.time, pod.status)) if ch.object == f"Pod/{pod.name}" else None
    )
    env.run(until=100)
    assert times(c, pod.name, "node") == [SCHED]
    assert times(c, pod.name, "status", "Running") == [SCHED + PULL + START]
    assert times(c, pod.name, "ready", True) == [SCHED + PULL + START + WARM]
    # the ReplicaSet controller re-checks availability 1 s after minReadySeconds
    assert times(c, pod.name, "available", True) == [SCHED + PULL + START + WARM + 30 + 1]
    assert [s for _, s in seen][:2] == ["ContainerCreating", "Running"]
    assert rs.status == (1, 1, 1, 0)


def test_status_strings_follow_kubectl() -> None:
    env, c = make()
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1)
    (pod,) = rs.pods
    assert pod.status == "Pending"
    env.run(until=SCHED + 0.5)
    assert pod.status == "ContainerCreating" and pod.phase == "Pending"
    env.run(until=SCHED + PULL + START + 0.5)
    assert pod.status == "Running" and pod.phase == "Running" and not pod.ready


def test_random_stage_durations_follow_their_distribution() -> None:
    sched = Dist.lognormal(median=2.0, p99=10.0)
    env, c = make(PodBehaviour(scheduling=sched), nodes=1)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=400)
    env.run(until=1000)
    waits = [times(c, p.name, "node")[0] - p.created for p in rs.pods]
    assert all(w > 0 for w in waits)
    # P(wait <= median) = 1/2: the count below the median is Binomial(400, 1/2), sd = 10.
    below = sum(w <= sched.median for w in waits)
    assert abs(below - 200) <= 40
    # and P(wait <= p99) = 0.99: at most a handful above the p99
    assert sum(w > 10.0 for w in waits) <= 4 + 4 * math.sqrt(400 * 0.01 * 0.99)


def test_image_cache_second_pod_on_a_node_skips_the_pull() -> None:
    env, c = make(nodes=1)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1)
    env.run(until=50)
    rs.scale_to(2)
    env.run(until=100)
    first, second = rs.pods
    assert times(c, first.name, "status", "Running")[0] - first.created == SCHED + PULL + START
    assert times(c, second.name, "status", "Running")[0] - second.created == SCHED + START
    pulls = [e for e in c.events if e["reason"] == "Pulling"]
    assert [e["object"] for e in pulls] == [f"Pod/{first.name}"]


def test_pulls_are_serialised_and_shared_per_node() -> None:
    env, c = make(nodes=1)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=2)
    env.run(until=50)
    # both asked at once: one pull, the other waits for it and finds the image present
    starts = sorted(times(c, p.name, "status", "Running")[0] for p in rs.pods)
    assert starts == [SCHED + PULL + START, SCHED + PULL + START]
    assert sum(e["reason"] == "Pulling" for e in c.events) == 1


def test_each_node_pulls_once_and_pods_spread_over_nodes() -> None:
    env, c = make(nodes=3)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=6)
    env.run(until=50)
    assert sorted(p.node for p in rs.pods) == [
        "node-1",
        "node-1",
        "node-2",
        "node-2",
        "node-3",
        "node-3",
    ]
    assert sum(e["reason"] == "Pulling" for e in c.events) == 3


def test_readiness_probe_timing_from_the_template() -> None:
    probe = {"initialDelaySeconds": 10, "periodSeconds": 5, "successThreshold": 2}
    env, c = make()
    rs = c.create_replica_set("demo", template(readinessProbe=probe), revision=1, replicas=1)
    (pod,) = rs.pods
    env.run(until=100)
    started = SCHED + PULL + START  # 8; probes tick from the bind time 1: 1, 6, 11, 16, 21, ...
    # first probe at or after started + max(10, warm-up 3) = 18 is 21; two successes -> 26
    assert started == 8.0
    assert times(c, pod.name, "ready", True) == [26.0]


def test_ready_time_rules() -> None:
    assert ready_time(0.0, 0.0, ReadinessProbe(), 0.0) == 0.0  # manual run at start
    assert ready_time(0.0, 12.0, ReadinessProbe(period=10), 0.0) == 20.0
    assert ready_time(5.0, 0.0, ReadinessProbe(initial_delay=5, period=10), 0.0) == 10.0
    assert ready_time(5.0, math.inf, ReadinessProbe(), 0.0) == math.inf


def test_min_ready_seconds_counts_from_ready() -> None:
    env, c = make()
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1, min_ready_seconds=30)
    ready = SCHED + PULL + START + WARM
    env.run(until=ready + 30.9)
    assert rs.status.ready == 1 and rs.status.available == 0
    env.run(until=ready + 31.1)  # the controller's re-check, minReadySeconds + 1 s
    assert rs.status.available == 1


def test_any_pod_event_after_min_ready_seconds_updates_availability() -> None:
    env, c = make()
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1, min_ready_seconds=30)
    ready = SCHED + PULL + START + WARM
    env.run(until=ready + 30.5)
    assert rs.status.available == 0
    rs.scale_to(2)  # a pod event makes the controller recompute the status now
    assert rs.status.available == 1
    # Ready at 0.7 s: the API keeps the transition time in whole seconds (0 s), so a status
    # update at 5.65 s already counts the pod available, 4.95 s after it became Ready
    env2, c2 = make(PodBehaviour(readiness=Dist.fixed(0.7)))
    rs2 = c2.create_replica_set("demo", template(), revision=1, replicas=1, min_ready_seconds=5)
    env2.run(until=5.65)
    rs2.scale_to(1)  # no change: no status update
    assert rs2.status.available == 0
    rs2.scale_to(2)
    assert rs2.status.available == 1


def test_raising_min_ready_seconds_withdraws_availability() -> None:
    env, c = make()
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1)
    env.run(until=20)
    assert rs.status.available == 1
    rs.set_min_ready_seconds(60)
    assert rs.status.available == 0
    env.run(until=11 + 61.5)
    assert rs.status.available == 1


def test_crash_before_min_ready_seconds_means_never_available() -> None:
    b = PodBehaviour(crash=CrashBehaviour(after_start=Dist.fixed(20.0)), readiness=Dist.fixed(1.0))
    env, c = make(b)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1, min_ready_seconds=30)
    env.run(until=400)
    (pod,) = rs.pods
    assert not times(c, pod.name, "available", True)
    assert pod.restarts > 0


# ------------------------------------------------------------------ crashes
def test_crash_loop_backoff_waits_10_20_40_capped_at_300() -> None:
    b = PodBehaviour(crash=CrashBehaviour(after_start=Dist.fixed(1.0)))
    env, c = make(b)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1)
    (pod,) = rs.pods
    env.run(until=2000)
    crashes = [
        ch.time
        for ch in c.log
        if ch.object == f"Pod/{pod.name}" and ch.what == "ready" and ch.value is False
    ]
    runs = times(c, pod.name, "status", "Running")
    waits = [start - crash for crash, start in zip(crashes, runs[1:], strict=False)]
    assert waits[:9] == [0.0, 10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0, 300.0]
    assert "CrashLoopBackOff" in [ch.value for ch in c.log if ch.object == f"Pod/{pod.name}"]
    assert pod.restarts == len(runs) - 1


def test_crash_shows_crash_loop_back_off_while_waiting() -> None:
    env, c = make(PodBehaviour(crash=CrashBehaviour(after_start=Dist.fixed(1.0))))
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1)
    (pod,) = rs.pods
    env.run(until=1.0 + 1.0 + 1.0 + 5.0)  # second crash at 2, restart at 12
    assert pod.status == "CrashLoopBackOff" and not pod.ready
    assert rs.status.replicas == 1 and rs.status.ready == 0


def test_backoff_resets_after_ten_minutes_of_running() -> None:
    b = RestartBackoff()
    b.restarted(finished=0.0, now=0.0)
    assert b.wait(100.0) == 10.0
    assert b.wait(601.0) == 0.0  # ran more than 2 * 300 s since the last restart
    b.restarted(finished=601.0, now=601.0)
    assert b.backoff == 10.0


def test_long_running_crashes_restart_at_once() -> None:
    env, c = make(PodBehaviour(crash=CrashBehaviour(after_start=Dist.fixed(700.0))))
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1)
    env.run(until=3000)
    (pod,) = rs.pods
    runs = times(c, pod.name, "status", "Running")
    assert [b - a for a, b in itertools.pairwise(runs)] == [700.0] * (len(runs) - 1)
    assert "CrashLoopBackOff" not in [ch.value for ch in c.log]


def test_crash_fault_and_never_ready_and_failed_pull() -> None:
    env, c = make(PodBehaviour(never_ready=True))
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1)
    env.run(until=100)
    (pod,) = rs.pods
    assert pod.status == "Running" and not pod.ready
    c.crash_pod(pod.name)
    env.run(until=100.5)
    assert pod.restarts == 1
    env2, c2 = make(PodBehaviour(image_pull_fails=True))
    rs2 = c2.create_replica_set("demo", template(), revision=1, replicas=1)
    env2.run(until=100)
    assert rs2.pods[0].status == "ImagePullBackOff" and rs2.status == (1, 0, 0, 0)


# ------------------------------------------------------------------ deletion and nodes
def test_terminating_pod_is_excluded_at_once_and_gone_after_grace() -> None:
    env, c = make(FIXED)
    rs = c.create_replica_set(
        "demo", template(terminationGracePeriodSeconds=20), revision=1, replicas=2
    )
    env.run(until=50)
    victim = rs.pods[0]
    c.kill_pod(victim.name)
    assert victim.status == "Terminating" and not victim.ready
    assert rs.status.replicas == 2  # a replacement is already counted ...
    assert rs.status.ready == 1 and rs.status.terminating == 1  # ... but not yet ready
    env.run(until=69.9)
    assert victim.name in c.pods
    env.run(until=70.1)
    assert victim.gone and victim.name not in c.pods and rs.status.terminating == 0


def test_shutdown_shorter_than_grace_period() -> None:
    env, c = make(PodBehaviour(shutdown=Dist.fixed(2.0)))
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1)
    env.run(until=10)
    pod = rs.pods[0]
    rs.scale_to(0)
    env.run(until=11.9)
    assert pod.status == "Terminating"
    env.run(until=12.1)
    assert pod.gone


def test_node_kill_replaces_pods_elsewhere() -> None:
    env, c = make(FIXED, nodes=2)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=4)
    env.run(until=50)
    lost = [p.name for p in rs.pods if p.node == "node-1"]
    assert len(lost) == 2
    c.kill_node("node-1")
    assert all(name not in c.pods for name in lost)
    assert rs.status.replicas == 4 and rs.status.ready == 2
    env.run(until=100)
    assert rs.status == (4, 4, 4, 0)
    assert all(p.node == "node-2" for p in rs.pods)
    # node-2 had the image: the replacements skipped the pull
    assert sum(e["reason"] == "Pulling" for e in c.events) == 2


def test_pods_wait_pending_without_nodes() -> None:
    env, c = make(FIXED, nodes=1)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1)
    env.run(until=50)
    c.kill_node("node-1")
    env.run(until=100)
    assert rs.pods[0].status == "Pending"
    c.restore_node("node-1")
    env.run(until=200)
    # the restored node is empty: the image is pulled again
    assert rs.status.ready == 1 and sum(e["reason"] == "Pulling" for e in c.events) == 2


# ------------------------------------------------------------------ events and determinism
def test_changed_event_wakes_a_waiting_controller() -> None:
    env, c = make(FIXED)
    woke: list[float] = []

    def controller() -> Any:
        while True:
            yield env.timeout(1000) | c.changed
            woke.append(env.now)

    env.process(controller())
    c.create_replica_set("demo", template(), revision=1, replicas=1, min_ready_seconds=5)
    env.run(until=100)
    assert SCHED + PULL + START + WARM in woke  # ready
    assert SCHED + PULL + START + WARM + 5 + 1 in woke  # available (controller re-check)
    assert SCHED not in woke  # scheduling is no ReplicaSet change


def run_scenario(seed: int) -> list[tuple[float, str, str, str]]:
    b = PodBehaviour(
        scheduling=Dist.lognormal(1.0, 4.0),
        image_pull=Dist.lognormal(5.0, 30.0),
        container_start=Dist.exponential(2.0),
        readiness=Dist.lognormal(3.0, 10.0),
        crash=CrashBehaviour(mean_time_between=200.0),
        shutdown=Dist.exponential(3.0),
    )
    env, c = make(b, seed=seed)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=5, min_ready_seconds=10)
    env.run(until=300)
    rs.scale_to(2)
    c.kill_node("node-2")
    env.run(until=900)
    return [(ch.time, ch.object, ch.what, repr(ch.value)) for ch in c.log]


def test_same_seed_gives_identical_log() -> None:
    a, b = run_scenario(7), run_scenario(7)
    assert a == b and len(a) > 50
    assert run_scenario(8) != a


def test_crash_behaviour_can_start_while_a_container_runs() -> None:
    loop = CrashBehaviour(after_start=Dist.fixed(0.0))
    env, c = make(PodBehaviour(crash_changes=((100.0, loop), (500.0, None))))
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1)
    (pod,) = rs.pods
    env.run(until=99)
    assert pod.ready and pod.restarts == 0
    env.run(until=101)
    assert not pod.ready and pod.restarts >= 1  # crashed at 100, restarted at once
    env.run(until=490)
    assert pod.status == "CrashLoopBackOff"
    env.run(until=1000)  # the loop stopped at 500: the last restart ran for good
    assert pod.status == "Running" and pod.ready


def test_shorthand_and_mean_time_between_crashes() -> None:
    a = PodBehaviour(crash_after=Dist.fixed(5.0)).crash_at(0.0)
    assert a == CrashBehaviour(after_start=Dist.fixed(5.0))
    env, c = make(PodBehaviour(crash=CrashBehaviour(mean_time_between=50.0)), nodes=1)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=200)
    env.run(until=30)
    # instant stages: each pod runs from 0 and crashes by 30 s with p = 1 - exp(-30/50);
    # the count is Binomial(200, 0.451): mean 90.2, sd 7.0 -> within 4 sd
    p = 1 - math.exp(-30 / 50)
    crashed = sum(pod.restarts > 0 for pod in rs.pods)
    assert abs(crashed - 200 * p) <= 4 * math.sqrt(200 * p * (1 - p))


def test_snapshot_lists_pods_as_kubectl_argo_rollouts_does() -> None:
    env, c = make(PodBehaviour(scheduling=Dist.fixed(1.0)))
    rs = c.create_replica_set("demo", template(), revision=4, replicas=2, min_ready_seconds=10)
    env.run(until=0.5)
    rs.scale_to(3)  # created at 0.5: same whole second as the first two
    env.run(until=30)
    c.kill_pod(sorted(p.name for p in rs.pods)[0])
    snap = rs.snapshot()
    assert snap["name"] == rs.name and snap["revision"] == 4 and snap["image"] == "demo:1"
    assert (snap["desired"], snap["current"], snap["ready"], snap["available"]) == (3, 3, 2, 2)
    pods = snap["pods"]
    assert [p["name"] for p in pods[:3]] == sorted(p["name"] for p in pods[:3])  # same second
    assert [p["status"] for p in pods].count("Terminating") == 1
    assert [p["status"] for p in pods].count("Running") == 2
    assert [p["status"] for p in pods].count("Pending") == 1  # the replacement, created at 30
    assert set(pods[0]) == {"name", "status", "ready", "available", "restarts", "created"}
    assert c.snapshot("demo") == [snap]


def test_scheduler_prefers_a_node_with_the_image_among_equally_loaded_ones() -> None:
    env, c = make(FIXED, nodes=3)
    rss = [
        c.create_replica_set(f"app{i}", template(f"demo:{i}"), revision=1, replicas=1)
        for i in (1, 2, 3)
    ]
    env.run(until=50)
    assert [rs.pods[0].node for rs in rss] == ["node-1", "node-2", "node-3"]
    rss[0].scale_to(0)
    rss[2].scale_to(0)
    env.run(until=100)  # node-1 and node-3 empty; node-3 keeps demo:3
    rss[2].scale_to(1)
    env.run(until=150)
    assert rss[2].active_pods()[0].node == "node-3"  # not node-1, first in order
    assert sum(e["reason"] == "Pulling" for e in c.events) == 3  # no second pull


def test_startup_probe_holds_readiness_back() -> None:
    slow = ReadinessProbe(initial_delay=30, period=10)
    assert ready_time(0.0, 0.0, None, 0.0, startup=slow) == 30.0
    # readiness ticks every 5 s from 0; startup succeeds at 30 -> the readiness tick at 30
    assert ready_time(0.0, 0.0, ReadinessProbe(period=5), 0.0, startup=slow) == 30.0
    assert ready_time(0.0, 42.0, ReadinessProbe(period=5), 0.0, startup=slow) == 50.0
    probe = {"initialDelaySeconds": 0, "periodSeconds": 5}
    tpl = template(readinessProbe=probe)
    tpl["spec"]["containers"][0]["startupProbe"] = {"initialDelaySeconds": 20, "periodSeconds": 10}
    env, c = make()
    rs = c.create_replica_set("demo", tpl, revision=1, replicas=1)
    (pod,) = rs.pods
    env.run(until=100)
    # bound at 1 (ticks 1, 11, 21, 31 ...), started at 8: startup at the first tick >= 28 = 31,
    # readiness (ticks 1, 6, ..., 31) at 31
    assert times(c, pod.name, "ready", True) == [31.0]
