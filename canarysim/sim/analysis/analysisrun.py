"""One AnalysisRun in simulated time: scheduling measurements, querying providers, assessing.

The rollout engine decides *when* a run starts and is terminated (``StartAnalysisRun`` /
``TerminateAnalysisRun``); this module *executes* runs the way Argo's AnalysisRun
controller does (``analysis/analysis.go``): every metric measured first at the run's start
(or after ``initialDelay``), then again ``interval`` after the previous measurement
finished, an Error retried after 10 s, and after every measurement the metric and run
phases reassessed with :mod:`canarysim.engine.analysis.assess`.

Providers are simulated: ``prometheus`` queries go to the world's metric store through a
callable (:mod:`canarysim.lang.promql`; :mod:`.prometheus` holds the provider's rules),
optionally after a sampled latency; ``job``
measurements take a sampled duration and succeed with a configured probability; ``web``
answers from a table the scenario gives (a JSON body, or a number computed from the
simulated metrics). Any other provider gives Error measurements saying it is not simulated,
exactly as a provider that cannot be reached would.

The controller that holds every run of a world is :mod:`canarysim.sim.analysis.runs`; a run
reaches it through :class:`RunController`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Protocol

import numpy as np
import simpy

from canarysim.engine.analysis.assess import (
    Phase,
    RunSummary,
    assess_run,
    measurement_phase,
    metric_phase,
    result_string,
)
from canarysim.engine.model import AnalysisRunView, StartAnalysisRun
from canarysim.sim.analysis.jobs import (
    PULL_BACKOFF,
    job_container,
    job_deadline,
    job_resume_after,
)
from canarysim.sim.analysis.prometheus import (
    PROMETHEUS_TIMEOUT,
    argo_result,
    range_bounds,
)
from canarysim.sim.analysis.providers import Providers
from canarysim.sim.analysis.resolve import Measurement, MetricState
from canarysim.sim.analysis.webanswer import select, value_string

__all__ = ["AnalysisRun", "RunController"]


class RunController(Protocol):
    """What an AnalysisRun needs of the controller that runs it: the clock, the simulated
    providers, the random stream, Secret redaction and the callbacks of a measurement, the
    run's end and an event."""

    env: simpy.Environment
    providers: Providers
    rng: np.random.Generator

    def redact(self, text: str) -> str: ...

    def measured(self, run: AnalysisRun, measurement: Measurement) -> None: ...

    def finished(self, run: AnalysisRun) -> None: ...

    def event(self, run: AnalysisRun, kind: str, reason: str, message: str) -> None: ...


