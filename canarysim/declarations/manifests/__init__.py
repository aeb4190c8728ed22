"""Typed models of the manifests canarysim reads (Argo Rollouts, Istio, Kubernetes core).

The models of analysis templates (and of the other routers' objects, in their own modules)
are defined when first needed (PEP 562 here, by kind in :mod:`canarysim.declarations.load`):
a scenario without them never pays for their classes.
"""

from typing import Any

from canarysim.declarations.manifests.argo import CanaryStep, CanaryStrategy, Rollout
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.manifests.istio import DestinationRule, Gateway, VirtualService
from canarysim.declarations.manifests.k8s import Service

__all__ = [
    "AnalysisTemplate",
    "CanaryStep",
    "CanaryStrategy",
    "ClusterAnalysisTemplate",
    "DestinationRule",
    "Gateway",
    "Manifests",
    "Metric",
    "Rollout",
    "Service",
    "VirtualService",
]

_ANALYSIS = ("AnalysisTemplate", "ClusterAnalysisTemplate", "Metric")


def __getattr__(name: str) -> Any:
    if name in _ANALYSIS:
        from canarysim.declarations.manifests import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
