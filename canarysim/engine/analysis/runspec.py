"""An AnalysisRun's spec as Argo builds and checks it: one implementation for validation and
for the runs the simulator starts.

Creation (the rollout controller, ``rollout/analysis.go::newAnalysisRunFromRollout``):

* :func:`collect_templates` follows template references, namespaced or ``clusterScope``, and
  the templates they include (``spec.templates``), keeping the first of each name
  (``getAnalysisTemplatesFromRefs``, ``FilterUniqueTemplates``);
* :func:`new_run_spec` flattens them (``NewAnalysisRunFromTemplates``: metrics, dry-run and
  retention rules, args, each with Argo's duplicate errors) and merges the rollout's args.

Reconciling the run (``analysis/analysis.go::reconcileAnalysisRun``), whose failures make the
run Error with ``Unable to resolve metric arguments: ...`` or ``Analysis spec invalid: ...``:
:func:`resolve_metric_args` (``ResolveMetricArgs``), :func:`validate_metrics`
(``ValidateMetrics``), :func:`dry_run_metrics` and :func:`retention_limits` (rules that match
no metric are errors). Everything is plain dicts as the manifests spell them.

>>> t = {"metadata": {"name": "rate"}, "spec": {"args": [{"name": "svc"}],
...      "metrics": [{"name": "m", "provider": {"job": {}}}]}}
>>> spec = new_run_spec([t], [], [{"name": "svc", "value": "canary"}])
>>> [m["name"] for m in spec.metrics], spec.args
(['m'], ({'name': 'svc', 'value': 'canary'},))
>>> dry_run_metrics([{"metricName": "nope"}], spec.metrics)
Traceback (most recent call last):
    ...
canarysim.engine.analysis.runspec.RunSpecError: dryRun[0]: Rule didn't match any metric name(s)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canarysim.engine.durations import parse_duration
from canarysim.lang.expr.evaluate import go_quote

__all__ = [
    "DEFAULT_MEASUREMENT_HISTORY_LIMIT",
    "PROVIDER_KINDS",
    "RunSpec",
    "RunSpecError",
    "TemplateNotFound",
    "collect_templates",
    "dry_run_metrics",
    "go_duration_error",
    "int_value",
    "new_run_spec",
    "resolve_metric_args",
    "retention_limits",
    "validate_metric",
    "validate_metrics",
]

#: ``analysis.DefaultMeasurementHistoryLimit``: measurements kept per metric unless a
#: ``measurementRetention`` rule says otherwise.
DEFAULT_MEASUREMENT_HISTORY_LIMIT = 10

#: The providers ``ValidateMetric`` counts (``plugin`` counts once per plugin entry).
PROVIDER_KINDS = (
    "prometheus",
    "job",
    "web",
    "wavefront",
    "kayenta",
    "datadog",
    "newRelic",
    "cloudWatch",
    "graphite",
    "influxdb",
    "skywalking",
)

Manifest = Mapping[str, Any]


class RunSpecError(Exception):
    """Argo's error text (the run's message gets a prefix saying at which stage it failed)."""


class TemplateNotFound(RunSpecError):
    """A referenced (Cluster)AnalysisTemplate does not exist (*nested*: referenced by another
    template's ``spec.templates`` rather than by the rollout)."""

    def __init__(self, name: str, cluster_scope: bool, nested: bool = False) -> None:
        self.name = name
        self.cluster_scope = cluster_scope
        self.nested = nested
        kind = "ClusterAnalysisTemplate" if cluster_scope else "AnalysisTemplate"
        super().__init__(f"{kind} '{name}' not found")


@dataclass(frozen=True)
class RunSpec:
    """``AnalysisRun.spec`` as created: metrics, args (the rollout's merged into the
    templates'), dry-run and measurement-retention rules (the rollout's first)."""

    metrics: tuple[dict[str, Any], ...]
    args: tuple[dict[str, Any], ...]
    dry_run: tuple[dict[str, Any], ...] = ()
    measurement_retention: tuple[dict[str, Any], ...] = ()


def _spec(template: Manifest) -> Mapping[str, Any]:
    spec = template.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _name(template: Manifest) -> str:
    return str((template.get("metadata") or {}).get("name", ""))


def collect_templates(
    refs: Iterable[Mapping[str, Any]],
    lookup: Callable[[str, bool], Manifest | None],
) -> tuple[list[Manifest], list[Manifest]]:
    """Namespaced and cluster templates for ``refs`` (``templateName``, ``clusterScope``),
    nested ones after the template including them, duplicates dropped (first kept).
    ``lookup(name, cluster_scope)`` finds one; a missing one raises :class:`TemplateNotFound`.
    """
    plain: list[Manifest] = []
    cluster: list[Manifest] = []

    def walk(items: Iterable[Mapping[str, Any]], depth: int) -> None:
        if depth > 20:  # a template that includes itself: Argo would recurse without end
            return
        for ref in items:
            name = str(ref.get("templateName", ""))
            scoped = bool(ref.get("clusterScope"))
            found = lookup(name, scoped)
            if found is None:
                raise TemplateNotFound(name, scoped, nested=depth > 0)
            (cluster if scoped else plain).append(found)
            walk(_spec(found).get("templates") or [], depth + 1)

    walk(refs, 0)
    return _unique(plain), _unique(cluster)


def _unique(templates: list[Manifest]) -> list[Manifest]:
    seen: set[str] = set()
    out = []
    for t in templates:
        if _name(t) not in seen:
            seen.add(_name(t))
            out.append(t)
    return out


def _no_duplicate_rules(rules: Sequence[Mapping[str, Any]], what: str) -> None:
    seen: set[str] = set()
    for rule in rules:
        name = str(rule.get("metricName", ""))
        if name in seen:
            raise RunSpecError(f"two {what} metric rules have the same name '{name}'")
        seen.add(name)


def new_run_spec(
    templates: Sequence[Manifest],
    cluster_templates: Sequence[Manifest],
    args: Sequence[Mapping[str, Any]],
    dry_run: Sequence[Mapping[str, Any]] = (),
    measurement_retention: Sequence[Mapping[str, Any]] = (),
) -> RunSpec:
    """``NewAnalysisRunFromTemplates``: ``FlattenTemplates`` (namespaced templates first),
    ``MergeArgs`` with the rollout's *args* (each with a value already), then the rollout's
    own dry-run and retention rules ahead of the templates'."""
    everything = [*templates, *cluster_templates]
    metrics = [dict(m) for t in everything for m in _spec(t).get("metrics") or []]
    seen: set[str] = set()
    for metric in metrics:
        name = str(metric.get("name", ""))
        if name in seen:
            raise RunSpecError(f"two metrics have the same name '{name}'")
        seen.add(name)
    template_dry = [dict(d) for t in everything for d in _spec(t).get("dryRun") or []]
    _no_duplicate_rules(template_dry, "Dry-Run")
    template_keep = [
        dict(r) for t in everything for r in _spec(t).get("measurementRetention") or []
    ]
    _no_duplicate_rules(template_keep, "Measurement Retention")
    combined: list[dict[str, Any]] = []  # flattenArgs
    for t in everything:
        for arg in _spec(t).get("args") or []:
            previous = next((i for i, a in enumerate(combined) if a["name"] == arg.get("name")), -1)
            if previous < 0:
                combined.append(dict(arg))
                continue
            old, new = combined[previous].get("value"), arg.get("value")
            if old is not None and new is not None and old != new:
                raise RunSpecError(
                    f"Argument `{arg.get('name')}` specified multiple times with different "
                    f"values: '{old}', '{new}'"
                )
            if old is None:
                combined[previous] = dict(arg)
    for incoming in args:  # MergeArgs
        for merged in combined:
            if merged["name"] == incoming.get("name"):
                if incoming.get("value") is not None:
                    merged["value"] = incoming["value"]
                elif incoming.get("valueFrom") is not None:
                    merged["valueFrom"] = incoming["valueFrom"]
    for merged in combined:  # ResolveArgs
        if merged.get("value") is None and merged.get("valueFrom") is None:
            raise RunSpecError(f"args.{merged['name']} was not resolved")
    run_dry = [*(dict(d) for d in dry_run), *template_dry]
    _no_duplicate_rules(run_dry, "Dry-Run")
    run_keep = [*(dict(r) for r in measurement_retention), *template_keep]
    _no_duplicate_rules(run_keep, "Measurement Retention")
    return RunSpec(tuple(metrics), tuple(combined), tuple(run_dry), tuple(run_keep))


_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)


