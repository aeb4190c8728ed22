"""The scenario's ``analysis:`` section as the simulated providers of a world.

The spec layer says what Jobs, web endpoints and Prometheus do
(:mod:`canarysim.declarations.scenario.analysis`); this module turns that into
:class:`Providers`: sampling distributions, time-varying chances, and
web answers computed from the world's metric store through the same PromQL evaluator the
Prometheus provider uses.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from canarysim.declarations.scenario.analysis import JobBehaviour, WebAnswer
from canarysim.declarations.scenario.model import Scenario
from canarysim.declarations.scenario.values import at_time
from canarysim.sim.analysis.jobs import JobModel
from canarysim.sim.inputs import dist_of

__all__ = ["Providers", "metric_lookback", "metric_names_read", "providers_for", "reads_metrics"]


@dataclass
class Providers:
    """The simulated metric providers a world offers to its AnalysisRuns.

    ``web`` answers per metric name or URL: a JSON body (the metric's ``jsonPath`` applied),
    or a callable ``answer(now)`` giving the result itself. ``jobs`` are per metric name
    (others use ``job``). ``prometheus_latency(rng)`` draws how long a query takes."""

    prometheus: Callable[[str, float], object] | None = None
    #: ``prometheus_range(query, start, end, step, now)``: a range query's matrix as
    #: ``[(labels, [(t, value), ...]), ...]`` (simulated seconds), asked at ``now``.
    prometheus_range: (
        Callable[[str, float, float, float, float], list[tuple[Any, list[tuple[float, float]]]]]
        | None
    ) = None
    job: JobModel = field(default_factory=JobModel)
    web: Mapping[str, object] = field(default_factory=dict)
    jobs: Mapping[str, JobModel] = field(default_factory=dict)
    prometheus_latency: Callable[[np.random.Generator], float] | None = None
    job_pull_failure: Callable[[str, np.random.Generator], float | None] | None = None
    """``(image, rng)`` -> seconds from a Job's creation until its pod reports ErrImagePull,
    or None when the image pulls (the scenario's ``pods`` model, as for the Rollout's pods)."""

    def job_for(self, metric: str) -> JobModel:
        return self.jobs.get(metric, self.job)


Query = Callable[[str, float], object]
RangeQuery = Callable[
    [str, float, float, float, float], list[tuple[Any, list[tuple[float, float]]]]
]


def providers_for(
    scenario: Scenario, prometheus: Query, prometheus_range: RangeQuery | None = None
) -> Providers:
    """The providers a world offers its AnalysisRuns; ``prometheus(query, now)`` evaluates
    PromQL over the world's metrics, ``prometheus_range(query, start, end, step, now)`` a
    range query."""
    spec = scenario.analysis
    latency = spec.prometheus.latency
    latency_dist = dist_of(latency) if latency is not None else None
    return Providers(
        prometheus=prometheus,
        prometheus_range=prometheus_range,
        job=_job_model(spec.job_for("")),
        jobs={name: _job_model(spec.job_for(name)) for name in spec.jobs},
        web={key: _web_answer(answer, prometheus) for key, answer in spec.web.items()},
        prometheus_latency=(
            None if latency_dist is None else lambda rng: float(latency_dist.sample(rng))
        ),
        job_pull_failure=_pull_failure(scenario),
    )


def _pull_failure(scenario: Scenario) -> Callable[[str, np.random.Generator], float | None]:
    """A Job pod's fate under the scenario's ``pods`` model: for an image marked
    ``imagePullFails``, scheduling plus one pull attempt (drawn as for the Rollout's pods)
    until it reports ErrImagePull; None for an image that pulls (nothing is drawn then)."""

    def failed_after(image: str, rng: np.random.Generator) -> float | None:
        stages = scenario.pod_behaviour(image)
        if not stages.image_pull_fails:
            return None
        total = 0.0
        for stage in (stages.scheduling, stages.image_pull):
            dist = dist_of(stage)
            total += float(dist.sample(rng)) if dist is not None else 0.0
        return total

    return failed_after


def _job_model(job: JobBehaviour) -> JobModel:
    duration = job.duration
    chance = job.success_probability if job.success_probability is not None else 1.0
    if not isinstance(duration, list) and duration is not None and duration.fixed is not None:
        fixed: float | None = float(duration.fixed)  # keeps draws off the stream
    else:
        fixed = None

    def draw(now: float, rng: np.random.Generator) -> float:
        dist = dist_of(at_time(duration, now))
        return float(dist.sample(rng)) if dist is not None else 0.0

    return JobModel(
        duration=fixed if fixed is not None else draw,
        success_probability=(
            float(chance)
            if not isinstance(chance, list)
            else lambda now: float(at_time(chance, now))
        ),
    )


def _web_answer(answer: WebAnswer, prometheus: Query) -> object:
    if answer.query is not None:
        query = answer.query
    elif answer.success_rate is not None:
        query = answer.success_rate.promql()
    else:
        return answer.value

    def compute(now: float) -> Any:
        return _number(prometheus(query, now))

    return compute


def _number(value: object) -> float | list[float] | None:
    """A PromQL answer as the endpoint's JSON would carry it: a scalar or a one-sample vector
    as a number (``None`` when empty or NaN), several samples as a list."""
    samples = getattr(value, "samples", None)
    if samples is not None:
        numbers = [float(s[1]) if isinstance(s, tuple) else float(s.value) for s in samples]
        numbers = [x for x in numbers if not math.isnan(x)]
        if not numbers:
            return None
        return numbers[0] if len(numbers) == 1 else numbers
    scalar = getattr(value, "value", None)
    if isinstance(scalar, int | float):
        return None if math.isnan(float(scalar)) else float(scalar)
    return None


# ------------------------------------------------------------------ what reads the metric store


#: Stands for a query whose look back only the run can tell (a ``rangeQuery``'s window).
_UNBOUNDED = "{{range}}"


def _metric_queries(scenario: Scenario, templates: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """Every PromQL text a run may evaluate: the templates' Prometheus metrics (before their
    ``{{args}}`` are substituted; :data:`_UNBOUNDED` for a range query, whose window is an
    expression of the run) and the scenario's computed web answers."""
    for template in templates:
        for metric in (template.get("spec") or {}).get("metrics") or []:
            provider = (metric or {}).get("provider") or {}
            if "prometheus" in provider:
                prometheus = provider.get("prometheus") or {}
                if prometheus.get("rangeQuery"):
                    yield _UNBOUNDED
                yield str(prometheus.get("query") or "")
    for answer in scenario.analysis.web.values():
        if answer.query is not None:
            yield answer.query
        elif answer.success_rate is not None:
            yield answer.success_rate.promql()


def reads_metrics(scenario: Scenario, templates: Iterable[Mapping[str, Any]]) -> bool:
    """Whether any provider of the run can read the metric store (a Prometheus metric in a
    template, or a web answer computed by PromQL); without one the world keeps no store."""
    return next(_metric_queries(scenario, templates), None) is not None


_ARGUMENT = "__canarysim_argument__"
"""What a placeholder in a quoted string reads as when the run's queries are parsed before
the run: any name that contains it is only known at run time."""


def metric_lookback(scenario: Scenario, templates: Iterable[Mapping[str, Any]]) -> float | None:
    """How far before its evaluation time any query of the run reads samples (ranges,
    offsets, and ``lookback_s`` for an instant selector), or None when that cannot be known
    before the run (an ``{{args}}`` placeholder outside a quoted label value may hold any
    range or offset, or a query does not parse: it will fail when evaluated, as it should)."""
    from canarysim.lang.promql.evaluator import LOOKBACK_S

    trees = _query_trees(scenario, templates, unbounded=True)
    if trees is None:
        return None
    longest = max((_reach(tree, LOOKBACK_S) for tree in trees), default=0.0)
    return None if math.isinf(longest) else longest


def metric_names_read(
    scenario: Scenario, templates: Iterable[Mapping[str, Any]]
) -> frozenset[str] | None:
    """The metric names the run's queries select (each selector's ``__name__ = "..."``), or
    None when any selector may read other names (a name matcher that is not an equality, an
    ``{{args}}`` placeholder outside a quoted label value, a query that does not parse)."""
    trees = _query_trees(scenario, templates, unbounded=False)
    if trees is None:
        return None
    names: set[str] = set()
    for tree in trees:
        for selector in _selectors(tree):
            named = [m for m in selector.matchers if m.name == "__name__"]
            if not named or any(m.op != "=" for m in named):
                return None
            if _ARGUMENT in named[0].value:  # {__name__="{{args.metric}}"}
                return None
            names.add(named[0].value)
    return frozenset(names)


def _query_trees(
    scenario: Scenario, templates: Iterable[Mapping[str, Any]], *, unbounded: bool
) -> list[object] | None:
    """The parsed trees of the run's queries (placeholders in quoted label values read as
    :data:`_ARGUMENT`), or None when one can only be known at run time (a placeholder
    elsewhere; with ``unbounded``, a range query's window) or does not parse."""
    # (with the lint's placeholder rules, which bring the analysis template models: loaded
    # only for a scenario whose templates have queries)
    from canarysim.declarations.lint.analysis import PLACEHOLDER, placeholder_outside_quotes
    from canarysim.lang.promql.query import PromQLError, parse

    trees = []
    for query in _metric_queries(scenario, templates):
        if query == _UNBOUNDED and not unbounded:
            continue  # its query text comes as well
        if placeholder_outside_quotes(query):
            return None
        try:
            trees.append(parse(PLACEHOLDER.sub(_ARGUMENT, query)))
        except (PromQLError, ValueError):
            return None
    return trees


def _selectors(node: object) -> Iterator[Any]:
    """Every vector selector under ``node`` (those of matrices and subqueries included)."""
    from canarysim.lang.promql.syntax import VectorSelector

    if isinstance(node, VectorSelector):
        yield node
    elif dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            for child in value if isinstance(value, tuple) else (value,):
                yield from _selectors(child)


def _reach(node: object, lookback_s: float) -> float:
    """The longest look back of any selector under ``node`` (infinite with an ``@`` time:
    it may point anywhere)."""
    from canarysim.lang.promql.evaluator import DEFAULT_STEP_S
    from canarysim.lang.promql.syntax import MatrixSelector, Subquery, VectorSelector

    if isinstance(node, VectorSelector | MatrixSelector | Subquery):
        vector = node.vector if isinstance(node, MatrixSelector) else node
        if getattr(vector, "at", None) is not None:
            return math.inf
    if isinstance(node, MatrixSelector):
        return node.range_s + max(0.0, node.vector.offset)
    if isinstance(node, VectorSelector):
        return lookback_s + max(0.0, node.offset)
    if isinstance(node, Subquery):
        # Inner evaluations from range (+ offset) back, on steps aligned to absolute time.
        step = node.step_s or DEFAULT_STEP_S
        inner = _reach(node.expr, lookback_s)
        return node.range_s + max(0.0, node.offset) + step + inner
    reach = 0.0
    if dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            for child in value if isinstance(value, tuple) else (value,):
                reach = max(reach, _reach(child, lookback_s))
    return reach