class AnalysisRun:
    """One AnalysisRun executing as a SimPy process."""

    def __init__(
        self,
        controller: RunController,
        action: StartAnalysisRun,
        metrics: list[MetricState] | None,
        error: str = "",
    ) -> None:
        self.controller = controller
        self.action = action
        self.name = action.name
        self.metrics = {m.name: m for m in metrics or []}
        self.started = controller.env.now
        self.finished: float | None = None
        self.phase = Phase.ERROR if error else Phase.RUNNING
        self.message = error
        self.terminated = False
        #: ``status.runSummary`` and ``status.dryRunSummary`` as of the last assessment.
        self.summary = RunSummary()
        self.dry_run_summary = RunSummary()
        self._wake = controller.env.event()
        self._pending: dict[str, Measurement] = {}
        self._job_started: dict[str, float] = {}
        #: Job metrics whose running Job ends at its activeDeadlineSeconds (Failed).
        self._job_deadlined: set[str] = set()
        if error:
            self.finished = self.started
        else:
            self.process = controller.env.process(self._run())

    def view(self) -> AnalysisRunView:
        return AnalysisRunView(
            name=self.name,
            kind=self.action.kind,
            pod_template_hash=self.action.pod_template_hash,
            phase=self.phase.value,
            message=self.message,
            step_index=self.action.step_index,
            terminated=self.terminated,
        )

    def terminate(self) -> None:
        if not self.terminated:
            self.terminated = True
            if not self._wake.triggered:
                self._wake.succeed()

    def _run(self) -> Any:
        env = self.controller.env
        while True:
            now = env.now
            # One reconcile (analysis.go::reconcileAnalysisRun): whether the run is terminating
            # is decided from the phases the previous reconcile left.
            terminating = self._terminating()
            if terminating:
                self._end_in_flight(now)
            else:
                for metric in self.metrics.values():
                    due = metric.next_due(self.started)
                    if due is not None and due <= now:
                        self._measure(metric, now)
            self._assess(terminating)
            if self.phase.completed:
                break
            self._wake = env.event()
            if self._terminating():
                # A deciding metric just completed unsuccessfully: the status update
                # requeues the run at once, and that reconcile stops the other metrics.
                continue
            dues = [m.next_due(self.started) for m in self.metrics.values()]
            pending = [d for d in dues if d is not None]
            if pending:
                yield env.timeout(max(0.0, min(pending) - now)) | self._wake
            else:
                yield self._wake
        self.finished = env.now
        self.controller.finished(self)

    def _end_in_flight(self, now: float) -> None:
        """A terminating run ends its in-progress measurements (analysis.go::runMeasurements):
        a Job is deleted and its measurement is Inconclusive with the message "Metric
        Terminated" (``metricproviders/job/job.go::Terminate`` at the reference commit; older
        releases called it Successful), so a run whose Job was still running when it was
        terminated ends Inconclusive (``inconclusiveLimit`` 0 by default); a query we were
        delaying answers as it would have."""
        for metric in self.metrics.values():
            if metric.in_flight_until is None:
                continue
            metric.in_flight_until = None
            pending = self._pending.pop(metric.name, None)
            if pending is not None:
                m = pending
                pending = Measurement(m.metric, m.started, now, m.phase, m.value, m.message)
                self._record(metric, pending)
                continue
            started = self._job_started.pop(metric.name, now)
            self._job_deadlined.discard(metric.name)
            ended = Measurement(
                metric.name, started, now, Phase.INCONCLUSIVE, "", "Metric Terminated"
            )
            self._record(metric, ended)

    def _terminating(self) -> bool:
        return self.terminated or any(
            m.phase in (Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE) and not m.dry_run
            for m in self.metrics.values()
        )

    def _measure(self, metric: MetricState, now: float) -> None:
        providers = self.controller.providers
        if metric.in_flight_until is not None:  # a Job or a slow query finishing
            metric.in_flight_until = None
            pending = self._pending.pop(metric.name, None)
            if pending is not None:
                self._record(metric, pending)
                return
            if metric.name in self._job_deadlined:
                # The Job controller failed it at its activeDeadlineSeconds; the provider's
                # Resume sees the Failed condition (the Job informer wakes the run at once).
                self._job_deadlined.discard(metric.name)
                phase = Phase.FAILED
            else:
                chance = providers.job_for(metric.name).success_probability_at(now)
                succeeded = self.controller.rng.random() < chance
                phase = Phase.SUCCESSFUL if succeeded else Phase.FAILED
            # Started when the Job was created (metricproviders/job/job.go::Run), finished
            # when its Complete/Failed condition was seen (Resume).
            started = self._job_started.pop(metric.name, now)
            self._record(metric, Measurement(metric.name, started, now, phase, "", ""))
            return
        provider = metric.spec.get("provider") or {}
        if "job" in provider:
            container, image = job_container(provider)
            failed = None
            if providers.job_pull_failure is not None and image:
                failed = providers.job_pull_failure(image, self.controller.rng)
            if failed is not None:
                # processJobPods (job.go): a pod stuck pulling its image is a terminal error,
                # reported as an Inconclusive measurement at the first Resume that sees it.
                seen = job_resume_after(failed)
                reason = "ErrImagePull" if seen < failed + PULL_BACKOFF else "ImagePullBackOff"
                count = len(metric.measurements) + 1
                # The Job is named <run UID>.<metric>.<n>; the run's name stands in for its UID.
                message = (
                    f"Pod {self.name}.{metric.name}.{count}, container {container} has "
                    f'terminal error ({reason}): Back-off pulling image "{image}"\n'
                )
                pending = Measurement(metric.name, now, now + seen, Phase.INCONCLUSIVE, "", message)
                metric.in_flight_until = pending.finished
                self._pending[metric.name] = pending
                return
            job = providers.job_for(metric.name)
            duration = job.duration_at(now, self.controller.rng)
            deadline = job_deadline(provider)
            if deadline is not None and duration > deadline:
                duration = deadline
                self._job_deadlined.add(metric.name)
            metric.in_flight_until = now + duration
            self._job_started[metric.name] = now
            return
        measurement = self._evaluate(metric, provider, now)
        if "prometheus" in provider and providers.prometheus_latency is not None:
            # The query reads the data as of its start; its answer arrives after the latency,
            # or the client gives up at the metric's timeout.
            latency = float(providers.prometheus_latency(self.controller.rng))
            prom = provider.get("prometheus") or {}
            timeout = prom.get("timeout")
            limit = PROMETHEUS_TIMEOUT if timeout is None else float(timeout)
            if latency > limit:
                address = str(prom.get("address", "")).rstrip("/")
                message = f'Post "{address}/api/v1/query": context deadline exceeded'
                measurement = Measurement(metric.name, now, now + limit, Phase.ERROR, "", message)
            else:
                measurement = Measurement(
                    metric.name,
                    now,
                    now + latency,
                    measurement.phase,
                    measurement.value,
                    measurement.message,
                )
            if measurement.finished > now:
                metric.in_flight_until = measurement.finished
                self._pending[metric.name] = measurement
                return
        self._record(metric, measurement)

    def _evaluate(
        self, metric: MetricState, provider: Mapping[str, Any], now: float
    ) -> Measurement:
        try:
            result, text = self._query(metric, provider, now)
        except Exception as err:  # any provider failure is an Error measurement, as in Argo
            return Measurement(metric.name, now, now, Phase.ERROR, "", str(err))
        phase, message = measurement_phase(
            result,
            metric.spec.get("successCondition"),
            metric.spec.get("failureCondition"),
            json="web" in provider,
        )
        return Measurement(metric.name, now, now, phase, text, message)

    def _query(
        self, metric: MetricState, provider: Mapping[str, Any], now: float
    ) -> tuple[object, str]:
        """(the result conditions see, the measurement's value text)."""
        providers = self.controller.providers
        prom = provider.get("prometheus")
        if prom is not None and prom.get("rangeQuery") and providers.prometheus_range is not None:
            start, end, step = range_bounds(prom["rangeQuery"], now)
            matrix = providers.prometheus_range(str(prom["query"]), start, end, step, now)
            # processResponse: every sample of every series, series by series
            values = [float(v) for _, points in matrix for _, v in points]
            return values, result_string(values)
        if prom is not None and providers.prometheus is not None:
            result = argo_result(providers.prometheus(str(prom["query"]), now))
            return result, result_string(result)
        if "web" in provider:
            url = str(provider["web"].get("url", ""))
            key = metric.name if metric.name in providers.web else url
            if key not in providers.web:
                raise RuntimeError(f"web provider: no simulated answer for {url}")
            answer = providers.web[key]
            if callable(answer):
                result = answer(now)
            else:
                result = select(answer, str(provider["web"].get("jsonPath") or ""))
            return result, value_string(result)
        kind = next(iter(provider), "none")
        raise RuntimeError(f"{kind} provider is not simulated by canarysim")

    def _record(self, metric: MetricState, measurement: Measurement) -> None:
        redact = self.controller.redact
        value, message = redact(measurement.value), redact(measurement.message)
        if (value, message) != (measurement.value, measurement.message):
            measurement = replace(measurement, value=value, message=message)
        metric.measurements.append(measurement)
        metric.tally = metric.tally.record(measurement.phase)
        self.controller.measured(self, measurement)

    def _assess(self, terminating: bool) -> None:
        for metric in self.metrics.values():
            if metric.phase.completed:
                continue
            phase, message = metric_phase(
                metric.limits,
                metric.tally,
                in_flight=metric.in_flight_until is not None,
                terminating=terminating,
            )
            if phase is not metric.phase:
                if phase.completed:
                    self.controller.event(
                        self,
                        "Warning" if phase in (Phase.FAILED, Phase.ERROR) else "Normal",
                        f"Metric{phase.value}",
                        f"Metric '{metric.name}' Completed. Result: {phase.value}",
                    )
                if metric.measurements:
                    metric.message = metric.measurements[-1].message
            metric.phase, metric.limit_message = phase, message
        last = {m.name: m.message for m in self.metrics.values()}
        done = assess_run(
            {m.name: (m.phase, m.limit_message) for m in self.metrics.values()},
            dry_run=frozenset(m.name for m in self.metrics.values() if m.dry_run),
            terminated=self.terminated,
            terminating=terminating,
            last_messages=last,
        )
        for name, text in done.dry_run_messages.items():
            self.metrics[name].message = text
        self.summary, self.dry_run_summary = done.summary, done.dry_run_summary
        for metric in self.metrics.values():
            metric.trim()
        if done.phase is not self.phase:
            self.phase, self.message = done.phase, done.message
            if done.phase.completed:
                self.controller.event(
                    self,
                    "Warning" if done.phase in (Phase.FAILED, Phase.ERROR) else "Normal",
                    f"AnalysisRun{done.phase.value}",
                    f"Analysis Completed. Result: {done.phase.value}",
                )