def resolve_metric_args(
    metric: Mapping[str, Any], args: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """``ResolveMetricArgs``: every ``{{...}}`` tag in the metric's JSON replaced by its arg's
    value, escaped as ``strconv.Quote`` does; an arg without a value is ``argument "x" was not
    supplied``; a tag that names no arg fails with the *last* such tag, spelled as written."""
    values: dict[str, str] = {}
    for arg in args:
        if arg.get("value") is None:
            raise RunSpecError(f'argument "{arg.get("name")}" was not supplied')
        values[f"args.{arg.get('name')}"] = go_quote(str(arg["value"]))[1:-1]
    unresolved: list[str] = []

    def one(match: re.Match[str]) -> str:
        tag = match.group(1)
        value = values.get(tag.strip())
        if value is None:
            unresolved.append(tag)
            return ""
        return value

    text = _TAG.sub(one, json.dumps(metric))
    if unresolved:
        raise RunSpecError(f"failed to resolve {{{{{unresolved[-1]}}}}}")
    try:
        resolved: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError as err:  # a substituted value broke the JSON
        raise RunSpecError(str(err)) from None
    return resolved


def int_value(value: object) -> int:
    """``IntOrString.IntValue``: an int, or a string through ``Atoi`` (0 when not a number)."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return 0


def validate_metric(metric: Mapping[str, Any]) -> None:
    """``ValidateMetric``, in Argo's order and words."""
    count = int_value(metric.get("count"))
    failure = int_value(metric.get("failureLimit"))
    streak = int_value(metric.get("consecutiveSuccessLimit"))
    inconclusive = int_value(metric.get("inconclusiveLimit"))
    if streak < 0:
        raise RunSpecError("consecutiveSuccessLimit must be >= 0")
    if failure < -1:
        raise RunSpecError("failureLimit must be >= 0, or -1 to be disabled")
    if streak == 0 and failure == -1:
        raise RunSpecError("failureLimit and consecutiveSuccessLimit cannot both be disabled")
    if inconclusive < 0:
        raise RunSpecError("inconclusiveLimit must be >= 0")
    if int_value(metric.get("consecutiveErrorLimit")) < 0:
        raise RunSpecError("consecutiveErrorLimit must be >= 0")
    if count > 0:
        if failure >= 0 and count < failure + streak:
            raise RunSpecError(
                f"count ({count}) must be >= failureLimit + consecutiveSuccessLimit "
                f"({failure} + {streak}) if both >= 0"
            )
        if failure < 0 and count < streak:
            raise RunSpecError("count must be >= consecutiveSuccessLimit")
        if count < inconclusive:
            raise RunSpecError("count must be >= inconclusiveLimit")
    if count > 1 and not metric.get("interval"):
        raise RunSpecError("interval must be specified when count > 1")
    for key, label in (("interval", "interval"), ("initialDelay", "startDelay")):
        if metric.get(key):
            problem = go_duration_error(str(metric[key]))
            if problem is not None:
                raise RunSpecError(f"invalid {label} string: {problem}")
    provider = metric.get("provider") or {}
    kinds = sum(1 for k in PROVIDER_KINDS if provider.get(k) is not None)
    kinds += len(provider.get("plugin") or {})
    if kinds == 0:
        raise RunSpecError("no provider specified")
    if kinds > 1:
        raise RunSpecError("multiple providers specified")


def go_duration_error(value: str) -> str | None:
    """``time.ParseDuration``'s error text for a metric's ``interval``/``initialDelay``
    (``DurationString.Duration``: a Go duration only, so a bare ``"30"`` is ``missing unit``
    and only ``"0"`` needs none), or None when it parses."""
    bare = value.lstrip("+-")
    if bare.isdigit():
        return None if int(bare) == 0 else f'time: missing unit in duration "{value}"'
    try:
        parse_duration(value)
    except ValueError as exc:
        text = str(exc)
        if text.startswith("unknown unit"):
            unit = text.split("'")[1] if "'" in text else ""
            return f'time: unknown unit "{unit}" in duration "{value}"'
        if text.startswith("missing unit"):
            return f'time: missing unit in duration "{value}"'
        return f'time: invalid duration "{value}"'
    return None


def validate_metrics(metrics: Sequence[Mapping[str, Any]]) -> None:
    """``ValidateMetrics``: at least one, unique names, each valid."""
    if not metrics:
        raise RunSpecError("no metrics specified")
    seen: set[str] = set()
    for i, metric in enumerate(metrics):
        name = str(metric.get("name", ""))
        if name in seen:
            raise RunSpecError(f"metrics[{i}]: duplicate name '{name}'")
        seen.add(name)
        try:
            validate_metric(metric)
        except RunSpecError as err:
            raise RunSpecError(f"metrics[{i}]: {err}") from None


def _matching(
    rules: Sequence[Mapping[str, Any]], metrics: Sequence[Mapping[str, Any]], what: str
) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for i, rule in enumerate(rules):
        pattern = str(rule.get("metricName", ""))
        matched = 0
        for metric in metrics:
            name = str(metric.get("name", ""))
            try:
                hit = re.search(pattern, name) is not None
            except re.error:
                hit = False  # regexp.MatchString's error is ignored: no match
            if hit:
                out[name] = rule
                matched += 1
        if matched < 1:
            raise RunSpecError(f"{what}[{i}]: Rule didn't match any metric name(s)")
    return out


def dry_run_metrics(
    rules: Sequence[Mapping[str, Any]], metrics: Sequence[Mapping[str, Any]]
) -> frozenset[str]:
    """``GetDryRunMetrics``: names of the metrics some rule's regexp matches."""
    return frozenset(_matching(rules, metrics, "dryRun"))


def retention_limits(
    rules: Sequence[Mapping[str, Any]], metrics: Sequence[Mapping[str, Any]]
) -> dict[str, int]:
    """``GetMeasurementRetentionMetrics`` and the limit ``garbageCollectMeasurements`` keeps:
    a rule's positive ``limit``, else the default history limit, per metric name."""
    matched = _matching(rules, metrics, "measurementRetention")
    limits: dict[str, int] = {}
    for metric in metrics:
        name = str(metric.get("name", ""))
        rule = matched.get(name)
        limit = int_value(rule.get("limit")) if rule is not None else 0
        limits[name] = limit if limit > 0 else DEFAULT_MEASUREMENT_HISTORY_LIMIT
    return limits
