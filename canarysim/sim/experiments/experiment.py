"""One Experiment of a canary ``experiment`` step, reconciled as Argo's Experiment controller
reconciles it.

The rollout engine only names, starts and terminates an Experiment (``StartExperiment`` /
``TerminateExperiment``) and reacts to its phase (``rollout/experiment.go``). This module is
the other controller (``experiments/experiment.go``), one SimPy process per Experiment:

* one ReplicaSet per template, named ``<experiment>-<template>``
  (``experiments/replicaset.go::newReplicaSetFromTemplate``), from the stable or canary
  ReplicaSet's pod template plus the step's ``metadata``; its ``rollouts-pod-template-hash``
  is the hash of that template as the API server stored it in the ReplicaSet, Kubernetes' pod
  defaults filled in, so it never equals the hash of the ReplicaSet it copies and the
  Rollout's Services never select an Experiment's pods (argo-rollouts issue 380). Created
  with 0 replicas, scaled to ``replicas``
  (default 1) on the next reconcile.
* template status ``Progressing`` until every pod is available, then ``Running``;
  ``Failed`` with "Template '<t>' exceeded its progressDeadlineSeconds (<n>)" when it
  stays short of its replicas for ``progressDeadlineSeconds`` (the rollout's) after its
  last change.
* the Experiment is ``Pending`` until all templates run (``status.availableAt``), then
  ``Running``; one AnalysisRun ``<experiment>-<analysis>`` per ``analyses`` entry starts
  once it is available; a Failed/Error/Inconclusive run ends it early with that phase and
  the run's message (``calculateStatus``/``assessAnalysisRuns``); ``duration`` counts from
  ``availableAt``; ``requiredForCompletion`` runs decide the end when given.
* once finished (or terminated) it terminates its runs and scales its ReplicaSets to 0
  after the ``scale-down-deadline`` (``scaleDownDelaySeconds``, 30 s by default).
* templates with ``weight`` or ``service`` get a Service (selector: the template's hash,
  ports: its containers' ports); its weight goes to the router while the Experiment is
  Running (the rollout engine reads :meth:`Experiment.view`).

The controller that runs every Experiment of a world and their AnalysisRuns is
:mod:`canarysim.sim.experiments.runtime`; an Experiment reaches it through
:class:`ExperimentOwner`.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Protocol

import simpy

from canarysim.engine.model import ExperimentView, StartExperiment
from canarysim.engine.model import WeightDestination as Weight
from canarysim.result import ExperimentSnapshot
from canarysim.sim.analysis.runs import AnalysisController
from canarysim.sim.cluster.replicasets import ReplicaSet
from canarysim.sim.experiments.resources import (
    create_template_replica_set,
    delete_template_service,
    ensure_template_service,
    run_snapshot,
    template_replica_set_snapshot,
)
from canarysim.sim.experiments.status import (
    COMPLETED,
    AnalysisState,
    TemplateState,
    experiment_phase,
    required_successful,
    resolve_args,
    template_from_step,
)

if TYPE_CHECKING:
    from canarysim.sim.wiring import Wiring

__all__ = ["DEFAULT_SCALE_DOWN_DELAY", "Experiment", "ExperimentOwner"]

DEFAULT_SCALE_DOWN_DELAY = 30.0
"""``defaults.DefaultExperimentScaleDownDelaySeconds``."""


class ExperimentOwner(Protocol):
    """What an Experiment needs of the controller that runs it: the world, the AnalysisRuns'
    controller, events, starting a run, and telling the rollout's informer of a change."""

    world: Wiring
    analysis: AnalysisController

    def event(self, ex: Experiment, kind: str, reason: str, message: str) -> None: ...

    def start_run(
        self, ex: Experiment, a: AnalysisState, args: tuple[dict[str, Any], ...]
    ) -> None: ...

    def changed(self) -> None: ...


