"""Ephemeral metadata: what Argo injects into a ReplicaSet's pods for as long as they hold a
role (``canaryMetadata``/``stableMetadata``), and takes out again
(``utils/replicaset/canary.go``: ``SyncEphemeralPodMetadata``,
``SyncReplicaSetEphemeralPodMetadata``, ``ParseExistingPodMetadata``). The
``rollout.argoproj.io/ephemeral-metadata`` annotation on the ReplicaSet remembers what was
injected, so only those keys are ever removed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "EPHEMERAL_METADATA_ANNOTATION",
    "PodMetadata",
    "ephemeral_annotation",
    "existing_ephemeral_metadata",
    "sync_pod_metadata",
    "without_ephemeral_metadata",
]

EPHEMERAL_METADATA_ANNOTATION = "rollout.argoproj.io/ephemeral-metadata"
"""What Argo injected into a ReplicaSet's pod template (``EphemeralMetadataAnnotation``)."""

PodMetadata = dict[str, dict[str, str]]
"""``{"labels": {...}, "annotations": {...}}`` (Argo's ``PodTemplateMetadata``)."""


def existing_ephemeral_metadata(annotations: Mapping[str, str]) -> PodMetadata | None:
    """``ParseExistingPodMetadata``: what a ReplicaSet's annotation says was injected (None
    when absent or unreadable)."""
    text = annotations.get(EPHEMERAL_METADATA_ANNOTATION)
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def ephemeral_annotation(metadata: PodMetadata) -> str:
    """The annotation's text as Go's ``json.Marshal`` writes it (empty maps omitted)."""
    present = {k: dict(sorted(v.items())) for k, v in metadata.items() if v}
    return json.dumps(present, sort_keys=True, separators=(",", ":"))


def sync_pod_metadata(
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    existing: PodMetadata | None,
    desired: PodMetadata | None,
) -> tuple[dict[str, str], dict[str, str], bool]:
    """``SyncEphemeralPodMetadata``: *desired* injected, what *existing* injected and is no
    longer desired removed; nothing else touched. Returns labels, annotations, modified."""
    out = {"labels": dict(labels), "annotations": dict(annotations)}
    modified = False
    for kind in ("annotations", "labels"):
        wanted = (desired or {}).get(kind) or {}
        for k, v in wanted.items():
            if out[kind].get(k) != v:
                out[kind][k] = v
                modified = True
        for k in (existing or {}).get(kind) or {}:
            if k not in wanted and k in out[kind]:
                del out[kind][k]
                modified = True
    return out["labels"], out["annotations"], modified


def without_ephemeral_metadata(
    template: dict[str, Any], annotations: Mapping[str, str]
) -> dict[str, Any]:
    """A ReplicaSet's pod template with the injected metadata taken out again (how
    ``FindNewReplicaSet``'s last resort compares a ReplicaSet with the Rollout's template)."""
    existing = existing_ephemeral_metadata(annotations)
    if existing is None:
        return template
    meta = template.get("metadata") or {}
    labels, annotations, _ = sync_pod_metadata(
        meta.get("labels") or {}, meta.get("annotations") or {}, existing, None
    )
    stripped = dict(template)
    stripped["metadata"] = {**meta, "labels": labels}
    if annotations:
        stripped["metadata"]["annotations"] = annotations
    return stripped
