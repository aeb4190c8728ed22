"""Target-group verification (``--aws-verify-target-group``), the pure parts.

Transcribed from upstream's utils/aws/aws_test.go (``TestGetTargetGroupBindingsByService``,
``TestVerifyTargetGroupBindingIgnoreInstanceMode``, ``TestVerifyTargetGroupBinding``) and
rollout/service_test.go (``TestShouldVerifyTargetGroups``): their inputs and expected values
as data, our own fixtures.
"""

from __future__ import annotations

import pytest

from canarysim.engine.model import (
    EndpointsView,
    ServicePortView,
    ServiceTargetsView,
    TargetGroupBindingView,
    TargetGroupsView,
)
from canarysim.engine.trafficrouting.alb.targets import (
    BindingResult,
    bindings_for_service,
    numeric_target_port,
    should_verify_target_group,
    verify_binding,
    verify_target_groups,
)

# DescribeTargetHealth of TestVerifyTargetGroupBinding: two endpoints registered, one on the
# wrong port, one IP that is no endpoint.
REGISTERED = (("1.2.3.4", 8080), ("5.6.7.8", 8080), ("2.4.6.8", 8081), ("9.8.7.6", 8080))
ENDPOINTS = EndpointsView("h2", ("1.2.3.4", "5.6.7.8", "2.4.6.8"), (("", 8080),))


def tgb(
    port: int | str = 80, target_type: str = "ip", name: str = "active", **kw: object
) -> TargetGroupBindingView:
    fields: dict[str, object] = {
        "name": name,
        "target_group_arn": "arn::1234",
        "service_name": "active",
        "port": port,
        "target_type": target_type,
        "registered": REGISTERED,
    }
    fields.update(kw)
    return TargetGroupBindingView(**fields)  # type: ignore[arg-type]


def service(
    *ports: ServicePortView, endpoints: tuple[EndpointsView, ...] = ()
) -> ServiceTargetsView:
    return ServiceTargetsView("active", ports or (ServicePortView(80, "", 8080),), endpoints)


# --------------------------------------------------------- TestGetTargetGroupBindingsByService
def test_bindings_by_service_port_number() -> None:
    """A binding naming the Service and its port number is found (the first case)."""
    svc = ServiceTargetsView("active", (ServicePortView(80, "", 80),))
    [found] = bindings_for_service([tgb(80)], svc)
    assert (found.port, found.target_group_arn, found.target_type) == (80, "arn::1234", "ip")


def test_bindings_by_service_port_name() -> None:
    """A binding naming the port by name finds the Service port of that name (second case:
    the port has no number at all)."""
    svc = ServiceTargetsView("active", (ServicePortView(0, "foo", 80),))
    [found] = bindings_for_service([tgb("foo", "instance")], svc)
    assert (found.port, found.target_type) == ("foo", "instance")


def test_bindings_by_service_skip_other_services_and_ports() -> None:
    svc = ServiceTargetsView("active", (ServicePortView(80, "http", 8080),))
    assert bindings_for_service([tgb(81), tgb("grpc"), tgb(80, service_name="other")], svc) == []
    # a port given as the text "80" is a port *name*, as intstr decodes it
    assert bindings_for_service([tgb("80")], svc) == []
    # several match: the API lists them by name
    b, a = tgb(80, name="b"), tgb("http", name="a")
    assert [x.name for x in bindings_for_service([b, a], svc)] == ["a", "b"]


# ------------------------------------------------------- TestVerifyTargetGroupBinding (+ mode)
def test_verify_binding_ignores_instance_mode() -> None:
    assert verify_binding(tgb(target_type="instance"), service(), ENDPOINTS) is None
    assert verify_binding(tgb(target_type=""), service(), ENDPOINTS) is None


def test_verify_binding_counts_registered_endpoints() -> None:
    """Upstream expects Verified false, 2 of 3 endpoints registered."""
    assert verify_binding(tgb(), service(), ENDPOINTS) == BindingResult(False, 2, 3)


def test_verify_binding_all_registered() -> None:
    registered = (*REGISTERED, ("2.4.6.8", 8080))
    assert verify_binding(tgb(registered=registered), service(), ENDPOINTS) == BindingResult(
        True, 3, 3
    )


def test_verify_binding_no_endpoints_is_verified() -> None:
    """0 of 0: nothing to wait for (a numeric target port needs no endpoints to resolve)."""
    assert verify_binding(tgb(), service(), EndpointsView("h2")) == BindingResult(True, 0, 0)


def test_named_target_port_resolves_through_the_endpoints_ports() -> None:
    """``getNumericTargetPort``: a named targetPort is looked up among the Endpoints' ports,
    which carry the Service port's name: found when both names agree, else no check."""
    same = service(ServicePortView(80, "http", "http"))
    eps = EndpointsView("h2", ("1.2.3.4",), (("http", 8080),))
    assert numeric_target_port(tgb(80), same, eps) == 8080
    other = service(ServicePortView(80, "web", "http"))
    eps_web = EndpointsView("h2", ("1.2.3.4",), (("web", 8080),))
    assert numeric_target_port(tgb(80), other, eps_web) == 0
    assert verify_binding(tgb(80), other, eps_web) is None
    # no endpoints yet: nothing to resolve the name against
    assert numeric_target_port(tgb(80), same, EndpointsView("h2")) == 0