class Experiment:
    """One Experiment of a rollout's ``experiment`` step (see the module doc)."""

    def __init__(self, owner: ExperimentOwner, action: StartExperiment) -> None:
        self.owner = owner
        self.world = owner.world
        self.env: simpy.Environment = owner.world.env
        self.action = action
        self.name = action.name
        self.created = self.env.now
        self.duration = action.spec.duration
        # GetExperimentFromTemplate: spec.progressDeadlineSeconds is the rollout's.
        self.progress_deadline = float(self.world.plan.progress_deadline_seconds)
        self.templates = [template_from_step(t) for t in action.spec.templates]
        self.analyses = [AnalysisState.from_step(a) for a in action.spec.analyses]
        self.phase = ""
        self.message = ""
        self.available_at: float | None = None
        self.finished_at: float | None = None
        self.terminate_requested = False
        self._requeue: float | None = None
        self._wake = self.env.event()
        self.process = self.env.process(self._run())

    # ------------------------------------------------------------------ reading
    @property
    def visible_phase(self) -> str:
        return self.phase or "Pending"

    def view(self) -> ExperimentView:
        """What the rollout controller sees. Weights as
        ``calculateWeightDestinationsFromExperiment`` takes them: templates with a weight and
        a Service or hash, in template order."""
        weights = tuple(
            Weight(t.weight, t.pod_template_hash, t.service_name)
            for t in self.templates
            if t.weight is not None and (t.service_name or t.pod_template_hash)
        )
        return ExperimentView(
            name=self.name,
            pod_template_hash=self.action.pod_template_hash,
            step_index=self.action.step_index,
            phase=self.visible_phase,  # type: ignore[arg-type]
            message=self.message,
            weights=weights,
            terminated=self.terminate_requested,
        )

    def replica_sets(self) -> list[tuple[TemplateState, ReplicaSet]]:
        return [(t, t.rs) for t in self.templates if t.rs is not None and not t.rs.deleted]

    def snapshot(self) -> ExperimentSnapshot:
        runs = self.owner.analysis.runs
        return ExperimentSnapshot(
            name=self.name,
            phase=self.visible_phase,
            revision=self.action.revision,
            message=self.message,
            created=self.created,
            available_at=self.available_at,
            finished_at=self.finished_at,
            replica_sets=tuple(
                template_replica_set_snapshot(t, rs) for t, rs in self.replica_sets()
            ),
            analysis_runs=tuple(
                run_snapshot(runs[a.run], self.action.revision)
                for a in self.analyses
                if a.run in runs
            ),
        )

    # ------------------------------------------------------------------ writing
    def terminate(self) -> None:
        """``spec.terminate: true`` (``experimentutil.Terminate``)."""
        if not self.terminate_requested:
            self.terminate_requested = True
            self.wake()

    def wake(self) -> None:
        if not self._wake.triggered:
            self._wake.succeed()

    # ------------------------------------------------------------------ the loop
    def _run(self) -> Generator[simpy.Event, Any, None]:
        while True:
            self._wake = self.env.event()
            before = (self.phase, self.message, tuple(t.status for t in self.templates))
            requeue = self.reconcile()
            after = (self.phase, self.message, tuple(t.status for t in self.templates))
            if after[0] != before[0]:  # experiments/controller.go::recordEvent
                bad = self.phase in ("Error", "Failed", "Inconclusive")
                self.owner.event(
                    self,
                    "Warning" if bad else "Normal",
                    "Experiment" + self.phase,
                    f"Experiment transitioned from {before[0]} -> {self.phase}",
                )
            if after != before:
                self.owner.changed()
            if requeue == 0.0:
                yield self.env.timeout(0)
                continue
            waits: list[simpy.Event] = [self.world.cluster.changed, self._wake]
            if requeue is not None:
                waits.append(self.env.timeout(requeue))
            yield simpy.AnyOf(self.env, waits)

    def _terminating(self) -> bool:
        """``experimentutil.IsTerminating``."""
        if self.terminate_requested or self.phase in COMPLETED:
            return True
        if any(t.status in ("Failed", "Error") for t in self.templates):
            return True
        if any(a.phase in ("Failed", "Error", "Inconclusive") for a in self.analyses):
            return True
        return required_successful(self.analyses)

    def _passed_duration(self) -> bool:
        """``PassedDurations``: strictly after availableAt + duration."""
        if self.duration is None or self.available_at is None:
            return False
        return self.env.now > self.available_at + self.duration

    def _desired(self, t: TemplateState) -> int:
        """``CalculateTemplateReplicasCount``."""
        if self._terminating() or t.status in COMPLETED:
            return 0
        return t.replicas

    def reconcile(self) -> float | None:
        """``experimentContext.reconcile``; returns when to look again (None: on a change;
        0: now, as the informer would report this reconcile's own writes)."""
        self._requeue = None
        terminating = self._terminating()
        for t in self.templates:
            self._reconcile_template(t, terminating)
        for a in self.analyses:
            self._reconcile_analysis(a, terminating)
        self._calculate_status()
        self._requeue_for_deadlines()
        return self._requeue

    def _later(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        if self._requeue is None or seconds < self._requeue:
            self._requeue = seconds

    # ------------------------------------------------------------------ templates
    def _reconcile_template(self, t: TemplateState, terminating: bool) -> None:
        """``reconcileTemplate``: create, scale (down only after the scale-down deadline),
        Service, then the template status with its progress deadline."""
        now = self.env.now
        prev_status = t.status
        desired = self._desired(t)
        cluster = self.world.cluster
        if t.rs is None:
            source = self._source(t)
            if source is None:
                t.status = "Error"
                t.message = f"Failed to create ReplicaSet for template '{t.name}'"
            else:
                t.rs = create_template_replica_set(cluster, self.name, t, source)
                self._later(0.0)  # the informer sees the new ReplicaSet
            t.last_transition = now
        else:
            rs = t.rs
            if t.service:
                if desired != 0:
                    ensure_template_service(cluster, self.world.namespace, t, rs)
                elif rs.status.available == 0:
                    delete_template_service(cluster, t)
            if desired == 0 and rs.scale_down_at is None and rs.replicas != 0:
                rs.set_scale_down_deadline(now + DEFAULT_SCALE_DOWN_DELAY)
            if rs.replicas != desired:
                target = desired
                if desired == 0 and rs.scale_down_at is not None and rs.scale_down_at > now:
                    self._later(rs.scale_down_at - now)
                    target = rs.replicas
                if target != rs.replicas:
                    way = "up" if target > rs.replicas else "down"
                    self.owner.event(
                        self,
                        "Normal",
                        "ScalingReplicaSet",
                        f"Scaled {way} ReplicaSet {rs.name} from {rs.replicas} to {target}",
                    )
                    cluster.scale(rs, target)
                    self._later(0.0)
                t.last_transition = now
        st = t.rs.status if t.rs is not None else None
        counts = (st.replicas, st.ready, st.available) if st is not None else (0, 0, 0)
        if counts != t.counts:
            t.counts = counts
            t.last_transition = now
        if t.status not in COMPLETED:
            if desired == counts[2]:
                t.status = "Successful" if self._passed_duration() or terminating else "Running"
            else:
                start = now if t.last_transition is None else t.last_transition
                if now > start + self.progress_deadline:
                    t.status = "Failed"
                    t.message = (
                        f"Template '{t.name}' exceeded its progressDeadlineSeconds "
                        f"({int(self.progress_deadline)})"
                    )
                elif terminating:
                    t.status = "Successful"
                else:
                    t.status = "Progressing"
        if t.status != prev_status:
            msg = f"Template '{t.name}' transitioned from {prev_status} -> {t.status}"
            if t.message:
                msg += ": " + t.message
            kind = "Warning" if t.status in ("Failed", "Error") else "Normal"
            self.owner.event(self, kind, "Template" + t.status, msg)

    def _source(self, t: TemplateState) -> ReplicaSet | None:
        """The rollout ReplicaSet ``specRef`` names (stable or canary)."""
        h = self.action.stable_hash if t.spec_ref == "stable" else self.action.pod_template_hash
        rs = next(
            (r for r in self.world.cluster.replica_sets_of(self.world.plan.name) if r.hash == h),
            None,
        )
        return rs

    # ------------------------------------------------------------------ analyses
    def _reconcile_analysis(self, a: AnalysisState, terminating: bool) -> None:
        """``reconcileAnalysisRun``: verified before, created once the Experiment is
        available (``availableAt`` as of the previous reconcile), followed, terminated."""
        prev = a.phase
        runs = self.owner.analysis
        if self.available_at is None:
            if a.template not in runs.templates:
                a.phase = "Error"
                a.message = (
                    f"AnalysisTemplate verification failed for analysis '{a.name}': "
                    f'analysistemplate.argoproj.io "{a.template}" not found'
                )
        elif not a.run:
            if terminating:
                return
            a.run = f"{self.name}-{a.name}"
            args = resolve_args(a.args, self.templates, self.available_at, self.finished_at)
            self.owner.start_run(self, a, args)
            a.phase = "Pending"
        elif prev not in COMPLETED:
            run = runs.runs.get(a.run)
            if run is None:
                return
            if terminating:
                if not run.phase.completed and not run.terminated:
                    self.owner.event(
                        self, "Normal", "AnalysisRunTerminating", f"Terminating {a.name} ({a.run})"
                    )
                    run.terminate()
                return
            a.phase, a.message = run.phase.value, run.message
        if a.phase != prev and a.phase:
            msg = f"AnalysisRun '{a.name}' transitioned from {prev} -> {a.phase}"
            if a.message:
                msg += ": " + a.message
            bad = a.phase in ("Failed", "Error", "Inconclusive")
            self.owner.event(self, "Warning" if bad else "Normal", "AnalysisRun" + a.phase, msg)
            if bad:  # issue #4009: the rollout gets the event too
                self.world.recorder.event(
                    self.env.now,
                    "Warning",
                    f"Rollout/{self.world.plan.name}",
                    "AnalysisRun" + a.phase,
                    msg,
                )

    # ------------------------------------------------------------------ status
    def _calculate_status(self) -> None:
        """``calculateStatus``: Pending first; ``availableAt`` when all templates run."""
        if self.phase == "":
            self.phase = "Pending"
            self._later(0.0)
            return
        if self.phase not in ("Pending", "Running"):
            return
        templates_running = experiment_phase(self.templates, [])[0] == "Running"
        if templates_running and self.available_at is None:
            self.available_at = self.env.now
            self._later(0.0)  # analyses start on the next reconcile, as in Argo
        self.phase, self.message = experiment_phase(self.templates, self.analyses)
        if self.phase in COMPLETED and self.finished_at is None:
            self.finished_at = self.env.now
            self._later(0.0)  # scale down and terminate runs on the next reconcile

    def _requeue_for_deadlines(self) -> None:
        """``calculateEnqueueDuration``: the duration's end and progress deadlines (looked at
        just after them: both comparisons are strict)."""
        if self._terminating():
            return
        now = self.env.now
        if self.available_at is not None and self.duration is not None:
            end = self.available_at + self.duration
            self._later(math.nextafter(end, math.inf) - now if end >= now else 0.0)
        for t in self.templates:
            if t.status not in ("Progressing", "Running") or t.last_transition is None:
                continue
            if t.counts[2] != self._desired(t):
                deadline = t.last_transition + self.progress_deadline
                self._later(math.nextafter(deadline, math.inf) - now)
