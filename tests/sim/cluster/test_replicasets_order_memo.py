"""``ReplicaSets.of`` is worked out again only when a ReplicaSet comes or goes or an
annotation is written: each of those is seen after the order was remembered."""

from __future__ import annotations

import simpy

from canarysim.sim.cluster.cluster import Cluster
from canarysim.sim.cluster.pods.behaviour import PodBehaviour
from canarysim.sim.stochastic.rng import Streams


def _template(image: str) -> dict[str, object]:
    return {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": image}]},
    }


def _names(cluster: Cluster) -> list[str]:
    return [rs.name for rs in cluster.replica_sets_of("web")]


def test_the_order_follows_creation_revisions_renames_and_deletion() -> None:
    env = simpy.Environment()
    cluster = Cluster(env, Streams(1), lambda image: PodBehaviour(), nodes=1)
    one = cluster.create_replica_set("web", _template("web:1"), revision=1)
    assert _names(cluster) == [one.name]
    two = cluster.create_replica_set("web", _template("web:2"), revision=2)
    assert _names(cluster) == [two.name, one.name]
    assert _names(cluster) == [two.name, one.name]  # remembered
    listed = cluster.replica_sets_of("web")
    listed.reverse()  # a caller's own list: the remembered order stays
    assert _names(cluster) == [two.name, one.name]

    one.set_revision(3)  # rolled back to: newest again
    assert _names(cluster) == [one.name, two.name]

    # renamed as an Experiment's ReplicaSets are: out of the dict and back under a new name
    del cluster.replica_sets[two.name]
    assert _names(cluster) == [one.name]
    two.name = "web-renamed"
    two.annotations.pop("rollout.argoproj.io/revision")
    cluster.replica_sets[two.name] = two
    assert _names(cluster) == [one.name, "web-renamed"]

    cluster.delete_replica_set(one)
    assert _names(cluster) == ["web-renamed"]
    assert cluster.replica_sets_of("other") == []