# --------------------------------------------------------------- TestShouldVerifyTargetGroups
@pytest.mark.parametrize(
    ("case", "kw", "expected"),
    [
        ("CanaryNotUsingTrafficRouting", {"alb_canary": False, "stable_rs": "new"}, False),
        ("CanaryNotFullyPromoted", {"alb_canary": True, "stable_rs": "somethingelse"}, False),
        ("CanaryFullyPromoted", {"alb_canary": True, "stable_rs": "new"}, True),
        ("BlueGreenFullyPromoted", {"blue_green": True, "stable_rs": "new"}, False),
        (
            "BlueGreenBeforePromotion",
            {"blue_green": True, "stable_rs": "oldrshash", "service_hash": "oldrshash"},
            False,
        ),
        (
            "BlueGreenAfterPromotionAfterPromotionAnalysisStarted",
            {"blue_green": True, "stable_rs": "oldrshash", "post_promotion_started": True},
            False,
        ),
        ("BlueGreenAfterPromotion", {"blue_green": True, "stable_rs": "oldrshash"}, True),
    ],
)
def test_should_verify_target_group(case: str, kw: dict[str, object], expected: bool) -> None:
    args: dict[str, object] = {
        "blue_green": False,
        "alb_canary": False,
        "stable_rs": "",
        "desired_hash": "new",
        "service_hash": "new",
        "post_promotion_started": False,
    }
    args.update(kw)
    assert should_verify_target_group(**args) is expected, case  # type: ignore[arg-type]


# ---------------------------------------------------------------------- awsVerifyTargetGroups
def view(*bindings: TargetGroupBindingView) -> TargetGroupsView:
    return TargetGroupsView(bindings, (service(endpoints=(ENDPOINTS,)),))


def test_no_binding_means_nothing_to_verify() -> None:
    check = verify_target_groups(view(tgb(81)), "active", "h2")
    assert (check.verified, check.events, check.retry) == (None, (), False)


def test_unverified_binding_warns_and_retries() -> None:
    check = verify_target_groups(view(tgb()), "active", "h2")
    assert check.verified is False and check.retry
    assert check.events == (
        (
            "Warning",
            "TargetGroupUnverified",
            "Service active (TargetGroup arn::1234) not verified: 2/3 endpoints registered",
        ),
    )


def test_verified_bindings_each_record_an_event_and_instance_ones_are_skipped() -> None:
    full = (*REGISTERED, ("2.4.6.8", 8080))
    check = verify_target_groups(
        view(
            tgb(name="a", registered=full),
            tgb(name="b", target_type="instance", registered=()),
            tgb(name="c", registered=full, target_group_arn="arn::5678"),
        ),
        "active",
        "h2",
    )
    assert check.verified is True and not check.retry
    assert [m for _, _, m in check.events] == [
        "Service active (TargetGroup arn::1234) verified: 3 endpoints registered",
        "Service active (TargetGroup arn::5678) verified: 3 endpoints registered",
    ]


def test_first_unverified_binding_stops_the_check() -> None:
    full = (*REGISTERED, ("2.4.6.8", 8080))
    check = verify_target_groups(
        view(tgb(name="a"), tgb(name="b", registered=full)), "active", "h2"
    )
    assert check.verified is False
    assert [r for _, r, _ in check.events] == ["TargetGroupUnverified"]


def test_endpoints_are_those_of_the_hash_the_selector_picks() -> None:
    """Argo switches the selector, then reads the Endpoints: the new pods'."""
    old = EndpointsView("h1", ("1.2.3.4", "5.6.7.8"), (("", 8080),))
    v = TargetGroupsView((tgb(),), (service(endpoints=(old, ENDPOINTS)),))
    assert verify_target_groups(v, "active", "h1").verified is True
    assert verify_target_groups(v, "active", "h2").verified is False


# ------------------------------------------------------------------- edges (mutation testing)
def test_a_binding_of_another_service_does_not_end_the_search() -> None:
    other = tgb(name="a", service_name="other")
    mine = tgb(name="b")
    assert bindings_for_service([other, mine], service()) == [mine]


def test_a_named_binding_port_resolves_through_the_service_port_of_that_name() -> None:
    svc = service(ServicePortView(443, "https", 8443), ServicePortView(80, "http", 8080))
    assert numeric_target_port(tgb("http"), svc, EndpointsView("h2")) == 8080
    assert numeric_target_port(tgb("grpc"), svc, EndpointsView("h2")) == 0
    # an empty name is no name, even against an unnamed Service port
    unnamed = service(ServicePortView(80, "", 8080))
    assert numeric_target_port(tgb(""), unnamed, EndpointsView("h2")) == 0


def test_a_numbered_binding_port_picks_the_service_port_of_that_number() -> None:
    svc = service(ServicePortView(443, "https", 8443), ServicePortView(80, "http", 8080))
    assert numeric_target_port(tgb(80), svc, EndpointsView("h2")) == 8080
    assert numeric_target_port(tgb(8080), svc, EndpointsView("h2")) == 0
    # port 1 and target port 1 are ordinary numbers
    assert numeric_target_port(tgb(1), service(ServicePortView(1, "", 1)), EndpointsView("h2")) == 1


def test_a_service_port_without_target_port_targets_its_own_number() -> None:
    """The API server defaults ``targetPort`` to ``port``: Argo reads the number back."""
    eps = EndpointsView("h2", ("1.2.3.4",), (("", 80),))
    for unset in (0, None):
        svc = service(ServicePortView(80, "", unset))  # type: ignore[arg-type]
        assert numeric_target_port(tgb(80), svc, eps) == 80
        registered = (("1.2.3.4", 80),)
        assert verify_binding(tgb(80, registered=registered), svc, eps) == BindingResult(True, 1, 1)


def test_a_verified_binding_is_a_normal_event() -> None:
    full = (*REGISTERED, ("2.4.6.8", 8080))
    check = verify_target_groups(view(tgb(registered=full)), "active", "h2")
    assert [(t, r) for t, r, _ in check.events] == [("Normal", "TargetGroupVerified")]
