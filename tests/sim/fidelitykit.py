"""Helpers for the fidelity tests: small scenarios replaying what Argo Rollouts' end-to-end
suite (test/e2e/*_test.go upstream) pins down, run through the public API only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from worldkit import rollout, service, virtual_service, write_scenario

import canarysim
from canarysim.result import ReplicaSetSnapshot, Result, RolloutSnapshot

READY_S = 5.0  # every pod: created -> Ready in 5 s; deleted -> gone in 2 s
TERMINATION_S = 2.0


def pods(ready: float = READY_S, termination: float = TERMINATION_S) -> dict[str, Any]:
    return {
        "default": {
            "scheduling": "0s",
            "imagePull": "0s",
            "containerStart": "0s",
            "readiness": ready,
            "termination": termination,
        }
    }


def routed(
    steps: list[dict[str, Any]], *, replicas: int = 4, **canary: Any
) -> list[dict[str, Any]]:
    """An Istio host-split rollout (canary-svc / stable-svc, route ``primary``)."""
    return [
        rollout(steps=steps, replicas=replicas, extra_canary=canary),
        service("canary-svc"),
        service("stable-svc"),
        virtual_service(),
    ]


def basic(steps: list[dict[str, Any]], *, replicas: int = 4, **canary: Any) -> list[dict[str, Any]]:
    """A canary without traffic routing (replica counts are the only split)."""
    return [rollout(steps=steps, replicas=replicas, routed=False, extra_canary=canary)]


def with_spec(manifests: list[dict[str, Any]], **spec: Any) -> list[dict[str, Any]]:
    manifests[0]["spec"].update(spec)
    return manifests


def simulate(
    tmp_path: Path,
    manifests: list[dict[str, Any]],
    operator: list[dict[str, Any]] = (),  # type: ignore[assignment]
    *,
    until: str = "10m",
    ready: float = READY_S,
    **fields: Any,
) -> Result:
    fields.setdefault("traffic", {"rate": 1})
    # Argo's e2e tests create the Rollout and wait for it to become Healthy before they
    # update it: they deploy from nothing, as the scenario's ``start: empty`` does.
    fields.setdefault("start", "empty")
    fields.setdefault("pods", pods(ready))
    path = write_scenario(
        tmp_path, manifests=manifests, operator=list(operator), until=until, **fields
    )
    return canarysim.simulate(path)


def events(r: Result, reason: str | None = None) -> list[tuple[float, str, str]]:
    """The Rollout's events as (time, reason, message), optionally of one reason."""
    return [
        (e["time"], e["reason"], e["message"])
        for e in r.events
        if e["object"].startswith("Rollout/") and (reason is None or e["reason"] == reason)
    ]


def first_time(r: Result, reason: str, contains: str = "") -> float:
    return next(t for t, why, msg in events(r, reason) if contains in msg)


def by_revision(snap: RolloutSnapshot) -> dict[int, ReplicaSetSnapshot]:
    return {rs.revision: rs for rs in snap.replica_sets}


def desired(r: Result, t: float) -> dict[int, int]:
    """ReplicaSet spec.replicas by revision at ``t``."""
    return {rev: rs.desired for rev, rs in by_revision(r.status_at(t)).items()}


def pod_count(r: Result, t: float, revision: int) -> int:
    """Pods of a revision that are not terminating (what ``kubectl get pods`` lists as live)."""
    rs = by_revision(r.status_at(t)).get(revision)
    if rs is None:
        return 0
    return sum(1 for p in rs.pods if p.status != "Terminating")


def http_routes(r: Result, t: float) -> list[dict[str, Any]]:
    return r.manifests_at(t)["virtualservices"][0]["spec"]["http"]


def weights(r: Result, t: float, route: str = "primary") -> dict[str, int]:
    """Destination host (or subset) -> weight of one named HTTP route at ``t``."""
    http = next(h for h in http_routes(r, t) if h.get("name") == route)
    return {
        d["destination"].get("subset") or d["destination"]["host"]: d.get("weight", 0)
        for d in http["route"]
    }


def set_image(at: float | str, image: str = "app:v2") -> dict[str, Any]:
    return {"at": at, "do": "setImage", "container": "main", "image": image}


def op(at: float | str, do: str, **args: Any) -> dict[str, Any]:
    return {"at": at, "do": do, **args}
