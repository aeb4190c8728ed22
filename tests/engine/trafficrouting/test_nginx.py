"""Argo's NGINX reconciler and ingress-nginx's canary matching, Given/When/Then.

Cases transcribe upstream's rollout/trafficrouting/nginx/nginx_test.go (its fixtures:
Rollout ``rollout``, Services ``stable-service``/``canary-service``, Ingress
``stable-ingress`` with host ``fakehost.example.com`` and path ``/foo``; the single- and
multi-ingress variants), as data; the fixtures are written here.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from canarysim.engine.trafficrouting.nginx.match import route
from canarysim.engine.trafficrouting.nginx.reconcile import (
    canary_ingress_name,
    desired_canary_ingress,
    nginx_settings,
    set_weight,
    stable_ingresses,
)
from canarysim.errors import TrafficRoutingError

P = "nginx.ingress.kubernetes.io"


def rollout(single: str = "stable-ingress", many: list[str] | None = None, **nginx: Any) -> dict:
    settings: dict[str, Any] = dict(nginx)
    if single:
        settings["stableIngress"] = single
    if many is not None:
        settings["stableIngresses"] = many
    return {
        "metadata": {"name": "rollout", "namespace": "default"},
        "spec": {
            "strategy": {
                "canary": {
                    "stableService": "stable-service",
                    "canaryService": "canary-service",
                    "trafficRouting": {"nginx": settings},
                }
            }
        },
    }


def ingress(name: str, service: str = "stable-service", path: str = "/foo", **spec: Any) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": name,
            "namespace": "default",
            "annotations": {"annotation-key1": "annotation-value1"},
            "labels": {"label-key1": "label-value1"},
        },
        "spec": {
            "ingressClassName": "ingress-name",
            "rules": [
                {
                    "host": "fakehost.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": path,
                                "pathType": "Prefix",
                                "backend": {"service": {"name": service, "port": {"name": "http"}}},
                            }
                        ]
                    },
                }
            ],
            **spec,
        },
    }


SINGLE = {"single": "stable-ingress", "many": None, "names": ["stable-ingress"]}
MULTI = {
    "single": "",
    "many": ["stable-ingress", "additional-stable-ingress"],
    "names": ["stable-ingress", "additional-stable-ingress"],
}
VARIANTS = pytest.mark.parametrize(
    "variant", [SINGLE, MULTI], ids=["singleIngress", "multiIngress"]
)


def test_canary_ingress_names():
    assert canary_ingress_name("rollout", "stable-ingress") == "rollout-stable-ingress-canary"
    assert canary_ingress_name("rollout", "") == ""
    long = canary_ingress_name("r" * 200, "s" * 100)
    assert len(long) == 253 and long.endswith("-canary")


@VARIANTS
def test_create(variant):
    """TestCanaryIngressCreate / TestReconcileStableIngressFound: one create per stable
    Ingress, canary annotations, backends on the canary Service, class kept."""
    ro = rollout(variant["single"], variant["many"])
    objs = {n: ingress(n) for n in variant["names"]}
    writes = set_weight(ro, objs, 10)
    assert [w.name for w in writes] == [f"rollout-{n}-canary" for n in variant["names"]]
    for w in writes:
        assert w.reason == "CreatingCanaryIngress"
        assert w.message == f"Creating canary ingress `{w.name}` with weight `10`"
        meta, spec = w.manifest["metadata"], w.manifest["spec"]
        assert meta["annotations"] == {f"{P}/canary": "true", f"{P}/canary-weight": "10"}
        assert "labels" not in meta
        assert meta["ownerReferences"][0]["name"] == "rollout"
        assert meta["ownerReferences"][0]["controller"] is True
        assert spec["ingressClassName"] == "ingress-name"
        backend = spec["rules"][0]["http"]["paths"][0]["backend"]["service"]
        assert backend == {"name": "canary-service", "port": {"name": "http"}}


@VARIANTS
def test_patch_weight(variant):
    """TestCanaryIngressPatchWeight: only canary-weight changes."""
    ro = rollout(variant["single"], variant["many"])
    objs: dict[str, Any] = {n: ingress(n) for n in variant["names"]}
    for n in variant["names"]:
        c = desired_canary_ingress(ro, objs[n], f"rollout-{n}-canary", 10)
        objs[c["metadata"]["name"]] = c
    writes = set_weight(ro, objs, 15)
    assert [w.reason for w in writes] == ["PatchingCanaryIngress"] * len(variant["names"])
    for w in writes:
        assert w.message == f"Updating Ingress `{w.name}` to desiredWeight '15'"
        before = objs[w.name]
        assert w.manifest["metadata"]["annotations"][f"{P}/canary-weight"] == "15"
        assert w.manifest["spec"] == before["spec"]


def test_update_route():
    """TestCanaryIngressUpdateRoute: the stable path changed to /bar, the canary follows."""
    ro = rollout()
    stable = ingress("stable-ingress", path="/bar")
    current = desired_canary_ingress(
        ro, ingress("stable-ingress"), "rollout-stable-ingress-canary", 15
    )
    [w] = set_weight(ro, {"stable-ingress": stable, w_name(): current}, 15)
    assert w.manifest["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/bar"
    assert (
        w.manifest["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
        == "canary-service"
    )


def w_name() -> str:
    return "rollout-stable-ingress-canary"


def test_retain_ingress_class_annotation_and_tls():
    """TestCanaryIngressRetainIngressClass / RetainTLS / NotAddTLS: only
    kubernetes.io/ingress.class among the stable annotations; TLS copied when present."""
    ro = rollout()
    stable = ingress("stable-ingress", tls=[{"hosts": ["fakehost.example.com"], "secretName": "s"}])
    stable["metadata"]["annotations"]["kubernetes.io/ingress.class"] = "nginx-ext"
    got = desired_canary_ingress(ro, stable, w_name(), 15)
    assert got["metadata"]["annotations"]["kubernetes.io/ingress.class"] == "nginx-ext"
    assert "annotation-key1" not in got["metadata"]["annotations"]
    assert got["spec"]["tls"] == [{"hosts": ["fakehost.example.com"], "secretName": "s"}]
    assert "tls" not in desired_canary_ingress(ro, ingress("stable-ingress"), w_name(), 15)["spec"]


def test_additional_annotations():
    """TestCanaryIngressAdditionalAnnotations: short keys get the prefix, full keys of
    canaryIngressAnnotations are kept as written."""
    ro = rollout(
        additionalIngressAnnotations={
            "canary-by-header": "X-Foo",
            "canary-by-header-value": "DoCanary",
        },
        canaryIngressAnnotations={"annotation-prefix.some.group/some-key": "some-value"},
    )
    a = desired_canary_ingress(ro, ingress("stable-ingress"), w_name(), 15)["metadata"][
        "annotations"
    ]
    assert a == {
        f"{P}/canary-by-header": "X-Foo",
        f"{P}/canary-by-header-value": "DoCanary",
        "annotation-prefix.some.group/some-key": "some-value",
        f"{P}/canary": "true",
        f"{P}/canary-weight": "15",
    }


def test_retain_current_annotations():
    """TestCanaryIngressRetainCurrentAnnotations: annotations another controller put on the
    canary Ingress survive the patch; Argo's own win."""
    ro = rollout()
    current = desired_canary_ingress(ro, ingress("stable-ingress"), w_name(), 15)
    current["metadata"]["annotations"] = {
        f"{P}/canary": "false",
        "annotation-prefix.some.group/some-key": "some-value",
    }
    [w] = set_weight(ro, {"stable-ingress": ingress("stable-ingress"), w_name(): current}, 15)
    a = w.manifest["metadata"]["annotations"]
    assert a[f"{P}/canary"] == "true" and a[f"{P}/canary-weight"] == "15"
    assert a["annotation-prefix.some.group/some-key"] == "some-value"


