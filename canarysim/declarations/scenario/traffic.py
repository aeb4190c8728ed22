"""The scenario's traffic: rate and its shape, arrivals, request classes and who sends them.

``traffic:`` in a scenario file (docs/scenario-format.md, "Traffic"); :class:`Traffic` is read
by the world's traffic generator.
"""

import math
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from canarysim.declarations.scenario.values import (
    Duration,
    Fraction,
    PositiveDuration,
    ScenarioModel,
)

__all__ = ["Diurnal", "HeaderMix", "HttpMethod", "RatePoint", "Traffic", "TrafficSource"]


class RatePoint(ScenarioModel):
    at: Duration
    rate: Annotated[float, Field(ge=0.0, le=1e7)]


class Diurnal(ScenarioModel):
    """``rate * (1 + amplitude * cos(2π (t - peak) / period))``."""

    amplitude: Fraction = 0.5
    period: PositiveDuration = 86400.0
    peak: Duration = 43200.0


HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"]


class HeaderMix(ScenarioModel):
    """A class of requests: a share of them with this method, path and headers (for header,
    path and method routes), optionally sent to another host (e.g. a blue-green preview
    Service, for smoke tests)."""

    fraction: Fraction
    headers: dict[str, str] = Field(default_factory=dict)
    host: str | None = None
    """Host this share asks for; default: ``traffic.host``."""
    method: HttpMethod | None = None
    """HTTP method; default: ``traffic.method``."""
    path: Annotated[str, Field(pattern=r"^/")] | None = None
    """Request path (with an optional ``?query``); default: ``traffic.path``."""
    name: Annotated[str, Field(min_length=1, max_length=63)] | None = None
    """How the summary calls this class; default: built from method, path and headers."""


class TrafficSource(ScenarioModel):
    """The in-mesh workload whose sidecars send the requests that enter through no gateway
    (Istio's ``source_*`` labels, the ``reporter="source"`` series of its pods)."""

    workload: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")] = "client"
    """Its Deployment's name (``source_workload``)."""
    namespace: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")] | None = None
    """Its namespace; default: the rollout's."""
    service_account: Annotated[str, Field(min_length=1, max_length=253)] = "default"
    """Its pods' service account (``source_principal``)."""
    labels: dict[str, str] | None = None
    """Its pods' labels (``source_app``, ``source_version``, canonical service and revision);
    default: ``{app: <workload>}``."""
    replicas: Annotated[int, Field(ge=1, le=1000)] = 1
    """Its pods: each one's proxy is a scrape target with its own series."""


class Traffic(ScenarioModel):
    rate: Annotated[float, Field(ge=0.0, le=1e7)] = 100.0
    """Requests per second (the base rate for ``diurnal``; unused by piecewise/csv)."""
    arrival: Literal["poisson", "constant"] = "poisson"
    pattern: Literal["constant", "diurnal", "piecewise", "csv"] = "constant"
    diurnal: Diurnal = Field(default_factory=Diurnal)
    points: list[RatePoint] = Field(default_factory=list)
    """``piecewise``: the rate from each ``at`` on. ``csv``: filled from the file."""
    csv: str | None = None
    """``csv``: path (relative to the scenario) of a ``time,rate`` file; time in seconds or
    a duration, rate in requests per second; a header row is optional."""
    headers: list[HeaderMix] = Field(default_factory=list)
    host: str | None = None
    """Host the requests ask for; default: the first host of the rollout's VirtualService."""
    method: HttpMethod = "GET"
    """HTTP method of the requests (of every class that does not set its own)."""
    path: Annotated[str, Field(pattern=r"^/")] = "/"
    """Request path of the requests (of every class that does not set its own)."""
    gateway: str | None = None
    """Gateway the requests enter through (``mesh`` = sidecar to sidecar); default: the
    VirtualService's first gateway, or ``mesh`` when it lists none."""
    source: TrafficSource | Literal["outside"] = Field(default_factory=TrafficSource)
    """Who sends the requests that enter through no gateway: an in-mesh workload (default:
    ``client`` in the rollout's namespace), or ``outside``: a client without a sidecar (no
    VirtualService applies, the Service spreads requests over its endpoints; only the
    destination proxies report, with ``source_*`` labels ``unknown``)."""
    mode: Literal["auto", "aggregate", "exact"] = "auto"
    """``exact`` simulates every request; ``aggregate`` draws per-bucket counts; ``auto``
    lets the simulator choose by rate."""

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, value: Any) -> Any:
        if isinstance(value, str) and value != "outside":
            raise ValueError(
                f"'outside' or a mapping {{workload, namespace, serviceAccount, labels, "
                f"replicas}}, got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "Traffic":
        if self.pattern == "piecewise" and not self.points:
            raise ValueError("points: [{at, rate}, ...] for pattern piecewise")
        if self.pattern == "csv" and not (self.csv or self.points):
            raise ValueError("csv: <file> for pattern csv")
        if sum(h.fraction for h in self.headers) > 1.0 + 1e-9:
            raise ValueError("header fractions that sum to at most 1")
        object.__setattr__(self, "points", sorted(self.points, key=lambda p: p.at))
        times = [p.at for p in self.points]
        if len(set(times)) != len(times):
            # Two rates from the same instant: which one holds? (A CSV trace too.)
            raise ValueError("points with distinct times (one rate from each `at`)")
        return self

    def rate_at(self, t: float) -> float:
        """Requests per second at simulated time ``t``."""
        if self.pattern == "constant":
            return self.rate
        if self.pattern == "diurnal":
            d = self.diurnal
            phase = 2 * math.pi * (t - d.peak) / d.period
            return max(0.0, self.rate * (1 + d.amplitude * math.cos(phase)))
        current = self.points[0].rate if self.points else 0.0
        for p in self.points:
            if p.at <= t:
                current = p.rate
            else:
                break
        return current
