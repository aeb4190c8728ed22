"""Reading router objects as users write them: untyped YAML, where a field may be missing,
null or of the wrong kind, and a reconciler or a data plane reads it as empty; and the controller
reference Argo puts on the objects it creates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "annotations_of",
    "as_dict",
    "as_list",
    "controlled_by",
    "owner_reference",
]


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else an empty one.

    >>> as_dict({"a": 1}), as_dict(None), as_dict([1])
    ({'a': 1}, {}, {})
    """
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one.

    >>> as_list([1]), as_list(None), as_list({"a": 1})
    ([1], [], [])
    """
    return value if isinstance(value, list) else []


def annotations_of(obj: Mapping[str, Any]) -> dict[str, str]:
    """An object's ``metadata.annotations`` as strings (empty when missing or malformed).

    >>> annotations_of({"metadata": {"annotations": {"weight": 10}}}), annotations_of({})
    ({'weight': '10'}, {})
    """
    return {
        str(k): str(v) for k, v in as_dict(as_dict(obj.get("metadata")).get("annotations")).items()
    }


def owner_reference(rollout: Mapping[str, Any]) -> dict[str, Any]:
    """``metav1.NewControllerRef(rollout, Rollout kind)`` (the uid is the cluster's)."""
    meta = as_dict(rollout.get("metadata"))
    ref: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": str(meta.get("name") or ""),
    }
    if meta.get("uid"):
        ref["uid"] = str(meta["uid"])
    ref["controller"] = True
    ref["blockOwnerDeletion"] = True
    return ref


def controlled_by(obj: Mapping[str, Any], rollout: Mapping[str, Any]) -> bool:
    """``metav1.IsControlledBy``: ``obj`` has a controller reference to this Rollout (kind and
    name stand for the uid Argo compares, which a Rollout read from a file has not).

    >>> mine = {"metadata": {"ownerReferences": [owner_reference({"metadata": {"name": "r"}})]}}
    >>> controlled_by(mine, {"metadata": {"name": "r"}}), controlled_by(mine, {})
    (True, False)
    """
    name = as_dict(rollout.get("metadata")).get("name")
    for ref in as_list(as_dict(obj.get("metadata")).get("ownerReferences")):
        ref = as_dict(ref)
        if ref.get("controller") and ref.get("kind") == "Rollout" and ref.get("name") == name:
            return True
    return False
