"""DestinationRule subset labels, as Argo's Istio reconciler keeps them.

Part of :mod:`canarysim.engine.trafficrouting.istio.reconcile` (import the public functions from
there). Upstream:
``rollout/trafficrouting/istio/istio.go`` (``UpdateHash``,
``shouldDelayDestinationRuleUpdate``) in argoproj/argo-rollouts.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.istio.rollout import (
    HASH_LABEL,
    MANAGED_BY_KEY,
    Manifest,
    as_dict,
    as_int,
    as_list,
    as_str,
    rollout_routing,
)
from canarysim.engine.trafficrouting.istio.routes import (
    ensure_spec,
)


def update_hash(
    destination_rule: Manifest,
    rollout: Manifest,
    canary_hash: str,
    stable_hash: str,
    additional_destinations: Sequence[Mapping[str, Any]] = (),
) -> Manifest:
    """The DestinationRule after istio.go::UpdateHash.

    The canary and stable subsets get ``rollouts-pod-template-hash`` set to the given hash
    (removed when the hash is empty); experiment services keep or get a subset named after
    the service; every other subset is dropped. Other subset fields and the rest of the
    manifest are kept; the managed-by annotation is added. A Rollout without a
    destinationRule, or a DestinationRule it does not name, is returned unchanged.
    The "delaying destination rule switch" check needs ReplicaSets: see
    :func:`destination_rule_switch_delay`.
    """
    routing = rollout_routing(rollout)
    dr = copy.deepcopy(destination_rule)
    name = as_str(as_dict(dr.get("metadata")).get("name"))
    if routing.dr_name is None or (name and name != routing.dr_name):
        return dr
    meta = dr.setdefault("metadata", {})
    if not isinstance(meta.get("annotations"), dict):
        meta["annotations"] = {}
    meta["annotations"][MANAGED_BY_KEY] = routing.name
    pending = {
        as_str(e.get("serviceName")): as_str(e.get("podTemplateHash"))
        for e in map(as_dict, additional_destinations)
    }

    def relabel(subset: dict[str, Any], value: str) -> dict[str, Any]:
        """The subset's labels (a new map when it has none) with the hash label set or,
        for an empty hash, removed."""
        labels = subset.get("labels")
        if not isinstance(labels, dict):
            labels = {}
        if value:
            labels[HASH_LABEL] = value
        else:
            labels.pop(HASH_LABEL, None)
        return labels

    spec = ensure_spec(dr)
    kept = []
    for subset in map(as_dict, as_list(spec.get("subsets"))):
        subset_name = as_str(subset.get("name"))
        # Canary and stable subsets always come out with a labels map (Go creates one); an
        # experiment subset only keeps the labels it had or gains.
        if subset_name == routing.canary_subset:
            subset["labels"] = relabel(subset, canary_hash)
        elif subset_name == routing.stable_subset:
            subset["labels"] = relabel(subset, stable_hash)
        elif subset_name in pending:
            # istio.go::UpdateHash only forgets the service once its hash is set.
            value = pending[subset_name]
            labels = relabel(subset, value)
            if labels or subset.get("labels") is not None:
                subset["labels"] = labels
            if value:
                del pending[subset_name]
        else:
            continue
        kept.append(subset)
    # Upstream appends the new experiment subsets in Go map order (random); sorted here.
    for service in sorted(pending):
        kept.append({"name": service, "labels": {HASH_LABEL: pending[service]}})
    spec["subsets"] = kept
    return dr


def destination_rule_switch_delay(
    rollout: Manifest,
    replica_sets: Sequence[Mapping[str, Any]],
    canary_hash: str,
    stable_hash: str,
    *,
    aborting: bool = False,
) -> str | None:
    """The error UpdateHash returns before touching a subset-level DestinationRule, or None.

    istio.go::shouldDelayDestinationRuleUpdate: only when neither canaryService nor
    stableService is set. Any ReplicaSet with replicas > 0 whose hash is the canary or
    stable hash must be fully available (replicas <= available, available > 0); the canary
    one is ignored while aborting or dynamically rolling back to stable (``aborting``).
    ``replica_sets`` items: ``{"name", "hash", "replicas", "available"}``.
    """
    canary = as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))
    if as_str(canary.get("canaryService")) or as_str(canary.get("stableService")):
        return None
    for rs in replica_sets:
        replicas = as_int(rs.get("replicas"))
        rs_hash = as_str(rs.get("hash"))
        if replicas == 0 or not rs_hash or rs_hash not in (stable_hash, canary_hash):
            continue
        if aborting and rs_hash == canary_hash:
            continue
        available = as_int(rs.get("available"))
        if not (available != 0 and replicas <= available):
            rs_name = as_str(rs.get("name"))
            return f"delaying destination rule switch: ReplicaSet {rs_name} not fully available"
    return None
