"""The scenario's traffic: rate and its shape, arrivals, request classes and who sends them.

``traffic:`` in a scenario file (docs/scenario-format.md, "Traffic"); :class:`Traffic` is read
by the world's traffic generator.
"""

import math
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from canarysim.declarations.manifests.base import empty_list
from canarysim.declarations.scenario.values import (
    Duration,
    Fraction,
    PositiveDuration,
    ScenarioModel,
)

__all__ = [
    "Diurnal",
    "HeaderMix",
    "HttpMethod",
    "RatePoint",
    "RateShape",
    "Traffic",
    "TrafficSource",
    "rate_of",
]


class RatePoint(ScenarioModel):
    at: Duration
    rate: Annotated[float, Field(ge=0.0, le=1e7)]


class Diurnal(ScenarioModel):
    """``rate * (1 + amplitude * cos(2π (t - peak) / period))``."""

    amplitude: Fraction = 0.5
    period: PositiveDuration = 86400.0
    peak: Duration = 43200.0


HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"]


Pattern = Literal["constant", "diurnal", "piecewise", "csv"]
Arrival = Literal["poisson", "constant"]
Rate = Annotated[float, Field(ge=0.0, le=1e7)]


def rate_of(
    pattern: str, rate: float, diurnal: Diurnal | None, points: list[RatePoint], t: float
) -> float:
    """Requests per second at ``t`` of a rate shape (``traffic`` or a class's own)."""
    if pattern == "constant":
        return rate
    if pattern == "diurnal":
        d = diurnal or Diurnal()
        phase = 2 * math.pi * (t - d.peak) / d.period
        return max(0.0, rate * (1 + d.amplitude * math.cos(phase)))
    current = points[0].rate if points else 0.0
    for p in points:
        if p.at <= t:
            current = p.rate
        else:
            break
    return current


def _check_points(points: list[RatePoint]) -> list[RatePoint]:
    ordered = sorted(points, key=lambda p: p.at)
    times = [p.at for p in ordered]
    if len(set(times)) != len(times):
        # Two rates from the same instant: which one holds? (A CSV trace too.)
        raise ValueError("points with distinct times (one rate from each `at`)")
    return ordered


class RateShape(ScenarioModel):
    """A rate over time: what ``traffic`` gives the whole traffic, and what a request class
    may give its own requests (``traffic.headers[].pattern``, ``rate``, ...)."""

    rate: Rate = 100.0
    """Requests per second (the base rate for ``diurnal``; unused by piecewise/csv)."""
    arrival: Arrival = "poisson"
    pattern: Pattern = "constant"
    diurnal: Diurnal = Field(default_factory=Diurnal)
    points: list[RatePoint] = Field(default_factory=empty_list)
    """``piecewise``: the rate from each ``at`` on. ``csv``: filled from the file."""
    csv: str | None = None
    """``csv``: path (relative to the scenario) of a ``time,rate`` file; time in seconds or
    a duration, rate in requests per second; a header row is optional."""

    def rate_at(self, t: float) -> float:
        """Requests per second at simulated time ``t``."""
        return rate_of(self.pattern, self.rate, self.diurnal, self.points, t)


_SHAPE_KEYS = ("rate", "pattern", "diurnal", "points", "csv", "arrival")


