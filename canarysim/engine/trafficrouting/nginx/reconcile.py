"""Argo's NGINX reconciler as pure rewrites (``rollout/trafficrouting/nginx/nginx.go``).

Everything works on plain dict manifests (camelCase, as loaded from YAML): the Rollout and the
``networking.k8s.io/v1`` Ingresses. ``set_weight`` returns the writes one ``SetWeight`` makes,
in the order Argo makes them, and stops at the first error, which carries Argo's text.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from canarysim.engine.trafficrouting.fields import (
    as_dict,
    as_list,
    controlled_by,
    owner_reference,
)
from canarysim.errors import TrafficRoutingError

__all__ = [
    "CANARY_SUFFIX",
    "DEFAULT_ANNOTATION_PREFIX",
    "IngressWrite",
    "annotation_prefix",
    "canary_ingress_name",
    "desired_canary_ingress",
    "nginx_settings",
    "set_weight",
    "stable_ingresses",
]

Manifest = dict[str, Any]

DEFAULT_ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io"
CANARY_SUFFIX = "-canary"
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
MAX_NAME = 253


def _canary(rollout: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))


def nginx_settings(rollout: Mapping[str, Any]) -> dict[str, Any] | None:
    """``spec.strategy.canary.trafficRouting.nginx``, or None."""
    tr = as_dict(_canary(rollout).get("trafficRouting"))
    value = tr.get("nginx")
    return value if isinstance(value, dict) else None


def stable_ingresses(rollout: Mapping[str, Any]) -> list[str]:
    """``stableIngresses`` when set, else ``[stableIngress]`` (``SetWeight``)."""
    nginx = nginx_settings(rollout) or {}
    many = nginx.get("stableIngresses")
    if isinstance(many, list):
        return [str(x) for x in many]
    return [str(nginx.get("stableIngress") or "")]


def annotation_prefix(rollout: Mapping[str, Any]) -> str:
    """``GetCanaryIngressAnnotationPrefixOrDefault``."""
    prefix = (nginx_settings(rollout) or {}).get("annotationPrefix")
    return str(prefix) if prefix else DEFAULT_ANNOTATION_PREFIX


def canary_ingress_name(rollout_name: str, stable_ingress: str) -> str:
    """``GetCanaryIngressName``: ``<rollout>-<stable>-canary``, the prefix cut so the whole
    stays within 253 characters."""
    if not stable_ingress:
        return ""
    prefix = f"{rollout_name}-{stable_ingress}"
    prefix = prefix[: MAX_NAME - len(CANARY_SUFFIX)]
    return prefix + CANARY_SUFFIX


def desired_canary_ingress(
    rollout: Mapping[str, Any], stable: Mapping[str, Any], name: str, weight: int
) -> Manifest:
    """``buildCanaryIngress``: the canary Ingress for ``stable`` at ``weight``.

    Keeps the stable Ingress's TLS, ``ingressClassName`` and ``kubernetes.io/ingress.class``
    (no other annotation); copies only the rules with a path to the stable Service, those
    paths' backends switched to the canary Service; adds ``additionalIngressAnnotations``
    (prefixed), then ``canaryIngressAnnotations`` (as written), then always ``canary`` and
    ``canary-weight`` (and ``canary-weight-total`` with ``maxTrafficWeight``)."""
    canary = _canary(rollout)
    nginx = nginx_settings(rollout) or {}
    stable_service = str(canary.get("stableService") or "")
    canary_service = str(canary.get("canaryService") or "")
    prefix = annotation_prefix(rollout)
    meta = as_dict(stable.get("metadata"))
    spec = as_dict(stable.get("spec"))
    annotations: dict[str, str] = {}
    stable_annotations = as_dict(meta.get("annotations"))
    if INGRESS_CLASS_ANNOTATION in stable_annotations:
        annotations[INGRESS_CLASS_ANNOTATION] = str(stable_annotations[INGRESS_CLASS_ANNOTATION])
    rules = []
    for rule in as_list(spec.get("rules")):
        rule = copy.deepcopy(as_dict(rule))
        paths = as_list(as_dict(rule.get("http")).get("paths"))
        services = [as_dict(as_dict(as_dict(p).get("backend")).get("service")) for p in paths]
        stable_backends = [svc for svc in services if svc.get("name") == stable_service]
        for service in stable_backends:
            service["name"] = canary_service
        if stable_backends:
            rules.append(rule)
    if not rules:
        stable_name = str(nginx.get("stableIngress") or "")
        raise TrafficRoutingError(
            f"ingress `{stable_name}` has no rules using service {stable_service} backend"
        )
    for key, value in as_dict(nginx.get("additionalIngressAnnotations")).items():
        key = str(key)
        if not key.startswith(prefix):
            key = f"{prefix}/{key}"
        annotations[key] = str(value)
    for key, value in as_dict(nginx.get("canaryIngressAnnotations")).items():
        annotations[str(key)] = str(value)
    annotations[f"{prefix}/canary"] = "true"
    annotations[f"{prefix}/canary-weight"] = str(int(weight))
    total = as_dict(canary.get("trafficRouting")).get("maxTrafficWeight")
    if total is not None:
        annotations[f"{prefix}/canary-weight-total"] = str(int(total))
    out_spec: dict[str, Any] = {}
    if spec.get("ingressClassName") is not None:
        out_spec["ingressClassName"] = spec["ingressClassName"]
    if spec.get("tls") is not None:
        out_spec["tls"] = copy.deepcopy(spec["tls"])
    out_spec["rules"] = rules
    namespace = as_dict(rollout.get("metadata")).get("namespace")  # created beside the Rollout
    out_meta: dict[str, Any] = {"name": name}
    if namespace:
        out_meta["namespace"] = str(namespace)
    out_meta["annotations"] = annotations
    out_meta["ownerReferences"] = [owner_reference(rollout)]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": out_meta,
        "spec": out_spec,
    }


@dataclass(frozen=True)
class IngressWrite:
    """One write of ``SetWeight``: the Ingress as it is afterwards, and Argo's event."""

    name: str
    manifest: Manifest
    reason: str
    message: str


