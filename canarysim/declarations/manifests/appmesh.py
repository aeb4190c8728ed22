"""AWS App Mesh objects (``appmesh.k8s.aws/v1beta2``) the App Mesh router reads and writes:
the VirtualService the Rollout names, the VirtualRouter providing it (whose route weights
Argo edits) and the VirtualNodes (whose pod selectors Argo points at the pod-template hashes).
Each is kept as written (``obj.raw``); Argo's checks of them are in
:mod:`canarysim.declarations.argo.references`."""

from typing import Any

from pydantic import Field

from canarysim.declarations.manifests.base import Resource

__all__ = ["AppMeshVirtualNode", "AppMeshVirtualRouter", "AppMeshVirtualService"]


class AppMeshVirtualService(Resource):
    """App Mesh ``VirtualService`` (not Istio's): ``spec.provider`` names its VirtualRouter."""

    spec: dict[str, Any] = Field(default_factory=dict)


class AppMeshVirtualRouter(Resource):
    """App Mesh ``VirtualRouter``: routes with weighted VirtualNode targets."""

    spec: dict[str, Any] = Field(default_factory=dict)


class AppMeshVirtualNode(Resource):
    """App Mesh ``VirtualNode``: a pod selector and the DNS name its endpoints answer on."""

    spec: dict[str, Any] = Field(default_factory=dict)
