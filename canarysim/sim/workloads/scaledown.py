"""The Rollout's side of a workloadRef in the run: the template followed as the Deployment
changes (:func:`follow_workload_template`), and Argo's ``scaleDeployment`` after a
reconcile: the referenced Deployment's replicas as ``workloadRef.scaleDown`` asks (the rule:
:func:`canarysim.engine.replicas.workloadref.deployment_replicas`), with the Rollout's
status as read when the reconcile began. They read the run through :class:`RunView` (what
the world offers; the hall's ``Wiring`` is not imported here: the hall imports this room)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.workloadref import resolve_workload_ref
from canarysim.engine.model import Plan, RolloutStatus
from canarysim.engine.replicas.workloadref import deployment_replicas
from canarysim.sim.cluster.cluster import Cluster
from canarysim.sim.cluster.templatehash import pod_template_hash, strip_hash_label
from canarysim.sim.workloads.deployments import Deployments


class RunView(Protocol):
    """What these functions read and change of the run (the world implements it)."""

    @property
    def cluster(self) -> Cluster: ...
    @property
    def plan(self) -> Plan: ...
    @property
    def rollout_manifest(self) -> dict[str, Any]: ...
    @property
    def workloads(self) -> Deployments: ...
    @property
    def objects(self) -> Manifests: ...
    @property
    def templates(self) -> dict[str, dict[str, Any]]: ...

    def set_plan(self, plan: Plan) -> None: ...


__all__ = [
    "RunView",
    "deployment_ref",
    "follow_workload_template",
    "new_rs_replicas",
    "scale_down_workload",
]


def new_rs_replicas(world: RunView) -> int:
    """``spec.replicas`` of the Rollout's ReplicaSet for its current template (0: none)."""
    for rs in world.cluster.replica_sets_of(world.plan.name):
        if rs.hash == world.plan.pod_template_hash:
            return rs.replicas
    return 0


def deployment_ref(world: RunView) -> dict[str, Any] | None:
    """The Rollout's ``workloadRef`` when it names a Deployment (else None: no Deployment
    to scale, and :func:`scale_down_workload` does nothing)."""
    ref = (world.rollout_manifest.get("spec") or {}).get("workloadRef")
    if not isinstance(ref, dict) or ref.get("kind") != "Deployment":
        return None
    return ref


def scale_down_workload(world: RunView, before: RolloutStatus, new_rs_before: int) -> None:
    """Scale the Deployment the Rollout references, if the rule says so."""
    ref = deployment_ref(world)
    if ref is None:
        return
    name = str(ref.get("name") or "")
    current = world.workloads.replicas(name)
    if current is None:
        return
    rs = next(
        (
            r
            for r in world.cluster.replica_sets_of(world.plan.name)
            if r.hash == world.plan.pod_template_hash
        ),
        None,
    )
    if rs is None:
        return
    spec_replicas = (world.rollout_manifest.get("spec") or {}).get("replicas")
    target = deployment_replicas(
        str(ref.get("scaleDown") or ""),
        revision=rs.revision,
        phase=before.phase,
        current=current,
        rollout_replicas=None if spec_replicas is None else world.plan.replicas,
        ready=before.ready_replicas,
        new_rs_before=new_rs_before,
        new_rs_after=rs.replicas,
    )
    if target is not None:
        world.workloads.scale(name, target)


def follow_workload_template(world: RunView, rollout: Rollout) -> Plan:
    """The Rollout's template as its workloadRef resolves now (the Deployment applied, edited
    or named anew): a different template is a new pod-template hash, hence a new revision,
    as on a cluster; the plan the world holds afterwards."""
    res = resolve_workload_ref(rollout, world.objects)
    if not res.resolved:
        return world.plan
    template = strip_hash_label((res.rollout.raw.get("spec") or {}).get("template") or {})
    new_hash = pod_template_hash(template)
    if new_hash != world.plan.pod_template_hash:
        world.templates.setdefault(new_hash, template)
        world.set_plan(replace(world.plan, pod_template_hash=new_hash))
    return world.plan
