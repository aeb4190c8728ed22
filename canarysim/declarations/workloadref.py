"""``spec.workloadRef``: the Rollout's pod template (and selector) taken from a Deployment.

Argo resolves the reference at the start of every reconcile (``rollout/templateref.go::
Resolve``, called from ``newRolloutContext``): the workload's ``spec.template`` becomes the
Rollout's template in memory (never persisted), its ``spec.selector`` too when the Rollout has
none. Resolution fails, and the Rollout is Degraded with an InvalidSpec condition whose message
is ``The Rollout "<name>" is invalid: <error>``, when the Rollout also has a template
(``template must be empty for workload reference rollout``), names a kind Argo does not resolve
(``workload of type <group>/<kind> is not supported``) or a workload that does not exist (the
informer's NotFound, ``deployments.apps "<name>" not found``). The error of resolution comes
before every other validation error (``newRolloutContext`` returns it first).

:func:`resolve_workload_ref` is the one place this happens, for ``validate``, for the loader and
for the simulator's controller at each reconcile (a Deployment applied, deleted or edited
mid-run is seen there): the engine only ever sees the resolved template, as data.

>>> resolution = resolve_workload_ref(rollout, objs)      # doctest: +SKIP
>>> resolution.error or resolution.rollout.spec.template  # doctest: +SKIP
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.manifests.workloads import Deployment
from canarysim.declarations.patch import patched_rollout

__all__ = [
    "SCALE_DOWN_ON_SUCCESS",
    "SCALE_DOWN_PROGRESSIVELY",
    "Resolution",
    "resolve_workload_ref",
    "resolved_raw",
]

SCALE_DOWN_ON_SUCCESS = "onsuccess"
SCALE_DOWN_PROGRESSIVELY = "progressively"

#: (API group, kind) Argo resolves (``infoByGroupKind``) -> the plural its NotFound names.
RESOLVED_KINDS: dict[tuple[str, str], str] = {
    ("", "PodTemplate"): "podtemplates",
    ("apps", "Deployment"): "deployments",
    ("apps", "ReplicaSet"): "replicasets",
}


@dataclass(frozen=True)
class Resolution:
    """What resolving a Rollout's workloadRef gave: the Rollout as the controller works on it
    (``rollout``: the template and selector filled in; the Rollout itself when it has no
    workloadRef or resolution failed), the Deployment it names (None when absent or not a
    Deployment) and Argo's error text (None when resolved)."""

    rollout: Rollout
    deployment: Deployment | None = None
    error: str | None = None

    @property
    def resolved(self) -> bool:
        """Whether the template came from a workload (Argo's ``TemplateResolvedFromRef``)."""
        return self.deployment is not None and self.error is None


def _group_kind(api_version: str, kind: str) -> tuple[str, str]:
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    return group, kind


def resolved_raw(rollout: dict[str, Any], deployment: Deployment) -> dict[str, Any]:
    """The Rollout manifest ``rollout`` with the Deployment's template, and its selector when
    the Rollout has none (``SetResolvedTemplate`` / ``SetResolvedSelector``)."""
    raw = copy.deepcopy(rollout)
    spec = raw.setdefault("spec", {})
    dspec = deployment.raw.get("spec") or {}
    spec["template"] = copy.deepcopy(dspec.get("template") or {})
    if spec.get("selector") is None and dspec.get("selector") is not None:
        spec["selector"] = copy.deepcopy(dspec["selector"])
    return raw


def resolve_workload_ref(ro: Rollout, objs: Manifests) -> Resolution:
    """Resolve ``ro``'s workloadRef against the objects ``objs`` holds (see module doc)."""
    ref = ro.spec.workload_ref
    if ref is None:
        return Resolution(ro)
    if ro.raw_at("spec", "template"):
        return Resolution(ro, error="template must be empty for workload reference rollout")
    group, kind = _group_kind(ref.api_version, ref.kind)
    plural = RESOLVED_KINDS.get((group, kind))
    if plural is None:
        return Resolution(ro, error=f"workload of type {group}/{kind} is not supported")
    found = objs.deployment(ref.name, ro.namespace) if kind == "Deployment" else None
    if found is None:
        resource = f"{plural}.{group}" if group else plural
        return Resolution(ro, error=f'{resource} "{ref.name}" not found')
    raw = resolved_raw(ro.raw, found)
    resolved = patched_rollout(raw, {}, namespace=ro.namespace, file=ro.file or "<rollout>")
    # findings about the resolved Rollout point at the Rollout's own file and lines
    resolved.attach(resolved.raw, ro.file, dict(ro._lines))
    return Resolution(resolved, found)