@pytest.mark.parametrize("max_weight", [None, 1000])
def test_max_weight_sets_weight_total(max_weight):
    """TestCanaryIngressMaxWeightInTrafficRouting."""
    ro = rollout()
    if max_weight is not None:
        ro["spec"]["strategy"]["canary"]["trafficRouting"]["maxTrafficWeight"] = max_weight
    a = desired_canary_ingress(ro, ingress("stable-ingress"), w_name(), 15)["metadata"][
        "annotations"
    ]
    if max_weight is None:
        assert f"{P}/canary-weight-total" not in a
    else:
        assert a[f"{P}/canary-weight-total"] == "1000"


def test_no_change_no_write():
    """TestReconcileStableAndCanaryIngressFoundNoChange."""
    ro = rollout()
    current = desired_canary_ingress(ro, ingress("stable-ingress"), w_name(), 10)
    assert (
        set_weight(ro, {"stable-ingress": ingress("stable-ingress"), w_name(): current}, 10) == []
    )


def test_errors_carry_argo_text():
    ro = rollout()
    # TestReconcileStableIngressNotFound
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(ro, {}, 10)
    assert str(err.value) == (
        "error retrieving stableIngress `stable-ingress` from cache: "
        'ingress.networking.k8s.io "stable-ingress" not found'
    )
    # TestReconcileStableIngressFoundWrongBackend
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(ro, {"stable-ingress": ingress("stable-ingress", service="other")}, 10)
    assert (
        str(err.value)
        == "ingress `stable-ingress` has no rules using service stable-service backend"
    )
    # TestReconcileStableAndCanaryIngressFoundNoOwner / BadOwner
    other = copy.deepcopy(ingress(w_name(), service="canary-service"))
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(ro, {"stable-ingress": ingress("stable-ingress"), w_name(): other}, 10)
    assert str(err.value) == f"canary ingress `{w_name()}` controlled by different object"
    other["metadata"]["ownerReferences"] = [
        {"kind": "Rollout", "name": "other", "controller": True}
    ]
    with pytest.raises(TrafficRoutingError):
        set_weight(ro, {"stable-ingress": ingress("stable-ingress"), w_name(): other}, 10)


