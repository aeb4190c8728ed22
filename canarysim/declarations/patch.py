"""``kubectl patch`` of a Rollout: JSON merge patch, JSON patch and strategic merge patch.

* ``merge`` (``--type merge``, RFC 7386): mappings merge key by key, ``null`` deletes, any
  other value (lists included) replaces.
* ``json`` (``--type json``, RFC 6902): a list of ``{op, path, value|from}`` operations
  (``add``, ``remove``, ``replace``, ``move``, ``copy``, ``test``) on JSON-pointer paths.
* ``strategic`` (``--type strategic``): a merge patch that merges the lists Kubernetes marks
  ``patchStrategy: merge`` element by element on their ``patchMergeKey`` (a PodSpec's
  ``containers``, ``initContainers`` and ``volumes`` by ``name``, a container's ``env`` by
  ``name``, ``ports`` by ``containerPort``, ``volumeMounts`` by ``mountPath``, ...); an
  element ``{"$patch": "delete", <key>: ...}`` deletes, ``{"$patch": "replace"}`` in a mapping
  replaces it whole. Other lists replace. Note that a real API server accepts only ``merge``
  and ``json`` patches for a custom resource such as a Rollout; ``strategic`` applies the
  PodSpec strategies to ``spec.template`` as ``kubectl patch`` would to a Deployment.

:func:`patched_rollout` applies a patch to a Rollout's manifest and loads the result as the API
server would accept it (a bad patch raises :class:`~canarysim.errors.ScenarioError`).

>>> merge_patch({"a": {"b": 1, "c": 2}}, {"a": {"c": None, "d": 3}})
{'a': {'b': 1, 'd': 3}}
>>> pod = {"containers": [{"name": "app", "image": "v1"}, {"name": "side", "image": "s"}]}
>>> strategic_merge_patch(pod, {"containers": [{"name": "app", "image": "v2"}]})["containers"]
[{'name': 'app', 'image': 'v2'}, {'name': 'side', 'image': 's'}]
>>> json_patch({"a": [1, 2]}, [{"op": "add", "path": "/a/-", "value": 3}])
{'a': [1, 2, 3]}
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal

from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.yamlio import scenario_error

__all__ = [
    "PATCH_TYPES",
    "PatchType",
    "apply_patch",
    "json_patch",
    "merge_patch",
    "patched_rollout",
    "strategic_merge_patch",
]

PatchType = Literal["merge", "json", "strategic"]
PATCH_TYPES: tuple[str, ...] = ("merge", "json", "strategic")

#: ``patchMergeKey`` of the lists Kubernetes merges (``patchStrategy: merge``), by field name
#: (k8s.io/api/core/v1/types.go: PodSpec, Container, and the types they hold).
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "ports": "containerPort",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
}


class PatchError(ValueError):
    """A patch that cannot be applied (its text says why)."""


# ------------------------------------------------------------------------------ merge
def merge_patch(target: Any, patch: Any) -> Any:
    """``patch`` applied to ``target`` as a JSON merge patch (RFC 7386); inputs untouched."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


