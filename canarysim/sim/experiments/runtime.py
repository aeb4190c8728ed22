"""The Experiments of one world, as Argo's Experiment controller holds them: started and
terminated at the rollout engine's request, viewed and snapshotted for it and the Result, each
reconciled by its own :class:`~canarysim.sim.experiments.experiment.Experiment` process.

Experiment AnalysisRuns run in their own :class:`AnalysisController` so the rollout's engine,
which cancels every run it does not own, never sees them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from canarysim.engine.model import ExperimentView, StartAnalysisRun, StartExperiment
from canarysim.result import ExperimentSnapshot
from canarysim.sim.analysis.runs import AnalysisController, ArgContext
from canarysim.sim.cluster.replicasets import ReplicaSet
from canarysim.sim.experiments.experiment import Experiment
from canarysim.sim.experiments.status import AnalysisState, TemplateState

if TYPE_CHECKING:
    from canarysim.sim.wiring import Wiring

__all__ = ["ExperimentController"]


class ExperimentController:
    """Every Experiment of one world, and the AnalysisRuns they own (in an
    :class:`AnalysisController` of their own, with the world's templates and providers)."""

    def __init__(self, world: Wiring) -> None:
        self.world = world
        self.experiments: dict[str, Experiment] = {}
        self.analysis = AnalysisController(
            world.env,
            # Experiments look templates up by name only (cluster ones too).
            templates={**(world.analysis.cluster_templates or {}), **world.analysis.templates},
            providers=world.analysis.providers,
            rng=world.streams.lazy("experiment-analysis"),  # drawn from by some providers only
            on_change=self._runs_changed,
            on_event=world.recorder.event,
            secrets=world.analysis.secrets,  # analysis.go::resolveArgs serves every run
        )
        self._run_owner: dict[str, Experiment] = {}

    def measurements(self) -> list[tuple[str, Any]]:
        """Every measurement of the Experiments' AnalysisRuns, as ``(run name, measurement)``
        in the order they were taken."""
        return list(self.analysis.measurements)

    def analysis_objects_changed(self) -> None:
        """A template or Secret applied or deleted mid-run is seen by Experiments' runs too."""
        source = self.world.analysis
        self.analysis.templates = {**(source.cluster_templates or {}), **source.templates}
        for name in sorted(set(self.analysis.secrets) - set(source.secrets)):
            self.analysis.set_secret(name, None)
        for name, values in source.secrets.items():
            self.analysis.set_secret(name, values)

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
        return tuple(ex.snapshot() for ex in self.experiments.values())

    def replica_sets(self) -> list[tuple[Experiment, TemplateState, ReplicaSet]]:
        return [(ex, t, rs) for ex in self.experiments.values() for t, rs in ex.replica_sets()]

    def start_run(self, ex: Experiment, a: AnalysisState, args: tuple[dict[str, Any], ...]) -> None:
        """``createAnalysisRun``; rollout-level ``valueFrom`` args resolve against the
        stable and canary hashes, as ``BuildArgumentsForRolloutAnalysisRun`` does."""
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
