"""Argo's checks of the analysis templates a Rollout refers to.

``validation_references.go::ValidateAnalysisTemplatesWithType`` and
``ValidateAnalysisTemplateWithType``, with the helpers they call in ``utils/analysis``
(``NewAnalysisRunFromTemplates``, ``flattenArgs``, ``MergeArgs``, ``ResolveMetricArgs``,
``Metric.EffectiveCount``). Messages are Argo's verbatim.
"""

from __future__ import annotations

import json
import re
from typing import Any

from canarysim.declarations.argo.fielderr import FieldError
from canarysim.declarations.manifests.analysis import AnalysisTemplate, ClusterAnalysisTemplate
from canarysim.declarations.manifests.argo import AnalysisRunArgument, Rollout, RolloutAnalysis
from canarysim.engine.analysis.runspec import RunSpecError, new_run_spec

__all__ = ["Templates", "effective_count", "validate_analysis"]

Templates = tuple[list[AnalysisTemplate], list[ClusterAnalysisTemplate]]
AnyTemplate = AnalysisTemplate | ClusterAnalysisTemplate


def _both(
    plain: list[AnalysisTemplate], cluster: list[ClusterAnalysisTemplate]
) -> list[AnyTemplate]:
    """Namespaced templates first, then cluster ones (the order Argo flattens them in)."""
    return [*plain, *cluster]


def validate_analysis(
    ro: Rollout, kind: str, index: int, analysis: RolloutAnalysis, templates: Templates
) -> list[FieldError]:
    """``ValidateAnalysisTemplatesWithType``."""
    plain, cluster = templates
    if kind == "Inline":
        path = f"spec.strategy.canary.steps[{index}].analysis.templates"
    else:
        path = "spec.strategy.canary.analysis.templates"
    names = [t.name for t in plain] + [t.name for t in cluster]
    value = f"templateNames: [{' '.join(names)}]"
    args = _rollout_args(analysis.args, ro)
    err = _new_run_error(plain, cluster, args)
    if err is None and ro.canary is not None:
        # validation_references.go re-checks with every analysis step's own rules
        for step in ro.canary.steps:
            if step.analysis is not None and err is None:
                err = _new_run_error(
                    plain,
                    cluster,
                    args,
                    [d.metric_name for d in step.analysis.dry_run],
                    [r.metric_name for r in step.analysis.measurement_retention],
                )
    if err is not None:
        return [FieldError(path, "Invalid", value, err)]
    errs: list[FieldError] = []
    for t in _both(plain, cluster):
        errs += _template(ro, t, kind, path)
    return errs


def _rollout_args(args: list[AnalysisRunArgument], ro: Rollout) -> dict[str, str]:
    """``BuildArgumentsForRolloutAnalysisRun`` with dummy hashes, as validation runs it."""
    out: dict[str, str] = {}
    for a in args:
        value = a.value
        vf = a.value_from
        if vf is not None:
            if vf.pod_template_hash_value == "Latest":
                value = "dummy-new-hash"
            elif vf.pod_template_hash_value == "Stable":
                value = "dummy-stable-hash"
            elif vf.field_ref is not None:
                value = _field_value(ro, vf.field_ref.field_path)
        out[a.name] = value
    return out


def _field_value(ro: Rollout, path: str) -> str:
    node: Any = ro.raw
    for part in (p for p in re.split(r"[.\[\]']+", path) if p):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return ""
    return node if isinstance(node, str) else ("" if node is None else json.dumps(node))