def _patched(current: Mapping[str, Any], desired: Manifest) -> Manifest:
    """The canary Ingress after Argo's merge patch: desired annotations win, others the
    Ingress already had are kept (``getDesiredAnnotations``); labels and spec as desired."""
    out = copy.deepcopy(dict(current))
    meta = out["metadata"]  # it holds the controller reference
    merged = dict(desired["metadata"]["annotations"])
    for key, value in as_dict(meta.get("annotations")).items():
        merged.setdefault(key, value)
    meta["annotations"] = merged
    meta.pop("labels", None)
    out["spec"] = desired["spec"]
    return out


def set_weight(
    rollout: Mapping[str, Any], ingresses: Mapping[str, Mapping[str, Any]], weight: int
) -> list[IngressWrite]:
    """``SetWeight``/``SetWeightPerIngress``: create or patch each stable Ingress's canary
    Ingress. ``ingresses`` are the Ingresses of the rollout's namespace by name. An unchanged
    canary Ingress makes no write; the first problem raises :class:`TrafficRoutingError`."""
    rollout_name = str(as_dict(rollout.get("metadata")).get("name") or "")
    writes: list[IngressWrite] = []
    for stable_name in stable_ingresses(rollout):
        canary_name = canary_ingress_name(rollout_name, stable_name)
        stable = ingresses.get(stable_name)
        if stable is None:
            raise TrafficRoutingError(
                f"error retrieving stableIngress `{stable_name}` from cache: "
                f'ingress.networking.k8s.io "{stable_name}" not found'
            )
        desired = desired_canary_ingress(rollout, stable, canary_name, weight)
        current = ingresses.get(canary_name)
        if current is None:
            writes.append(
                IngressWrite(
                    canary_name,
                    desired,
                    "CreatingCanaryIngress",
                    f"Creating canary ingress `{canary_name}` with weight `{weight}`",
                )
            )
            continue
        if not controlled_by(current, rollout):
            raise TrafficRoutingError(
                f"canary ingress `{canary_name}` controlled by different object"
            )
        patched = _patched(current, desired)
        if patched == dict(current):
            continue
        writes.append(
            IngressWrite(
                canary_name,
                patched,
                "PatchingCanaryIngress",
                f"Updating Ingress `{canary_name}` to desiredWeight '{weight}'",
            )
        )
    return writes
