"""The controller's loop: observe the world, call ``engine.decide``, apply the Decision
(:mod:`.actions`), sleep until an informer, a requeue or the resync wakes it (see the
room's docstring)."""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

import simpy
from simpy.events import PENDING

from canarysim.declarations import first_invalid_message, to_plan
from canarysim.declarations.patch import patched_rollout
from canarysim.engine.model import (
    AnalysisRunView,
    Condition,
    EmitEvent,
    Observation,
    Plan,
    RolloutStatus,
)
from canarysim.engine.rollout import decide
from canarysim.engine.rollout.status import rollout_phase
from canarysim.errors import ScenarioError, SimulationError, TrafficRoutingError
from canarysim.sim.cluster.replicasets import DESIRED_REPLICAS_ANNOTATION
from canarysim.sim.cluster.templatehash import POD_TEMPLATE_HASH_LABEL
from canarysim.sim.cluster.views import engine_view
from canarysim.sim.controller.actions import DecisionApplier
from canarysim.sim.workloads.scaledown import (
    deployment_ref,
    follow_workload_template,
    new_rs_replicas,
    scale_down_workload,
)

if TYPE_CHECKING:
    from canarysim.declarations.manifests.argo import Rollout
    from canarysim.declarations.manifests.bundle import Manifests
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

_VALIDATIONS: dict[tuple[int, str, str], tuple[Manifests, Rollout, str | None]] = {}
"""Validations of Rollout manifests against the loaded objects, by (id of the loaded
manifests, namespace, the manifest's text); see :func:`_validation`."""
_VALIDATIONS_KEPT = 16


def _validation(world: Wiring) -> tuple[Rollout, str | None]:
    """The Rollout manifest as the API server holds it now, loaded, and its InvalidSpec
    message against the cluster's objects.

    While no object was applied or deleted, those objects are the loaded manifests (read-only
    by contract), so the answer depends on the manifest's content alone: a spec edit the
    scenario schedules (``set image`` at some time) gives the same manifest in every run of
    the scenario, whatever its seed, and is loaded and validated once. The text of a manifest
    (its ``repr``: types, key order and values) is its key only when it holds plain JSON
    values (``json.dumps`` refuses anything else), whose ``repr`` is exact."""
    manifest = world.rollout_manifest
    key = None
    manifests = world.scenario.manifests
    if world.objects_version == 0:
        try:
            json.dumps(manifest, allow_nan=True)
        except (TypeError, ValueError):
            pass
        else:
            key = (id(manifests), world.namespace, repr(manifest))
            kept = _VALIDATIONS.get(key)
            if kept is not None and kept[0] is manifests:
                return kept[1], kept[2]
    rollout = patched_rollout(manifest, {}, namespace=world.namespace)
    message = first_invalid_message(rollout, world.objects)
    if key is not None:
        if len(_VALIDATIONS) >= _VALIDATIONS_KEPT:
            _VALIDATIONS.clear()  # (whole: one step, safe while other threads add theirs)
        _VALIDATIONS[key] = (manifests, rollout, message)
    return rollout, message


def _first_of(
    env: simpy.Environment, timeout: simpy.Event, changed: simpy.Event, wake: simpy.Event
) -> simpy.Event:
    """``timeout | changed | wake`` without SimPy's two Condition objects, scheduled exactly
    as they are (the order of the instant's events, hence the run, stays the same):

    the inner condition ``timeout | changed`` is scheduled (``succeed``) when the first of
    the two is processed, the outer one when the inner is processed or when ``wake`` is, each
    at most once; the process resumes when the outer is processed. Each check is appended to
    its event's callbacks where the Condition's would be (inner first, then the outer's on
    the inner and on ``wake``) and taken off the pending events once the outer is processed,
    as ``Condition._remove_check_callbacks`` does. The value sent to the process is None
    (the loop does not read it)."""
    inner = simpy.Event(env)
    outer = simpy.Event(env)

    def inner_check(_event: simpy.Event) -> None:
        if inner._value is PENDING:
            inner.succeed()

    def outer_check(_event: simpy.Event) -> None:
        if outer._value is PENDING:
            outer.succeed()

    def done(_event: simpy.Event) -> None:
        for event, check in ((wake, outer_check), (timeout, inner_check), (changed, inner_check)):
            callbacks = event.callbacks
            if callbacks and check in callbacks:
                callbacks.remove(check)

    for event in (timeout, changed):
        if event.callbacks is None:
            inner_check(event)
        else:
            event.callbacks.append(inner_check)
    assert inner.callbacks is not None and outer.callbacks is not None
    inner.callbacks.append(outer_check)
    if wake.callbacks is None:
        outer_check(wake)
    else:
        wake.callbacks.append(outer_check)
    outer.callbacks.append(done)
    return outer


class Controller(DecisionApplier):
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
                # (the new ReplicaSet's replicas before the reconcile: read only when a
                # Deployment is referenced, the only case scale_down_workload looks at them)
                before = self.status
                new_rs_before = new_rs_replicas(world) if deployment_ref(world) is not None else 0
                requeue = self.reconcile()
                scale_down_workload(world, before, new_rs_before)
            world.observe()
            if requeue == 0.0:
                yield self.env.timeout(0)
                continue
            to_resync = RESYNC_PERIOD - (now % RESYNC_PERIOD)
            wait = to_resync if requeue is None else min(requeue, to_resync)
            yield _first_of(self.env, self.env.timeout(wait), world.cluster.changed, self._wake)

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
            rollout, message = _validation(world)
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
        # A ReplicaSet that did not change since the last look keeps its (immutable) view.
        views = [engine_view(rs) for rs in world.cluster.replica_sets_of(plan.name)]
        extra: dict[str, Any] = {}
        if "canary_service_hash" in _OBSERVATION_FIELDS:
            extra["canary_service_hash"] = self._service_hash(plan.canary_service)
            extra["stable_service_hash"] = self._service_hash(plan.stable_service)
        if plan.blue_green is not None:
            extra["active_service_hash"] = self._service_hash(plan.blue_green.active_service)
            extra["preview_service_hash"] = self._service_hash(plan.blue_green.preview_service)
        # isReplicaSetReferencedByIstioDestinationRule (rollout/replicaset.go): the canary's
        # Istio DestinationRule (getIstioDestinationRuleSpec: a canary's only; none without one)
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
        views = runs.views()
        if not self.deleted_runs:
            return views
        return tuple(v for v in views if v.name not in self.deleted_runs)

    def _service_hash(self, name: str) -> str:
        svc = self.world.cluster.services.by_name.get(name) if name else None
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
