"""Applying a Decision: each engine action as the world carries it out (ReplicaSets, Services,
the routers' writes and the events they record, AnalysisRuns, Experiments), for the
:class:`~canarysim.sim.controller.loop.Controller`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from canarysim.engine.model import (
    AnnotateReplicaSet,
    CreateReplicaSet,
    Decision,
    DeleteReplicaSet,
    EmitEvent,
    EvictPods,
    Plan,
    RemoveManagedRoutes,
    RolloutStatus,
    ScaleReplicaSet,
    SetReplicaSetRevision,
    SetServiceSelector,
    SetTrafficHeaderRoute,
    SetTrafficMirrorRoute,
    SetTrafficWeight,
    StartAnalysisRun,
    StartExperiment,
    SyncEphemeralMetadata,
    TerminateAnalysisRun,
    TerminateExperiment,
    UpdateTrafficHash,
)
from canarysim.errors import SimulationError, TrafficRoutingError

if TYPE_CHECKING:
    from canarysim.sim.wiring import Wiring

__all__ = ["DecisionApplier"]


class DecisionApplier:
    """What the controller does with a Decision's actions (a part of the
    :class:`~canarysim.sim.controller.loop.Controller`, which holds the state below)."""

    world: Wiring
    env: simpy.Environment
    status: RolloutStatus
    last_verdict: tuple[str, str] | None
    retry_events: set[tuple[str, str]]
    deleted_runs: set[str]

    def _router_events(self) -> None:
        """Events a router's reconciler recorded (e.g. NGINX's CreatingCanaryIngress)."""
        mesh = self.world.mesh
        for reason, message in mesh.events:
            self.world.recorder.event(
                self.env.now, "Normal", f"Rollout/{self.world.plan.name}", reason, message
            )
        mesh.events.clear()
        for reason, message in mesh.warnings:
            self.world.recorder.event(
                self.env.now, "Warning", f"Rollout/{self.world.plan.name}", reason, message
            )
        mesh.warnings.clear()

    def _update_hash(self, action: UpdateTrafficHash, decision: Decision) -> None:
        """A router's ``UpdateHash`` (Istio's DestinationRule subsets, App Mesh's VirtualNode
        pod selectors), with the ReplicaSets the Istio delay reads."""
        world = self.world
        world.mesh.update_hash(
            action.canary_hash,
            action.stable_hash,
            action.additional,
            replica_sets=lambda: [
                {
                    "name": rs.name,
                    "hash": rs.hash,
                    "replicas": rs.replicas,
                    "available": rs.status.available,
                }
                for rs in world.cluster.replica_sets_of(world.plan.name)
            ],
            aborting=decision.status.abort,
        )

    def _apply(self, decision: Decision) -> None:
        world = self.world
        cluster = world.cluster
        plan = world.plan
        name = plan.name
        if plan.ping_service:
            # The Istio reconciler reads status.canary.stablePingPong of the Rollout as read
            # at the start of the reconcile (trafficrouting.GetStableAndCanaryServices).
            world.mesh.set_stable_ping_pong(self.status.stable_ping_pong)
        for action in decision.actions:
            if isinstance(action, EmitEvent):
                # VerifyWeight records its verdict on every reconcile, and a failing reconcile
                # repeats its events on every retry; the API server's event correlator folds
                # such repeats into the same Event (count + 1).
                seen = (action.reason, action.message)
                if action.reason in _FOLDED:
                    if self.last_verdict == seen:
                        continue
                    self.last_verdict = seen
                elif seen in self.retry_events:
                    continue
                world.recorder.event(
                    self.env.now, action.type, f"Rollout/{name}", action.reason, action.message
                )
            # (the action kinds are disjoint classes: these two, written on every reconcile of a
            # routed canary, are tested first only to be found sooner)
            elif isinstance(action, UpdateTrafficHash):
                try:
                    self._update_hash(action, decision)
                finally:
                    self._router_events()
            elif isinstance(action, SetTrafficWeight):
                try:
                    world.mesh.set_weight(action.canary, action.additional)
                    self._router_events()
                except TrafficRoutingError as err:
                    self._router_events()
                    world.recorder.event(
                        self.env.now, "Warning", f"Rollout/{name}", "TrafficRoutingError", str(err)
                    )
                    raise
            elif isinstance(action, CreateReplicaSet):
                template = world.templates.get(action.hash)
                if template is None:
                    raise SimulationError(f"no pod template known for hash {action.hash!r}")
                rs = cluster.create_replica_set(
                    name,
                    template,
                    revision=action.revision,
                    replicas=action.replicas,
                    min_ready_seconds=action.min_ready_seconds,
                    selector=world.selector,
                    rollout_replicas=action.rollout_replicas,
                )
                if rs.hash != action.hash:
                    raise SimulationError(
                        f"pod template hash mismatch: engine {action.hash}, cluster {rs.hash}"
                    )
            elif isinstance(action, ScaleReplicaSet):
                rs = cluster.replica_set(action.hash, name)
                rs.scale_to(action.replicas, rollout_replicas=action.rollout_replicas)
            elif isinstance(action, AnnotateReplicaSet):
                cluster.replica_set(action.hash, name).set_scale_down_deadline(
                    action.scale_down_deadline
                )
            elif isinstance(action, SetReplicaSetRevision):
                cluster.replica_set(action.hash, name).set_revision(action.revision)
            elif isinstance(action, DeleteReplicaSet):
                rs = cluster.replica_set(action.hash, name)
                cluster.delete_replica_set(rs)
                if world.analysis is not None:
                    self.deleted_runs.update(
                        r.name for r in world.analysis.views() if r.pod_template_hash == action.hash
                    )
            elif isinstance(action, EvictPods):
                cluster.evict(cluster.replica_set(action.hash, name), action.count, action.before)
            elif isinstance(action, SyncEphemeralMetadata):
                md = action.metadata
                desired = (
                    None
                    if md is None
                    else {"labels": dict(md.labels), "annotations": dict(md.annotations)}
                )
                cluster.sync_ephemeral_metadata(cluster.replica_set(action.hash, name), desired)
            elif isinstance(action, SetServiceSelector):
                svc = _service_of(plan, action.role)
                if svc in cluster.services:
                    # switchServiceSelector writes the hash as it is: an empty one selects
                    # no pod (rollout/service.go has no guard against it)
                    cluster.set_selector_hash(svc, action.hash)
            elif isinstance(action, SetTrafficHeaderRoute):
                world.mesh.set_header_route(action.name, action.match)
            elif isinstance(action, SetTrafficMirrorRoute):
                world.mesh.set_mirror_route(action.name, action.match, action.percentage)
            elif isinstance(action, RemoveManagedRoutes):
                world.mesh.remove_managed_routes()
            elif isinstance(action, StartAnalysisRun):
                world.start_analysis(action)
            elif isinstance(action, TerminateAnalysisRun):
                if world.analysis is not None:
                    world.analysis.terminate(action.name)
            elif isinstance(action, StartExperiment):
                world.experiments.start(action)
            elif isinstance(action, TerminateExperiment):
                world.experiments.terminate(action.name)
            else:  # pragma: no cover - a new action kind the controller does not know
                raise SimulationError(f"unknown engine action {action!r}")


_FOLDED = frozenset({"TargetGroupVerified", "TargetGroupUnverified"})


def _service_of(plan: Plan, role: str) -> str:
    """The Service a selector switch is about: canary/stable, pingPong's ping/pong, or
    blue-green active/preview."""
    if role == "ping":
        return plan.ping_service
    if role == "pong":
        return plan.pong_service
    bg = plan.blue_green
    if role == "active":
        return bg.active_service if bg is not None else ""
    if role == "preview":
        return bg.preview_service if bg is not None else ""
    return plan.canary_service if role == "canary" else plan.stable_service
