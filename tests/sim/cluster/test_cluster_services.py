"""ReplicaSets (hash, naming, scale-down order, annotations) and Services (selectors,
endpoints, targetPort matching) of the simulated cluster."""

from __future__ import annotations

from typing import Any

import pytest
import simpy

from canarysim.errors import SimulationError
from canarysim.sim.cluster.cluster import Cluster
from canarysim.sim.cluster.pods.behaviour import CrashBehaviour, PodBehaviour
from canarysim.sim.cluster.pods.pod import Pod
from canarysim.sim.cluster.replicasets import deletion_order, format_timestamp, parse_timestamp
from canarysim.sim.cluster.templatehash import (
    POD_TEMPLATE_HASH_LABEL,
    pod_template_hash,
    templates_equal_ignoring_hash,
)
from canarysim.sim.stochastic.distributions import Dist
from canarysim.sim.stochastic.rng import Streams

FIXED = PodBehaviour(
    scheduling=Dist.fixed(1.0),
    image_pull=Dist.fixed(5.0),
    container_start=Dist.fixed(2.0),
    readiness=Dist.fixed(3.0),
)


def template(image: str = "demo:1", ports: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    if ports is None:
        ports = [{"name": "http", "containerPort": 8080}]
    return {
        "metadata": {"labels": {"app": "demo"}},
        "spec": {"containers": [{"name": "app", "image": image, "ports": ports}]},
    }


def make(
    behaviour: PodBehaviour = FIXED, nodes: int = 3, by_image: dict[str, PodBehaviour] | None = None
) -> tuple[simpy.Environment, Cluster]:
    env = simpy.Environment()
    table = by_image or {}
    return env, Cluster(env, Streams(1), lambda image: table.get(image, behaviour), nodes=nodes)


def service(
    name: str, target: int | str = "http", selector: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {
            "selector": selector or {"app": "demo"},
            "ports": [{"port": 80, "targetPort": target, "protocol": "TCP", "name": "http"}],
        },
    }


# ------------------------------------------------------------------ template hash
def test_hash_has_kubernetes_form_and_is_stable() -> None:
    h = pod_template_hash(template())
    assert h == pod_template_hash(template())  # same input, same hash, every run
    assert 1 <= len(h) <= 10 and set(h) <= set("456789bcdf")
    assert pod_template_hash(template("demo:2")) != h
    assert pod_template_hash(template(), collision_count=1) != h


def test_hash_ignores_its_own_label_and_key_order() -> None:
    t = template()
    labelled = template()
    labelled["metadata"]["labels"][POD_TEMPLATE_HASH_LABEL] = "whatever"
    reordered = {"spec": t["spec"], "metadata": {"labels": {"app": "demo"}}}
    assert pod_template_hash(labelled) == pod_template_hash(t) == pod_template_hash(reordered)
    assert templates_equal_ignoring_hash(labelled, t)


def test_replica_set_name_labels_selector_and_revision() -> None:
    _env, c = make()
    rs = c.create_replica_set("imesh-rollout", template(), revision=3, replicas=1)
    h = pod_template_hash(template())
    assert rs.name == f"imesh-rollout-{h}" and rs.hash == h
    assert rs.labels[POD_TEMPLATE_HASH_LABEL] == h
    assert rs.selector == {"app": "demo", POD_TEMPLATE_HASH_LABEL: h}
    assert rs.annotations["rollout.argoproj.io/revision"] == "3" and rs.revision == 3
    assert rs.pods[0].labels[POD_TEMPLATE_HASH_LABEL] == h
    assert rs.pods[0].name.startswith(rs.name + "-") and len(rs.pods[0].name) == len(rs.name) + 6
    with pytest.raises(SimulationError, match="already exists"):
        c.create_replica_set("imesh-rollout", template(), revision=4)
    assert c.find_replica_set("imesh-rollout", template()) is rs
    assert c.find_replica_set("imesh-rollout", template("demo:2")) is None
    rs.set_revision(5)
    assert rs.revision == 5 and c.replica_set(h) is rs


def test_scale_down_deadline_annotation_round_trip() -> None:
    _env, c = make()
    rs = c.create_replica_set("demo", template(), revision=1)
    rs.set_scale_down_deadline(3630.6)
    assert rs.annotations["scale-down-deadline"] == "2026-01-01T01:00:30Z"  # whole seconds
    assert rs.scale_down_at == 3630.0 and rs.snapshot()["scale_down_at"] == 3630.0
    rs.set_scale_down_deadline(None)
    assert rs.scale_down_at is None and "scale-down-deadline" not in rs.annotations
    assert parse_timestamp(format_timestamp(12.0)) == 12.0


# ------------------------------------------------------------------ scale-down order
def pod(name: str, **state: Any) -> Pod:
    fields: dict[str, Any] = {"node": "node-1", "phase": "Running", "ready": True, "created": 0.0}
    fields.update(state)
    if fields["ready"] and "ready_since" not in fields:
        fields["ready_since"] = fields["created"]
    uid = fields.pop("uid", name)
    annotations = fields.pop("annotations", {})
    p = Pod(name, uid, "default", "rs", {}, annotations, {}, PodBehaviour(), fields.pop("created"))
    for k, v in fields.items():
        setattr(p, k, v)
    return p


def first(a: Pod, b: Pod, now: float = 10_000.0, related: list[Pod] | None = None) -> str:
    """Name of the pod Kubernetes deletes first (both input orders must agree)."""
    x = deletion_order([a, b], related or [a, b], now)[0].name
    y = deletion_order([b, a], related or [a, b], now)[0].name
    assert x == y
    return x


def test_deletion_order_rules_one_by_one() -> None:
    # 1. unscheduled before scheduled
    assert first(pod("a", node=None, phase="Pending", ready=False), pod("b")) == "a"
    # 2. Pending (ContainerCreating) before Running
    assert first(pod("a", ready=False), pod("b", phase="Pending", ready=False)) == "b"
    # 3. not Ready before Ready
    assert first(pod("a"), pod("b", ready=False)) == "b"
    # 4. lower deletion cost first
    cost = {"controller.kubernetes.io/pod-deletion-cost": "-5"}
    assert first(pod("a"), pod("b", annotations=cost)) == "b"
    # 5. more related pods on the same node first
    crowd = [pod(f"x{i}", node="node-2") for i in range(3)]
    assert first(pod("a"), pod("b", node="node-2"), related=crowd) == "b"
    # 6. Ready more recently first (log scale: 10 s vs 9000 s ago)
    assert first(pod("a", ready_since=1000.0), pod("b", ready_since=9990.0)) == "b"
    # 7. more restarts first
    assert first(pod("a", restarts=3), pod("b", restarts=1)) == "a"
    # 8. newer first
    assert (
        first(
            pod("a", created=9000.0, ready_since=9500.0), pod("b", created=10.0, ready_since=9500.0)
        )
        == "a"
    )


def test_deletion_order_same_log_bucket_falls_back_to_uid() -> None:
    # created 9900 s and 9000 s ago: log2 of the ages in ns is 43.2 and 43.03, same bucket
    a = pod("a", created=100.0, ready_since=50.0, uid="zzz")
    b = pod("b", created=1000.0, ready_since=50.0, uid="aaa")
    assert first(a, b) == "b"
    a.uid, b.uid = "aaa", "zzz"
    assert first(a, b) == "a"  # the older one goes first: only the UID decided


def test_scale_down_order_by_state_within_one_replica_set() -> None:
    env, c = make(FIXED, nodes=4)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=2)
    env.run(until=100)  # two Ready pods
    rs.scale_to(3)  # a third: bound at 101, pulling until 106
    env.run(until=103)
    creating = next(p for p in rs.pods if p.created == 100)
    assert creating.status == "ContainerCreating"
    rs.scale_to(4)  # a fourth, not bound before 104
    unscheduled = next(p for p in rs.pods if p.created == 103)
    rs.scale_to(3)
    assert unscheduled.terminating and not creating.terminating  # unscheduled goes first
    rs.scale_to(2)
    assert creating.terminating  # then the one still creating; the Ready ones stay
    assert all(p.ready for p in rs.active_pods()) and rs.status.replicas == 2


