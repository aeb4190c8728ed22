"""``VerifyWeight`` of Argo's ALB reconciler (``rollout/trafficrouting/alb/alb.go``), pure.

With the controller's ``--alb-verify-weight`` flag, after each ``SetWeight`` Argo asks AWS
for the load balancer behind each ALB Ingress (its hostname in the Ingress status) and the
weights of its target groups: the canary's target group (found by its
``ingress.k8s.aws/resource`` tag, ``namespace/ingress-service:port``) must hold the desired
weight, each experiment Service's the weight of its destination. The answer is true only
when every Ingress and every additional destination is verified; each comparison records a
``TargetGroupVerified`` or ``TargetGroupUnverified`` event. An Ingress without a hostname
yet (``LoadBalancer not yet allocated``) verifies nothing.

On the way it records what it found in ``status.alb`` and ``status.albs``
(``updateLoadBalancerStatus`` / ``updateTargetGroupStatus``): per Ingress the load balancer's
name, ARN and full name and the canary's and stable's target groups; ``status.alb`` is
overwritten by each Ingress in turn (the last one with a load balancer wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from canarysim.engine.model import (
    AlbStatus,
    AwsResourceRef,
    LoadBalancerView,
    WeightDestination,
)

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
    alb: AlbStatus = field(default_factory=AlbStatus)
    albs: tuple[AlbStatus, ...] = ()


def _ref(arn: str, name: str, skip: int) -> AwsResourceRef:
    """An ``AwsResourceRef``; ``fullName`` is the ARN's ``/``-parts from ``skip`` on (Go
    writes "" when there are no more than ``skip`` parts, which the empty join is too)."""
    return AwsResourceRef(name, arn, "/".join(arn.split("/")[skip:]))


def _record(status: AlbStatus, lb: LoadBalancerView, canary_id: str, stable_id: str) -> AlbStatus:
    status = replace(status, ingress=lb.ingress, load_balancer=_ref(lb.arn, lb.name, 2))
    for tg in lb.target_groups:
        if tg.resource_id == canary_id:
            status = replace(status, canary_target_group=_ref(tg.arn, tg.name, 1))
        elif tg.resource_id == stable_id:
            status = replace(status, stable_target_group=_ref(tg.arn, tg.name, 1))
    return status


def verify_weight(
    namespace: str,
    canary_service: str,
    port: int,
    desired: int,
    additional: Sequence[WeightDestination],
    load_balancers: Sequence[LoadBalancerView],
    *,
    stable_service: str,
    alb: AlbStatus | None = None,
    albs: Sequence[AlbStatus] = (),
) -> Verification:
    """``VerifyWeightPerIngress`` over the load balancers of the Rollout's ALB Ingresses;
    ``alb`` / ``albs`` are the status as read (kept where nothing new is found; ``albs`` starts
    afresh when the number of Ingresses changed)."""
    events: list[tuple[str, str, str]] = []
    verified = 0
    alb_now = alb if alb is not None else AlbStatus()
    per = list(albs) if len(albs) == len(load_balancers) else [AlbStatus()] * len(load_balancers)
    for i, lb in enumerate(load_balancers):
        if not lb.hostname:
            continue  # "LoadBalancer not yet allocated"
        if not lb.arn:
            events.append(("Warning", LB_NOT_FOUND, f"Failed to find load balancer: {lb.hostname}"))
            return Verification(False, tuple(events), alb_now, tuple(per))
        canary_id = resource_id(namespace, lb.ingress, canary_service, port)
        stable_id = resource_id(namespace, lb.ingress, stable_service, port)
        per[i] = _record(per[i], lb, canary_id, stable_id)
        alb_now = _record(alb_now, lb, canary_id, stable_id)
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
    return Verification(
        verified == len(load_balancers) + len(additional), tuple(events), alb_now, tuple(per)
    )
