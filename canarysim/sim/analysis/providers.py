"""The scenario's ``analysis:`` section as the simulated providers of a world.

The spec layer says what Jobs, web endpoints and Prometheus do
(:mod:`canarysim.declarations.scenario.analysis`); this module turns that into
:class:`~canarysim.sim.analysis.runs.Providers`: sampling distributions, time-varying chances, and
web answers computed from the world's metric store through the same PromQL evaluator the
Prometheus provider uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from canarysim.declarations.scenario.analysis import JobBehaviour, WebAnswer
from canarysim.declarations.scenario.model import Scenario
from canarysim.declarations.scenario.values import at_time
from canarysim.sim.analysis.runs import JobModel, Providers
from canarysim.sim.inputs import dist_of

__all__ = ["providers_for"]

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
    )


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
