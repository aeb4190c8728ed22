"""The scenario's ``analysis:`` section: how the simulated metric providers answer.

Prometheus queries are answered from the simulated Istio metrics; what a Job or a web endpoint
would do is not in any manifest, so the scenario says it:

* ``job`` (every Job metric) and ``jobs`` (per metric name, unset fields from ``job``): how
  long the Job runs and the chance it succeeds, each constant or changing over time (the
  chance in effect when the Job finishes counts);
* ``web``, per metric name or URL (after argument substitution): the JSON body the endpoint
  returns (``value``, the metric's ``jsonPath`` applied), or a number computed from the
  simulated metrics: ``successRate`` of a Service over a window, or any PromQL ``query``;
* ``prometheus``: how long a query takes (``latency``); a query slower than the metric's
  ``timeout`` (Argo's default 30 s) is an Error measurement.
"""

import functools
from typing import Any

from pydantic import Field, field_validator, model_validator

from canarysim.declarations.scenario.values import (
    Delay,
    DelayChange,
    Duration,
    Fraction,
    FractionChange,
    ScenarioModel,
    sorted_changes,
)

__all__ = ["Analysis", "JobBehaviour", "PrometheusBehaviour", "SuccessRate", "WebAnswer"]


class JobBehaviour(ScenarioModel):
    """A simulated Job: ``duration`` (a delay) and ``successProbability``, each a constant
    or a list of ``{at, value}`` changes."""

    duration: Delay | list[DelayChange] | None = None
    success_probability: Fraction | list[FractionChange] | None = None

    _sort = field_validator("duration", "success_probability")(sorted_changes)


@functools.cache
def default_job() -> JobBehaviour:
    """A Job unless the scenario says otherwise: succeeds after 10 s. Built on first use, not
    at import: an instance builds its model's validator, which every command would pay for."""
    return JobBehaviour(duration=Delay.of(10.0), success_probability=1.0)


class SuccessRate(ScenarioModel):
    """Share of the requests to ``service`` in the last ``window`` not answered with a 5xx,
    as the clients' proxies reported them (``null`` when there were none)."""

    service: str = Field(min_length=1)
    window: Duration = 300.0

    @field_validator("window")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError(f"a window > 0, got {value}")
        return value

    def promql(self) -> str:
        """The same number as a PromQL query over the simulated ``istio_requests_total``."""
        base = f'reporter="source",destination_service_name="{self.service}"'
        seconds = float(self.window)
        window = f"{seconds:.0f}s" if seconds.is_integer() else f"{round(seconds * 1000)}ms"
        return (
            f'sum(increase(istio_requests_total{{{base},response_code!~"5.*"}}[{window}]))'
            f" / sum(increase(istio_requests_total{{{base}}}[{window}]))"
        )


class WebAnswer(ScenarioModel):
    """What a web metric's endpoint answers: exactly one of ``value`` (a JSON body),
    ``successRate`` or ``query`` (a number from the simulated metrics)."""

    value: Any = None
    success_rate: SuccessRate | None = None
    query: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _one(cls, data: Any) -> Any:
        if isinstance(data, dict):
            given = [k for k in ("value", "successRate", "success_rate", "query") if k in data]
            if len(given) != 1:
                raise ValueError("exactly one of: value, successRate or query")
        return data


class PrometheusBehaviour(ScenarioModel):
    """How long a Prometheus query takes (default: no time at all)."""

    latency: Delay | None = None


class Analysis(ScenarioModel):
    """The ``analysis:`` section (see the module doc and docs/scenario-format.md)."""

    job: JobBehaviour = Field(default_factory=JobBehaviour)
    jobs: dict[str, JobBehaviour] = Field(default_factory=dict)
    web: dict[str, WebAnswer] = Field(default_factory=dict)
    prometheus: PrometheusBehaviour = Field(default_factory=PrometheusBehaviour)

    def job_for(self, metric: str) -> JobBehaviour:
        """Fully resolved Job behaviour of ``metric`` (every field set)."""
        layers = [self.jobs.get(metric), self.job, default_job()]
        merged = {
            name: next(getattr(j, name) for j in layers if j and getattr(j, name) is not None)
            for name in JobBehaviour.model_fields
        }
        return JobBehaviour(**merged)
