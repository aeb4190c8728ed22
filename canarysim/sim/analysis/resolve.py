"""An AnalysisRun's spec as Argo resolves it before measuring: templates flattened, args
merged with the rollout's and substituted, metrics defaulted and validated.

Upstream: ``utils/analysis/helpers.go`` (``MergeArgs``, ``ResolveArgs``, ``FlattenTemplates``),
``utils/analysis/factory.go`` (``ValidateMetric``, ``ResolveMetricArgs``),
``analysis/analysis.go::generateMetricTasks`` (when a metric is next due).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from canarysim.engine.analysis.assess import (
    ERROR_RETRY_INTERVAL,
    MetricLimits,
    MetricTally,
    Phase,
)
from canarysim.engine.analysis.runspec import (
    DEFAULT_MEASUREMENT_HISTORY_LIMIT,
    TemplateNotFound,
    collect_templates,
    dry_run_metrics,
    int_value,
    new_run_spec,
    resolve_metric_args,
    retention_limits,
    validate_metrics,
)
from canarysim.engine.analysis.runspec import RunSpecError as EngineRunSpecError
from canarysim.engine.durations import parse_duration
from canarysim.engine.model import StartAnalysisRun
from canarysim.sim.analysis.args import ArgContext

__all__ = [
    "ArgContext",
    "Measurement",
    "MetricState",
    "RunSpecError",
    "resolve_run_spec",
    "rollout_analysis",
]


class RunSpecError(Exception):
    """The run cannot start; the message is what Argo puts in the run's status."""


@dataclass(frozen=True)
class Measurement:
    metric: str
    started: float
    finished: float
    phase: Phase
    value: str
    message: str = ""


@dataclass
class MetricState:
    name: str
    spec: dict[str, Any]
    limits: MetricLimits
    interval: float | None
    initial_delay: float
    dry_run: bool
    tally: MetricTally = field(default_factory=MetricTally)
    phase: Phase = Phase.PENDING
    limit_message: str = ""
    #: ``MetricResult.message``: the last measurement's message when the phase last changed,
    #: or for a dry-run metric whose limits tripped, ``Metric assessed <phase> due to ...``.
    message: str = ""
    measurements: list[Measurement] = field(default_factory=list)
    in_flight_until: float | None = None
    #: Measurements kept in the run's status (``garbageCollectMeasurements``).
    history_limit: int = DEFAULT_MEASUREMENT_HISTORY_LIMIT

    def trim(self) -> None:
        """Keep only the newest ``history_limit`` measurements, as each reconcile does."""
        if len(self.measurements) > self.history_limit:
            del self.measurements[: len(self.measurements) - self.history_limit]

    def next_due(self, started: float) -> float | None:
        """When this metric next needs a measurement (``generateMetricTasks``)."""
        if self.phase.completed or self.in_flight_until is not None:
            return self.in_flight_until
        if not self.measurements:
            return started + self.initial_delay
        if self.limits.count is not None and self.tally.count >= self.limits.count:
            return None
        last = self.measurements[-1]
        gap = ERROR_RETRY_INTERVAL if last.phase is Phase.ERROR else self.interval
        return last.finished + (gap if gap is not None else ERROR_RETRY_INTERVAL)


def _rollout_args(
    rollout_args: Iterable[Mapping[str, Any]], context: ArgContext
) -> list[dict[str, Any]]:
    """``BuildArgumentsForRolloutAnalysisRun``: every rollout arg with its value."""
    out: list[dict[str, Any]] = []
    for arg in rollout_args:
        name = str(arg.get("name"))
        if arg.get("value") is not None:
            out.append({"name": name, "value": str(arg["value"])})
            continue
        source = arg.get("valueFrom") or {}
        hash_from = source.get("podTemplateHashValue")
        if hash_from == "Stable":
            value = context.stable_hash
        elif hash_from == "Latest":
            value = context.latest_hash
        elif "fieldRef" in source:
            value = _field_path(context.rollout, str(source["fieldRef"].get("fieldPath")))
        else:
            value = ""
        out.append({"name": name, "value": value})
    return out


def _secret_args(
    args: Iterable[Mapping[str, Any]], secrets: Mapping[str, Mapping[str, str]]
) -> list[Mapping[str, Any]]:
    """``Controller.resolveArgs`` (analysis/analysis.go): each ``secretKeyRef`` arg gets the
    Secret's value; a missing Secret or key is the API's error."""
    out: list[Mapping[str, Any]] = []
    for arg in args:
        ref = (arg.get("valueFrom") or {}).get("secretKeyRef")
        if arg.get("value") is None and isinstance(ref, Mapping):
            name, key = str(ref.get("name", "")), str(ref.get("key", ""))
            if name not in secrets:
                raise RunSpecError(f'secrets "{name}" not found')
            if key not in secrets[name]:
                raise RunSpecError(f"key '{key}' does not exist in secret '{name}'")
            arg = {**arg, "value": secrets[name][key]}
        out.append(arg)
    return out


