"""``VerifyWeight`` of Argo's ALB reconciler (``rollout/trafficrouting/alb/alb.go``), edge by
edge: a load balancer AWS does not know, an Ingress without a hostname before one with, and
target groups that are neither the canary's nor an experiment's (or carry no weight) listed
before the canary's."""

from __future__ import annotations

from canarysim.engine.model import AlbStatus, LoadBalancerView, TargetGroupView
from canarysim.engine.trafficrouting.alb.verify import resource_id, verify_weight

CANARY, STABLE = "canary-svc", "stable-svc"


def group(ingress: str, service: str, weight: int | None) -> TargetGroupView:
    return TargetGroupView(
        resource_id("default", ingress, service, 80), f"arn:tg/{service}", service, weight
    )


def balancer(
    ingress: str, *groups: TargetGroupView, hostname: str = "lb.example"
) -> LoadBalancerView:
    return LoadBalancerView(ingress, hostname, "lb", "arn:lb/app/lb/1", groups)


def verify(*lbs: LoadBalancerView, **kw: object):  # type: ignore[no-untyped-def]
    return verify_weight("default", CANARY, 80, 10, (), list(lbs), stable_service=STABLE, **kw)  # type: ignore[arg-type]


def test_a_load_balancer_aws_does_not_know_ends_the_check_unverified() -> None:
    held = AlbStatus(ingress="held")
    unknown = LoadBalancerView("ing", "gone.example")  # a hostname, but no ARN found
    later = balancer("ing2", group("ing2", CANARY, 10))
    result = verify(unknown, later, alb=held, albs=[held, held])
    assert result.verified is False
    assert result.events == (
        ("Warning", "LoadBalancerNotFound", "Failed to find load balancer: gone.example"),
    )
    # nothing was recorded, not even for the Ingress after it
    assert result.alb == held and result.albs == (held, held)


def test_an_ingress_without_a_hostname_does_not_stop_the_next_one() -> None:
    waiting = LoadBalancerView("ing1")
    ready = balancer("ing2", group("ing2", CANARY, 10))
    result = verify(waiting, ready)
    assert [reason for _, reason, _ in result.events] == ["TargetGroupVerified"]
    assert result.albs[1].ingress == "ing2" and result.alb.ingress == "ing2"
    assert result.verified is False  # one Ingress of two verified


def test_other_target_groups_before_the_canarys_are_passed_over() -> None:
    lb = balancer(
        "ing",
        group("ing", STABLE, 90),
        group("ing", "unrelated", None),
        group("ing", "unrelated-weighted", 50),
        group("ing", CANARY, 10),
    )
    result = verify(lb)
    assert result.verified is True
    assert [reason for _, reason, _ in result.events] == ["TargetGroupVerified"]


def test_a_canary_target_group_without_weight_is_not_compared() -> None:
    lb = balancer("ing", group("ing", CANARY, None), group("ing", STABLE, 90))
    result = verify(lb)
    assert result.verified is False and result.events == ()
    assert result.alb.canary_target_group.name == CANARY  # still recorded


def test_full_names_drop_the_arn_prefix_or_are_empty() -> None:
    lb = LoadBalancerView(
        "ing",
        "lb.example",
        "lb",
        "arn:lb",
        (
            TargetGroupView(resource_id("default", "ing", CANARY, 80), "no-slash", "c", 10),
            TargetGroupView(resource_id("default", "ing", STABLE, 80), "a/b/c", "s", 90),
        ),
    )
    result = verify(lb)
    assert result.alb.load_balancer.full_name == ""  # fewer than three parts
    assert result.alb.canary_target_group.full_name == ""
    assert result.alb.stable_target_group.full_name == "b/c"
