"""Latency distributions: the random ingredient of how long a request takes.

Operators rarely know a latency's ``mu`` and ``sigma``; they know its median and its p99.
:class:`Dist` therefore builds a log-normal from those two numbers and exposes exactly what the
simulator needs: random samples, quantiles, the mean and the CDF (the CDF turns a latency
distribution into histogram-bucket probabilities, so aggregate traffic can draw bucket counts
from a multinomial without sampling every request).

Units are the caller's: a ``Dist`` built from milliseconds samples milliseconds.

Arrival processes live in :mod:`canarysim.sim.stochastic.arrivals`; their names are re-exported here
because callers imported them from this module before the split.

>>> d = Dist.lognormal(median=100.0, p99=400.0)
>>> round(d.quantile(0.5), 6), round(d.quantile(0.99), 6)
(100.0, 400.0)
>>> Dist.from_spec(3).quantile(0.9)
3.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal, cast

import numpy as np

from canarysim.errors import ScenarioError

# Re-exported: arrival processes lived here before they got their own module.
from canarysim.sim.stochastic.arrivals import (
    Arrivals,
    ConstantArrivals,
    DiurnalArrivals,
    PoissonArrivals,
    TraceArrivals,
    arrivals_from_spec,
    scenario_number,
)

__all__ = [
    "Z99",
    "Arrivals",
    "ConstantArrivals",
    "Dist",
    "DiurnalArrivals",
    "PoissonArrivals",
    "TraceArrivals",
    "arrivals_from_spec",
]

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
                    return cls.fixed(scenario_number(obj["fixed"]))
                if keys == {"median", "p99"}:
                    return cls.lognormal(
                        scenario_number(obj["median"]), scenario_number(obj["p99"])
                    )
                if keys == {"exponential"}:
                    return cls.exponential(scenario_number(obj["exponential"]))
                if keys == {"mean"}:
                    return cls.exponential(scenario_number(obj["mean"]))
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
                return cast(np.ndarray, -self.a * np.log1p(-arr))
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
        return cast(np.ndarray, m * (1.0 - e) - tail)

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


_erf_vec = np.frompyfunc(math.erf, 1, 1)
_inv_norm_vec = np.frompyfunc(_STD_NORMAL.inv_cdf, 1, 1)


def _erf(z: np.ndarray) -> np.ndarray:
    """math.erf over an array (numpy has no erf; inputs here are short bucket-edge vectors)."""
    return np.asarray(_erf_vec(z), dtype=float)