# --------------------------------------------------------------------------------------------
# ingress-nginx: which backend a request reaches
# --------------------------------------------------------------------------------------------


def plane(weight: int, **annotations: str) -> list[dict]:
    ro = rollout(additionalIngressAnnotations=annotations)
    stable = ingress("stable-ingress")
    return [stable, desired_canary_ingress(ro, stable, w_name(), weight)]


def shares(objs: list[dict], **kw: Any) -> dict[str, float]:
    found = route(objs, "fakehost.example.com", **kw)
    assert found is not None
    return dict(found.backends)


def test_weight_splits_the_location():
    assert shares(plane(20), uri="/foo/bar") == {"stable-service": 0.8, "canary-service": 0.2}
    assert shares(plane(0), uri="/foo") == {"stable-service": 1.0}
    assert shares(plane(100), uri="/foo") == {"canary-service": 1.0}


def test_paths_and_hosts():
    objs = plane(20)
    assert route(objs, "other.example.com") is None  # not this ingress's host
    found = route(objs, "fakehost.example.com", uri="/bar")
    assert found is not None and found.backends == ()  # 404: no location
    assert (
        route(objs, "fakehost.example.com", uri="/foobar").backends == ()
    )  # Prefix: whole elements


@pytest.mark.parametrize(
    ("annotations", "headers", "canary"),
    [
        ({"canary-by-header": "x-canary"}, {"x-canary": "always"}, 1.0),
        ({"canary-by-header": "x-canary"}, {"x-canary": "never"}, 0.0),
        ({"canary-by-header": "x-canary"}, {"x-canary": "maybe"}, 0.2),
        ({"canary-by-header": "x-canary"}, {}, 0.2),
        (
            {"canary-by-header": "X-Foo", "canary-by-header-value": "DoCanary"},
            {"x-foo": "DoCanary"},
            1.0,
        ),
        (
            {"canary-by-header": "X-Foo", "canary-by-header-value": "DoCanary"},
            {"x-foo": "never"},
            0.2,
        ),
        ({"canary-by-header": "X-Foo", "canary-by-header-pattern": "^Do"}, {"x-foo": "DoIt"}, 1.0),
    ],
)
def test_header_routing_before_weight(annotations, headers, canary):
    got = shares(plane(20, **annotations), uri="/foo", headers=headers)
    assert got.get("canary-service", 0.0) == pytest.approx(canary)


# --------------------------------------------------------------------------------------------
# Edges found by mutation testing
# --------------------------------------------------------------------------------------------


def test_canary_ingress_object():
    """Created beside the Rollout (its namespace), named as asked, an Ingress."""
    got = desired_canary_ingress(rollout(), ingress("stable-ingress"), w_name(), 10)
    assert (got["apiVersion"], got["kind"]) == ("networking.k8s.io/v1", "Ingress")
    assert got["metadata"]["name"] == w_name()
    assert got["metadata"]["namespace"] == "default"
    ro = rollout()
    del ro["metadata"]["namespace"]
    assert (
        "namespace"
        not in desired_canary_ingress(ro, ingress("stable-ingress"), "c", 10)["metadata"]
    )


