"""The Kubernetes objects of an Experiment: its template ReplicaSets and Services
(``experiments/replicaset.go``, ``experiments/service.go``), and its Result snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from canarysim.result import (
    AnalysisRunSnapshot,
    ReplicaSetSnapshot,
)
from canarysim.sim.cluster.cluster import Cluster
from canarysim.sim.cluster.replicasets import REVISION_ANNOTATION, ReplicaSet
from canarysim.sim.cluster.templatehash import (
    POD_TEMPLATE_HASH_LABEL,
    pod_template_hash,
    strip_hash_label,
    with_api_defaults,
)
from canarysim.sim.experiments.status import TemplateState

if TYPE_CHECKING:
    from canarysim.sim.analysis.analysisrun import AnalysisRun

__all__ = [
    "EXPERIMENT_NAME_ANNOTATION",
    "TEMPLATE_NAME_ANNOTATION",
    "create_template_replica_set",
    "delete_template_service",
    "ensure_template_service",
    "run_snapshot",
    "template_replica_set_snapshot",
]

EXPERIMENT_NAME_ANNOTATION = "experiment.argoproj.io/name"
TEMPLATE_NAME_ANNOTATION = "experiment.argoproj.io/template-name"


def create_template_replica_set(
    cluster: Cluster, experiment: str, t: TemplateState, source: ReplicaSet
) -> ReplicaSet:
    """``newReplicaSetFromTemplate``: the source ReplicaSet's pod template (hash label
    dropped) plus the step's ``metadata`` labels and annotations, hashed afresh in the form
    the API server stored it (:func:`with_api_defaults`); name
    ``<experiment>-<template>``; selector the step's ``selector`` or the source's, plus the
    metadata labels and the new hash; ``minReadySeconds`` of the source; 0 replicas."""
    template = strip_hash_label(source.template)
    meta = template.setdefault("metadata", {})
    if t.selector is not None:
        selector = dict(t.selector)
    else:
        selector = {k: v for k, v in source.selector.items() if k != POD_TEMPLATE_HASH_LABEL}
    labels = {str(k): str(v) for k, v in (t.metadata.get("labels") or {}).items()}
    if labels:
        meta["labels"] = {**(meta.get("labels") or {}), **labels}
        selector.update(labels)
    annotations = {str(k): str(v) for k, v in (t.metadata.get("annotations") or {}).items()}
    if annotations:
        meta["annotations"] = {**(meta.get("annotations") or {}), **annotations}
    if not meta:
        del template["metadata"]
    # The template Argo copies is the source ReplicaSet's as the API server stored it, with
    # Kubernetes' pod defaults filled in, so its hash is never the source's (issue 380); we
    # keep templates as written and hash the stored form here.
    rs = cluster.create_replica_set(
        experiment,
        template,
        revision=0,
        min_ready_seconds=source.min_ready_seconds,
        selector=selector,
        annotations={EXPERIMENT_NAME_ANNOTATION: experiment, TEMPLATE_NAME_ANNOTATION: t.name},
        pod_hash=pod_template_hash(with_api_defaults(template)),
    )
    # The cluster names ReplicaSets <owner>-<hash>; an Experiment's carry no hash and no
    # revision annotation. Renamed before it has pods, so pod names follow the new name.
    del cluster.replica_sets[rs.name]
    rs.name = f"{experiment}-{t.name}"
    rs.annotations.pop(REVISION_ANNOTATION, None)
    cluster.replica_sets[rs.name] = rs
    return rs


def ensure_template_service(
    cluster: Cluster, namespace: str, t: TemplateState, rs: ReplicaSet
) -> None:
    """``createTemplateService``: a Service named after the ReplicaSet (or ``service.name``)
    selecting only the template's hash, one port per container port (port = targetPort =
    containerPort). No container ports, no Service (and so no router destination)."""
    if t.service_name:
        return
    ports = []
    for ctr in (rs.template.get("spec") or {}).get("containers") or []:
        for p in ctr.get("ports") or []:
            port: dict[str, Any] = {
                "port": int(p["containerPort"]),
                "targetPort": int(p["containerPort"]),
                "protocol": str(p.get("protocol", "TCP")),
            }
            if p.get("name"):
                port["name"] = str(p["name"])
            ports.append(port)
    if not ports:
        return
    name = t.service_name_wanted or rs.name
    cluster.add_service(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": {POD_TEMPLATE_HASH_LABEL: rs.hash}, "ports": ports},
        }
    )
    t.service_name, t.pod_template_hash = name, rs.hash


def delete_template_service(cluster: Cluster, t: TemplateState) -> None:
    """``deleteTemplateService``: once the template is scaled down and nothing is available."""
    if not t.service_name:
        return
    cluster.services.by_name.pop(t.service_name, None)
    cluster.feed.record(f"Service/{t.service_name}", "deleted", True, informer=True)
    t.service_name, t.pod_template_hash = "", ""


def run_snapshot(run: AnalysisRun, revision: int) -> AnalysisRunSnapshot:
    tallies = [m.tally for m in run.metrics.values()]
    return AnalysisRunSnapshot(
        name=run.name,
        phase=run.phase.value,
        revision=revision,
        successful=sum(t.successful for t in tallies),
        failed=sum(t.failed for t in tallies),
        inconclusive=sum(t.inconclusive for t in tallies),
        errors=sum(t.error for t in tallies),
        message=run.message,
    )


def template_replica_set_snapshot(t: TemplateState, rs: ReplicaSet) -> ReplicaSetSnapshot:
    """The ReplicaSet as the Result shows it; ``role`` is the template's name."""
    d: dict[str, Any] = rs.snapshot(pod_snapshots=True)
    return ReplicaSetSnapshot(**d, role=t.name)
