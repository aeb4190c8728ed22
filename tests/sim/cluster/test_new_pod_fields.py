"""new_pod fills a Pod's fields directly: the same state as the dataclass __init__."""

import numpy as np

from canarysim.sim.cluster.pods.pod import Pod, new_pod

GIVEN = [
    "name",
    "uid",
    "namespace",
    "replica_set",
    "labels",
    "annotations",
    "template",
    "behaviour",
    "created",
    "grace_period",
    "probe",
    "startup_probe",
    "gates",
]


def test_a_new_pod_has_the_state_the_dataclass_would_give_it():
    template = {
        "metadata": {"labels": {"app": "a"}, "annotations": {"x": "y"}},
        "spec": {"containers": [{"image": "img:1"}], "readinessGates": [{"conditionType": "G"}]},
    }
    pod = new_pod("rs-1", "ns", template, None, 5.0, set(), np.random.default_rng(3))
    ref = Pod(**{k: getattr(pod, k) for k in GIVEN})
    assert list(vars(pod)) == list(vars(ref))
    assert {k: v for k, v in vars(pod).items() if k != "backoff"} == {
        k: v for k, v in vars(ref).items() if k != "backoff"
    }
    assert vars(pod.backoff) == vars(ref.backoff)
    other = new_pod("rs-1", "ns", template, None, 5.0, {pod.name}, np.random.default_rng(4))
    assert other.conditions is not pod.conditions and other.backoff is not pod.backoff
    assert pod.watcher is None and "watcher" not in vars(pod)
