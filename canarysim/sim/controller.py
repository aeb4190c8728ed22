"""The rollout controller: the only place where ``engine.decide`` meets SimPy.

One loop, as Argo's workqueue runs it for one Rollout: build an
:class:`~canarysim.engine.model.Observation` from the world, call ``decide``, apply the
Decision's actions to the cluster, the mesh and the analysis runtime, then sleep until
something an informer would report happens (``cluster.changed``: a ReplicaSet or Service
changed; a run changed; an operator command), the engine's own ``requeue_after`` (pause end,
scale-down deadline, progress deadline) or Argo's periodic resync (15 minutes,
``controller.DefaultRolloutResyncPeriod``). There is no polling with a small fixed step.

A reconcile whose traffic-routing writes fail (``TrafficRoutingError``) stops there, keeps the
previous status (Argo does not persist a failed reconcile) and is retried with Argo's
workqueue back-off (``utils/queue::DefaultArgoRolloutsRateLimiter``: 1 ms doubling, at most
10 s).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

import simpy

from canarysim.declarations import first_invalid_message, to_plan
from canarysim.declarations.patch import patched_rollout
from canarysim.engine.model import (
    AnalysisRunView,
    AnnotateReplicaSet,
    Condition,
    CreateReplicaSet,
    Decision,
    DeleteReplicaSet,
    EmitEvent,
    EvictPods,
    Observation,
    Plan,
    RemoveManagedRoutes,
    ReplicaSetView,
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
from canarysim.engine.rollout import decide
from canarysim.engine.rollout.status import rollout_phase
from canarysim.errors import ScenarioError, SimulationError, TrafficRoutingError
from canarysim.sim.cluster.replicasets import DESIRED_REPLICAS_ANNOTATION
from canarysim.sim.cluster.templatehash import POD_TEMPLATE_HASH_LABEL
from canarysim.sim.workloads.scaledown import (
    follow_workload_template,
    new_rs_replicas,
    scale_down_workload,
)

if TYPE_CHECKING:
    from canarysim.sim.wiring import Wiring

__all__ = ["DESIRED_REPLICAS_ANNOTATION", "RESYNC_PERIOD", "Controller"]

RESYNC_PERIOD = 15 * 60.0
"""``controller.DefaultRolloutResyncPeriod`` (seconds)."""
INVALID_REQUEUE = 20.0
"""A Rollout that fails validation is looked at again this much later (``rollout/
controller.go::syncHandler``: ``enqueueRolloutAfter(..., 20*time.Second)``, because "the
error condition might be timing related (e.g. the Rollout was applied before the Service)")."""
BACKOFF_BASE = 0.001
BACKOFF_MAX = 10.0
MAX_RECONCILES_PER_INSTANT = 500
_OBSERVATION_FIELDS = {f.name for f in fields(Observation)}


class Controller:
    """Reconciles the world's Rollout with :func:`canarysim.engine.rollout.canary.decide`."""

    def __init__(self, world: Wiring) -> None:
        self.world = world
        self.env: simpy.Environment = world.env
        self.status = RolloutStatus()
        self.reconciles = 0
        self.failures = 0
        self.last_verdict: tuple[str, str] | None = None
        self.retry_events: set[tuple[str, str]] = set()
        """Events of reconciles that returned an error, folded while they repeat."""
        self._wake = self.env.event()
        self.deleted_runs: set[str] = set()
        #: (plan, objects version, InvalidSpec message) of the last validation.
        self._validated: tuple[Plan, int, str | None] | None = None
        self.process = self.env.process(self._run())

    # -- wake-ups --------------------------------------------------------------------------
    def wake(self) -> None:
        """Something the controller watches changed (a command, a run, the spec)."""
        if not self._wake.triggered:
            self._wake.succeed()

    # -- the loop --------------------------------------------------------------------------
    def _run(self) -> Generator[simpy.Event, Any, None]:
        world = self.world
        # The informer's AddFunc (rollout/controller.go): the first event of every Rollout the
        # controller starts watching, valid spec or not.
        name = world.plan.name
        world.recorder.event(
            self.env.now,
            "Normal",
            f"Rollout/{name}",
            "RolloutAddedToInformer",
            f"Rollout resource added to informer: {world.namespace}/{name}",
        )
        last_now, same_instant = -1.0, 0
        while True:
            now = self.env.now
            same_instant = same_instant + 1 if now == last_now else 0
            last_now = now
            if same_instant > MAX_RECONCILES_PER_INSTANT:
                raise SimulationError(
                    f"the rollout controller did not settle at t={now:g}s: "
                    f"{same_instant} reconciles in a row changed something (engine bug?)"
                )
            self._see_workload_generation()
            self._wake = self.env.event()
            message = self._invalid_message()
            if message is not None:
                self._invalid(message)
                requeue: float | None = INVALID_REQUEUE
            else:
                self._valid_again()
                before, new_rs_before = self.status, new_rs_replicas(world)
                requeue = self.reconcile()
                scale_down_workload(world, before, new_rs_before)
            world.observe()
            if requeue == 0.0:
                yield self.env.timeout(0)
                continue
            to_resync = RESYNC_PERIOD - (now % RESYNC_PERIOD)
            wait = to_resync if requeue is None else min(requeue, to_resync)
            yield self.env.timeout(wait) | world.cluster.changed | self._wake

    def _see_workload_generation(self) -> None:
        """The ``rollout.argoproj.io/workload-generation`` annotation: the generation of the
        Deployment the Rollout's workloadRef names, as it is now (None without a workloadRef,
        with an inline template, or while the Deployment is missing)."""
        world = self.world
        spec = world.rollout_manifest.get("spec") or {}
        ref = spec.get("workloadRef") or {}
        live = None
        if ref.get("kind") == "Deployment" and not spec.get("template"):
            live = world.workloads.by_name.get(str(ref.get("name") or ""))
        gen = live.generation if live is not None else None
        if gen != world.plan.workload_generation:
            world.set_plan(replace(world.plan, workload_generation=gen))

    def _invalid_message(self) -> str | None:
        """``getRolloutValidationErrors`` at this reconcile: the Rollout's spec, then the
        objects it references as they are now (``apply``/``delete`` change them). Worked out
        again only when the spec or the objects changed."""
        world = self.world
        plan, version = world.plan, world.objects_version
        seen = self._validated
        if seen is not None and seen[0] is plan and seen[1] == version:
            return seen[2]
        if seen is None and version == 0:
            message = world.invalid_message  # the scenario as loaded: validated at build
        else:
            rollout = patched_rollout(world.rollout_manifest, {}, namespace=world.namespace)
            message = first_invalid_message(rollout, world.objects)
            plan = follow_workload_template(world, rollout)
        self._validated = (plan, version, message)
        return message

    def _valid_again(self) -> None:
        """``calculateBaseStatus`` drops the InvalidSpec condition once the Rollout validates;
        the spec is read again (a Rollout invalid from the start had a bare plan)."""
        if self.status.condition("InvalidSpec") is None:
            return
        world = self.world
        kept = tuple(c for c in self.status.conditions if c.type != "InvalidSpec")
        self.status = replace(self.status, conditions=kept)
        plan = world.plan
        try:
            rollout = patched_rollout(world.rollout_manifest, {}, namespace=world.namespace)
            fresh = to_plan(
                rollout,
                pod_template_hash=plan.pod_template_hash,
                generation=plan.generation,
                replicas=plan.replicas,
                paused=plan.paused,
                restart_at=plan.restart_at,
            )
        except ScenarioError as exc:
            world.warn(f"t={self.env.now:g}s: the Rollout validates again but: {exc}")
            return
        if fresh != plan:
            world.set_plan(fresh)
            self._validated = (fresh, world.objects_version, None)

    def _invalid(self, message: str) -> None:
        """``createInvalidRolloutCondition``: Degraded with the InvalidSpec condition, and no
        ReplicaSet is ever created. Its ``patchCondition`` (rollout/sync.go) also writes
        ``status.observedGeneration``, so a client waiting for the spec to be observed sees
        the Degraded phase instead of waiting forever."""
        now = self.env.now
        cond = self.status.condition("InvalidSpec")
        if cond is None or cond.message != message:
            cond = Condition("InvalidSpec", "True", "InvalidSpec", message, now, now)
        # SetRolloutCondition: the other conditions stay (a Rollout can turn invalid mid-run).
        others = tuple(c for c in self.status.conditions if c.type != "InvalidSpec")
        status = replace(
            self.status,
            conditions=(*others, cond),
            observed_generation=self.world.plan.generation,
        )
        if status == self.status:
            return
        phase, msg = rollout_phase(self.world.plan, status)
        self.status = replace(status, phase=phase, message=msg)
        self.world.observe()

    def observation(self) -> Observation:
        """What the controller's informers show now."""
        world = self.world
        plan = world.plan
        views = []
        for rs in world.cluster.replica_sets_of(plan.name):
            views.append(ReplicaSetView(**rs.view()))
        extra: dict[str, Any] = {}
        if "canary_service_hash" in _OBSERVATION_FIELDS:
            extra["canary_service_hash"] = self._service_hash(plan.canary_service)
            extra["stable_service_hash"] = self._service_hash(plan.stable_service)
        if plan.blue_green is not None:
            extra["active_service_hash"] = self._service_hash(plan.blue_green.active_service)
            extra["preview_service_hash"] = self._service_hash(plan.blue_green.preview_service)
            extra["destination_rule_hashes"] = world.mesh.destination_rule_hashes()
        if plan.ping_service:
            extra["ping_service_hash"] = self._service_hash(plan.ping_service)
            extra["pong_service_hash"] = self._service_hash(plan.pong_service)
        balancers = world.mesh.balancers
        if balancers is not None and world.scenario.aws.verify:
            extra["alb"] = balancers.view()
        groups = world.mesh.target_groups
        if groups is not None and world.scenario.aws.verify:
            extra["target_groups"] = groups.view([v.hash for v in views])
        return Observation(
            now=self.env.now,
            replica_sets=tuple(views),
            analysis_runs=self.analysis_views(),
            experiments=world.experiments.views(),
            commands=tuple(world.commands),
            disruption_budgets=world.cluster.budgets.views(
                world.cluster.pods.values(), world.cluster.replica_sets, plan.name
            ),
            **extra,
        )

    def analysis_views(self) -> tuple[AnalysisRunView, ...]:
        runs = self.world.analysis
        if runs is None:
            return ()
        return tuple(v for v in runs.views() if v.name not in self.deleted_runs)

    def _service_hash(self, name: str) -> str:
        cluster = self.world.cluster
        svc = cluster.service(name) if name and name in cluster.services else None
        if svc is None or not svc.selector:
            return ""
        return str(svc.selector.get(POD_TEMPLATE_HASH_LABEL, ""))

    def reconcile(self) -> float | None:
        """One reconcile; returns ``requeue_after`` (0: look again now)."""
        world = self.world
        obs = self.observation()
        decision = decide(world.plan, self.status, obs)
        self.reconciles += 1
        try:
            self._apply(decision)
        except TrafficRoutingError as err:
            # Argo's reconcile returns the error: no status patch; the CLI's status patches
            # (promote, abort, ...) are already on the object, so they are kept pending.
            self.failures += 1
            world.trace("TrafficRoutingError", str(err))
            return float(min(BACKOFF_BASE * 2.0 ** (self.failures - 1), BACKOFF_MAX))
        if decision.error:
            # The reconcile returned an error after its writes (an unverified ALB weight at
            # the end of an update): same back-off, the status read stays.
            self.retry_events.update(
                (a.reason, a.message) for a in decision.actions if isinstance(a, EmitEvent)
            )
            self.failures += 1
            world.trace("ReconcileError", decision.error)
            return float(min(BACKOFF_BASE * 2.0 ** (self.failures - 1), BACKOFF_MAX))
        del world.commands[: len(obs.commands)]
        self.failures = 0
        self.retry_events.clear()
        self.status = decision.status
        return None if decision.requeue_after is None else float(decision.requeue_after)

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
            replica_sets=[
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

    # -- applying actions ------------------------------------------------------------------
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
                rs = cluster.replica_set(action.hash, name)
                victims = sorted(
                    (p for p in rs.active_pods() if p.created < action.before),
                    key=lambda p: (p.created, p.name),
                )[: action.count]
                for pod in victims:
                    cluster.delete_pod(pod)
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
                    cluster.set_selector_hash(svc, action.hash or None)
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
