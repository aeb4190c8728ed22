"""``VerifyWeight`` of Argo's ALB reconciler (``rollout/trafficrouting/alb/alb.go``), pure.

With the controller's ``--alb-verify-weight`` flag, after each ``SetWeight`` Argo asks AWS
for the load balancer behind each ALB Ingress (its hostname in the Ingress status) and the
weights of its target groups: the canary's target group (found by its
``ingress.k8s.aws/resource`` tag, ``namespace/ingress-service:port``) must hold the desired
weight, each experiment Service's the weight of its destination. The answer is true only
when every Ingress and every additional destination is verified; each comparison records a
``TargetGroupVerified`` or ``TargetGroupUnverified`` event. An Ingress without a hostname
yet (``LoadBalancer not yet allocated``) verifies nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from canarysim.engine.model import LoadBalancerView, WeightDestination

__all__ = ["Verification", "resource_id", "verify_weight"]

VERIFIED = "TargetGroupVerified"
UNVERIFIED = "TargetGroupUnverified"
LB_NOT_FOUND = "LoadBalancerNotFound"


def resource_id(namespace: str, ingress: str, service: str, port: int) -> str:
    """``BuildTargetGroupResourceID``: the tag value the AWS Load Balancer Controller gives
    the target group it made for ``service`` of ``ingress``."""
    return f"{namespace}/{ingress}-{service}:{port}"


@dataclass(frozen=True)
class Verification:
    """The answer (``weights.verified``) and the events recorded on the way, as
    ``(type, reason, message)``."""

    verified: bool
    events: tuple[tuple[str, str, str], ...] = ()


def verify_weight(
    namespace: str,
    canary_service: str,
    port: int,
    desired: int,
    additional: Sequence[WeightDestination],
    load_balancers: Sequence[LoadBalancerView],
) -> Verification:
    """``VerifyWeightPerIngress`` over the load balancers of the Rollout's ALB Ingresses."""
    events: list[tuple[str, str, str]] = []
    verified = 0
    for lb in load_balancers:
        if not lb.hostname:
            continue  # "LoadBalancer not yet allocated"
        if not lb.arn:
            events.append(("Warning", LB_NOT_FOUND, f"Failed to find load balancer: {lb.hostname}"))
            return Verification(False, tuple(events))
        canary_id = resource_id(namespace, lb.ingress, canary_service, port)
        extra = {resource_id(namespace, lb.ingress, d.service_name, port): d for d in additional}
        for tg in lb.target_groups:
            if tg.weight is None:
                continue
            if tg.resource_id == canary_id:
                service, want = canary_service, desired
            elif tg.resource_id in extra:
                service, want = extra[tg.resource_id].service_name, extra[tg.resource_id].weight
            else:
                continue
            if tg.weight == want:
                verified += 1
                events.append(
                    (
                        "Normal",
                        VERIFIED,
                        f"Service {service} (TargetGroup {tg.arn}) verified: canary weight "
                        f"{want} set",
                    )
                )
            else:
                events.append(
                    (
                        "Warning",
                        UNVERIFIED,
                        f"Service {service} (TargetGroup {tg.arn}) not verified: canary weight "
                        f"{want} not yet set (current: {tg.weight})",
                    )
                )
    return Verification(verified == len(load_balancers) + len(additional), tuple(events))
