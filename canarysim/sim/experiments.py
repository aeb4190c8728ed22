"""Experiments of canary ``experiment`` steps, run as Argo's Experiment controller runs them.

The rollout engine only names, starts and terminates an Experiment (``StartExperiment`` /
``TerminateExperiment``) and reacts to its phase (``rollout/experiment.go``). This module is
the other controller (``experiments/experiment.go``), one SimPy process per Experiment:

* one ReplicaSet per template, named ``<experiment>-<template>``
  (``experiments/replicaset.go::newReplicaSetFromTemplate``), from the stable or canary
  ReplicaSet's pod template plus the step's ``metadata``; its ``rollouts-pod-template-hash``
  is the hash of that template (so a template without ``metadata.labels`` gets the very hash
  of the ReplicaSet it copies, as in Argo). Created with 0 replicas, scaled to ``replicas``
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

Experiment AnalysisRuns run in their own :class:`AnalysisController` so the rollout's engine,
which cancels every run it does not own, never sees them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

from canarysim.engine.model import ExperimentView, StartAnalysisRun, StartExperiment
from canarysim.engine.model import WeightDestination as Weight
from canarysim.result import (
    AnalysisRunSnapshot,
    ExperimentSnapshot,
    PodSnapshot,
    ReplicaSetSnapshot,
)
from canarysim.sim.analysis import AnalysisController, ArgContext, Providers
from canarysim.sim.replicasets import REVISION_ANNOTATION, ReplicaSet
from canarysim.sim.templatehash import POD_TEMPLATE_HASH_LABEL, strip_hash_label

if TYPE_CHECKING:
    from canarysim.sim.world import World

__all__ = [
    "DEFAULT_SCALE_DOWN_DELAY",
    "Experiment",
    "ExperimentController",
    "TemplateState",
]

DEFAULT_SCALE_DOWN_DELAY = 30.0
"""``defaults.DefaultExperimentScaleDownDelaySeconds``."""
REQUIRED_COMPLETED = "Required AnalysisRuns completed"
"""``experiments/experiment.go::requiredAnalysisCompletedMessage``."""
EXPERIMENT_NAME_ANNOTATION = "experiment.argoproj.io/name"
TEMPLATE_NAME_ANNOTATION = "experiment.argoproj.io/template-name"
COMPLETED = ("Successful", "Failed", "Error", "Inconclusive")
# utils/analysis/helpers.go::analysisStatusOrder (best to worst); "" ranks as the best.
_RUN_ORDER = ("Successful", "Running", "Pending", "Inconclusive", "Error", "Failed")
# utils/experiment/experiment.go::templateStatusOrder
_TEMPLATE_ORDER = ("Successful", "Running", "Progressing", "Error", "Failed")
_ARG = re.compile(
    r"{{\s*(templates\.([^.}\s]+)\.(podTemplateHash|replicaset\.name)|"
    r"experiment\.(availableAt|finishedAt))\s*}}"
)


def _worse(order: tuple[str, ...], current: str, new: str) -> bool:
    """``IsWorse``/``TemplateIsWorse``: an unknown phase ranks as the best."""
    rank = {p: i for i, p in enumerate(order)}
    return rank.get(new, 0) > rank.get(current, 0)


@dataclass
class TemplateState:
    """One ``spec.templates[]`` entry and its ``status.templateStatuses[]``."""

    name: str
    spec_ref: str
    replicas: int
    weight: int | None
    service: bool
    service_name_wanted: str
    metadata: Mapping[str, Any]
    rs: ReplicaSet | None = None
    status: str = ""
    message: str = ""
    last_transition: float | None = None
    counts: tuple[int, int, int] = (0, 0, 0)
    service_name: str = ""
    pod_template_hash: str = ""


@dataclass
class AnalysisState:
    """One ``spec.analyses[]`` entry and its ``status.analysisRuns[]``."""

    name: str
    template: str
    args: tuple[dict[str, Any], ...]
    required: bool
    run: str = ""
    phase: str = ""
    message: str = ""


class Experiment:
    """One Experiment of a rollout's ``experiment`` step (see the module doc)."""

    def __init__(self, owner: ExperimentController, action: StartExperiment) -> None:
        self.owner = owner
        self.world = owner.world
        self.env: simpy.Environment = owner.world.env
        self.action = action
        self.name = action.name
        self.created = self.env.now
        spec = action.spec
        self.duration = spec.duration
        self.progress_deadline = float(self.world.plan.progress_deadline_seconds)
        self.templates = [self._template(t) for t in spec.templates]
        self.analyses = [
            AnalysisState(
                name=str(a.get("name", "")),
                template=str(a.get("templateName", "")),
                args=tuple(dict(x) for x in a.get("args") or ()),
                required=bool(a.get("requiredForCompletion", False)),
            )
            for a in spec.analyses
        ]
        self.phase = ""
        self.message = ""
        self.available_at: float | None = None
        self.finished_at: float | None = None
        self.terminate_requested = False
        self._wake = self.env.event()
        self.process = self.env.process(self._run())

    @staticmethod
    def _template(entry: Mapping[str, Any]) -> TemplateState:
        replicas = entry.get("replicas")
        service = entry.get("service")
        return TemplateState(
            name=str(entry.get("name", "")),
            spec_ref=str(entry.get("specRef", "")),
            replicas=1 if replicas is None else int(replicas),
            weight=None if entry.get("weight") is None else int(entry["weight"]),
            service=entry.get("weight") is not None or service is not None,
            service_name_wanted=str((service or {}).get("name") or ""),
            metadata=entry.get("metadata") or {},
        )

    # ------------------------------------------------------------------ reading
    @property
    def visible_phase(self) -> str:
        return self.phase or "Pending"

    def view(self) -> ExperimentView:
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
        return self._required_successful()

    def _required_successful(self) -> bool:
        """``RequiredAnalysisRunsSuccessful``: at least one required run, all Successful."""
        required = [a for a in self.analyses if a.required]
        return bool(required) and all(a.phase == "Successful" for a in required)

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
        """``experimentContext.reconcile``; returns when to look again (None: on change)."""
        self._requeue: float | None = None
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
        now = self.env.now
        prev_status = t.status
        desired = self._desired(t)
        cluster = self.world.cluster
        if t.rs is None:
            t.rs = self._create_replica_set(t)
            t.last_transition = now
            self._later(0.0)  # the informer sees the new ReplicaSet
        else:
            rs = t.rs
            if t.service:
                if desired != 0:
                    self._ensure_service(t, rs)
                elif rs.status.available == 0:
                    self._delete_service(t)
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
                if self._passed_duration() or terminating:
                    t.status = "Successful"
                else:
                    t.status = "Running"
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
        h = self.action.stable_hash if t.spec_ref == "stable" else self.action.pod_template_hash
        try:
            return self.world.cluster.replica_set(h, self.world.plan.name)
        except Exception:
            return None

    def _create_replica_set(self, t: TemplateState) -> ReplicaSet | None:
        """``createReplicaSetForTemplate``: 0 replicas, named ``<experiment>-<template>``."""
        source = self._source(t)
        if source is None:
            t.status, t.message = "Error", f"Failed to create ReplicaSet for template '{t.name}'"
            return None
        template = strip_hash_label(source.template)
        meta = template.setdefault("metadata", {})
        selector = {k: v for k, v in source.selector.items() if k != POD_TEMPLATE_HASH_LABEL}
        labels = dict(t.metadata.get("labels") or {})
        if labels:
            meta["labels"] = {**(meta.get("labels") or {}), **labels}
            selector.update(labels)
        annotations = dict(t.metadata.get("annotations") or {})
        if annotations:
            meta["annotations"] = {**(meta.get("annotations") or {}), **annotations}
        if not meta:
            del template["metadata"]
        cluster = self.world.cluster
        rs = cluster.create_replica_set(
            self.name,
            template,
            revision=0,
            min_ready_seconds=source.min_ready_seconds,
            selector=selector,
            annotations={
                EXPERIMENT_NAME_ANNOTATION: self.name,
                TEMPLATE_NAME_ANNOTATION: t.name,
            },
        )
        # Argo names it <experiment>-<template> (no hash) and sets no revision annotation.
        del cluster.replica_sets[rs.name]
        rs.name = f"{self.name}-{t.name}"
        rs.annotations.pop(REVISION_ANNOTATION, None)
        cluster.replica_sets[rs.name] = rs
        return rs

    def _ensure_service(self, t: TemplateState, rs: ReplicaSet) -> None:
        """``createTemplateService``: only when the containers declare ports."""
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
        manifest = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": self.world.namespace},
            "spec": {"selector": {POD_TEMPLATE_HASH_LABEL: rs.hash}, "ports": ports},
        }
        self.world.cluster.add_service(manifest)
        t.service_name, t.pod_template_hash = name, rs.hash

    def _delete_service(self, t: TemplateState) -> None:
        if not t.service_name:
            return
        services = self.world.cluster.services
        services.by_name.pop(t.service_name, None)
        self.world.cluster.feed.record(f"Service/{t.service_name}", "deleted", True, informer=True)
        t.service_name, t.pod_template_hash = "", ""

    # ------------------------------------------------------------------ analyses
    def _reconcile_analysis(self, a: AnalysisState, terminating: bool) -> None:
        """``reconcileAnalysisRun``: created once the Experiment is available."""
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
            self.owner.start_run(self, a, self._resolve_args(a.args))
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

    def _resolve_args(self, args: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
        """``ResolveExperimentArgsValue``: ``{{templates.<t>.podTemplateHash}}``,
        ``{{templates.<t>.replicaset.name}}``, ``{{experiment.availableAt}}``/``finishedAt``."""
        by_name = {t.name: t for t in self.templates}

        def sub(match: re.Match[str]) -> str:
            if match.group(4):
                at = self.available_at if match.group(4) == "availableAt" else self.finished_at
                return "" if at is None else str(at)
            t = by_name.get(match.group(2))
            if t is None or t.rs is None:
                return match.group(0)
            return t.rs.hash if match.group(3) == "podTemplateHash" else t.rs.name

        out = []
        for arg in args:
            value = arg.get("value")
            if isinstance(value, str):
                arg = {**arg, "value": _ARG.sub(sub, value)}
            out.append(arg)
        return tuple(out)

    # ------------------------------------------------------------------ status
    def _assess_templates(self) -> tuple[str, str]:
        worst, message = "Successful", ""
        for t in self.templates:
            status = t.status or "Progressing"
            if _worse(_TEMPLATE_ORDER, worst, status):
                worst, message = status, t.message
        mapping = {"Progressing": "Pending", "Running": "Running"}
        return mapping.get(worst, worst), message

    def _assess_analyses(self) -> tuple[str, str]:
        worst, message = "Successful", ""
        for a in self.analyses:
            if _worse(_RUN_ORDER, worst, a.phase):
                worst, message = a.phase, a.message
        if self._required_successful() and _worse(_RUN_ORDER, worst, "Running"):
            return "Successful", REQUIRED_COMPLETED
        return ("Running" if worst == "Pending" else worst), message

    def _calculate_status(self) -> None:
        """``calculateStatus``: the worst template, overridden by analysis outcomes."""
        if self.phase == "":
            self.phase = "Pending"
            self._later(0.0)
            return
        if self.phase not in ("Pending", "Running"):
            return
        tpl, tpl_msg = self._assess_templates()
        runs, runs_msg = self._assess_analyses()
        if tpl == "Running" and self.available_at is None:
            self.available_at = self.env.now
            self._later(0.0)  # analyses start on the next reconcile, as in Argo
        has_required = any(a.required for a in self.analyses)
        if tpl in COMPLETED:
            if tpl == "Successful" and (runs in COMPLETED or has_required):
                phase, msg = runs, runs_msg
            else:
                phase, msg = tpl, tpl_msg
        elif (runs in COMPLETED and runs != "Successful") or self._required_successful():
            phase, msg = runs, runs_msg
        else:
            phase, msg = tpl, tpl_msg
        self.phase, self.message = phase, msg
        if phase in COMPLETED and self.finished_at is None:
            self.finished_at = self.env.now
            self._later(0.0)  # scale down and terminate runs on the next reconcile

    def _requeue_for_deadlines(self) -> None:
        """``calculateEnqueueDuration``: the duration's end and progress deadlines."""
        if self._terminating():
            return
        now = self.env.now
        if self.available_at is not None and self.duration is not None:
            # PassedDurations is strict: look just after the end.
            end = self.available_at + self.duration
            self._later(math.nextafter(end, math.inf) - now if end >= now else 0.0)
        for t in self.templates:
            if t.status not in ("Progressing", "Running") or t.last_transition is None:
                continue
            if t.counts[2] != self._desired(t):
                deadline = t.last_transition + self.progress_deadline
                self._later(math.nextafter(deadline, math.inf) - now)


class ExperimentController:
    """Every Experiment of one world, and the AnalysisRuns they own."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.experiments: dict[str, Experiment] = {}
        self.analysis = AnalysisController(
            world.env,
            templates=world.analysis.templates,
            providers=world.analysis.providers
            if isinstance(world.analysis.providers, Providers)
            else Providers(),
            rng=world.streams["experiment-analysis"],
            on_change=self._runs_changed,
            on_event=world.recorder.event,
        )
        self._run_owner: dict[str, Experiment] = {}

    def start(self, action: StartExperiment) -> Experiment:
        ex = Experiment(self, action)
        self.experiments[ex.name] = ex
        self.changed()
        return ex

    def terminate(self, name: str) -> None:
        ex = self.experiments.get(name)
        if ex is not None:
            ex.terminate()

    def views(self) -> tuple[ExperimentView, ...]:
        return tuple(ex.view() for ex in self.experiments.values())

    def snapshots(self) -> tuple[ExperimentSnapshot, ...]:
        """The Result's view of every Experiment (``RolloutSnapshot.experiments``)."""
        out = []
        for ex in self.experiments.values():
            rss = []
            for t, rs in ex.replica_sets():
                d = rs.snapshot()
                pods = tuple(PodSnapshot(**p) for p in d.pop("pods", ()))
                rss.append(ReplicaSetSnapshot(**d, role=t.name, pods=pods))
            runs = []
            for a in ex.analyses:
                run = self.analysis.runs.get(a.run) if a.run else None
                if run is None:
                    continue
                tallies = [m.tally for m in run.metrics.values()]
                runs.append(
                    AnalysisRunSnapshot(
                        name=run.name,
                        phase=run.phase.value,
                        revision=ex.action.revision,
                        successful=sum(t.successful for t in tallies),
                        failed=sum(t.failed for t in tallies),
                        inconclusive=sum(t.inconclusive for t in tallies),
                        errors=sum(t.error for t in tallies),
                        message=run.message,
                    )
                )
            out.append(
                ExperimentSnapshot(
                    name=ex.name,
                    phase=ex.visible_phase,
                    revision=ex.action.revision,
                    message=ex.message,
                    created=ex.created,
                    available_at=ex.available_at,
                    finished_at=ex.finished_at,
                    replica_sets=tuple(rss),
                    analysis_runs=tuple(runs),
                )
            )
        return tuple(out)

    def replica_sets(self) -> list[tuple[Experiment, TemplateState, ReplicaSet]]:
        return [(ex, t, rs) for ex in self.experiments.values() for t, rs in ex.replica_sets()]

    def role_of(self, rs_hash: str) -> str | None:
        """The version an experiment ReplicaSet's traffic counts as (its ``specRef``)."""
        for _, t, rs in self.replica_sets():
            if rs.hash == rs_hash:
                return "canary" if t.spec_ref == "canary" else "stable"
        return None

    def start_run(self, ex: Experiment, a: AnalysisState, args: tuple[dict[str, Any], ...]) -> None:
        action = StartAnalysisRun(
            name=a.run,
            kind="Step",
            templates=(a.template,),
            args=args,
            pod_template_hash=ex.action.pod_template_hash,
            revision=ex.action.revision,
            stable_hash=ex.action.stable_hash,
        )
        self._run_owner[a.run] = ex
        context = ArgContext(
            stable_hash=ex.action.stable_hash,
            latest_hash=ex.action.pod_template_hash,
            rollout=self.world.rollout_manifest,
        )
        self.analysis.start(action, context)

    def _runs_changed(self) -> None:
        owners = set(self._run_owner.values())
        for ex in self.experiments.values():  # creation order: deterministic wake-ups
            if ex in owners:
                ex.wake()

    def changed(self) -> None:
        """An Experiment's phase or templates changed: the rollout's informer sees it."""
        self.world.controller.wake()
        self.world.observe()

    def event(self, ex: Experiment, kind: str, reason: str, message: str) -> None:
        self.world.recorder.event(
            self.world.env.now, kind, f"Experiment/{ex.name}", reason, message
        )
