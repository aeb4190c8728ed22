"""Varying a loaded scenario in memory, validated like a file: the merge patches behind
:meth:`Scenario.with_changes` and :meth:`Scenario.with_manifest` (the loader rebuilds the
scenario; this module knows nothing of the Scenario class, so the two do not import each other).

Notebooks and property tests sweep a scenario (another seed, a faster traffic rate, other
Rollout steps) without writing YAML files. Both helpers apply a *merge patch* (RFC 7386:
mappings merge key by key, ``None`` deletes a key, anything else, lists included, replaces)
to the data as written, keys camelCase as in the YAML, and validate the result in full. A bad
change raises :class:`~canarysim.errors.ScenarioError` naming the field, with ``<changes>`` as
the file.

>>> s2 = scenario.with_changes(seed=3, traffic={"rate": 50})                 # doctest: +SKIP
>>> s3 = scenario.with_manifest("Rollout", "imesh-rollout",
...     {"spec": {"strategy": {"canary": {"steps": [{"setWeight": 20}]}}}})  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canarysim.declarations.load import add_document
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.patch import merge_patch
from canarysim.declarations.yamlio import Document, scenario_error

__all__ = ["CHANGES", "changed_data", "merge_patch", "patched_manifests"]

CHANGES = "<changes>"
"""The file name errors of an in-memory change carry."""

#: The typed object lists of a Manifests bundle.
_BUCKETS = (
    "rollouts",
    "services",
    "virtual_services",
    "destination_rules",
    "gateways",
    "ingresses",
    "traffic_splits",
    "http_routes",
    "grpc_routes",
    "tcp_routes",
    "tls_routes",
    "apisix_routes",
    "traefik_services",
    "ingress_routes",
    "ambassador_mappings",
    "appmesh_virtual_services",
    "appmesh_virtual_routers",
    "appmesh_virtual_nodes",
    "target_group_bindings",
    "analysis_templates",
    "cluster_analysis_templates",
)

#: Keys whose change means the manifests must be loaded again.
_RELOAD_KEYS = frozenset({"manifests", "namespace"})


def patched_manifests(
    old: Manifests, kind: str, name: str, patch: Mapping[str, Any], namespace: str | None
) -> Manifests:
    """A copy of ``old`` whose object ``kind``/``name`` has ``patch`` merged into it and is
    validated again (what :meth:`Scenario.with_manifest` rebuilds the scenario around)."""
    if not isinstance(patch, Mapping):
        raise scenario_error(
            CHANGES, "patch", "a mapping (a JSON merge patch)", got=type(patch).__name__
        )
    target = _find(old, kind, name, namespace)
    raw = merge_patch(target.raw, dict(patch))
    # A namespace the loader filled in stays as it was.
    if target.namespace and "namespace" not in (raw.get("metadata") or {}):
        raw.setdefault("metadata", {})["namespace"] = target.namespace
    staged = Manifests(namespace=old.namespace)
    add_document(staged, Document(CHANGES, 0, raw, {}))
    replaced = staged.all()
    if len(replaced) != 1 or type(replaced[0]) is not type(target):
        raise scenario_error(CHANGES, "kind", f"the patched object to stay a {kind}")
    fresh = Manifests(namespace=old.namespace)
    fresh.files = list(old.files)
    fresh.findings = [*old.findings, *staged.findings]
    fresh.ignored = list(old.ignored)
    for attr in _BUCKETS:
        bucket = getattr(old, attr)
        setattr(fresh, attr, [replaced[0] if o is target else o for o in bucket])
    return fresh


def changed_data(
    data: Mapping[str, Any], changes: Mapping[str, Any], aliases: Mapping[str, str]
) -> tuple[dict[str, Any], bool]:
    """``changes`` merged into a scenario's ``data`` (both with top-level keys as in the YAML
    or by their Python names, ``aliases`` mapping the latter to the former), and whether the
    manifests must be loaded again."""
    changes = _canonical(changes, aliases)
    merged = merge_patch(_canonical(data, aliases), changes)
    reload = bool(_RELOAD_KEYS & set(changes))
    if reload and not isinstance(data.get("manifests"), list):
        raise scenario_error(
            CHANGES,
            "manifests",
            "a scenario loaded with its manifests (this one was built from bare manifests: "
            "load them again with the namespace you want)",
        )
    return merged, reload


def _canonical(data: Mapping[str, Any], aliases: Mapping[str, str]) -> dict[str, Any]:
    """Top-level keys as written in the YAML (``rollout_name`` -> ``rollout``)."""
    return {aliases.get(k, k): v for k, v in data.items()}


def _find(manifests: Manifests, kind: str, name: str, namespace: str | None) -> Any:
    kinds = sorted({type(o).__name__ for o in manifests.all()})
    for obj in manifests.all():
        if type(obj).__name__ != kind or obj.name != name:
            continue
        if namespace is None or obj.namespace == namespace:
            return obj
    known = ", ".join(f"{type(o).__name__}/{o.name}" for o in manifests.all())
    raise scenario_error(
        CHANGES,
        "manifests",
        f"a loaded {kind} named {name!r} (loaded: {known or 'none'})"
        if kind in kinds
        else f"a loaded kind, one of {', '.join(kinds)}",
        got=f"{kind}/{name}",
    )
