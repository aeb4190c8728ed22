"""The mesh writes through Argo's reconciler, and skips a weight write it has just seen change
nothing."""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.trafficrouting.istio import reconcile
from canarysim.sim.mesh.objects import Mesh

ROLLOUT = {
    "metadata": {"name": "r"},
    "spec": {
        "strategy": {
            "canary": {
                "stableService": "stable",
                "canaryService": "canary",
                "trafficRouting": {"istio": {"virtualService": {"name": "vs", "routes": ["p"]}}},
            }
        }
    },
}
VS = {
    "metadata": {"name": "vs"},
    "spec": {
        "hosts": ["r"],
        "http": [
            {
                "name": "p",
                "route": [
                    {"destination": {"host": "stable"}, "weight": 100},
                    {"destination": {"host": "canary"}, "weight": 0},
                ],
            }
        ],
    },
}


def test_a_repeated_weight_write_is_skipped_until_something_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real = reconcile.set_weight

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(reconcile, "set_weight", counting)
    changes: list[int] = []
    mesh = Mesh(ROLLOUT, [VS], [], namespace="ns", on_change=lambda: changes.append(1))
    mesh.set_weight(0)
    mesh.set_weight(0)  # nothing changed since: not asked again
    assert calls == [0] and mesh.version == 0
    mesh.set_weight(30)
    assert calls == [0, 30] and mesh.version == 1 and changes == [1]
    weights = [d["weight"] for d in mesh.virtual_services[("ns", "vs")]["spec"]["http"][0]["route"]]
    assert weights == [70, 30]
    # Istio's SetWeight on what it just wrote changes nothing: not asked again either
    mesh.set_weight(30)
    mesh.set_weight(30)
    assert calls == [0, 30] and mesh.version == 1 and changes == [1]
    mesh.set_weight(0)  # a real change after the memo filled is still written
    assert calls[-1] == 0 and mesh.version == 2 and changes == [1, 1]
    weights = [d["weight"] for d in mesh.virtual_services[("ns", "vs")]["spec"]["http"][0]["route"]]
    assert weights == [100, 0]
    mesh.apply_object("VirtualService", VS)  # someone else's write: the weights asked again
    assert mesh.version == 3
    mesh.set_weight(0)
    assert calls[-1] == 0 and len(calls) == 4 and mesh.version == 3


def test_a_write_known_to_change_the_manifests_says_so_to_the_world() -> None:
    seen: list[bool] = []
    mesh = Mesh(ROLLOUT, [VS], [], namespace="ns", on_change=lambda: seen.append(mesh.differs))
    mesh.set_weight(30)  # a rewrite that changed the VirtualService
    mesh.apply_object("VirtualService", VS)  # kubectl apply: maybe the same, compared
    assert seen == [True, False] and mesh.differs is False
