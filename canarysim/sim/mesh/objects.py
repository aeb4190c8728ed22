"""The mesh's configuration as the API server holds it: VirtualServices and DestinationRules.

The controller changes them only through Argo's reconciler
(:mod:`canarysim.engine.trafficrouting.istio.reconcile`),
one referenced manifest after another and stopping at the first error, as
``istio.go::SetWeight`` & co. do. Every real change bumps :attr:`Mesh.version` and fires
:attr:`Mesh.changed`, so the router is rebuilt from exactly what Argo would have written.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from canarysim.engine.model import WeightDestination
from canarysim.engine.trafficrouting.istio import reconcile as istio
from canarysim.engine.trafficrouting.istio.rollout import RolloutRouting
from canarysim.engine.trafficrouting.istio.routes import rollout_routing
from canarysim.errors import TrafficRoutingError

__all__ = ["Mesh"]

Manifest = dict[str, Any]


def _key(manifest: Mapping[str, Any], namespace: str) -> tuple[str, str]:
    meta = manifest.get("metadata") or {}
    return (str(meta.get("namespace") or namespace), str(meta.get("name") or ""))


def _destinations(extra: Sequence[WeightDestination]) -> list[dict[str, Any]]:
    return [
        {"serviceName": d.service_name, "podTemplateHash": d.pod_template_hash, "weight": d.weight}
        for d in extra
    ]


class Mesh:
    """Every VirtualService and DestinationRule of the scenario, keyed (namespace, name)."""

    def __init__(
        self,
        rollout: Manifest,
        virtual_services: Sequence[Mapping[str, Any]],
        destination_rules: Sequence[Mapping[str, Any]],
        *,
        namespace: str,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.namespace = namespace
        self.rollout = copy.deepcopy(dict(rollout))
        meta = self.rollout.setdefault("metadata", {})
        meta.setdefault("namespace", namespace)
        self.virtual_services: dict[tuple[str, str], Manifest] = {
            _key(v, namespace): copy.deepcopy(dict(v)) for v in virtual_services
        }
        self.destination_rules: dict[tuple[str, str], Manifest] = {
            _key(d, namespace): copy.deepcopy(dict(d)) for d in destination_rules
        }
        self.version = 0
        self._unchanged_weight: tuple[object, ...] | None = None
        self._on_change = on_change
        # The Rollout's routing settings, derived once: the mesh's copy of the Rollout never
        # changes, and re-reading them on every reconcile made reconciles O(steps).
        self.routing: RolloutRouting | None
        try:
            self.routing = rollout_routing(self.rollout)
            self.routed = True
        except TrafficRoutingError:
            self.routing = None
            self.routed = False

    # -- reading ---------------------------------------------------------------------
    def manifests(self) -> dict[str, list[Manifest]]:
        """Deep copies, in a stable order, for the Result's manifest history."""
        return {
            "virtualservices": [copy.deepcopy(v) for _, v in sorted(self.virtual_services.items())],
            "destinationrules": [
                copy.deepcopy(d) for _, d in sorted(self.destination_rules.items())
            ],
        }

    def referenced_virtual_services(self) -> list[tuple[str, str]]:
        """``istio.referenced_virtual_services`` of the Rollout ([] without Istio routing)."""
        if self.routing is None:
            return []
        return [(ref.namespace, ref.name) for ref in self.routing.virtual_services]

    def _referenced_vs(self) -> list[tuple[str, str]]:
        if self.routing is None:  # as rollout_routing() would say
            raise TrafficRoutingError(
                "Rollout has no spec.strategy.canary.trafficRouting.istio to reconcile"
            )
        refs = self.referenced_virtual_services()
        missing = [f"{ns}/{name}" for ns, name in refs if (ns, name) not in self.virtual_services]
        if missing:
            raise TrafficRoutingError(
                f'virtualservices.networking.istio.io "{missing[0].split("/")[1]}" not found'
            )
        return refs

    def _referenced_dr(self) -> tuple[str, str] | None:
        if self.routing is None:
            raise TrafficRoutingError(
                "Rollout has no spec.strategy.canary.trafficRouting.istio to reconcile"
            )
        routing = self.routing
        ref = None if routing.dr_name is None else (routing.namespace, routing.dr_name)
        if ref is None or ref not in self.destination_rules:
            return None
        return (str(ref[0]), str(ref[1]))

    def destination_rule_hashes(self) -> tuple[str, ...]:
        """Hashes the referenced DestinationRule's subsets select now."""
        ref = self._referenced_dr() if self.routed else None
        if ref is None:
            return ()
        out = []
        for subset in (self.destination_rules[ref].get("spec") or {}).get("subsets") or []:
            h = (subset.get("labels") or {}).get("rollouts-pod-template-hash")
            if h:
                out.append(str(h))
        return tuple(out)

    # -- writing (Argo's reconciler) --------------------------------------------------------
    def _rewrite_vs(self, rewrite: Callable[[Manifest], Manifest]) -> None:
        changed = False
        for ref in self._referenced_vs():
            old = self.virtual_services[ref]
            new = rewrite(old)
            if new is not old and new != old:
                self.virtual_services[ref] = new
                changed = True
        if changed:
            self._changed()

    def _changed(self) -> None:
        self.version += 1
        self._on_change()

    def set_weight(self, canary: int, additional: Sequence[WeightDestination] = ()) -> None:
        # The controller writes the weights on every reconcile; set_weight is a function of
        # the manifests (which change only here, bumping version) and its arguments, so a
        # write that changed nothing needs no second look until one of them moves.
        key = (self.version, canary, tuple(additional))
        if key == self._unchanged_weight:
            return
        extra = _destinations(additional)
        self._rewrite_vs(
            lambda vs: istio.set_weight(vs, self.rollout, canary, extra, routing=self.routing)
        )
        if self.version == key[0]:
            self._unchanged_weight = key

    def set_header_route(self, name: str, match: Sequence[Mapping[str, Any]]) -> None:
        step = {"name": name, "match": [dict(m) for m in match]}
        drs = list(self.destination_rules.values())
        self._rewrite_vs(lambda vs: istio.set_header_route(vs, self.rollout, step, drs))

    def set_mirror_route(
        self, name: str, match: Sequence[Mapping[str, Any]], percentage: int | None
    ) -> None:
        step: dict[str, Any] = {"name": name, "match": [dict(m) for m in match]}
        if percentage is not None:
            step["percentage"] = percentage
        drs = list(self.destination_rules.values())
        self._rewrite_vs(
            lambda vs: istio.set_mirror_route(vs, self.rollout, step, destination_rules=drs)
        )

    def remove_managed_routes(self) -> None:
        self._rewrite_vs(lambda vs: istio.remove_managed_routes(vs, self.rollout))

    def update_hash(
        self,
        canary_hash: str,
        stable_hash: str,
        additional: Sequence[WeightDestination] = (),
        replica_sets: Sequence[Mapping[str, Any]] = (),
        aborting: bool = False,
    ) -> None:
        """``UpdateHash``: raises TrafficRoutingError("delaying destination rule switch ...")
        while a ReplicaSet behind a subset is not fully available (subset-level routing)."""
        ref = self._referenced_dr()
        if ref is None:
            return
        delay = istio.destination_rule_switch_delay(
            self.rollout, replica_sets, canary_hash, stable_hash, aborting=aborting
        )
        if delay is not None:
            raise TrafficRoutingError(delay)
        new = istio.update_hash(
            self.destination_rules[ref],
            self.rollout,
            canary_hash,
            stable_hash,
            _destinations(additional),
        )
        if new != self.destination_rules[ref]:
            self.destination_rules[ref] = new
            self._changed()
