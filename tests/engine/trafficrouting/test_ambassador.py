"""Argo's Ambassador SetWeight (upstream rollout/trafficrouting/ambassador/ambassador_test.go
cases, as data) and Ambassador's split between Mappings of one prefix."""

from __future__ import annotations

import pytest

from canarysim.engine.trafficrouting.ambassador.match import route
from canarysim.engine.trafficrouting.ambassador.reconcile import (
    ambassador_settings,
    canary_mapping_name,
    set_weight,
)
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


def mapping(prefix: str | None = "/", service: str | None = "svc", **spec) -> dict:
    body = {k: v for k, v in (("prefix", prefix), ("service", service)) if v is not None}
    return {"kind": "Mapping", "spec": {**body, **spec}}


@pytest.mark.parametrize(
    ("service", "want"),
    [
        ("myapp", "myapp"),
        ("myapp:8080", "myapp"),
        ("myapp.prod:8080", "myapp"),
        ("myapp.prod.svc.cluster.local:80", "myapp"),
        ("http://myapp:80", "myapp"),
        ("https://myapp.prod", "myapp"),
        (None, ""),
    ],
)
def test_a_mapping_service_names_its_kubernetes_service(service, want):
    assert route([mapping(service=service)], "h") == ((want, 1.0),)


@pytest.mark.parametrize(
    ("spec", "host", "matches"),
    [
        ({}, "any.example", True),
        ({"hostname": "*"}, "any.example", True),
        ({"hostname": "a.example"}, "a.example", True),
        ({"hostname": "a.example"}, "b.example", False),
        ({"host": "a.example"}, "a.example", True),
        ({"host": "a.example"}, "b.example", False),
        ({"hostname": "a.example", "host": "b.example"}, "a.example", True),
        ({"hostname": "a.example", "host": "b.example"}, "b.example", False),
        ({"hostname": None, "host": "b.example"}, "b.example", True),
    ],
)
def test_hostname_then_host_then_every_host(spec, host, matches):
    found = route([mapping(**spec)], host)
    assert found == ((("svc", 1.0),) if matches else None)


@pytest.mark.parametrize(
    ("uri", "want"),
    [
        ("/", "root"),
        ("/api", "root"),
        ("/api/", "api"),
        ("/api/v1/x", "api"),
        ("/api/?q=/other", "api"),
        ("/x?q=/api/", "root"),
        ("?q=1", "root"),
        ("", "root"),
    ],
)
def test_the_longest_matching_prefix_wins(uri, want):
    maps = [mapping("/", "root"), mapping("/api/", "api"), mapping(None, "root2", host="x")]
    assert route(maps, "h", uri) == ((want, 1.0),)


def test_no_prefix_means_slash_and_a_longer_prefix_elsewhere_does_not_match():
    assert route([mapping(None, "a")], "h", "/deep/path") == (("a", 1.0),)
    assert route([mapping("/api/", "a")], "h", "/") is None
    assert route([], "h", "/") is None


@pytest.mark.parametrize(
    ("weights", "want"),
    [
        # unweighted Mappings of one prefix share what the weighted ones leave, equally
        ((None, None), (("m0", 0.5), ("m1", 0.5))),
        ((None, None, None, 25), (("m3", 0.25), ("m0", 0.25), ("m1", 0.25), ("m2", 0.25))),
        ((30, None), (("m0", 0.3), ("m1", 0.7))),
        ((None, 30), (("m1", 0.3), ("m0", 0.7))),
        ((10, 20, None), (("m0", 0.1), ("m1", 0.2), ("m2", 0.7))),
        # weight 0 takes nothing; 100 leaves nothing for the rest
        ((0, None), (("m1", 1.0),)),
        ((100, None), (("m0", 1.0),)),
        # a weight above 100 counts as 100; weights over 100 in all are scaled down
        ((150, None), (("m0", 1.0),)),
        ((150, 50), (("m0", 1 / 1.5), ("m1", 0.5 / 1.5))),
        ((70, 60, None), (("m0", 70 / 130), ("m1", 60 / 130))),
        # nothing left to send anywhere
        ((0,), ()),
        ((0, 0), ()),
    ],
)
def test_weights_within_one_prefix(weights, want):
    maps = [
        mapping("/p", f"m{i}", **({} if w is None else {"weight": w}))
        for i, w in enumerate(weights)
    ]
    got = route(maps, "h", "/p")
    assert [s for s, _ in got] == [s for s, _ in want]
    assert [f for _, f in got] == pytest.approx([f for _, f in want], abs=1e-12)


def test_a_null_weight_is_no_weight():
    maps = [mapping("/", "a", weight=None), mapping("/", "b", weight=40)]
    assert route(maps, "h") == (("b", 0.4), ("a", 0.6))


def test_weights_of_a_shorter_prefix_do_not_mix_in():
    maps = [mapping("/", "root", weight=50), mapping("/api", "api")]
    assert route(maps, "h", "/api") == (("api", 1.0),)


def rollout_with(mappings, **canary) -> dict:
    spec = {
        "stableService": "myapp",
        "canaryService": "myapp-canary",
        "trafficRouting": {"ambassador": {"mappings": mappings}},
    }
    return {"spec": {"strategy": {"canary": {**spec, **canary}}}}


def base(name: str, service="myapp:8080", **spec) -> dict:
    return {"metadata": {"name": name}, "spec": {"prefix": "/", "service": service, **spec}}