def _new_run_error(
    plain: list[AnalysisTemplate],
    cluster: list[ClusterAnalysisTemplate],
    rollout_args: dict[str, str],
    dry_run: list[str] | None = None,
    retention: list[str] | None = None,
) -> str | None:
    """The error ``NewAnalysisRunFromTemplates`` would return, if any: ``FlattenTemplates``
    (metrics, dry-run rules, retention rules, args), then ``MergeArgs``, then merging the
    rollout's own dry-run and retention rules."""
    try:  # one implementation with the runs the simulator creates
        new_run_spec(
            [t.raw for t in plain],
            [t.raw for t in cluster],
            [{"name": k, "value": v} for k, v in rollout_args.items()],
            [{"metricName": d} for d in dry_run or []],
            [{"metricName": r} for r in retention or []],
        )
    except RunSpecError as err:
        return str(err)
    return None


def _template(
    ro: Rollout, t: AnalysisTemplate | ClusterAnalysisTemplate, kind: str, path: str
) -> list[FieldError]:
    """``ValidateAnalysisTemplateWithType``."""
    errs: list[FieldError] = []
    if kind != "Background":
        args: dict[str, str] = {}
        for a in t.spec.args:
            if a.value_from is not None and a.value is not None:
                msg = f"arg '{a.name}' has both Value and ValueFrom fields"
                return [FieldError(path, "Invalid", t.name, f"AnalysisTemplate {t.name}: {msg}")]
            args[a.name] = a.value if a.value is not None else "dummy-value"
        raw_metrics = (t.raw.get("spec") or {}).get("metrics") or []
        for i, metric in enumerate(t.spec.metrics):
            raw = raw_metrics[i] if i < len(raw_metrics) else metric.model_dump(by_alias=True)
            resolved, error = _resolve_metric(raw, args)
            if error is not None:
                errs.append(
                    FieldError(path, "Invalid", t.name, f"AnalysisTemplate {t.name}: {error}")
                )
                return errs
            count = effective_count(resolved)
            if count is None:
                shown = resolved.get("count")
                shown_text = "<nil>" if shown is None else str(shown)
                errs.append(
                    FieldError(
                        path,
                        "Invalid",
                        t.name,
                        f"AnalysisTemplate {t.name} has metric {metric.name} which "
                        f"runs indefinitely. Invalid value for count: {shown_text}",
                    )
                )
    else:
        c = ro.canary
        rollout_args = c.analysis.args if c is not None and c.analysis is not None else []
        for a in t.spec.args:
            if a.value is not None or a.value_from is not None:
                continue
            if not rollout_args:
                errs.append(
                    FieldError(
                        path, "Invalid", t.name, "missing analysis arguments in rollout spec"
                    )
                )
                continue
            if all(ra.name != a.name for ra in rollout_args):
                errs.append(FieldError(path, "Invalid", t.name, a.name))
    return errs


_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)


def _resolve_metric(raw: Any, args: dict[str, str]) -> tuple[dict[str, Any], str | None]:
    """``ResolveMetricArgs``: substitute ``{{args.x}}`` in the metric's JSON."""
    text = json.dumps(raw, ensure_ascii=False)
    error: str | None = None

    def sub(m: re.Match[str]) -> str:
        nonlocal error
        tag = m.group(1)
        key = tag.strip()
        if key.startswith("args.") and key[5:] in args:
            return json.dumps(args[key[5:]], ensure_ascii=False)[1:-1]
        error = f"failed to resolve {{{{{tag}}}}}"
        return ""

    text = _TAG.sub(sub, text)
    if error is not None:
        return {}, error
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:  # a substituted value broke the JSON
        return {}, str(exc)


def effective_count(metric: dict[str, Any]) -> int | None:
    """``Metric.EffectiveCount``: unset or zero count means 1 without an interval, else
    "indefinitely" (None)."""
    count = metric.get("count")
    value = _int_value(count) if count is not None else 0
    if count is None or value == 0:
        return 1 if not metric.get("interval") else None
    return value


def _int_value(v: Any) -> int:
    """``IntOrString.IntValue``: strings through Atoi, 0 on failure."""
    if isinstance(v, bool):
        return 0
    if isinstance(v, int):
        return v
    try:
        return int(str(v))
    except ValueError:
        return 0