def test_scale_down_removes_newest_ready_pods_first() -> None:
    env, c = make(FIXED, nodes=1)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=2)
    env.run(until=1000)
    rs.scale_to(4)
    env.run(until=5000)
    old = {p.name for p in rs.pods if p.created == 0}
    rs.scale_to(2)
    assert {p.name for p in rs.active_pods()} == old


def test_scale_down_prefers_crash_looping_pods() -> None:
    env, c = make(
        nodes=2,
        by_image={"crashy": PodBehaviour(crash=CrashBehaviour(after_start=Dist.fixed(1.0)))},
    )
    rs = c.create_replica_set("demo", template("crashy"), revision=1, replicas=1)
    env.run(until=1000)
    c.create_replica_set("demo", template("demo:2"), revision=2, replicas=1)
    env.run(until=2000)
    crashy = rs.pods[0]
    assert crashy.restarts > 3 and not crashy.ready
    both = [p for r in c.replica_sets.values() for p in r.pods]
    assert deletion_order(both, both, env.now)[0] is crashy


# ------------------------------------------------------------------ services and endpoints
def test_selector_hash_injection_switches_endpoints() -> None:
    env, c = make()
    v1 = c.create_replica_set("demo", template("demo:1"), revision=1, replicas=2)
    v2 = c.create_replica_set("demo", template("demo:2"), revision=2, replicas=1)
    c.add_service(service("demo-stable"))
    env.run(until=100)
    assert c.ready_by_hash("demo-stable") == dict(sorted({v1.hash: 2, v2.hash: 1}.items()))
    c.set_selector_hash("demo-stable", v1.hash)
    assert [p.name for p in c.endpoints("demo-stable")] == sorted(p.name for p in v1.pods)
    c.set_selector_hash("demo-stable", v2.hash)
    assert c.ready_by_hash("demo-stable") == {v2.hash: 1}
    assert c.service("demo-stable").selector == {"app": "demo", POD_TEMPLATE_HASH_LABEL: v2.hash}
    c.set_selector_hash("demo-stable", "")  # Argo's switch to an empty hash: no pod
    assert c.endpoints("demo-stable") == []
    c.set_selector_hash("demo-stable", None)
    assert sum(c.ready_by_hash("demo-stable").values()) == 3