def test_ambassador_settings_is_none_only_without_the_key():
    assert ambassador_settings(ROLLOUT) == {"mappings": ["myapp-mapping"]}
    assert ambassador_settings(rollout_with([])) == {"mappings": []}
    assert ambassador_settings({"spec": {"strategy": {"canary": {}}}}) is None
    assert ambassador_settings({}) is None
    assert (
        ambassador_settings(
            rollout_with([])
            | {"spec": {"strategy": {"canary": {"trafficRouting": {"ambassador": "m"}}}}}
        )
        is None
    )


def test_without_mappings_nothing_is_written():
    assert set_weight(rollout_with(None), {}, 30) == []
    assert set_weight({}, {}, 30) == []


def test_the_canary_copy_has_no_namespace_when_the_base_has_none_and_base_is_untouched():
    b = base("m")
    [w] = set_weight(rollout_with(["m"]), {"m": b}, 10)
    assert w.manifest == {
        "metadata": {"name": "m-canary"},
        "spec": {"prefix": "/", "service": "myapp-canary:8080", "weight": 10},
    }
    assert b == base("m")


@pytest.mark.parametrize(
    ("service", "canary", "want"),
    [
        # strings.Replace(service, stable, canary, 1): the first occurrence only
        ("myapp.myapp:8080", {}, "myapp-canary.myapp:8080"),
        ("http://myapp.ns", {}, "http://myapp-canary.ns"),
        ("other:80", {}, "other:80"),
        (None, {}, ""),
        # with an empty stable Service, Go's Replace inserts the canary Service in front
        ("myapp:80", {"stableService": None}, "myapp-canarymyapp:80"),
        ("myapp:80", {"canaryService": None}, ":80"),
    ],
)
def test_the_canary_service_replaces_the_stable_one_once(service, canary, want):
    b = base("m") if service is None else base("m", service)
    if service is None:
        del b["spec"]["service"]
    [w] = set_weight(rollout_with(["m"], **canary), {"m": b}, 10)
    assert w.manifest["spec"]["service"] == want


def test_a_base_without_spec_gets_one():
    [w] = set_weight(rollout_with(["m"]), {"m": {"metadata": {"name": "m"}}}, 5)
    assert w.manifest == {"metadata": {"name": "m-canary"}, "spec": {"service": "", "weight": 5}}


@pytest.mark.parametrize("weight", [True, 10.5, "10", 0])
def test_a_base_weight_that_is_not_an_integer_reads_as_none(weight):
    # GetMappingWeight: unstructured.NestedInt64, 0 on anything but an integer
    [w] = set_weight(rollout_with(["m"]), {"m": base("m", weight=weight)}, 20)
    assert w.manifest["spec"]["weight"] == 20


def test_every_mapping_is_handled_in_order():
    maps = {"a": base("a"), "b": base("b")}
    writes = set_weight(rollout_with(["a", "b"]), maps, 20)
    assert [w.name for w in writes] == ["a-canary", "b-canary"]
    maps.update({w.name: w.manifest for w in writes})
    writes = set_weight(rollout_with(["a", "b"]), maps, 0)
    assert [(w.name, w.manifest is None) for w in writes] == [
        ("a-canary", False),
        ("a-canary", True),
        ("b-canary", False),
        ("b-canary", True),
    ]


def test_a_canary_mapping_already_at_zero_is_only_deleted():
    maps = {"m": base("m"), "m-canary": base("m-canary", weight=0)}
    writes = set_weight(rollout_with(["m"]), maps, 0)
    assert [(w.name, w.manifest) for w in writes] == [("m-canary", None)]


def test_an_existing_canary_mapping_without_spec_gets_the_weight():
    maps = {"m-canary": {"metadata": {"name": "m-canary"}}}
    [w] = set_weight(rollout_with(["m"]), maps, 30)
    assert w.manifest == {"metadata": {"name": "m-canary"}, "spec": {"weight": 30}}
    assert maps == {"m-canary": {"metadata": {"name": "m-canary"}}}


@pytest.mark.parametrize(
    ("maps", "message"),
    [
        (
            {},
            '2 errors found: [mappings.getambassador.io "a" not found]'
            '[mappings.getambassador.io "b" not found]',
        ),
        (
            {"a": base("a", weight=5), "b": base("b", weight=5)},
            '2 errors found: [Ambassador mapping "a" can not define weight]'
            '[Ambassador mapping "b" can not define weight]',
        ),
        (
            {"b": base("b", weight=5)},
            '2 errors found: [mappings.getambassador.io "a" not found]'
            '[Ambassador mapping "b" can not define weight]',
        ),
        (
            {"a": base("a"), "b": base("b", weight=5)},
            'Ambassador mapping "b" can not define weight',
        ),
    ],
)
def test_errors_of_several_mappings_are_collected(maps, message):
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(rollout_with(["a", "b"]), maps, 20)
    assert str(err.value) == message


def test_at_zero_a_mapping_without_canary_does_not_stop_the_others():
    maps = {"a": base("a"), "b": base("b"), "b-canary": base("b-canary", weight=10)}
    writes = set_weight(rollout_with(["a", "b"]), maps, 0)
    assert [(w.name, w.manifest is None) for w in writes] == [
        ("b-canary", False),
        ("b-canary", True),
    ]
