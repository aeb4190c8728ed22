"""The AWS side of TargetGroupBindings (``sim/mesh/targets.py``): the bindings the AWS Load
Balancer Controller makes for ALB Ingresses, and target groups that register a Service's
ready pods one sync after they change."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import simpy

from canarysim.engine.model import ServicePortView
from canarysim.sim.mesh.alb import target_group_name_arn
from canarysim.sim.mesh.targets import TargetGroups, ingress_bindings
from canarysim.sim.stochastic.distributions import Dist

ANN = "alb.ingress.kubernetes.io"


def ingress(name: str, paths: list[dict[str, Any]], **annotations: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "annotations": {"kubernetes.io/ingress.class": "alb", **annotations},
        },
        "spec": {"rules": [{"http": {"paths": [{"path": "/", "backend": b} for b in paths]}}]},
    }


def backend(service: str, port: int | str) -> dict[str, Any]:
    key = "number" if isinstance(port, int) else "name"
    return {"service": {"name": service, "port": {key: port}}}


def refs(bindings: list[dict[str, Any]]) -> list[tuple[str, Any, str]]:
    return [
        (
            b["spec"]["serviceRef"]["name"],
            b["spec"]["serviceRef"]["port"],
            b["spec"]["targetType"],
        )
        for b in bindings
    ]


def test_a_binding_per_backend_service_and_port() -> None:
    ing = ingress("web", [backend("active", 80), backend("active", 80), backend("api", "http")])
    assert refs(ingress_bindings([ing], {}, "ns")) == [
        ("active", 80, "instance"),
        ("api", "http", "instance"),
    ]


def test_use_annotation_backends_bind_the_forward_target_groups() -> None:
    forward = {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"ServiceName": "canary", "ServicePort": "80", "Weight": 0},
                {"ServiceName": "stable", "ServicePort": "80", "Weight": 100},
            ]
        },
    }
    ing = ingress(
        "web",
        [backend("root", "use-annotation")],
        **{f"{ANN}/actions.root": json.dumps(forward), f"{ANN}/target-type": "ip"},
    )
    bindings = ingress_bindings([ing], {"canary": {f"{ANN}/target-type": "instance"}}, "ns")
    # the port text "80" is the number 80; a Service's own target-type wins over the Ingress's
    assert refs(bindings) == [("canary", 80, "instance"), ("stable", 80, "ip")]
    name, arn = target_group_name_arn("ns", "web", "stable", "80")
    assert (bindings[1]["metadata"]["name"], bindings[1]["spec"]["targetGroupARN"]) == (name, arn)


def test_other_ingress_classes_get_no_binding() -> None:
    ing = ingress("web", [backend("active", 80)])
    ing["metadata"]["annotations"]["kubernetes.io/ingress.class"] = "nginx"
    assert ingress_bindings([ing], {}, "ns") == []
    ing["metadata"]["annotations"].pop("kubernetes.io/ingress.class")
    ing["spec"]["ingressClassName"] = "alb"
    assert refs(ingress_bindings([ing], {}, "ns")) == [("active", 80, "instance")]


class FakeCluster:
    """One Service ``web`` whose ready pods the test sets."""

    def __init__(self) -> None:
        self.ready: list[str] = []

    def target_pods(self, service: str, port: int | str) -> list[tuple[str, int]]:
        return [(p, 8080) for p in self.ready] if (service, port) == ("web", 80) else []

    def service_ports(self, service: str) -> list[ServicePortView] | None:
        return [ServicePortView(80, "http", 8080)] if service == "web" else None

    def endpoints(self, service: str, pod_hash: str) -> tuple[list[str], list[tuple[str, int]]]:
        pods = [p for p in self.ready if not pod_hash or p.startswith(pod_hash)]
        return pods, [("http", 8080)] if pods else []


def binding(target_type: str = "ip") -> dict[str, Any]:
    return {
        "metadata": {"name": "web-tgb"},
        "spec": {
            "targetGroupARN": "arn:tg",
            "targetType": target_type,
            "serviceRef": {"name": "web", "port": 80},
        },
    }


def groups(env: simpy.Environment, cluster: FakeCluster, target_type: str = "ip") -> TargetGroups:
    return TargetGroups(
        env,
        bindings=[binding(target_type)],
        cluster=cluster,
        delay=Dist.from_spec(20.0, field="aws.albSyncDelay"),
        rng=np.random.default_rng(0),
    )


def test_targets_follow_the_endpoints_one_sync_later() -> None:
    env, cluster = simpy.Environment(), FakeCluster()
    tg = groups(env, cluster)
    cluster.ready = ["a-1", "a-2"]
    tg.check()  # before the clock starts: in step at once
    assert tg.registered["web-tgb"] == (("10.0.0.1", 8080), ("10.0.0.2", 8080))
    env.run(until=5)
    cluster.ready = ["a-2", "b-1"]
    tg.changed()
    env.run(until=24.9)
    assert tg.registered["web-tgb"] == (("10.0.0.1", 8080), ("10.0.0.2", 8080))
    env.run(until=25.1)
    assert tg.registered["web-tgb"] == (("10.0.0.2", 8080), ("10.0.0.3", 8080))
    assert tg.syncs == 1


def test_a_change_during_a_sync_gets_the_next_one() -> None:
    env, cluster = simpy.Environment(), FakeCluster()
    tg = groups(env, cluster)
    env.run(until=1)
    cluster.ready = ["a-1"]
    tg.changed()
    env.run(until=11)
    cluster.ready = ["a-1", "a-2"]
    tg.changed()  # a sync is under way: it picks up what holds when it ends
    env.run(until=21.5)
    assert [ip for ip, _ in tg.registered["web-tgb"]] == ["10.0.0.1", "10.0.0.2"]
    assert tg.syncs == 1


def test_instance_bindings_hold_nothing_and_the_view_has_every_hash() -> None:
    env, cluster = simpy.Environment(), FakeCluster()
    cluster.ready = ["a-1", "b-1"]
    tg = groups(env, cluster, "instance")
    tg.check()
    assert tg.registered.get("web-tgb", ()) == ()
    view = tg.view(["a", "b"])
    [svc] = view.services
    assert [(e.pod_hash, e.addresses) for e in svc.endpoints] == [
        ("", ("10.0.0.1", "10.0.0.2")),
        ("a", ("10.0.0.1",)),
        ("b", ("10.0.0.2",)),
    ]
    assert view.bindings[0].target_type == "instance"
