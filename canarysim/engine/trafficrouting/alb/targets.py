"""Target-group verification (the controller's ``--aws-verify-target-group``), pure.

After Argo points a Service at new pods, the AWS Load Balancer Controller must register those
pods' IPs in the target group bound to that Service before the load balancer can send them
traffic. With the flag on, Argo checks it before it lets go of the old pods:

* blue-green: right after the active Service switched to the new ReplicaSet, and until the
  new ReplicaSet is marked stable (``shouldVerifyTargetGroup``, rollout/service.go). Not
  verified: the new ReplicaSet is not made stable (``shouldFullPromote``, rollout/sync.go), so
  the old one keeps its pods and its place, and post-promotion analysis does not start;
* canary with ``trafficRouting.alb``: once the update is promoted (status ``stableRS`` is the
  new hash), before the old ReplicaSets get their scale-down deadline
  (``canProceedWithScaleDownAnnotation``, rollout/canary.go).

The check (``awsVerifyTargetGroups``) reads the TargetGroupBindings of the namespace that bind
the Service and one of its ports (``GetTargetGroupBindingsByService``, utils/aws/aws.go); none:
nothing to verify (an in-cluster blue-green). For each, in name order, only ``targetType: ip``
ones with a resolvable port count (``VerifyTargetGroupBinding``): every ``ip:port`` of the
Service's Endpoints must be among the registered targets (extra targets, old pods being
deregistered, are ignored; health is not looked at). The first binding not verified records a
``TargetGroupUnverified`` warning and the rollout is looked at again after 10 s; each verified
one records ``TargetGroupVerified``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from canarysim.engine.model import (
    EndpointsView,
    ServiceTargetsView,
    TargetGroupBindingView,
    TargetGroupsView,
)
from canarysim.engine.trafficrouting.alb.verify import UNVERIFIED, VERIFIED

__all__ = [
    "BindingResult",
    "TargetsCheck",
    "bindings_for_service",
    "numeric_target_port",
    "should_verify_target_group",
    "verify_binding",
    "verify_target_groups",
]

TARGET_TYPE_IP = "ip"


def should_verify_target_group(
    *,
    blue_green: bool,
    alb_canary: bool,
    stable_rs: str,
    desired_hash: str,
    service_hash: str,
    post_promotion_started: bool,
) -> bool:
    """``shouldVerifyTargetGroup`` (rollout/service.go) with the flag on; ``stable_rs`` and
    ``post_promotion_started`` are of the status as read, ``service_hash`` the Service's
    selector after this reconcile's switch."""
    if blue_green:
        # Only between the active switch and the new ReplicaSet becoming stable, and not
        # once post-promotion analysis started (verification happened before it).
        return (
            stable_rs != desired_hash
            and service_hash == desired_hash
            and not post_promotion_started
        )
    # Canary: only ALB, and only once fully promoted (the opposite of blue-green).
    return alb_canary and stable_rs == desired_hash


def bindings_for_service(
    bindings: Sequence[TargetGroupBindingView], service: ServiceTargetsView
) -> list[TargetGroupBindingView]:
    """``GetTargetGroupBindingsByService``: bindings naming the Service whose port is one of
    the Service's (a number by ``port``, a name by ``name``), in the API's (name) order."""
    out = []
    for tgb in sorted(bindings, key=lambda b: b.name):
        if tgb.service_name != service.name:
            continue
        for port in service.ports:
            if isinstance(tgb.port, int) and port.port == tgb.port:
                out.append(tgb)
                break
            if isinstance(tgb.port, str) and tgb.port and port.name == tgb.port:
                out.append(tgb)
                break
    return out


def numeric_target_port(
    tgb: TargetGroupBindingView, service: ServiceTargetsView, endpoints: EndpointsView
) -> int:
    """``getNumericTargetPort``: the port the target group targets, 0 when unresolvable.

    A numeric ``targetPort`` is the answer; a named one is looked up among the Endpoints'
    ports by name (Endpoints name their ports after the *Service* port, so this finds it only
    when the Service port carries the target port's name, and only while the Service has
    endpoints). A Service port without ``targetPort`` targets its own number: the API server
    fills it in before Argo reads the Service."""
    for sp in service.ports:
        # Go looks a port of 0 up as the name "0": neither a port number nor a port name
        # (which needs a letter) can be that, as no port number can be 0 here
        if isinstance(tgb.port, int):
            found = sp.port == tgb.port
        else:
            found = tgb.port != "" and sp.name == tgb.port
        if found:
            target = sp.target_port or sp.port
            if isinstance(target, int):
                return target
            wanted = str(target)
            for port_name, port in endpoints.ports:
                if port_name == wanted:
                    return port
    return 0


@dataclass(frozen=True)
class BindingResult:
    """``TargetGroupVerifyResult``."""

    verified: bool
    registered: int
    total: int


def verify_binding(
    tgb: TargetGroupBindingView, service: ServiceTargetsView, endpoints: EndpointsView
) -> BindingResult | None:
    """``VerifyTargetGroupBinding``: None when not applicable (not ``targetType: ip``, or no
    port to check)."""
    if tgb.target_type != TARGET_TYPE_IP:
        return None
    port = numeric_target_port(tgb, service, endpoints)
    if port == 0:
        return None  # "Unable to match TargetGroupBinding spec.serviceRef.port ..." (a log)
    wanted = {f"{ip}:{port}" for ip in endpoints.addresses}
    registered = sum(1 for ip, p in tgb.registered if f"{ip}:{p}" in wanted)
    return BindingResult(registered == len(wanted), registered, len(wanted))


@dataclass(frozen=True)
class TargetsCheck:
    """What ``awsVerifyTargetGroups`` leaves: ``verified`` is ``c.targetsVerified`` (None:
    nothing was checked), the events as ``(type, reason, message)``, and whether it asked
    for a look in 10 s (``GetRolloutVerifyRetryInterval``)."""

    verified: bool | None = None
    events: tuple[tuple[str, str, str], ...] = ()
    retry: bool = False


def verify_target_groups(view: TargetGroupsView, service_name: str, pod_hash: str) -> TargetsCheck:
    """``awsVerifyTargetGroups`` for a Service whose selector picks ``pod_hash`` (the caller
    has decided it should run: :func:`should_verify_target_group`)."""
    service = view.service(service_name)
    if service is None:
        return TargetsCheck()
    bindings = bindings_for_service(view.bindings, service)
    if not bindings:
        return TargetsCheck()  # e.g. an in-cluster blue-green: nothing to verify
    endpoints = service.endpoints_for(pod_hash)
    events: list[tuple[str, str, str]] = []
    for tgb in bindings:
        result = verify_binding(tgb, service, endpoints)
        if result is None:
            continue
        arn = tgb.target_group_arn
        if not result.verified:
            message = (
                f"Service {service_name} (TargetGroup {arn}) not verified: "
                f"{result.registered}/{result.total} endpoints registered"
            )
            events.append(("Warning", UNVERIFIED, message))
            return TargetsCheck(False, tuple(events), retry=True)
        message = (
            f"Service {service_name} (TargetGroup {arn}) verified: "
            f"{result.registered} endpoints registered"
        )
        events.append(("Normal", VERIFIED, message))
    return TargetsCheck(True, tuple(events))