def test_created_canary_ingress_is_named_after_rollout_and_stable():
    [w] = set_weight(rollout(), {"stable-ingress": ingress("stable-ingress")}, 10)
    assert w.manifest["metadata"]["name"] == w_name()
    unnamed = rollout()
    del unnamed["metadata"]["name"]
    [w] = set_weight(unnamed, {"stable-ingress": ingress("stable-ingress")}, 10)
    assert w.name == "-stable-ingress-canary"


def test_annotation_prefix():
    ro = rollout(annotationPrefix="custom.nginx.org", additionalIngressAnnotations={"x": "1"})
    a = desired_canary_ingress(ro, ingress("stable-ingress"), w_name(), 15)["metadata"][
        "annotations"
    ]
    assert a == {
        "custom.nginx.org/x": "1",
        "custom.nginx.org/canary": "true",
        "custom.nginx.org/canary-weight": "15",
    }


def test_nginx_settings_must_be_a_mapping():
    ro = rollout()
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["nginx"] = "on"
    assert nginx_settings(ro) is None
    assert stable_ingresses(ro) == [""]  # no stableIngress: the empty name
    with pytest.raises(TrafficRoutingError, match=r"stableIngress `` from cache"):
        set_weight(ro, {}, 10)


def test_unset_services_are_the_empty_name():
    ro = rollout()
    canary = ro["spec"]["strategy"]["canary"]
    del canary["stableService"], canary["canaryService"]
    got = desired_canary_ingress(ro, ingress("stable-ingress", service=""), w_name(), 10)
    assert got["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == ""


def test_only_stable_backends_switch_and_every_one_of_them():
    stable = ingress("stable-ingress")
    paths = stable["spec"]["rules"][0]["http"]["paths"]
    other = copy.deepcopy(paths[0])
    other["backend"]["service"]["name"] = "other-service"
    paths[:] = [other, *paths, copy.deepcopy(paths[0])]
    got = desired_canary_ingress(rollout(), stable, w_name(), 10)
    names = [p["backend"]["service"]["name"] for p in got["spec"]["rules"][0]["http"]["paths"]]
    assert names == ["other-service", "canary-service", "canary-service"]
    assert paths[1]["backend"]["service"]["name"] == "stable-service"  # the stable is untouched


def test_wrong_backend_error_names_stable_ingress_even_with_many():
    """Argo words it with spec...nginx.stableIngress, empty when stableIngresses is used."""
    ro = rollout("", ["stable-ingress"])
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(ro, {"stable-ingress": ingress("stable-ingress", service="other")}, 10)
    assert str(err.value) == "ingress `` has no rules using service stable-service backend"


def test_canary_tls_is_a_copy():
    stable = ingress("stable-ingress", tls=[{"hosts": ["a.example.com"]}])
    got = desired_canary_ingress(rollout(), stable, w_name(), 10)
    got["spec"]["tls"][0]["hosts"].append("b.example.com")
    assert stable["spec"]["tls"] == [{"hosts": ["a.example.com"]}]


def test_patch_drops_labels_of_the_canary_ingress():
    """The merge patch carries the desired labels (none)."""
    ro = rollout()
    current = desired_canary_ingress(ro, ingress("stable-ingress"), w_name(), 10)
    current["metadata"]["labels"] = {"team": "a"}
    [w] = set_weight(ro, {"stable-ingress": ingress("stable-ingress"), w_name(): current}, 10)
    assert "labels" not in w.manifest["metadata"]
    assert current["metadata"]["labels"] == {"team": "a"}  # the object read is not changed


def test_an_unchanged_canary_ingress_does_not_stop_the_next():
    ro = rollout("", ["first", "second"])
    objs: dict[str, Any] = {n: ingress(n) for n in ("first", "second")}
    objs["rollout-first-canary"] = desired_canary_ingress(
        ro, objs["first"], "rollout-first-canary", 20
    )
    objs["rollout-second-canary"] = desired_canary_ingress(
        ro, objs["second"], "rollout-second-canary", 10
    )
    assert [w.name for w in set_weight(ro, objs, 20)] == ["rollout-second-canary"]


# ingress-nginx


def test_route_names_the_main_ingress_and_reads_it_when_the_canary_comes_first():
    stable, canary = plane(30)
    found = route([canary, stable], "fakehost.example.com", uri="/foo")
    assert found is not None and found.ingress == "stable-ingress"
    assert dict(found.backends) == {"stable-service": 0.7, "canary-service": 0.3}


def test_route_without_canary_ingress():
    found = route([ingress("stable-ingress")], "fakehost.example.com", uri="/foo")
    assert found is not None
    assert (found.backends, found.ingress) == ((("stable-service", 1.0),), "stable-ingress")
    unnamed = ingress("x")
    del unnamed["metadata"]["name"]
    assert route([unnamed], "fakehost.example.com", uri="/foo").ingress == ""


def test_route_longest_location_and_first_ingress_on_a_tie():
    root = ingress("root", service="root-service", path="/")
    foo = ingress("foo", service="foo-service")
    twin = ingress("twin", service="twin-service")
    assert route([root, foo], "fakehost.example.com", uri="/foo/x").ingress == "foo"
    assert route([root, foo, twin], "fakehost.example.com", uri="/foo").ingress == "foo"


def test_route_catch_all_server_and_other_hosts():
    """A rule without host is the catch-all server; an Ingress's rules for other hosts are
    passed over."""
    anyhost = ingress("any", service="any-service")
    del anyhost["spec"]["rules"][0]["host"]
    assert dict(route([anyhost], "who.example.com", uri="/foo").backends) == {"any-service": 1.0}
    two = ingress("two")
    first = copy.deepcopy(two["spec"]["rules"][0])
    first["host"] = "other.example.com"
    first["http"]["paths"][0]["backend"]["service"]["name"] = "other-service"
    two["spec"]["rules"].insert(0, first)
    assert dict(route([two], "fakehost.example.com", uri="/foo").backends) == {
        "stable-service": 1.0
    }


# (path, pathType, uri, matches?)
PATHS = [
    ("/foo", "Exact", "/foo", True),
    ("/foo", "Exact", "/foo/", False),
    ("/", "Prefix", "/anything", True),
    ("/foo/", "Prefix", "/foo", True),  # a trailing "/" is ignored
    ("/foo/", "Prefix", "/foo/bar", True),
    ("/boX", "Prefix", "/bo", False),  # only "/" is trimmed
    ("/foo", "Prefix", "/foo?x=1", True),
    ("/foo", None, "/foobar", True),  # ImplementationSpecific (the default): a plain prefix
    ("/foo", "ImplementationSpecific", "/fo", False),
    (None, "Exact", "/", True),  # no path is "/"
    ("/", "Exact", "?x=1", True),  # no request path is "/"
    ("/a", "Exact", "/a?b?c", True),  # the query starts at the first "?"
]


@pytest.mark.parametrize(("path", "path_type", "uri", "matches"), PATHS)
def test_location_matching(path, path_type, uri, matches):
    ing = ingress("ing", path=path)
    if path is None:
        del ing["spec"]["rules"][0]["http"]["paths"][0]["path"]
    ing["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = path_type
    found = route([ing], "fakehost.example.com", uri=uri)
    assert found is not None and bool(found.backends) == matches


def test_route_default_request_is_for_the_root():
    ing = ingress("ing", path="/")
    ing["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = "Exact"
    assert route([ing], "fakehost.example.com").backends == (("stable-service", 1.0),)


# (canary annotations, request headers, canary share)
CANARY_SHARES = [
    ({}, {}, 0.0),  # no canary-weight: nothing
    ({"canary-weight": "5", "canary-weight-total": "10"}, {}, 0.5),
    ({"canary-weight": "1", "canary-weight-total": "1"}, {}, 1.0),
    ({"canary-weight": "5", "canary-weight-total": "0"}, {}, 0.0),
    ({"canary-weight": "lots"}, {}, 0.0),
    (
        {"canary-weight": "50", "canary-by-header": "x-c", "canary-by-header-pattern": "^on"},
        {},
        0.5,
    ),
]


@pytest.mark.parametrize(("annotations", "headers", "share"), CANARY_SHARES)
def test_canary_share_annotations(annotations, headers, share):
    stable = ingress("stable-ingress")
    canary = ingress("c", service="canary-service")
    canary["metadata"]["annotations"] = {f"{P}/canary": "True"} | {
        f"{P}/{k}": v for k, v in annotations.items()
    }
    found = route([stable, canary], "fakehost.example.com", uri="/foo", headers=headers)
    assert found is not None
    assert dict(found.backends).get("canary-service", 0.0) == pytest.approx(share)