# ------------------------------------------------------------------------------ strategic
def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """``patch`` applied to ``target`` with Kubernetes' strategic merge rules (see module
    doc); inputs untouched."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    out = copy.deepcopy(dict(target)) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            out.pop(key, None)
        elif key in MERGE_KEYS and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_list(out[key], value, MERGE_KEYS[key])
        else:
            merged = strategic_merge_patch(out.get(key), value)
            if merged is None:
                out.pop(key, None)
            else:
                out[key] = merged
    return out


def _merge_list(current: list[Any], patch: list[Any], key: str) -> list[Any]:
    out = copy.deepcopy(current)
    for item in patch:
        if not isinstance(item, Mapping) or key not in item:
            raise PatchError(f"every element of a list merged by {key!r} needs a {key!r}")
        where = next(
            (
                i
                for i, old in enumerate(out)
                if isinstance(old, Mapping) and old.get(key) == item[key]
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if where is not None:
                del out[where]
        elif where is None:
            out.append({k: copy.deepcopy(v) for k, v in item.items() if k != "$patch"})
        else:
            out[where] = strategic_merge_patch(out[where], item)
    return out


# ------------------------------------------------------------------------------ JSON patch
def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"path {path!r}: a JSON pointer starting with /")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], path: str) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        node = _child(node, part, path)
    return node, parts[-1]


def _child(node: Any, part: str, path: str) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise PatchError(f"path {path!r}: no {part!r} there")


def _index(node: list[Any], part: str, path: str, *, end_ok: bool) -> int:
    if part == "-" and end_ok:
        return len(node)
    if not part.isdigit() or int(part) > len(node) - (0 if end_ok else 1):
        raise PatchError(f"path {path!r}: index {part!r} out of range")
    return int(part)


def _add(doc: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return copy.deepcopy(value)
    parent, last = _parent(doc, parts, path)
    if isinstance(parent, dict):
        parent[last] = copy.deepcopy(value)
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, path, end_ok=True), copy.deepcopy(value))
    else:
        raise PatchError(f"path {path!r}: not inside an object or array")
    return doc


def _remove(doc: Any, path: str) -> tuple[Any, Any]:
    parts = _pointer(path)
    if not parts:
        raise PatchError("remove: the whole document cannot be removed")
    parent, last = _parent(doc, parts, path)
    if isinstance(parent, dict) and last in parent:
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(parent, last, path, end_ok=False))
    raise PatchError(f"path {path!r}: nothing to remove")


def _get(doc: Any, path: str) -> Any:
    node = doc
    for part in _pointer(path):
        node = _child(node, part, path)
    return node


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 ``operations`` applied to a copy of ``target``."""
    if not isinstance(operations, list):
        raise PatchError("a JSON patch is a list of operations")
    doc = copy.deepcopy(target)
    for i, op in enumerate(operations):
        if not isinstance(op, Mapping) or "op" not in op or "path" not in op:
            raise PatchError(f"operation {i}: an object with op and path")
        kind, path = op["op"], str(op["path"])
        if kind in ("add", "replace", "test") and "value" not in op:
            raise PatchError(f"operation {i} ({kind}): a value")
        if kind == "add":
            doc = _add(doc, path, op["value"])
        elif kind == "remove":
            doc, _ = _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)  # must exist
            doc, _ = _remove(doc, path) if _pointer(path) else (doc, None)
            doc = _add(doc, path, op["value"])
        elif kind in ("move", "copy"):
            source = str(op.get("from", ""))
            if kind == "move":
                doc, value = _remove(doc, source)
            else:
                value = copy.deepcopy(_get(doc, source))
            doc = _add(doc, path, value)
        elif kind == "test":
            if _get(doc, path) != op["value"]:
                raise PatchError(f"operation {i} (test): {path} is not {op['value']!r}")
        else:
            raise PatchError(f"operation {i}: op one of add, remove, replace, move, copy, test")
    return doc


# ------------------------------------------------------------------------------ a Rollout
def apply_patch(target: Mapping[str, Any], patch: Any, patch_type: str = "merge") -> Any:
    """``target`` patched as ``kubectl patch --type patch_type -p patch`` would."""
    if patch_type == "merge":
        if not isinstance(patch, Mapping):
            raise PatchError("a merge patch is a mapping")
        return merge_patch(target, patch)
    if patch_type == "strategic":
        if not isinstance(patch, Mapping):
            raise PatchError("a strategic merge patch is a mapping")
        return strategic_merge_patch(target, patch)
    if patch_type == "json":
        return json_patch(target, patch)
    raise PatchError(f"type one of {', '.join(PATCH_TYPES)}, got {patch_type!r}")


def patched_rollout(
    rollout: Mapping[str, Any],
    patch: Any,
    patch_type: str = "merge",
    *,
    namespace: str = "default",
    file: str = "<patch>",
) -> Rollout:
    """The Rollout ``rollout`` (a manifest) becomes after ``patch``, loaded like a file
    (names, kind and namespace cannot change). Raises ScenarioError naming ``file``."""
    from canarysim.declarations.load import add_document
    from canarysim.declarations.manifests.bundle import Manifests
    from canarysim.declarations.yamlio import Document

    try:
        raw = apply_patch(rollout, patch, patch_type)
    except PatchError as exc:
        raise scenario_error(file, "patch", str(exc)) from None
    if not isinstance(raw, dict):
        raise scenario_error(file, "patch", "a patch that leaves a Rollout object")
    before = rollout.get("metadata") or {}
    after = raw.get("metadata") or {}
    for field in ("name", "namespace"):
        if before.get(field) != after.get(field):
            raise scenario_error(file, f"patch.metadata.{field}", "it unchanged (immutable)")
    if raw.get("kind") != rollout.get("kind") or raw.get("apiVersion") != rollout.get("apiVersion"):
        raise scenario_error(file, "patch", "kind and apiVersion unchanged")
    staged = Manifests(namespace=namespace)
    add_document(staged, Document(file, 0, raw, {}))
    loaded = staged.rollouts
    if len(loaded) != 1:
        raise scenario_error(file, "patch", "a patch that leaves a Rollout object")
    return loaded[0]
