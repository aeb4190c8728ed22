"""Gateway API route manifests for the matcher tests (HTTPRoute, GRPCRoute, TCP/TLSRoute)."""

from __future__ import annotations

from typing import Any


def gateway_route(
    name: str,
    *rules: dict[str, Any],
    hostnames: list[str] | None = None,
    created: str = "",
    kind: str | None = None,
) -> dict[str, Any]:
    """A route in ``default`` with ``rules``, optionally its hostnames, creation time and
    ``kind``."""
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if created:
        meta["creationTimestamp"] = created
    spec: dict[str, Any] = {"rules": list(rules)}
    if hostnames is not None:
        spec["hostnames"] = hostnames
    route: dict[str, Any] = {"metadata": meta, "spec": spec}
    return {"kind": kind, **route} if kind else route
