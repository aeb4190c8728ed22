"""Lint of analysis templates: what makes an AnalysisRun go straight to phase Error.

Argo validates a run's metrics only when it creates the run (``utils/analysis/factory.go::
ValidateMetrics``); a bad template then fails the run (``Analysis spec invalid: ...``) and a
failed run aborts the rollout. We check the templates up front with the same rules and text.
"""

from __future__ import annotations

import re
from typing import Any

from canarysim.declarations.findings import Finding
from canarysim.declarations.manifests.analysis import (
    AnalysisTemplate,
    ClusterAnalysisTemplate,
    Metric,
)
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.engine.durations import parse_duration

__all__ = ["lint_analysis", "metrics_error"]


def lint_analysis(objs: Manifests) -> list[Finding]:
    """One error per template whose metrics Argo's ``ValidateMetrics`` rejects."""
    out = []
    templates: list[AnalysisTemplate | ClusterAnalysisTemplate] = [
        *objs.analysis_templates,
        *objs.cluster_analysis_templates,
    ]
    for t in templates:
        err = metrics_error(t.spec.metrics)
        if err is None:
            continue
        index, text = err
        path: tuple[Any, ...] = ("spec", "metrics", index) if index is not None else ("spec",)
        out.append(
            Finding(
                t.file,
                t.line_of(*path),
                "lint/analysis-spec",
                "error",
                f'{t.kind} "{t.name}": an AnalysisRun from it ends in phase Error with '
                f'"Analysis spec invalid: {text}"',
            )
        )
    return out


def metrics_error(metrics: list[Metric]) -> tuple[int | None, str] | None:
    """``ValidateMetrics``: (metric index, Argo's message) of the first problem, or None.

    Templated values (``{{args.x}}``) are only known at run time and are not judged here.
    """
    if not metrics:
        return None, "no metrics specified"
    seen: set[str] = set()
    for i, m in enumerate(metrics):
        if m.name in seen:
            return i, f"metrics[{i}]: duplicate name '{m.name}'"
        seen.add(m.name)
        problem = _metric_error(m)
        if problem is not None:
            return i, f"metrics[{i}]: {problem}"
    return None


_TEMPLATED = re.compile(r"\{\{.*\}\}")


def _int(value: int | str | None) -> int | None:
    """``IntOrString.IntValue`` (None when templated: unknown until run time)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if _TEMPLATED.search(value):
        return None
    try:
        return int(value)
    except ValueError:
        return 0


def _metric_error(m: Metric) -> str | None:
    """``ValidateMetric``'s checks, in its order."""
    values = [
        _int(m.count),
        _int(m.failure_limit),
        _int(m.consecutive_success_limit),
        _int(m.inconclusive_limit),
    ]
    if any(v is None for v in values):
        return None
    count, failure, success, inconclusive = (int(v or 0) for v in values)
    if success < 0:
        return "consecutiveSuccessLimit must be >= 0"
    if failure < -1:
        return "failureLimit must be >= 0, or -1 to be disabled"
    if success == 0 and failure == -1:
        return "failureLimit and consecutiveSuccessLimit cannot both be disabled"
    if inconclusive < 0:
        return "inconclusiveLimit must be >= 0"
    errors = _int(m.consecutive_error_limit) if m.consecutive_error_limit is not None else 0
    if errors is not None and errors < 0:
        return "consecutiveErrorLimit must be >= 0"
    if count > 0:
        if success >= 0 and failure >= 0 and count < failure + success:
            return (
                f"count ({count}) must be >= failureLimit + consecutiveSuccessLimit "
                f"({failure} + {success}) if both >= 0"
            )
        if success >= 0 and failure < 0 and count < success:
            return "count must be >= consecutiveSuccessLimit"
        if count < inconclusive:
            return "count must be >= inconclusiveLimit"
    if count > 1 and not m.interval:
        return "interval must be specified when count > 1"
    for value, label in ((m.interval, "interval"), (m.initial_delay, "startDelay")):
        if value and not _TEMPLATED.search(value):
            problem = _go_duration_problem(value)
            if problem is not None:
                return f"invalid {label} string: {problem}"
    n = len([k for k in m.provider.kinds if k != "plugin"]) + len(m.provider.plugin or {})
    if n == 0:
        return "no provider specified"
    if n > 1:
        return "multiple providers specified"
    return None


def _go_duration_problem(value: str) -> str | None:
    """``time.ParseDuration``'s error text, or None when it parses.

    A metric's ``interval`` is a Go duration only (``DurationString.Duration``): unlike a pause,
    a bare number is not seconds (``"30"`` is ``missing unit``, ``"0"`` is fine).
    """
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