class HeaderMix(ScenarioModel):
    """A class of requests with this method, path and headers (for header, path and method
    routes), optionally sent to another host (e.g. a blue-green preview Service, for smoke
    tests): either a share of ``traffic``'s rate (``fraction``) or requests of its own rate
    shape (``rate``, ``pattern``, ``diurnal``, ``points``, ``csv``, ``arrival``: the keys
    ``traffic`` takes), on top of ``traffic``'s."""

    fraction: Fraction | None = None
    """Share of ``traffic``'s rate; or give the class its own rate shape instead."""
    headers: dict[str, str] = Field(default_factory=dict)
    host: str | None = None
    """Host this share asks for; default: ``traffic.host``."""
    method: HttpMethod | None = None
    """HTTP method; default: ``traffic.method``."""
    path: Annotated[str, Field(pattern=r"^/")] | None = None
    """Request path (with an optional ``?query``); default: ``traffic.path``."""
    name: Annotated[str, Field(min_length=1, max_length=63)] | None = None
    """How the summary calls this class; default: built from method, path and headers."""
    rate: Rate | None = None
    """Own shape: requests per second (the base rate for ``diurnal``)."""
    arrival: Arrival | None = None
    """Own shape: ``poisson`` or ``constant``; default: ``traffic.arrival``."""
    pattern: Pattern | None = None
    """Own shape: ``constant`` (default with ``rate``), ``diurnal``, ``piecewise`` (default
    with ``points``) or ``csv`` (default with ``csv``)."""
    diurnal: Diurnal | None = None
    points: list[RatePoint] | None = None
    csv: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "HeaderMix":
        own = [k for k in _SHAPE_KEYS if getattr(self, k) is not None]
        if self.fraction is not None and own:
            raise ValueError(
                f"either fraction (a share of traffic's rate) or a rate shape of its own "
                f"({', '.join(own)}), not both"
            )
        if self.fraction is None and not own:
            raise ValueError(
                "fraction (a share of traffic's rate) or a rate shape of its own "
                "(rate, pattern, diurnal, points or csv)"
            )
        if not own:
            return self
        pattern = self.pattern or (
            "csv" if self.csv is not None else "piecewise" if self.points is not None else None
        )
        if pattern is None:
            if self.rate is None:
                raise ValueError("rate: <requests per second> for a rate shape of its own")
            pattern = "constant"
        need = {
            "constant": ("rate", "a rate for pattern constant"),
            "diurnal": ("rate", "a (base) rate for pattern diurnal"),
            "piecewise": ("points", "points: [{at, rate}, ...] for pattern piecewise"),
            "csv": ("csv", "csv: <file> for pattern csv"),
        }[pattern]
        if getattr(self, need[0]) is None and not (pattern == "csv" and self.points):
            raise ValueError(need[1])
        unused = [
            k
            for k, kinds in (
                ("rate", ("constant", "diurnal")),
                ("diurnal", ("diurnal",)),
                ("points", ("piecewise", "csv")),
                ("csv", ("csv",)),
            )
            if getattr(self, k) is not None and pattern not in kinds
        ]
        if unused:
            raise ValueError(
                f"no {', '.join(unused)} with pattern {pattern} (they would be unused)"
            )
        if self.arrival == "constant" and pattern != "constant":
            raise ValueError("arrival: constant only with pattern constant")
        object.__setattr__(self, "pattern", pattern)
        if self.points is not None:
            object.__setattr__(self, "points", _check_points(self.points))
        return self

    @property
    def own_shape(self) -> bool:
        """True when the class sends requests of its own rate shape (no ``fraction``)."""
        return self.fraction is None

    def shape(self, traffic: RateShape) -> RateShape:
        """The class's own rate shape, ``arrival`` defaulting to ``traffic``'s."""
        arrival = self.arrival or traffic.arrival
        if arrival == "constant" and self.pattern != "constant":
            arrival = "poisson"  # traffic's constant arrivals mean evenly spaced at one rate
        return RateShape.model_construct(
            rate=self.rate if self.rate is not None else 0.0,
            arrival=arrival,
            pattern=self.pattern or "constant",
            diurnal=self.diurnal or Diurnal(),
            points=list(self.points or []),
            csv=self.csv,
        )

    def rate_at(self, traffic: RateShape, t: float) -> float:
        """This class's requests per second at ``t`` (its share of ``traffic``'s, or its own)."""
        if self.fraction is not None:
            return self.fraction * traffic.rate_at(t)
        return self.shape(traffic).rate_at(t)


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


class Traffic(RateShape):
    """The rate of the requests (its shape: :class:`RateShape`'s fields), their classes and
    who sends them."""

    headers: list[HeaderMix] = Field(default_factory=empty_list)
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
        if sum(h.fraction or 0.0 for h in self.headers) > 1.0 + 1e-9:
            raise ValueError("header fractions that sum to at most 1")
        object.__setattr__(self, "points", _check_points(self.points))
        return self

    def total_rate_at(self, t: float) -> float:
        """Requests per second of every class at ``t``: ``traffic``'s rate plus the classes
        with a rate shape of their own."""
        own = sum(h.rate_at(self, t) for h in self.headers if h.own_shape)
        return self.rate_at(t) + own
