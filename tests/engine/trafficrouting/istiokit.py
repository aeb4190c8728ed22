"""A Rollout with Istio traffic routing, for the Istio reconciler tests."""

from __future__ import annotations

from typing import Any


def istio_rollout(
    routes: list[str] | None,
    *,
    managed: list[str] | None = None,
    dr: dict[str, Any] | None = None,
    services: bool = True,
    steps: list[dict[str, Any]] | None = None,
    name: str = "rollout",
) -> dict[str, Any]:
    """A canary Rollout routing through VirtualService ``vsvc`` (its ``routes``, when given),
    with managed routes, a DestinationRule, the canary/stable Services and steps."""
    ref: dict[str, Any] = {"name": "vsvc"}
    if routes is not None:
        ref["routes"] = list(routes)
    istio: dict[str, Any] = {"virtualService": ref}
    if dr is not None:
        istio["destinationRule"] = dr
    routing: dict[str, Any] = {"istio": istio}
    if managed is not None:
        routing["managedRoutes"] = [{"name": m} for m in managed]
    canary: dict[str, Any] = {"trafficRouting": routing, "steps": steps or []}
    if services:
        canary.update({"stableService": "stable", "canaryService": "canary"})
    return {
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"strategy": {"canary": canary}},
    }
