"""The AnalysisRuns of one world, as Argo's AnalysisRun controller holds them: the namespace's
and the cluster's AnalysisTemplates and Secrets (applied or deleted mid-run), each run started
from its resolved spec (:mod:`.resolve`) or ended at once in Error, terminated, viewed for the
rollout engine, and every measurement in the order taken. Each run executes as its own
:class:`~canarysim.sim.analysis.analysisrun.AnalysisRun` process; Secret values are redacted
from every measurement as Argo's log redactor does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from canarysim.engine.model import AnalysisRunView, StartAnalysisRun
from canarysim.sim.analysis.args import ArgContext
from canarysim.sim.analysis.providers import Providers

if TYPE_CHECKING:
    from canarysim.sim.analysis.analysisrun import AnalysisRun
    from canarysim.sim.analysis.resolve import Measurement

__all__ = ["AnalysisController", "ArgContext"]


class AnalysisController:
    """Runs every AnalysisRun of one world. *templates* are the namespace's AnalysisTemplates
    and *cluster_templates* the ClusterAnalysisTemplates (when None, ``clusterScope`` refs look
    in *templates* too). *on_change* is called whenever a run's phase or
    measurements change (the rollout controller waits on that); *on_event* receives
    ``(time, type, object, reason, message)`` as the Result's events read."""

    def __init__(
        self,
        env: simpy.Environment,
        *,
        templates: Mapping[str, Mapping[str, Any]],
        providers: Providers,
        cluster_templates: Mapping[str, Mapping[str, Any]] | None = None,
        rng: np.random.Generator,
        on_change: Callable[[], None] = lambda: None,
        on_event: Callable[[float, str, str, str, str], None] = lambda *a: None,
        secrets: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.env = env
        self.secrets = dict(secrets or {})
        """Secrets by name (``valueFrom.secretKeyRef``); their values are redacted from every
        measurement's value and message, as Argo's log redactor does."""
        self._secret_values = sorted(
            {v for data in self.secrets.values() for v in data.values() if v},
            key=lambda v: (-len(v), v),
        )
        self.templates: dict[str, Mapping[str, Any]] = dict(templates)
        self.cluster_templates: dict[str, Mapping[str, Any]] | None = (
            None if cluster_templates is None else dict(cluster_templates)
        )
        self.providers = providers
        self.rng = rng
        self.on_change = on_change
        self.on_event = on_event
        self.runs: dict[str, AnalysisRun] = {}
        self.measurements: list[tuple[str, Measurement]] = []

    def start(
        self,
        action: StartAnalysisRun,
        context: ArgContext,
        rollout_dry_run: Iterable[str] = (),
    ) -> AnalysisRun:
        # (the run machinery is loaded with the first run: a world without analysis never
        # needs the expression language or Argo's run-spec rules)
        from canarysim.sim.analysis.analysisrun import AnalysisRun
        from canarysim.sim.analysis.resolve import RunSpecError, resolve_run_spec

        if self.secrets and not context.secrets:
            context = replace(context, secrets=self.secrets)
        try:
            metrics = resolve_run_spec(
                action, self.templates, context, rollout_dry_run, self.cluster_templates
            )
            run = AnalysisRun(self, action, metrics)
        except RunSpecError as err:
            run = AnalysisRun(self, action, None, error=str(err))
            self.event(run, "Warning", "AnalysisRunError", "Analysis Completed. Result: Error")
        self.runs[action.name] = run
        self.on_change()
        return run

    def redact(self, text: str) -> str:
        """*text* with every Secret value replaced by ``*****``."""
        for value in self._secret_values:
            if value in text:
                text = text.replace(value, "*****")
        return text

    def set_template(self, name: str, raw: Mapping[str, Any] | None, *, cluster: bool) -> None:
        """An (Cluster)AnalysisTemplate applied (``raw``) or deleted (None) mid-run: only runs
        started from now on read it (a run holds its own copy of the metrics)."""
        if cluster and self.cluster_templates is None:
            self.cluster_templates = {}
        bucket = (
            self.cluster_templates
            if cluster and self.cluster_templates is not None
            else (self.templates)
        )
        if raw is None:
            bucket.pop(name, None)
        else:
            bucket[name] = raw

    def set_secret(self, name: str, values: Mapping[str, str] | None) -> None:
        """A Secret applied (``values``) or deleted (None) mid-run; every value ever known
        stays redacted."""
        if values is None:
            self.secrets.pop(name, None)
            return
        self.secrets[name] = dict(values)
        known = set(self._secret_values) | {v for v in values.values() if v}
        self._secret_values = sorted(known, key=lambda v: (-len(v), v))

    def terminate(self, name: str) -> None:
        run = self.runs.get(name)
        if run is not None and not run.phase.completed:
            run.terminate()

    def views(self) -> tuple[AnalysisRunView, ...]:
        return tuple(run.view() for run in self.runs.values())

    # callbacks from runs
    def measured(self, run: AnalysisRun, measurement: Measurement) -> None:
        self.measurements.append((run.name, measurement))
        self.on_change()

    def finished(self, run: AnalysisRun) -> None:
        self.on_change()

    def event(self, run: AnalysisRun, kind: str, reason: str, message: str) -> None:
        self.on_event(self.env.now, kind, f"AnalysisRun/{run.name}", reason, message)
