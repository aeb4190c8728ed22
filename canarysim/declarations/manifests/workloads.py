"""Workloads a Rollout can take its pod template from (``spec.workloadRef``).

Only ``apps/v1`` Deployments are modelled: Argo resolves a workloadRef to a Deployment, a
ReplicaSet or a PodTemplate (``rollout/templateref.go``, ``infoByGroupKind``); canarysim
simulates the Deployment, the one its end-to-end tests and migration guide use.
"""

from __future__ import annotations

from pydantic import Field

from canarysim.declarations.manifests.base import Int32, ManifestModel, Resource
from canarysim.declarations.manifests.k8s import LabelSelector, PodTemplateSpec

__all__ = ["Deployment", "DeploymentSpec", "WorkloadRef"]


class DeploymentSpec(ManifestModel):
    """``apps/v1`` DeploymentSpec: what the Rollout resolves (template, selector) and how many
    pods the Deployment itself runs (``replicas``, 1 when left out)."""

    KNOWN = frozenset(
        {"strategy", "revisionHistoryLimit", "progressDeadlineSeconds", "minReadySeconds"}
    )
    UNSUPPORTED = frozenset({"paused"})

    replicas: Int32 | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)


class Deployment(Resource):
    """``apps/v1`` Deployment: the workload a Rollout's ``workloadRef`` names."""

    spec: DeploymentSpec = Field(default_factory=DeploymentSpec)

    @property
    def replicas(self) -> int:
        return 1 if self.spec.replicas is None else int(self.spec.replicas)


class WorkloadRef(ManifestModel):
    """``spec.workloadRef`` (Argo's ``ObjectRef``): the workload and what happens to it once
    the Rollout runs (``scaleDown``: ``onsuccess``, ``progressively``; anything else, ``never``
    included, leaves it alone: the CRD types it as a free string)."""

    api_version: str = ""
    kind: str = ""
    name: str = ""
    scale_down: str = ""
