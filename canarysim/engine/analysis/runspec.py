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
from canarysim.lang.expr.values import go_quote

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

    def __init__(self, name: str, cluster_scope: bool, *, nested: bool) -> None:
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
    seen: set[tuple[bool, str]] = set()

    def walk(items: Iterable[Mapping[str, Any]], nested: bool) -> None:
        for ref in items:
            name = str(ref.get("templateName", ""))
            scoped = bool(ref.get("clusterScope"))
            # FilterUniqueTemplates keeps the first of each name per scope, and all a template
            # includes was collected when it was first met: a template met again is skipped
            # (so one that includes itself, where Argo would recurse without end, stops here).
            if (scoped, name) in seen:
                continue
            found = lookup(name, scoped)
            if found is None:
                raise TemplateNotFound(name, scoped, nested=nested)
            seen.add((scoped, name))
            (cluster if scoped else plain).append(found)
            walk(_spec(found).get("templates") or [], True)

    walk(refs, False)
    return plain, cluster


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
    combined: dict[Any, dict[str, Any]] = {}  # flattenArgs, by name, in order of appearance
    for t in everything:
        for arg in _spec(t).get("args") or []:
            previous = combined.get(arg.get("name"))
            if previous is None:
                combined[arg.get("name")] = dict(arg)
                continue
            old, new = previous.get("value"), arg.get("value")
            if old is not None and new is not None and old != new:
                raise RunSpecError(
                    f"Argument `{arg.get('name')}` specified multiple times with different "
                    f"values: '{old}', '{new}'"
                )
            if old is None:
                combined[arg.get("name")] = dict(arg)
    for incoming in args:  # MergeArgs
        merged = combined.get(incoming.get("name"))
        if merged is None:
            continue
        if incoming.get("value") is not None:
            merged["value"] = incoming["value"]
        elif incoming.get("valueFrom") is not None:
            merged["valueFrom"] = incoming["valueFrom"]
    for merged in combined.values():  # ResolveArgs
        if merged.get("value") is None and merged.get("valueFrom") is None:
            raise RunSpecError(f"args.{merged['name']} was not resolved")
    run_dry = [*(dict(d) for d in dry_run), *template_dry]
    _no_duplicate_rules(run_dry, "Dry-Run")
    run_keep = [*(dict(r) for r in measurement_retention), *template_keep]
    _no_duplicate_rules(run_keep, "Measurement Retention")
    return RunSpec(tuple(metrics), tuple(combined.values()), tuple(run_dry), tuple(run_keep))


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
    text = json.dumps(metric)
    unresolved = [tag for tag in _TAG.findall(text) if tag.strip() not in values]
    if unresolved:
        raise RunSpecError(f"failed to resolve {{{{{unresolved[-1]}}}}}")
    text = _TAG.sub(lambda match: values[match.group(1).strip()], text)
    try:
        resolved: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError as err:
        # strconv.Quote writes \a, \v, \xNN and \UNNNNNNNN, which are not JSON escapes: the
        # decoder stops at the letter after the backslash (Go's json.SyntaxError wording).
        raise RunSpecError(
            f"invalid character {text[err.pos + 1]!r} in string escape code"
        ) from None
    return resolved


_ATOI = re.compile(r"[+-]?[0-9]+")  # what strconv.Atoi accepts (no spaces, no underscores)
_INT64 = 1 << 63


def int_value(value: object) -> int:
    """``IntOrString.IntValue``: an int, or a string through ``Atoi`` (0 when not a number,
    clamped to an int64 when out of range); anything else (a boolean, None) is 0.

    >>> int_value(3), int_value("-3"), int_value("3s"), int_value(" 3"), int_value(True)
    (3, -3, 0, 0, 0)
    """
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _ATOI.fullmatch(value):
        return max(-_INT64, min(int(value), _INT64 - 1))
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
        if failure >= 0:
            if count < failure + streak:
                raise RunSpecError(
                    f"count ({count}) must be >= failureLimit + consecutiveSuccessLimit "
                    f"({failure} + {streak}) if both >= 0"
                )
        elif count < streak:
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


_GO_NUMBER = re.compile(r"[+-]?([0-9]+)")  # one sign, as Go consumes only one


def go_duration_error(value: str) -> str | None:
    """``time.ParseDuration``'s error text for a metric's ``interval``/``initialDelay``
    (``DurationString.Duration``: a Go duration only, so a bare ``"30"`` is ``missing unit``
    and only a lone ``"0"``, signed or not, needs none), or None when it parses."""
    number = _GO_NUMBER.fullmatch(value)
    if number is not None:  # ParseDuration: a number needs a unit, except the "0" special case
        return None if number.group(1) == "0" else f'time: missing unit in duration "{value}"'
    try:
        parse_duration(value)  # a Go duration whenever the text is not a bare number
    except ValueError as exc:
        text = str(exc)
        if text.startswith("unknown unit"):
            unit = text.split("'")[1]
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
    names = [str(metric.get("name", "")) for metric in metrics]
    for i, rule in enumerate(rules):
        hits = _matching_names(str(rule.get("metricName", "")), names)
        if not hits:
            raise RunSpecError(f"{what}[{i}]: Rule didn't match any metric name(s)")
        out.update(dict.fromkeys(hits, rule))  # a later rule wins, as in Argo's map
    return out


def _matching_names(pattern: str, names: list[str]) -> list[str]:
    try:
        regexp = re.compile(pattern)
    except re.error:  # regexp.MatchString's error is ignored: the rule matches nothing
        return []
    return [name for name in names if regexp.search(name)]


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
