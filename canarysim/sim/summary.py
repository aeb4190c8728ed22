"""Reading a finished world: router weights as written, and the Result's ``summary``.

``summary`` answers what a reader asks first: did the update finish, how long did it take,
how many requests did each version serve and how many errors did users get from the canary
(the blast radius), and what did the analyses conclude.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from canarysim.engine.model import Plan
from canarysim.engine.trafficrouting.istio.rollout import stable_and_canary_services

if TYPE_CHECKING:
    from canarysim.sim.mesh.objects import Mesh
    from canarysim.sim.wiring import Wiring

__all__ = ["summarize", "weights_from_manifests"]


def _dest_role(
    dest: Mapping[str, Any], services: tuple[str, str], canary_subset: str, stable_subset: str
) -> str:
    d = dest.get("destination") or {}
    host = str(d.get("host") or "").split(".")[0]
    subset = str(d.get("subset") or "")
    stable_service, canary_service = services
    if (canary_service and host == canary_service) or (subset and subset == canary_subset):
        return "canary"
    if (stable_service and host == stable_service) or (subset and subset == stable_subset):
        return "stable"
    return "other"


def weights_from_manifests(mesh: Mesh, plan: Plan) -> tuple[int, int]:
    """(canary, stable) weight of the rollout's primary route in the first referenced
    VirtualService, as written (managed header/mirror routes are skipped). Read once per
    state of the manifests (every observation asks; they change far less often)."""
    canary_status = (mesh.rollout.get("status") or {}).get("canary") or {}
    key = (mesh.version, canary_status.get("stablePingPong"), id(plan))
    cached = mesh.weights_read
    if cached is not None and cached[0] == key and cached[1] is plan:
        return cached[2]
    weights = _weights_from_manifests(mesh, plan)
    mesh.weights_read = (key, plan, weights)
    return weights


def _weights_from_manifests(mesh: Mesh, plan: Plan) -> tuple[int, int]:
    istio = (((mesh.rollout.get("spec") or {}).get("strategy") or {}).get("canary") or {}).get(
        "trafficRouting", {}
    ).get("istio") or {}
    dr = istio.get("destinationRule") or {}
    canary_subset, stable_subset = (
        str(dr.get("canarySubsetName") or ""),
        str(dr.get("stableSubsetName") or ""),
    )
    managed = set(plan.managed_routes)
    # The Services as the Istio reconciler resolves them (pingPong: by stablePingPong).
    services = stable_and_canary_services(mesh.rollout)

    for ref in mesh.referenced_virtual_services():
        vs = mesh.virtual_services.get(ref)
        if vs is None:
            continue
        spec = vs.get("spec") or {}
        for kind in ("http", "tls", "tcp"):
            for route in spec.get(kind) or []:
                if not isinstance(route, Mapping) or route.get("name") in managed:
                    continue
                dests = [d for d in route.get("route") or [] if isinstance(d, Mapping)]
                roles = [_dest_role(d, services, canary_subset, stable_subset) for d in dests]
                if "stable" not in roles and "canary" not in roles:
                    continue
                weights = {"canary": 0, "stable": 0}
                explicit = any("weight" in d for d in dests)
                for d, role in zip(dests, roles, strict=True):
                    if role in weights:
                        w = int(d.get("weight", 0)) if explicit else 100 // max(len(dests), 1)
                        weights[role] += w
                if len(dests) == 1 and not explicit:
                    weights[roles[0]] = plan.max_weight if roles[0] in weights else 0
                return weights["canary"], weights["stable"]
    return 0, plan.max_weight


def _first(events: Sequence[Mapping[str, Any]], reason: str, after: float) -> dict[str, Any] | None:
    return next((dict(e) for e in events if e["reason"] == reason and e["time"] >= after), None)


def _by_class(world: Wiring) -> dict[str, Any]:
    """``by_class`` (only with more than one request class): requests, errors and error rate
    of each class, in the scenario's order, the unclaimed rest as ``default`` last."""
    if len(world.classes) <= 1:
        return {}
    out: dict[str, Any] = {}
    for cls, _ in world.classes:
        name = str(getattr(cls, "name", "") or cls)
        row = world.flow.class_totals.get(name, {"requests": 0, "errors": 0})
        n, bad = int(row["requests"]), int(row["errors"])
        out[name] = {"requests": n, "errors": bad, "error_rate": bad / n if n else None}
    return {"by_class": out}


def summarize(
    world: Wiring, events: list[dict[str, Any]], series: dict[str, np.ndarray]
) -> dict[str, Any]:
    """The Result's ``summary`` (see module doc)."""
    final = world.recorder.snapshots[-1] if world.recorder.snapshots else None
    # An update starts when the Rollout is updated to revision >= 2 (revision 1 is the
    # initial deploy, which skips the steps).
    updates = [
        e
        for e in events
        if e["reason"] == "RolloutUpdated" and not e["message"].endswith("revision 1")
    ]
    started = updates[-1]["time"] if updates else None
    promoted = aborted = None
    if started is not None:
        done = [
            e
            for e in events
            if e["reason"] == "RolloutCompleted"
            and e["time"] >= started
            and "Initial deploy" not in e["message"]
        ]
        promoted = done[0]["time"] if done else None
        ab = _first(events, "RolloutAborted", started)
        aborted = ab["time"] if ab else None
    served = ("stable", "canary", "unserved")
    requests = {v: int(series.get(f"requests.{v}", np.zeros(0)).sum()) for v in served}
    errors = {v: int(series.get(f"errors.{v}", np.zeros(0)).sum()) for v in served}
    analysis = [
        {
            "name": a.name,
            "phase": a.phase,
            "successful": a.successful,
            "failed": a.failed,
            "inconclusive": a.inconclusive,
            "errors": a.errors,
        }
        for a in (final.analysis_runs if final else ())
    ]
    return {
        "phase": final.phase if final else "",
        "message": final.message if final else "",
        "update_started": started,
        "promoted_at": promoted,
        "aborted_at": aborted,
        "time_to_promotion": None if promoted is None or started is None else promoted - started,
        "time_to_abort": None if aborted is None or started is None else aborted - started,
        "requests": requests,
        "errors": errors,
        "error_rate": {v: (errors[v] / requests[v] if requests[v] else None) for v in served},
        "canary_errors": errors["canary"],
        "by_image": {k: dict(v) for k, v in sorted(world.flow.totals.items())},
        **_by_class(world),
        "analysis": analysis,
        "reconciles": world.controller.reconciles,
        "controller_errors": [dict(e) for e in world.controller_errors],
    }
