"""``status.alb`` / ``status.albs`` as Argo's ALB ``VerifyWeight`` records them
(``rollout/trafficrouting/alb/alb.go``: ``updateLoadBalancerStatus``,
``updateTargetGroupStatus``); ARNs transcribed from upstream's alb_test.go."""

from __future__ import annotations

from canarysim.engine.model import AlbStatus, LoadBalancerView, TargetGroupView
from canarysim.engine.trafficrouting.alb.verify import resource_id, verify_weight

LB_ARN = (
    "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/lb-abc123-name/"
    "1234567890123456"
)
TG = "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/{}/1234567890123456"


def balancer(ingress: str, canary_weight: int) -> LoadBalancerView:
    return LoadBalancerView(
        ingress,
        hostname="verify-weight-test-abc-123.us-west-2.elb.amazonaws.com",
        name="lb-abc123-name",
        arn=LB_ARN,
        target_groups=(
            TargetGroupView(
                resource_id("default", ingress, "canary-svc", 80),
                TG.format("canary-tg-abc123-name"),
                "canary-tg-abc123-name",
                canary_weight,
            ),
            TargetGroupView(
                resource_id("default", ingress, "stable-svc", 80),
                TG.format("stable-tg-abc123-name"),
                "stable-tg-abc123-name",
                100 - canary_weight,
            ),
        ),
    )


def test_the_status_names_the_load_balancer_and_both_target_groups():
    result = verify_weight(
        "default", "canary-svc", 80, 10, (), [balancer("ingress", 10)], stable_service="stable-svc"
    )
    assert result.verified
    assert result.alb.to_json() == {
        "loadBalancer": {
            "name": "lb-abc123-name",
            "arn": LB_ARN,
            "fullName": "lb-abc123-name/1234567890123456",
        },
        "canaryTargetGroup": {
            "name": "canary-tg-abc123-name",
            "arn": TG.format("canary-tg-abc123-name"),
            "fullName": "canary-tg-abc123-name/1234567890123456",
        },
        "stableTargetGroup": {
            "name": "stable-tg-abc123-name",
            "arn": TG.format("stable-tg-abc123-name"),
            "fullName": "stable-tg-abc123-name/1234567890123456",
        },
        "ingress": "ingress",
    }
    assert result.albs == (result.alb,)


def test_an_unverified_weight_still_records_what_was_found():
    result = verify_weight(
        "default", "canary-svc", 80, 10, (), [balancer("ingress", 0)], stable_service="stable-svc"
    )
    assert not result.verified
    assert result.alb.canary_target_group.name == "canary-tg-abc123-name"


def test_several_ingresses_one_entry_each_and_the_last_one_in_alb():
    lbs = [balancer("ingress-1", 10), balancer("ingress-2", 10)]
    result = verify_weight("default", "canary-svc", 80, 10, (), lbs, stable_service="stable-svc")
    assert [a.ingress for a in result.albs] == ["ingress-1", "ingress-2"]
    assert result.alb.ingress == "ingress-2"


def test_an_ingress_without_a_load_balancer_keeps_what_the_status_held():
    before = AlbStatus(ingress="ingress")
    waiting = LoadBalancerView("ingress")  # no hostname yet
    result = verify_weight(
        "default",
        "canary-svc",
        80,
        10,
        (),
        [waiting],
        stable_service="s",
        alb=before,
        albs=[before],
    )
    assert result.alb == before and result.albs == (before,)
    # the number of Ingresses changed: status.albs starts afresh
    result = verify_weight(
        "default", "canary-svc", 80, 10, (), [waiting, waiting], stable_service="s", alb=before
    )
    assert result.albs == (AlbStatus(), AlbStatus())
