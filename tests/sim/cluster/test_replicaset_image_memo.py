"""``ReplicaSet.image`` is read once per template object: a template put in its place (as
ephemeral metadata does) is read again."""

from __future__ import annotations

from canarysim.sim.cluster.replicasets import new_replica_set


def _template(image: str) -> dict[str, object]:
    return {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": image}]},
    }


def test_a_replaced_template_is_read_again() -> None:
    rs = new_replica_set("web", _template("web:1"), namespace="ns", revision=1, created=0.0)
    assert rs.image == "web:1"
    assert rs.image == "web:1"  # from the memo
    rs.template = _template("web:2")
    assert rs.image == "web:2"
    rs.template = {"metadata": {}, "spec": {}}
    assert rs.image == ""
