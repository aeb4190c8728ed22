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


def test_pods_of_one_template_share_its_facts_but_not_their_labels():
    template = {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"image": "i"}]}}
    first = new_pod("rs-1", "ns", template, None, 0.0, set(), np.random.default_rng(1))
    second = new_pod("rs-1", "ns", template, None, 0.0, {first.name}, np.random.default_rng(2))
    assert first.labels == second.labels == {"app": "a"}
    first.labels["extra"] = "x"
    assert second.labels == {"app": "a"}
    assert first.annotations is not second.annotations
    # another template (made after the first filled the memo) is read afresh
    other = {
        "metadata": {"labels": {"app": "b"}},
        "spec": {"terminationGracePeriodSeconds": 5, "containers": [{"image": "i"}]},
    }
    pod = new_pod("rs-2", "ns", other, None, 0.0, set(), np.random.default_rng(3))
    assert pod.labels == {"app": "b"} and pod.grace_period == 5.0
