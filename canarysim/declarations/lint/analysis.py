"""Lint of analysis templates: what makes an AnalysisRun go straight to phase Error.

Argo validates a run's metrics only when it creates the run (``utils/analysis/factory.go::
ValidateMetrics``); a bad template then fails the run (``Analysis spec invalid: ...``) and a
failed run aborts the rollout. We check the templates up front with the same rules and text.

A Prometheus query Argo does not look at: Prometheus refuses one that does not parse, and
every measurement of the metric is an Error (``lint/promql``, a warning: the cluster accepts
the template, and the run plays the errors out). Likewise a success or failure condition that
does not compile (``lint/condition``): Argo only compiles it when it assesses a measurement.
"""

from __future__ import annotations

import re
from typing import Any

from canarysim.declarations.findings import Finding
from canarysim.declarations.lint.finding import at
from canarysim.declarations.manifests.analysis import (
    AnalysisTemplate,
    ClusterAnalysisTemplate,
    Metric,
)
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.engine.analysis.runspec import RunSpecError, validate_metric

__all__ = [
    "PLACEHOLDER",
    "condition_error",
    "lint_analysis",
    "metrics_error",
    "placeholder_outside_quotes",
    "query_error",
]


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
            at(
                t,
                path,
                "lint/analysis-spec",
                "error",
                f'{t.kind} "{t.name}": an AnalysisRun from it ends in phase Error with '
                f'"Analysis spec invalid: {text}"',
            )
        )
    for t in templates:
        for i, m in enumerate(t.spec.metrics):
            prometheus = m.provider.prometheus
            problem = query_error(prometheus.query) if prometheus is not None else None
            if problem is not None:
                out.append(
                    at(
                        t,
                        ("spec", "metrics", i, "provider", "prometheus", "query"),
                        "lint/promql",
                        "warning",
                        f'{t.kind} "{t.name}" metric "{m.name}": Prometheus refuses the query '
                        f"({problem}): every measurement is an Error",
                    )
                )
        for i, m in enumerate(t.spec.metrics):
            for key, condition in (
                ("successCondition", m.success_condition),
                ("failureCondition", m.failure_condition),
            ):
                problem = condition_error(condition or "")
                if problem is not None:
                    out.append(
                        at(
                            t,
                            ("spec", "metrics", i, key),
                            "lint/condition",
                            "warning",
                            f'{t.kind} "{t.name}" metric "{m.name}": {key} "{condition}" does '
                            f"not compile ({problem}): every measurement is an Error",
                        )
                    )
    return out


def condition_error(condition: str) -> str | None:
    """Why a success/failure condition does not compile (expr's message), or None; one with
    an ``{{args.x}}`` placeholder is only known at run time and is not judged."""
    from canarysim.lang.expr.parse import ConditionError, parse  # only for conditions

    if not condition.strip() or _TEMPLATED.search(condition):
        return None
    try:
        parse(condition)
    except ConditionError as err:
        return str(err)
    return None


def query_error(query: str) -> str | None:
    """Why Prometheus would refuse ``query`` (its parse error, ``line:column: ...``), or None.

    An ``{{args.x}}`` placeholder inside a quoted string stands for a string of its own length
    (so positions stay those of the text); a query with one elsewhere (a metric name, a range)
    is only known at run time and is not judged."""
    from canarysim.lang.promql.parse import parse  # only for templates with a query
    from canarysim.lang.promql.syntax import PromQLError

    if placeholder_outside_quotes(query):
        return None
    text = PLACEHOLDER.sub(lambda m: "x" * len(m.group()), query)
    try:
        parse(text)
    except PromQLError as err:
        return str(err)
    return None


def metrics_error(metrics: list[Metric]) -> tuple[int | None, str] | None:
    """``ValidateMetrics``: (metric index, Argo's message) of the first problem, or None.

    The rules are :mod:`canarysim.engine.analysis.runspec`'s, which the simulated runs apply
    too. Templated values (``{{args.x}}``) are only known at run time and are not judged here.
    """
    if not metrics:
        return None, "no metrics specified"
    seen: set[str] = set()
    for i, m in enumerate(metrics):
        if m.name in seen:
            return i, f"metrics[{i}]: duplicate name '{m.name}'"
        seen.add(m.name)
        raw = m.model_dump(by_alias=True, exclude_none=True)
        limits = ("count", "failureLimit", "consecutiveSuccessLimit", "inconclusiveLimit")
        if any(_TEMPLATED.search(str(raw.get(k, ""))) for k in limits):
            continue
        if _TEMPLATED.search(str(raw.get("consecutiveErrorLimit", ""))):
            raw.pop("consecutiveErrorLimit")
        for key in ("interval", "initialDelay"):  # a templated duration stands for a valid one
            if _TEMPLATED.search(str(raw.get(key, ""))):
                raw[key] = "1s"
        try:
            validate_metric(raw)
        except RunSpecError as err:
            return i, f"metrics[{i}]: {err}"
    return None


_TEMPLATED = re.compile(r"\{\{.*\}\}")
PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")
"""One ``{{args.x}}`` placeholder of a query."""
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


def placeholder_outside_quotes(query: str) -> bool:
    """Whether an ``{{args.x}}`` placeholder of a PromQL ``query`` stands outside its quoted
    strings (for a metric name, a range, a function): such a query is only known at run
    time. One inside a quoted string stands for a string, and the query parses with any."""
    return "{{" in _QUOTED.sub('""', query)