def test_extra_labels_select_a_subset() -> None:
    env, c = make()
    v1 = c.create_replica_set("demo", template("demo:1"), revision=1, replicas=2)
    c.create_replica_set("demo", template("demo:2"), revision=2, replicas=1)
    c.add_service(service("demo"))
    env.run(until=100)
    assert c.ready_by_hash("demo", {POD_TEMPLATE_HASH_LABEL: v1.hash}) == {v1.hash: 2}
    assert c.ready_by_hash("demo", {"version": "none"}) == {}


def test_only_ready_pods_are_endpoints_and_terminating_ones_leave_at_once() -> None:
    env, c = make()
    rs = c.create_replica_set("demo", template(), revision=1, replicas=2)
    c.add_service(service("demo"))
    env.run(until=10.5)  # running since 8, ready at 11
    assert c.endpoints("demo") == []
    env.run(until=11.5)
    assert len(c.endpoints("demo")) == 2
    victim = rs.pods[0]
    c.kill_pod(victim.name)
    assert victim not in c.endpoints("demo") and len(c.endpoints("demo")) == 1
    assert victim.status == "Terminating"


def test_named_target_port_without_matching_container_port_gives_no_endpoints() -> None:
    env, c = make()
    c.create_replica_set(
        "demo", template(ports=[{"name": "web", "containerPort": 8080}]), revision=1, replicas=1
    )
    c.add_service(service("by-name", "http"))
    c.add_service(service("by-good-name", "web"))
    c.add_service(service("by-number", 8080))
    c.add_service(service("by-wrong-number", 9090))
    env.run(until=100)
    assert c.endpoints("by-name") == []
    assert len(c.endpoints("by-good-name")) == 1
    assert len(c.endpoints("by-number")) == 1
    assert c.endpoints("by-wrong-number") == []


