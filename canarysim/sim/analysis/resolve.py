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

from canarysim.declarations.manifests.analysis import PROVIDERS
from canarysim.engine.analysis.assess import (
    ERROR_RETRY_INTERVAL,
    MetricLimits,
    MetricTally,
    Phase,
)
from canarysim.engine.durations import parse_duration
from canarysim.engine.model import StartAnalysisRun

__all__ = ["ArgContext", "Measurement", "MetricState", "RunSpecError", "resolve_run_spec"]

_PLACEHOLDER = re.compile(r"{{\s*args\.([A-Za-z0-9_.-]+)\s*}}")


class RunSpecError(Exception):
    """The run cannot start; the message is what Argo puts in the run's status."""


@dataclass(frozen=True)
class ArgContext:
    """What ``valueFrom`` in a rollout's analysis args can refer to."""

    stable_hash: str
    latest_hash: str
    rollout: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """The namespace's Secrets: name -> key -> value (``valueFrom.secretKeyRef``)."""


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
    measurements: list[Measurement] = field(default_factory=list)
    in_flight_until: float | None = None

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


def _int_or_string(value: object, name: str, field_name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RunSpecError(f"metrics[{name}].{field_name}: expected an integer, got {value!r}")
    try:
        return int(str(value).strip())
    except ValueError:
        raise RunSpecError(
            f"metrics[{name}].{field_name}: expected an integer, got {value!r}"
        ) from None


def _resolve_args(
    template_args: Iterable[Mapping[str, Any]],
    rollout_args: Iterable[Mapping[str, Any]],
    context: ArgContext,
) -> dict[str, str]:
    """Merge template args with the rollout's (``MergeArgs``) and resolve ``valueFrom``."""
    merged: dict[str, Mapping[str, Any]] = {}
    for arg in template_args:
        name = str(arg.get("name"))
        previous = merged.get(name)
        if previous is None:
            merged[name] = arg
            continue
        old, new = previous.get("value"), arg.get("value")
        if old is not None and new is not None and old != new:
            raise RunSpecError(
                f"Argument `{name}` specified multiple times with different values: "
                f"'{old}', '{new}'"
            )
        if new is not None:
            merged[name] = arg
    for arg in rollout_args:
        name = str(arg.get("name"))
        if name in merged:
            merged[name] = arg
    values: dict[str, str] = {}
    for name, arg in merged.items():
        if arg.get("value") is not None:
            values[name] = str(arg["value"])
            continue
        source = arg.get("valueFrom") or {}
        hash_from = source.get("podTemplateHashValue")
        if hash_from == "Stable":
            values[name] = context.stable_hash
        elif hash_from == "Latest":
            values[name] = context.latest_hash
        elif "fieldRef" in source:
            values[name] = _field_path(context.rollout, str(source["fieldRef"].get("fieldPath")))
        elif "secretKeyRef" in source:
            values[name] = _secret(context.secrets, source["secretKeyRef"] or {})
        else:
            raise RunSpecError(f"args.{name} was not resolved")
    return values


def _secret(secrets: Mapping[str, Mapping[str, str]], ref: Mapping[str, Any]) -> str:
    """``Controller.resolveArgs`` (analysis/analysis.go): the API's error when the Secret or
    its key is missing (the run then errors: "Unable to resolve metric arguments: ...")."""
    name, key = str(ref.get("name", "")), str(ref.get("key", ""))
    if name not in secrets:
        raise RunSpecError(f'secrets "{name}" not found')
    if key not in secrets[name]:
        raise RunSpecError(f"key '{key}' does not exist in secret '{name}'")
    return secrets[name][key]


def _field_path(manifest: Mapping[str, Any], path: str) -> str:
    node: Any = manifest
    for part in re.findall(r"[^.\[\]']+", path):
        if not isinstance(node, Mapping) or part not in node:
            raise RunSpecError(f"failed to resolve fieldPath {path}")
        node = node[part]
    return node if isinstance(node, str) else json.dumps(node)


def _substitute(metric: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """``{{args.x}}`` placeholders, substituted JSON-escaped into the whole metric."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise RunSpecError(f"failed to resolve {{{{args.{name}}}}}")
        return json.dumps(values[name])[1:-1]

    resolved: dict[str, Any] = json.loads(_PLACEHOLDER.sub(one, json.dumps(metric)))
    return resolved


def _metric_state(metric: dict[str, Any], dry_run: bool) -> MetricState:
    name = str(metric.get("name", ""))
    interval = parse_duration(metric["interval"]) if metric.get("interval") else None
    delay = parse_duration(metric["initialDelay"]) if metric.get("initialDelay") else 0.0
    count = _int_or_string(metric.get("count"), name, "count")
    failure_limit = _int_or_string(metric.get("failureLimit"), name, "failureLimit")
    consecutive_errors = _int_or_string(
        metric.get("consecutiveErrorLimit"), name, "consecutiveErrorLimit"
    )
    limits = MetricLimits(
        count=MetricLimits.effective_count(count, interval is not None),
        failure_limit=0 if failure_limit is None else failure_limit,
        inconclusive_limit=_int_or_string(metric.get("inconclusiveLimit"), name, "x") or 0,
        consecutive_error_limit=4 if consecutive_errors is None else consecutive_errors,
        consecutive_success_limit=_int_or_string(
            metric.get("consecutiveSuccessLimit"), name, "consecutiveSuccessLimit"
        )
        or 0,
    )
    return MetricState(name, metric, limits, interval, delay, dry_run)


def _validate(metrics: list[MetricState]) -> None:
    """The checks of ``utils/analysis/factory.go::ValidateMetric`` that can trip here."""
    if not metrics:
        raise RunSpecError("no metrics specified")
    seen: set[str] = set()
    for i, metric in enumerate(metrics):
        if metric.name in seen:
            raise RunSpecError(f"metrics[{i}]: duplicate name '{metric.name}'")
        seen.add(metric.name)
        providers = [p for p in PROVIDERS if p in (metric.spec.get("provider") or {})]
        if not providers:
            raise RunSpecError(f"metrics[{i}]: no provider specified")
        if len(providers) > 1:
            raise RunSpecError(f"metrics[{i}]: multiple providers specified")
        count = metric.limits.count
        if count is not None and count > 1 and metric.interval is None:
            raise RunSpecError(f"metrics[{i}]: interval must be specified when count > 1")


def resolve_run_spec(
    action: StartAnalysisRun,
    templates: Mapping[str, Mapping[str, Any]],
    context: ArgContext,
    rollout_dry_run: Iterable[str] = (),
) -> list[MetricState]:
    """Flatten the run's templates, resolve its args and validate its metrics; raises
    :class:`RunSpecError` with the message Argo would put on the run."""
    metrics: list[dict[str, Any]] = []
    template_args: list[Mapping[str, Any]] = []
    dry_patterns = list(rollout_dry_run)
    for name in action.templates:
        template = templates.get(name)
        if template is None:
            raise RunSpecError(f'AnalysisTemplate "{name}" not found')
        spec = template.get("spec") or {}
        metrics.extend(spec.get("metrics") or [])
        template_args.extend(spec.get("args") or [])
        dry_patterns.extend(str(d.get("metricName")) for d in spec.get("dryRun") or [])
    try:
        values = _resolve_args(template_args, action.args, context)
        resolved = [_substitute(m, values) for m in metrics]
    except RunSpecError as err:
        raise RunSpecError(f"Unable to resolve metric arguments: {err}") from None
    try:
        states = [
            _metric_state(m, any(re.search(p, str(m.get("name", ""))) for p in dry_patterns))
            for m in resolved
        ]
        _validate(states)
    except (RunSpecError, ValueError) as err:
        raise RunSpecError(f"Analysis spec invalid: {err}") from None
    return states
