"""Typed models of the manifests canarysim reads (Argo Rollouts, Istio, Kubernetes core)."""

from canarysim.spec.manifests.analysis import AnalysisTemplate, ClusterAnalysisTemplate, Metric
from canarysim.spec.manifests.argo import CanaryStep, CanaryStrategy, Rollout
from canarysim.spec.manifests.bundle import Manifests
from canarysim.spec.manifests.istio import DestinationRule, Gateway, VirtualService
from canarysim.spec.manifests.k8s import Service

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