def test_numeric_target_port_matches_pods_that_declare_no_ports() -> None:
    env, c = make()
    c.create_replica_set("demo", template(ports=[]), revision=1, replicas=1)
    c.add_service(service("by-number", 8080))
    c.add_service(service("by-name", "http"))
    env.run(until=100)
    assert len(c.endpoints("by-number")) == 1 and c.endpoints("by-name") == []


def test_service_without_selector_has_no_endpoints_and_unknown_names_raise() -> None:
    env, c = make()
    c.create_replica_set("demo", template(), revision=1, replicas=1)
    c.add_service({"metadata": {"name": "external"}, "spec": {"ports": [{"port": 80}]}})
    env.run(until=100)
    assert c.endpoints("external") == []
    with pytest.raises(SimulationError):
        c.endpoints("missing")
    assert [p.name for p in c.pods_matching({"app": "demo"})] == [p.name for p in c.pods.values()]


def test_template_without_labels_finds_its_replica_set() -> None:
    _env, c = make()
    bare = {"metadata": {}, "spec": {"containers": [{"name": "app", "image": "x:1"}]}}
    rs = c.create_replica_set("demo", bare, revision=1, selector={"app": "demo"})
    assert pod_template_hash(rs.template) == rs.hash == pod_template_hash(bare)
    assert c.find_replica_set("demo", bare) is rs


def test_view_has_the_engine_fields() -> None:
    env, c = make()
    rs = c.create_replica_set(
        "demo", template(), revision=2, replicas=2, min_ready_seconds=0, rollout_replicas=3
    )
    env.run(until=50)
    rs.set_scale_down_deadline(80)
    assert rs.view() == {
        "hash": rs.hash,
        "revision": 2,
        "replicas": 2,
        "status_replicas": 2,
        "ready": 2,
        "available": 2,
        "scale_down_deadline": 80.0,
        "rollout_replicas": 3,
        "created": 0,
        "pod_created": (0, 0),
    }
    rs.scale_to(1, rollout_replicas=4)
    assert rs.rollout_replicas == 4 and rs.view()["status_replicas"] == 1


def test_given_hash_is_used_for_name_and_labels() -> None:
    _env, c = make()
    rs = c.create_replica_set("demo", template(), revision=1, replicas=1, pod_hash="abc123")
    assert rs.name == "demo-abc123" and rs.pods[0].labels[POD_TEMPLATE_HASH_LABEL] == "abc123"


def test_evict_takes_old_pods_in_name_order_not_by_age() -> None:
    """The restarter walks pods as the API server lists them, by name: of three pods created
    before ``before`` (two at 0 s, one at 10 s), a budget of one takes the first by name.
    (Seed 11 names the younger pod first.)"""
    env = simpy.Environment()
    c = Cluster(env, Streams(11), lambda image: FIXED, nodes=3)
    rs = c.create_replica_set("demo", template(), revision=1, replicas=2)
    env.run(until=10)
    rs.scale_to(3)
    env.run(until=50)
    old = [p for p in rs.active_pods() if p.created < 20.0]
    by_name = sorted(old, key=lambda p: p.name)
    by_age = sorted(old, key=lambda p: (p.created, p.name))
    assert by_name[0] is not by_age[0]  # the fixture tells the two orders apart
    assert c.evict(rs, 1, before=20.0) == [by_name[0]]


def test_evict_replaces_the_oldest_pods() -> None:
    env, c = make()
    rs = c.create_replica_set("demo", template(), revision=1, replicas=2)
    env.run(until=10)
    rs.scale_to(3)
    env.run(until=50)
    oldest = sorted(p.name for p in rs.pods if p.created == 0)
    evicted = c.evict(rs, 5, before=5.0)
    assert sorted(p.name for p in evicted) == oldest
    assert rs.status.replicas == 3 and all(
        p.created == 50 for p in rs.active_pods() if p.node is None
    )
