"""``kubectl apply`` and ``kubectl delete`` of objects mid-run, as the API server takes them.

The simulator keeps the cluster's objects as a :class:`Manifests` of its own
(:func:`live_copy` of the scenario's): an ``apply`` action creates an object or replaces the
one of the same kind, name and namespace (``created`` / ``configured``), a ``delete`` action
removes one. :func:`applied_objects` types the objects an ``apply`` action carries (inline,
or read from its file here, the only reader of files), refusing the kinds canarysim cannot
apply mid-run; :func:`apply_patch_for` is the patch ``kubectl apply`` sends for an edited
Rollout (what changed since the last applied manifest: removed keys ``null``), so that the
Rollout keeps what other commands changed and a changed template is a new revision.

>>> apply_patch_for({"a": 1, "b": {"c": 2, "d": 3}}, {"a": 1, "b": {"c": 5}, "e": [1]})
{'b': {'c': 5, 'd': None}, 'e': [1]}
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from canarysim.declarations.load import add_document, add_file
from canarysim.declarations.manifests.base import Resource
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.yamlio import Document, scenario_error

__all__ = [
    "APPLY_KINDS",
    "DELETE_KINDS",
    "applied_objects",
    "apply_patch_for",
    "live_copy",
    "patched_deployment",
    "remove_object",
    "store_object",
]

#: Kinds an ``apply`` action may carry -> the :class:`Manifests` bucket that holds them.
APPLY_KINDS: dict[str, str] = {
    "Rollout": "rollouts",
    "AnalysisTemplate": "analysis_templates",
    "ClusterAnalysisTemplate": "cluster_analysis_templates",
    "Service": "services",
    "PodDisruptionBudget": "pod_disruption_budgets",
    "Secret": "secrets",
    "Deployment": "deployments",
    "VirtualService": "virtual_services",
    "DestinationRule": "destination_rules",
    "Ingress": "ingresses",
}
#: Kinds a ``delete`` action may remove (the simulated Rollout itself is not one of them,
#: nor the router objects it writes).
DELETE_KINDS = tuple(
    k for k in APPLY_KINDS if k not in ("Rollout", "VirtualService", "DestinationRule", "Ingress")
)

_CLUSTER_SCOPED = {"ClusterAnalysisTemplate"}


def live_copy(objs: Manifests) -> Manifests:
    """A copy whose buckets can change without touching ``objs`` (objects are shared: they
    are replaced, never edited in place)."""
    out = copy.copy(objs)
    for f in dataclasses.fields(objs):
        value = getattr(objs, f.name)
        if isinstance(value, list):
            setattr(out, f.name, list(value))
    out._positions = {}
    return out


def _matches(obj: Resource, kind: str, name: str, namespace: str) -> bool:
    if obj.kind != kind or obj.name != name:
        return False
    return kind in _CLUSTER_SCOPED or obj.namespace == namespace


def store_object(objs: Manifests, obj: Resource) -> bool:
    """Create ``obj`` in ``objs`` or replace its namesake; True when created."""
    bucket: list[Resource] = getattr(objs, APPLY_KINDS[obj.kind])
    for i, other in enumerate(bucket):
        if _matches(other, obj.kind, obj.name, obj.namespace or ""):
            bucket[i] = obj
            return False
    bucket.append(obj)
    return True


def remove_object(objs: Manifests, kind: str, name: str, namespace: str) -> Resource | None:
    """Delete the object of that kind and name (in ``namespace`` unless cluster-scoped);
    the removed object, or None when there was none (``NotFound``)."""
    bucket: list[Resource] = getattr(objs, APPLY_KINDS[kind])
    for i, other in enumerate(bucket):
        if _matches(other, kind, name, namespace):
            return bucket.pop(i)
    return None


def applied_objects(
    manifest: Mapping[str, Any] | None,
    file: str | None,
    *,
    base: Path,
    namespace: str,
    rollout: str,
    scenario_file: str,
    field: str,
    line: int | None,
    source: Document | None = None,
    source_path: tuple[str | int, ...] = (),
) -> list[Resource]:
    """The objects an ``apply`` action creates or configures, typed as a manifest file's
    are: inline ``manifest`` or every document of ``file`` (relative to ``base``). Kinds
    other than :data:`APPLY_KINDS`, and Rollouts other than the simulated one, are refused
    with a :class:`~canarysim.errors.ScenarioError` naming ``scenario_file``, ``field`` and
    ``line``. ``source``/``source_path``: the scenario document and the path of the inline
    manifest in it (for the errors' field and line)."""

    def refuse(expected: str, got: str | None = None) -> Exception:
        return scenario_error(scenario_file, field, expected, line=line, got=got)

    staged = Manifests(namespace=namespace)
    if file is not None:
        target = Path(file) if Path(file).is_absolute() else base / file
        if not target.is_file():
            raise refuse("an existing manifest file", file)
        add_file(staged, target, str(target) if str(base) not in ("", ".") else file)
    else:
        # Typed in place, so that an error names operator[i].manifest.<field> and its line.
        doc = source or Document(scenario_file, 0, {"manifest": dict(manifest or {})}, {})
        add_document(staged, doc, source_path if source is not None else ("manifest",))
    kinds = ", ".join(APPLY_KINDS)
    for ignored in staged.ignored:
        raise refuse(f"objects canarysim can apply mid-run ({kinds})", str(ignored.get("kind")))
    for finding in staged.findings:
        if finding.severity == "error":
            raise refuse(finding.message)
    objects = staged.all()
    for o in objects:
        if o.kind not in APPLY_KINDS:
            raise refuse(f"objects canarysim can apply mid-run ({kinds})", o.kind)
        if o.kind == "Rollout" and o.name != rollout:
            raise refuse(
                f"the simulated Rollout {rollout!r} (only one Rollout is simulated)",
                f"Rollout {o.name!r}",
            )
    if not objects:
        raise refuse("at least one object")
    return objects


def patched_deployment(
    deployment: Resource, patch: Any, patch_type: str, *, namespace: str, file: str
) -> Resource:
    """The Deployment ``deployment`` after ``kubectl patch deployment``, typed as a loaded
    one; its name, namespace and kind cannot change. Raises ScenarioError naming ``file``."""
    from canarysim.declarations.patch import PatchError, apply_patch

    try:
        raw = apply_patch(deployment.raw, patch, patch_type)
    except PatchError as exc:
        raise scenario_error(file, "patch", str(exc)) from None
    if not isinstance(raw, dict) or raw.get("kind") != "Deployment":
        raise scenario_error(file, "patch", "a patch that leaves a Deployment object")
    for key in ("name", "namespace"):
        if (raw.get("metadata") or {}).get(key) != (deployment.raw.get("metadata") or {}).get(key):
            raise scenario_error(file, f"patch.metadata.{key}", "it unchanged (immutable)")
    staged = Manifests(namespace=namespace)
    add_document(staged, Document(file, 0, raw, {}))
    for finding in staged.findings:
        if finding.severity == "error":
            raise scenario_error(file, "patch", finding.message)
    if len(staged.deployments) != 1:
        raise scenario_error(file, "patch", "a patch that leaves a Deployment object")
    return staged.deployments[0]


def apply_patch_for(last_applied: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The merge patch ``kubectl apply`` computes from the last applied configuration to the
    new one: changed values, keys that left the file as ``null``; keys neither mentions stay
    as the live object has them. Lists are replaced whole (the file lists every container)."""
    patch: dict[str, Any] = {}
    for key, value in new.items():
        old = last_applied.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            sub = apply_patch_for(old, value)
            if sub:
                patch[key] = sub
        elif key not in last_applied or old != value:
            patch[key] = value
    for key in last_applied:
        if key not in new:
            patch[key] = None
    return patch
