"""Argo's checks of an App Mesh Rollout's objects (rollout/controller.go::
getReferencedAppMeshResources, validation_references.go::ValidateAppMeshVirtualRouter),
messages verbatim, and the App Mesh kinds loaded from manifests."""

from __future__ import annotations

from typing import Any

from spec_helpers import SERVICES, bundle

from canarysim.declarations import first_invalid_message, validate_manifests
from canarysim.declarations.support import refusals

VSVC = """
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualService
metadata: {name: demo-svc}
spec:
  provider: {virtualRouter: {virtualRouterRef: {name: demo-vrouter}}}
"""
VROUTER = """
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualRouter
metadata: {name: demo-vrouter}
spec:
  routes:
    - name: primary
      httpRoute:
        match: {prefix: /}
        action:
          weightedTargets:
            - {virtualNodeRef: {name: demo-vn-canary}, weight: 0}
            - {virtualNodeRef: {name: demo-vn-stable}, weight: 100}
"""
PATH = "spec.strategy.canary.trafficRouting.appmesh.virtualService"


def appmesh(base: dict[str, Any], **settings: Any) -> dict[str, Any]:
    body = {
        "virtualService": {"name": "demo-svc"},
        "virtualNodeGroup": {
            "canaryVirtualNodeRef": {"name": "demo-vn-canary"},
            "stableVirtualNodeRef": {"name": "demo-vn-stable"},
        },
        **settings,
    }
    base["spec"]["strategy"]["canary"]["trafficRouting"] = {"appMesh": body}
    return base


def message(*objs: Any) -> str | None:
    b = bundle(*objs)
    return first_invalid_message(b.rollout, b)


def test_a_valid_app_mesh_rollout_is_simulated(base):
    ro = appmesh(base)
    assert message(ro, SERVICES, VSVC, VROUTER) is None
    b = bundle(ro, SERVICES, VSVC, VROUTER)
    assert refusals(b.rollout) == []
    assert [v.name for v in b.appmesh_virtual_services] == ["demo-svc"]
    assert [r.name for r in b.appmesh_virtual_routers] == ["demo-vrouter"]
    # App Mesh's VirtualService is not Istio's
    assert b.virtual_services == []
    assert [f for f in validate_manifests(b) if f.severity == "error"] == []


def test_missing_virtual_service_names_it_with_its_namespace(base):
    assert message(appmesh(base), SERVICES, VROUTER) == (
        f'The Rollout "demo" is invalid: {PATH}: Invalid value: "demo-svc.default": '
        'virtualservices.appmesh.k8s.aws "demo-svc" not found'
    )


def test_missing_virtual_router(base):
    assert message(appmesh(base), SERVICES, VSVC) == (
        f'The Rollout "demo" is invalid: {PATH}: Invalid value: "demo-svc.default": '
        'virtualrouters.appmesh.k8s.aws "demo-vrouter" not found'
    )


def test_virtual_service_provided_by_a_virtual_node(base):
    vsvc = VSVC.replace(
        "provider: {virtualRouter: {virtualRouterRef: {name: demo-vrouter}}}",
        "provider: {virtualNode: {virtualNodeRef: {name: demo-vn-stable}}}",
    )
    assert message(appmesh(base), SERVICES, vsvc, VROUTER) == (
        'The Rollout "demo" is invalid: Virtual-service is not associated with virtual-router'
    )


def test_a_route_needs_exactly_two_targets(base):
    three = VROUTER + "            - {virtualNodeRef: {name: third}, weight: 0}\n"
    assert message(appmesh(base), SERVICES, VSVC, three) == (
        'The Rollout "demo" is invalid: spec.routes[0].httpRoute.action.weightedTargets: '
        'Invalid value: "demo-vrouter": Invalid number of weightedTargets (3) for AppMesh '
        "virtual-router demo-vrouter and route primary, expected 2"
    )


def test_app_mesh_needs_canary_and_stable_services(base):
    ro = appmesh(base)
    del ro["spec"]["strategy"]["canary"]["canaryService"]
    got = message(ro, SERVICES, VSVC, VROUTER)
    # requireCanaryStableServices lists AppMesh (Argo's path, as validation.go builds it)
    assert got == (
        'The Rollout "demo" is invalid: spec.strategy.canaryService: Invalid value: "": '
        "Canary service and Stable service must to be set to use Traffic Routing"
    )
