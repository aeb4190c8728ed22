"""The ``rollouts-pod-template-hash`` of a pod template, in Kubernetes' short form.

Argo Rollouts names a ReplicaSet ``<rollout>-<hash>`` where the hash is computed like a
Deployment's pod-template-hash (argo-rollouts ``utils/hash/hash.go::ComputePodTemplateHash``,
after kubernetes ``controller.ComputeHash``): a 32-bit FNV-1a over the template (plus the
collision count, if any), printed as a decimal number, and each decimal digit mapped through
``k8s.io/apimachinery/pkg/util/rand.SafeEncodeString`` onto the alphabet
``bcdfghjklmnpqrstvwxz2456789`` (byte value modulo 27). Because only the ten digit bytes are
encoded, real hashes use just ``4 5 6 7 8 9 b c d f`` and are at most ten characters long, for
example ``65fb5ffc84`` or ``877894d5b``.

Go hashes a ``spew`` dump of its struct, which Python cannot reproduce; we hash canonical JSON
of the manifest dict instead (sorted keys, no whitespace, UTF-8). The values differ from a real
cluster's but the form, length, stability across runs and Python versions, and sensitivity to
any template change are the same.

>>> pod_template_hash({"spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}})
'59cb84c67'
>>> safe_encode("0123456789")
'456789bcdf'
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "ALPHANUMS",
    "POD_TEMPLATE_HASH_LABEL",
    "canonical_json",
    "fnv1a_32",
    "pod_template_hash",
    "safe_encode",
    "strip_hash_label",
    "templates_equal_ignoring_hash",
    "with_api_defaults",
]

#: The label Argo adds to ReplicaSets, their pods and the canary/stable Service selectors.
POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash"

#: apimachinery ``rand`` alphabet: no vowels (no words) and no confusable 0/1/3.
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"

_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193


def canonical_json(obj: Any) -> bytes:
    """Sorted-key, whitespace-free JSON in UTF-8: the bytes that get hashed."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def fnv1a_32(data: bytes, h: int = _FNV32_OFFSET) -> int:
    """32-bit FNV-1a (Go's ``hash/fnv.New32a``); *h* continues an earlier sum.

    >>> hex(fnv1a_32(b"a"))
    '0xe40c292c'
    """
    for byte in data:
        h = ((h ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return h


def safe_encode(s: str) -> str:
    """Map every byte of *s* onto :data:`ALPHANUMS` (``rand.SafeEncodeString``)."""
    return "".join(ALPHANUMS[b % len(ALPHANUMS)] for b in s.encode("utf-8"))


def pod_template_hash(template: Mapping[str, Any], collision_count: int | None = None) -> str:
    """The ``rollouts-pod-template-hash`` of *template* (a pod template manifest dict).

    A hash label already present in the template's labels is ignored, so hashing a ReplicaSet's
    template gives back the hash it was created with. *collision_count* (the Rollout's
    ``status.collisionCount``) is folded in as four little-endian bytes, as upstream does.
    """
    return _hash_of(canonical_json(template), collision_count)


@functools.lru_cache(maxsize=1024)
def _hash_of(data: bytes, collision_count: int | None) -> str:
    """:func:`pod_template_hash` of the template whose canonical JSON is *data*: all of the
    template it reads (:func:`strip_hash_label` starts from these bytes), so a pure function
    of them, remembered per process (the same template is hashed at every revision check)."""
    h = fnv1a_32(canonical_json(_without_hash_label(json.loads(data))))
    if collision_count is not None:
        h = fnv1a_32(int(collision_count).to_bytes(4, "little", signed=False), h)
    return safe_encode(str(h))


def strip_hash_label(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of *template* without the ``rollouts-pod-template-hash`` label (if any).

    Empty ``labels`` and ``metadata`` are dropped too, so a template without labels and the
    same template with only the hash label added compare equal.
    """
    return _without_hash_label(json.loads(canonical_json(template)))


def _without_hash_label(out: dict[str, Any]) -> dict[str, Any]:
    """*out* (a fresh copy) without the hash label, empty labels and empty metadata."""
    meta = out.get("metadata")
    if isinstance(meta, dict):
        labels = meta.get("labels")
        if isinstance(labels, dict):
            labels.pop(POD_TEMPLATE_HASH_LABEL, None)
        if not labels and "labels" in meta:
            del meta["labels"]
        if not meta:
            del out["metadata"]
    return out


def templates_equal_ignoring_hash(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two pod templates are equal apart from the hash label.

    This is how Argo finds the ReplicaSet of the current template
    (``utils/replicaset/replicaset.go::FindNewReplicaSet`` via ``EqualIgnoreHash``), which is
    why going back to an earlier template reuses its ReplicaSet.
    """
    return canonical_json(strip_hash_label(a)) == canonical_json(strip_hash_label(b))


def _image_pull_policy(image: str) -> str:
    """``SetDefaults_Container``: ``Always`` for an image tagged ``latest`` or not tagged (and
    not pinned by digest), ``IfNotPresent`` otherwise."""
    if "@" in image:
        return "IfNotPresent"
    name = image.rsplit("/", 1)[-1]
    tag = name.partition(":")[2]
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _default_container(container: dict[str, Any]) -> None:
    container.setdefault("resources", {})
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("imagePullPolicy", _image_pull_policy(str(container.get("image", ""))))
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")


def with_api_defaults(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of *template* as the API server stores it in a ReplicaSet: Kubernetes' defaults
    for a pod spec and its containers filled in where the template leaves them out
    (``k8s.io/kubernetes/pkg/apis/core/v1/defaults.go``: ``SetDefaults_PodSpec``,
    ``SetDefaults_Container``, ``SetDefaults_ContainerPort``).

    A Rollout is a custom resource, so its ``spec.template`` is stored as written and its
    ReplicaSets' hashes are computed from that; an Experiment's template is copied from a
    ReplicaSet's stored (defaulted) template, so the Experiment controller hashes the
    defaulted form and its ReplicaSets never share a hash with the Rollout's (the point of
    argo-rollouts issue 380, asserted by ``test/e2e/experiment_test.go::
    TestRolloutWithExperimentAndAnalysis``).
    """
    out: dict[str, Any] = json.loads(canonical_json(template))
    spec = out.setdefault("spec", {})
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            if isinstance(container, dict):
                _default_container(container)
    return out
