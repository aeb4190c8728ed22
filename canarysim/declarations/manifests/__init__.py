"""Typed models of the manifests canarysim reads (Argo Rollouts, Istio, Kubernetes core)."""

from canarysim.declarations.manifests.analysis import (
    AnalysisTemplate,
    ClusterAnalysisTemplate,
    Metric,
)
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