def _field_path(manifest: Mapping[str, Any], path: str) -> str:
    node: Any = manifest
    for part in re.findall(r"[^.\[\]']+", path):
        if not isinstance(node, Mapping) or part not in node:
            raise RunSpecError(f"failed to resolve fieldPath {path}")
        node = node[part]
    return node if isinstance(node, str) else json.dumps(node)


def _metric_state(metric: dict[str, Any], dry_run: bool, keep: int) -> MetricState:
    """A validated metric's limits (``IntOrString.IntValue`` of each, as Argo reads them)."""
    name = str(metric.get("name", ""))
    interval = parse_duration(metric["interval"]) if metric.get("interval") else None
    delay = parse_duration(metric["initialDelay"]) if metric.get("initialDelay") else 0.0
    count = int_value(metric.get("count"))
    errors = metric.get("consecutiveErrorLimit")
    limits = MetricLimits(
        count=MetricLimits.effective_count(count, interval is not None),
        failure_limit=int_value(metric.get("failureLimit")),
        inconclusive_limit=int_value(metric.get("inconclusiveLimit")),
        consecutive_error_limit=4 if errors is None else int_value(errors),
        consecutive_success_limit=int_value(metric.get("consecutiveSuccessLimit")),
    )
    return MetricState(name, metric, limits, interval, delay, dry_run, history_limit=keep)


def rollout_analysis(rollout: Mapping[str, Any], action: StartAnalysisRun) -> Mapping[str, Any]:
    """The ``RolloutAnalysis`` an action's run comes from: the background analysis or the
    step's (empty when the rollout does not say, e.g. an Experiment's run)."""
    canary = ((rollout.get("spec") or {}).get("strategy") or {}).get("canary") or {}
    if action.kind == "Background":
        found = canary.get("analysis")
    elif action.step_index is not None and action.step_index < len(canary.get("steps") or []):
        found = (canary["steps"][action.step_index] or {}).get("analysis")
    else:
        found = None
    return found if isinstance(found, Mapping) else {}


def resolve_run_spec(
    action: StartAnalysisRun,
    templates: Mapping[str, Mapping[str, Any]],
    context: ArgContext,
    rollout_dry_run: Iterable[str] = (),
    cluster_templates: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[MetricState]:
    """Create the run's spec and reconcile it once as Argo does; raises :class:`RunSpecError`
    with the message the run gets.

    The templates are found as the rollout's analysis names them (``clusterScope`` refs in
    *cluster_templates*, others in *templates*; without *cluster_templates* both look in
    *templates*), then :mod:`canarysim.engine.analysis.runspec` builds the spec (its errors,
    which stop the rollout controller before any run exists in Argo, fail the run here with
    ``Unable to resolve metric arguments:`` for args and the error itself otherwise), resolves
    each metric's args (``Unable to resolve metric arguments: ...``) and validates metrics,
    dry-run and retention rules (``Analysis spec invalid: ...``).
    """
    analysis = rollout_analysis(context.rollout, action)
    refs = analysis.get("templates") or [{"templateName": n} for n in action.templates]
    dry = analysis.get("dryRun") if analysis else [{"metricName": p} for p in rollout_dry_run]
    keep = analysis.get("measurementRetention") or []

    def lookup(name: str, cluster_scope: bool) -> Mapping[str, Any] | None:
        if cluster_scope and cluster_templates is not None:
            return cluster_templates.get(name)
        return templates.get(name)

    try:
        plain, cluster = collect_templates(refs, lookup)
    except TemplateNotFound as err:
        kind = "ClusterAnalysisTemplate" if err.cluster_scope else "AnalysisTemplate"
        raise RunSpecError(f'{kind} "{err.name}" not found') from None
    args = _rollout_args(action.args, context)
    try:
        spec = new_run_spec(plain, cluster, args, dry or [], keep)
    except EngineRunSpecError as err:
        text = str(err)
        if text.startswith(("Argument `", "args.")):
            text = f"Unable to resolve metric arguments: {text}"
        raise RunSpecError(text) from None
    try:
        resolved_args = _secret_args(spec.args, context.secrets)
        resolved = [resolve_metric_args(m, resolved_args) for m in spec.metrics]
    except RunSpecError as err:
        raise RunSpecError(f"Unable to resolve metric arguments: {err}") from None
    except EngineRunSpecError as err:
        raise RunSpecError(f"Unable to resolve metric arguments: {err}") from None
    try:
        validate_metrics(resolved)
        dry_names = dry_run_metrics(spec.dry_run, resolved)
        limits = retention_limits(spec.measurement_retention, resolved)
    except EngineRunSpecError as err:
        raise RunSpecError(f"Analysis spec invalid: {err}") from None
    return [
        _metric_state(m, str(m.get("name", "")) in dry_names, limits[str(m.get("name", ""))])
        for m in resolved
    ]
