"""Random ingredients of traffic: latency distributions and arrival processes.

Operators rarely know a latency's ``mu`` and ``sigma``; they know its median and its p99.
:class:`Dist` therefore builds a log-normal from those two numbers and exposes exactly what the
simulator needs: random samples, quantiles, the mean and the CDF (the CDF turns a latency
distribution into histogram-bucket probabilities, so aggregate traffic can draw bucket counts
from a multinomial without sampling every request).

Units are the caller's: a ``Dist`` built from milliseconds samples milliseconds.

Arrival processes (:class:`Arrivals`: constant, Poisson, diurnal, piecewise or trace rates)
give expected counts over intervals and exact arrival times; traffic draws from them.

>>> d = Dist.lognormal(median=100.0, p99=400.0)
>>> round(d.quantile(0.5), 6), round(d.quantile(0.99), 6)
(100.0, 400.0)
>>> Dist.from_spec(3).quantile(0.9)
3.0
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np

from canarysim.errors import ScenarioError

_STD_NORMAL = NormalDist()
#: z such that P(Z <= z) = 0.99 for a standard normal Z.
Z99 = _STD_NORMAL.inv_cdf(0.99)

Kind = Literal["fixed", "lognormal", "exponential"]


@dataclass(frozen=True)
class Dist:
    """A non-negative distribution: ``fixed``, ``lognormal`` or ``exponential``.

    Parameters are stored in the distribution's natural form: ``fixed`` uses ``a`` = value;
    ``lognormal`` uses ``a`` = mu, ``b`` = sigma of the underlying normal; ``exponential``
    uses ``a`` = mean. Build instances with the class methods, not the constructor.
    """

    kind: Kind
    a: float
    b: float = 0.0

    # ----------------------------------------------------------------- constructors
    @classmethod
    def fixed(cls, x: float) -> Dist:
        """Always ``x`` (must be >= 0)."""
        x = float(x)
        if not math.isfinite(x) or x < 0:
            raise ValueError(f"fixed value must be a finite number >= 0, got {x!r}")
        return cls("fixed", x)

    @classmethod
    def lognormal(cls, median: float, p99: float) -> Dist:
        """Log-normal with the given median and 99th percentile.

        ``mu = ln(median)`` and ``sigma = (ln(p99) - ln(median)) / z_0.99``. A p99 equal to the
        median degenerates to :meth:`fixed`.
        """
        median, p99 = float(median), float(p99)
        if not (math.isfinite(median) and median > 0):
            raise ValueError(f"median must be a finite number > 0, got {median!r}")
        if not (math.isfinite(p99) and p99 >= median):
            raise ValueError(f"p99 must be a finite number >= median ({median!r}), got {p99!r}")
        if p99 == median:
            return cls.fixed(median)
        mu = math.log(median)
        return cls("lognormal", mu, (math.log(p99) - mu) / Z99)

    @classmethod
    def exponential(cls, mean: float) -> Dist:
        """Exponential with the given mean (> 0)."""
        mean = float(mean)
        if not (math.isfinite(mean) and mean > 0):
            raise ValueError(f"mean must be a finite number > 0, got {mean!r}")
        return cls("exponential", mean)

    @classmethod
    def from_spec(cls, obj: Any, *, file: str = "scenario", field: str = "distribution") -> Dist:
        """Build from scenario input.

        Accepted shapes: a number (fixed), ``{"fixed": x}``, ``{"median": m, "p99": p}``
        (log-normal) and ``{"exponential": mean}`` or ``{"mean": mean}``. An existing ``Dist``
        passes through. Anything else raises :class:`~canarysim.errors.ScenarioError` naming
        *file* and *field*.

        >>> Dist.from_spec({"median": 20, "p99": 80}).kind
        'lognormal'
        """
        expected = (
            "a number, {fixed: x}, {median: m, p99: p} or {exponential: mean} "
            "with positive values (p99 >= median)"
        )
        if isinstance(obj, Dist):
            return obj
        try:
            if isinstance(obj, bool):
                raise ValueError("booleans are not numbers")
            if isinstance(obj, int | float):
                return cls.fixed(obj)
            if isinstance(obj, Mapping):
                keys = set(obj)
                if keys == {"fixed"}:
                    return cls.fixed(_number(obj["fixed"]))
                if keys == {"median", "p99"}:
                    return cls.lognormal(_number(obj["median"]), _number(obj["p99"]))
                if keys == {"exponential"}:
                    return cls.exponential(_number(obj["exponential"]))
                if keys == {"mean"}:
                    return cls.exponential(_number(obj["mean"]))
        except (ValueError, TypeError) as exc:
            raise ScenarioError(file, field, expected, got=f"{obj!r} ({exc})") from None
        raise ScenarioError(file, field, expected, got=repr(obj))

    # ----------------------------------------------------------------- properties
    @property
    def mean(self) -> float:
        """Expected value."""
        if self.kind == "lognormal":
            return math.exp(self.a + self.b * self.b / 2.0)
        return self.a

    @property
    def median(self) -> float:
        return self.quantile(0.5)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...] | None = None) -> Any:
        """Draw from ``rng``: a float when ``size`` is None, else an array of that shape.

        A ``fixed`` distribution consumes no randomness, so switching a version between fixed
        and random latencies does not shift any other draw of the stream.
        """
        if self.kind == "fixed":
            return self.a if size is None else np.full(size, self.a, dtype=float)
        if self.kind == "lognormal":
            out = rng.lognormal(self.a, self.b, size)
        else:
            out = rng.exponential(self.a, size)
        return float(out) if size is None else out

    def quantile(self, q: float) -> float:
        """Inverse CDF at ``q`` in [0, 1] (``inf`` at 1 for unbounded kinds)."""
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"quantile must be within [0, 1], got {q!r}")
        if self.kind == "fixed":
            return self.a
        if q == 0.0:
            return 0.0
        if q == 1.0:
            return math.inf
        if self.kind == "lognormal":
            return math.exp(self.a + self.b * _STD_NORMAL.inv_cdf(q))
        return -self.a * math.log1p(-q)

    def cdf(self, x: Any) -> Any:
        """P(X <= x); vectorised over numpy arrays (returns a float for a scalar)."""
        arr = np.asarray(x, dtype=float)
        if self.kind == "fixed":
            out = (arr >= self.a).astype(float)
        elif self.kind == "exponential":
            out = np.where(arr > 0, -np.expm1(-np.maximum(arr, 0.0) / self.a), 0.0)
        else:
            with np.errstate(divide="ignore"):
                z = (np.log(np.maximum(arr, 0.0)) - self.a) / (self.b * math.sqrt(2.0))
            out = 0.5 * (1.0 + _erf(z))
            out = np.where(arr > 0, out, 0.0)
        return float(out) if out.ndim == 0 else out

    def ppf(self, u: Any) -> np.ndarray:
        """Vectorised inverse CDF: ``quantile`` applied to every element of ``u`` in [0, 1].

        Used to draw a latency *conditioned* on a histogram interval (inverse-transform
        sampling of ``u ~ U(F(a), F(b))``), which aggregate traffic needs for retried requests.
        """
        arr = np.asarray(u, dtype=float)
        if self.kind == "fixed":
            return np.full(arr.shape, self.a)
        if self.kind == "exponential":
            with np.errstate(divide="ignore"):
                return -self.a * np.log1p(-arr)
        z = np.asarray(_inv_norm_vec(np.clip(arr, 1e-300, 1.0 - 1e-16)), dtype=float)
        out: np.ndarray = np.exp(self.a + self.b * z)
        return out

    def partial_mean(self, lo: Any, hi: Any) -> Any:
        """``E[X; lo < X <= hi]`` (the mean restricted to an interval, *not* normalised).

        Summed over a partition of [0, inf) it gives :attr:`mean`. Aggregate traffic uses it for
        the histogram ``_sum``: a count in an interval contributes count * partial / probability.
        Closed forms: log-normal ``exp(mu + s^2/2) * Phi((ln x - mu - s^2)/s)``, exponential
        ``m*(1 - e^(-x/m)) - x*e^(-x/m)`` at each end.
        """
        lo_a = np.asarray(lo, dtype=float)
        hi_a = np.asarray(hi, dtype=float)
        if self.kind == "fixed":
            out = np.where((lo_a < self.a) & (self.a <= hi_a), self.a, 0.0)
        elif self.kind == "exponential":
            out = self._exp_partial(hi_a) - self._exp_partial(lo_a)
        else:
            out = self._logn_partial(hi_a) - self._logn_partial(lo_a)
        return float(out) if np.ndim(out) == 0 else out

    def _exp_partial(self, x: np.ndarray) -> np.ndarray:
        m = self.a
        xc = np.maximum(x, 0.0)
        with np.errstate(invalid="ignore", over="ignore"):
            e = np.exp(-xc / m)
            tail = np.where(np.isinf(xc), 0.0, xc * e)
        return m * (1.0 - e) - tail

    def _logn_partial(self, x: np.ndarray) -> np.ndarray:
        mu, s = self.a, self.b
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(x, 0.0)) - mu - s * s) / (s * math.sqrt(2.0))
        return math.exp(mu + s * s / 2.0) * 0.5 * (1.0 + _erf(z))

    def scaled(self, k: float) -> Dist:
        """The distribution of ``k * X`` (e.g. ``k = 1000`` turns seconds into ms)."""
        k = float(k)
        if not (math.isfinite(k) and k > 0):
            raise ValueError(f"scale must be a finite number > 0, got {k!r}")
        if self.kind == "lognormal":
            return Dist("lognormal", self.a + math.log(k), self.b)
        return Dist(self.kind, self.a * k)


def _number(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise TypeError(f"{v!r} is not a number")
    return float(v)


_erf_vec = np.frompyfunc(math.erf, 1, 1)
_inv_norm_vec = np.frompyfunc(_STD_NORMAL.inv_cdf, 1, 1)


def _erf(z: np.ndarray) -> np.ndarray:
    """math.erf over an array (numpy has no erf; inputs here are short bucket-edge vectors)."""
    return np.asarray(_erf_vec(z), dtype=float)


# ============================================================================ arrival processes
class Arrivals:
    """An arrival process: a rate over time (requests per second) and how to draw from it.

    Subclasses give ``rate(t)``, ``integral(a, b)`` (the expected count, vectorised),
    ``breakpoints(a, b)`` (where the rate is not smooth, so buckets can be cut there) and
    ``max_rate(a, b)`` (an upper bound for thinning). All but :class:`ConstantArrivals` are
    Poisson processes, possibly inhomogeneous.
    """

    deterministic = False

    def rate(self, t: Any) -> np.ndarray:
        raise NotImplementedError

    def integral(self, a: Any, b: Any) -> np.ndarray:
        raise NotImplementedError

    def breakpoints(self, a: float, b: float) -> list[float]:
        return []

    def max_rate(self, a: float, b: float) -> float:
        raise NotImplementedError

    def bucket_counts(self, edges: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Arrivals per bucket ``[edges[i], edges[i+1])``: Poisson with mean the integral."""
        lam = np.maximum(self.integral(edges[:-1], edges[1:]), 0.0)
        return rng.poisson(lam)

    def sample_times(self, a: float, b: float, rng: np.random.Generator) -> np.ndarray:
        """Sorted arrival times in ``[a, b)``, by thinning a homogeneous process at the peak
        rate (Lewis & Shedler): exact for any bounded rate."""
        if b <= a:
            return np.zeros(0)
        out = []
        cuts = [a, *self.breakpoints(a, b), b]
        for lo, hi in itertools.pairwise(cuts):
            top = self.max_rate(lo, hi)
            if top <= 0:
                continue
            n = rng.poisson(top * (hi - lo))
            t = np.sort(rng.uniform(lo, hi, n))
            keep = rng.random(n) * top < self.rate(t)
            out.append(t[keep])
        return np.concatenate(out) if out else np.zeros(0)


