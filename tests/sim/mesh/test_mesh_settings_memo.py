"""The routing settings a Mesh derives from its Rollout are shared by the meshes copied from
the same loaded manifest in the same namespace, and worked out afresh for another manifest
or namespace (or when the mesh says nothing of where its Rollout came from)."""

from __future__ import annotations

import copy
from typing import Any

from test_mesh_writes import ROLLOUT

from canarysim.sim.mesh.objects import Mesh

ISTIO: dict[str, Any] = copy.deepcopy(ROLLOUT)  # (the writes' Rollout, without routes)
del ISTIO["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"]["routes"]
NGINX: dict[str, Any] = copy.deepcopy(ISTIO)
NGINX["spec"]["strategy"]["canary"]["trafficRouting"] = {"nginx": {"stableIngress": "web"}}


def _mesh(source: dict[str, Any], namespace: str, *, copied: bool = True) -> Mesh:
    rollout = copy.deepcopy(source)
    rollout["metadata"]["namespace"] = namespace
    return Mesh(rollout, [], [], namespace=namespace, copied_from=source if copied else None)


def test_the_settings_follow_the_loaded_manifest_and_the_namespace() -> None:
    first = _mesh(ISTIO, "ns")
    assert first.routed and first.routing is not None and not first.nginx
    assert first.routing.namespace == "ns"
    again = _mesh(ISTIO, "ns")
    assert again.routing is first.routing  # shared: worked out once
    elsewhere = _mesh(ISTIO, "other")
    assert elsewhere.routing is not None and elsewhere.routing.namespace == "other"
    nginx = _mesh(NGINX, "ns")
    assert nginx.nginx and not nginx.routed and nginx.routing is None
    assert _mesh(ISTIO, "ns").routing == first.routing
    plain = _mesh(ISTIO, "ns", copied=False)
    assert plain.routing == first.routing and plain.routing is not first.routing
