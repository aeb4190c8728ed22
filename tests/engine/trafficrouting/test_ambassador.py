"""Argo's Ambassador SetWeight (upstream rollout/trafficrouting/ambassador/ambassador_test.go
cases, as data) and Ambassador's split between Mappings of one prefix."""

from __future__ import annotations

import pytest

from canarysim.engine.trafficrouting.ambassador.match import route
from canarysim.engine.trafficrouting.ambassador.reconcile import canary_mapping_name, set_weight
from canarysim.errors import TrafficRoutingError

ROLLOUT = {
    "metadata": {"name": "rollout"},
    "spec": {
        "strategy": {
            "canary": {
                "stableService": "myapp",
                "canaryService": "myapp-canary",
                "trafficRouting": {"ambassador": {"mappings": ["myapp-mapping"]}},
            }
        }
    },
}
BASE = {
    "apiVersion": "getambassador.io/v2",
    "kind": "Mapping",
    "metadata": {"name": "myapp-mapping", "namespace": "default", "uid": "x"},
    "spec": {"prefix": "/myapp/", "rewrite": "/", "service": "myapp:8080"},
}


def test_create_update_delete():
    [w] = set_weight(ROLLOUT, {"myapp-mapping": BASE}, 20)
    assert w.name == "myapp-mapping-canary"
    assert w.manifest["metadata"] == {"name": "myapp-mapping-canary", "namespace": "default"}
    assert w.manifest["spec"] == {
        "prefix": "/myapp/",
        "rewrite": "/",
        "service": "myapp-canary:8080",
        "weight": 20,
    }
    objs = {"myapp-mapping": BASE, w.name: w.manifest}
    [u] = set_weight(ROLLOUT, objs, 40)
    assert u.manifest["spec"]["weight"] == 40
    objs[u.name] = u.manifest
    assert set_weight(ROLLOUT, objs, 40) == []
    writes = set_weight(ROLLOUT, objs, 0)
    assert [(x.name, x.manifest is None) for x in writes] == [(w.name, False), (w.name, True)]
    assert set_weight(ROLLOUT, {"myapp-mapping": BASE}, 0) == []  # nothing to create at 0


def test_errors():
    with pytest.raises(
        TrafficRoutingError, match=r'mappings\.getambassador\.io "myapp-mapping" not found'
    ):
        set_weight(ROLLOUT, {}, 20)
    weighted = {**BASE, "spec": {**BASE["spec"], "weight": 10}}
    with pytest.raises(
        TrafficRoutingError, match='Ambassador mapping "myapp-mapping" can not define weight'
    ):
        set_weight(ROLLOUT, {"myapp-mapping": weighted}, 20)
    assert canary_mapping_name("m" * 300) == "m" * 246 + "-canary"


def test_ambassador_splits_one_prefix():
    [w] = set_weight(ROLLOUT, {"myapp-mapping": BASE}, 30)
    maps = [BASE, w.manifest]
    assert route(maps, "any.host", "/myapp/x") == (("myapp-canary", 0.3), ("myapp", 0.7))
    assert route(maps, "any.host", "/other") is None