@dataclass(frozen=True)
class ConstantArrivals(Arrivals):
    """Evenly spaced requests, one every ``1/rate`` s starting at t = 0 (no randomness)."""

    rps: float
    deterministic = True

    def rate(self, t: Any) -> np.ndarray:
        return np.full(np.shape(t), self.rps)

    def _n_before(self, t: Any) -> np.ndarray:
        # number of k >= 0 with k / rps < t
        return np.maximum(np.ceil(np.asarray(t, dtype=float) * self.rps - 1e-9), 0.0)

    def integral(self, a: Any, b: Any) -> np.ndarray:
        return self._n_before(b) - self._n_before(a)

    def max_rate(self, a: float, b: float) -> float:
        return self.rps

    def bucket_counts(self, edges: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.integral(edges[:-1], edges[1:]).astype(np.int64)

    def sample_times(self, a: float, b: float, rng: np.random.Generator) -> np.ndarray:
        if self.rps <= 0:
            return np.zeros(0)
        k = np.arange(int(self._n_before(a)), int(self._n_before(b)))
        return k / self.rps


@dataclass(frozen=True)
class PoissonArrivals(Arrivals):
    """Homogeneous Poisson arrivals at ``rps`` requests per second."""

    rps: float

    def rate(self, t: Any) -> np.ndarray:
        return np.full(np.shape(t), self.rps)

    def integral(self, a: Any, b: Any) -> np.ndarray:
        return self.rps * (np.asarray(b, dtype=float) - np.asarray(a, dtype=float))

    def max_rate(self, a: float, b: float) -> float:
        return self.rps


@dataclass(frozen=True)
class DiurnalArrivals(Arrivals):
    """Poisson arrivals with ``rate(t) = mean * (1 + amplitude * cos(2 pi (t - peak) / period))``.

    ``amplitude`` in [0, 1]; ``period_s`` one day by default; the peak at ``peak_s``.
    """

    mean_rps: float
    amplitude: float = 0.5
    period_s: float = 86400.0
    peak_s: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.amplitude <= 1.0:
            raise ValueError("amplitude must be within [0, 1]")

    def _phase(self, t: Any) -> np.ndarray:
        return 2.0 * math.pi * (np.asarray(t, dtype=float) - self.peak_s) / self.period_s

    def rate(self, t: Any) -> np.ndarray:
        return self.mean_rps * (1.0 + self.amplitude * np.cos(self._phase(t)))

    def integral(self, a: Any, b: Any) -> np.ndarray:
        k = self.amplitude * self.period_s / (2.0 * math.pi)
        a_, b_ = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return self.mean_rps * ((b_ - a_) + k * (np.sin(self._phase(b_)) - np.sin(self._phase(a_))))

    def max_rate(self, a: float, b: float) -> float:
        return self.mean_rps * (1.0 + self.amplitude)


@dataclass(frozen=True)
class TraceArrivals(Arrivals):
    """Poisson arrivals whose rate follows ``(times, rates)`` knots (a piecewise or CSV trace).

    ``interpolation="step"``: ``rates[i]`` holds on ``[times[i], times[i+1])``;
    ``"linear"``: straight lines between knots. Before the first knot the rate is 0 for
    ``step`` and ``rates[0]`` for ``linear``; after the last knot the last rate holds.
    """

    times: tuple[float, ...]
    rates: tuple[float, ...]
    interpolation: Literal["step", "linear"] = "step"

    def __post_init__(self) -> None:
        if len(self.times) != len(self.rates) or not self.times:
            raise ValueError("a trace needs as many times as rates (at least one)")
        if any(b <= a for a, b in zip(self.times[:-1], self.times[1:], strict=True)):
            raise ValueError("trace times must be strictly increasing")
        if any(r < 0 or not math.isfinite(r) for r in self.rates):
            raise ValueError("trace rates must be finite and >= 0")
        if self.interpolation not in ("step", "linear"):
            raise ValueError("interpolation must be 'step' or 'linear'")

    @classmethod
    def from_arrays(cls, times: Any, rates: Any, interpolation: str = "step") -> TraceArrivals:
        return cls(
            tuple(float(x) for x in np.asarray(times, dtype=float)),
            tuple(float(x) for x in np.asarray(rates, dtype=float)),
            interpolation,  # type: ignore[arg-type]
        )

    def rate(self, t: Any) -> np.ndarray:
        ts, rs = np.asarray(self.times), np.asarray(self.rates)
        tt = np.asarray(t, dtype=float)
        if self.interpolation == "linear":
            return np.interp(tt, ts, rs)
        i = np.searchsorted(ts, tt, side="right") - 1
        return np.where(i >= 0, rs[np.clip(i, 0, None)], 0.0)

    def _cumulative(self, t: Any) -> np.ndarray:
        ts, rs = np.asarray(self.times), np.asarray(self.rates)
        if self.interpolation == "step":
            knots = np.concatenate([[0.0], np.cumsum(rs[:-1] * np.diff(ts))])
        else:
            knots = np.concatenate([[0.0], np.cumsum((rs[:-1] + rs[1:]) / 2 * np.diff(ts))])
        tt = np.asarray(t, dtype=float)
        i = np.clip(np.searchsorted(ts, tt, side="right") - 1, 0, len(ts) - 1)
        dt = tt - ts[i]
        if self.interpolation == "step":
            before = np.where(tt < ts[0], 0.0, knots[i] + rs[i] * dt)
            return before
        r_t = self.rate(tt)
        inside = knots[i] + (rs[i] + r_t) / 2 * dt
        return np.where(tt < ts[0], -rs[0] * (ts[0] - tt), inside)

    def integral(self, a: Any, b: Any) -> np.ndarray:
        return self._cumulative(b) - self._cumulative(a)

    def breakpoints(self, a: float, b: float) -> list[float]:
        return [t for t in self.times if a < t < b]

    def max_rate(self, a: float, b: float) -> float:
        inside = [r for t, r in zip(self.times, self.rates, strict=True) if a <= t <= b]
        return float(max([*inside, float(self.rate(a)), float(self.rate(b))]))


def arrivals_from_spec(obj: Any, *, file: str = "scenario", field: str = "traffic") -> Arrivals:
    """Build arrivals from scenario input.

    ``{"constant": rps}``, ``{"poisson": rps}``, ``{"diurnal": {"mean": rps, "amplitude": a,
    "period": s, "peak": s}}``, ``{"piecewise": [[t, rps], ...]}`` (step) and
    ``{"trace": {"time": [...], "rate": [...], "interpolation": "linear"}}``. A bare number is
    Poisson at that rate.

    >>> float(arrivals_from_spec({"piecewise": [[0, 10], [60, 20]]}).integral(30.0, 90.0))
    900.0
    """
    expected = "a rate or one of {constant|poisson|diurnal|piecewise|trace: ...}"
    try:
        if isinstance(obj, Arrivals):
            return obj
        if isinstance(obj, int | float) and not isinstance(obj, bool):
            return PoissonArrivals(_nonneg(obj))
        if isinstance(obj, Mapping) and len(obj) == 1:
            ((kind, val),) = obj.items()
            if kind == "constant":
                return ConstantArrivals(_nonneg(val))
            if kind == "poisson":
                return PoissonArrivals(_nonneg(val))
            if kind == "diurnal" and isinstance(val, Mapping):
                return DiurnalArrivals(
                    _nonneg(val["mean"]),
                    _number(val.get("amplitude", 0.5)),
                    _number(val.get("period", 86400.0)),
                    _number(val.get("peak", 0.0)),
                )
            if kind == "piecewise":
                pairs = [(_number(t), _nonneg(r)) for t, r in val]
                return TraceArrivals(tuple(t for t, _ in pairs), tuple(r for _, r in pairs))
            if kind == "trace" and isinstance(val, Mapping):
                return TraceArrivals.from_arrays(
                    val["time"], val["rate"], val.get("interpolation", "step")
                )
    except (ValueError, TypeError, KeyError) as exc:
        raise ScenarioError(file, field, expected, got=f"{obj!r} ({exc})") from None
    raise ScenarioError(file, field, expected, got=repr(obj))


def _nonneg(v: Any) -> float:
    x = _number(v)
    if x < 0 or not math.isfinite(x):
        raise ValueError(f"{v!r} is not a finite rate >= 0")
    return x
