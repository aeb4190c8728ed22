"""Arrival processes: when requests reach the mesh.

An :class:`Arrivals` is a rate over time (requests per second) that traffic draws from in two
ways: expected counts over intervals (aggregate mode draws Poisson bucket counts from the
integral) and exact arrival times (exact mode, by thinning). Kinds: constant (evenly spaced,
no randomness), Poisson, diurnal, and piecewise/trace rates; :func:`arrivals_from_spec` builds
one from scenario input. Split from :mod:`canarysim.sim.stochastic.distributions` (latency
distributions),
which still re-exports these names.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np

from canarysim.errors import ScenarioError

__all__ = [
    "Arrivals",
    "ConstantArrivals",
    "DiurnalArrivals",
    "PoissonArrivals",
    "TraceArrivals",
    "arrivals_from_spec",
]


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
        return cast(np.ndarray, rng.poisson(lam))

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

    def sample_bins(self, edges: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The bucket of every arrival in ``[edges[0], edges[-1])``, in arrival order: index
        ``i`` for ``[edges[i], edges[i+1])`` (what exact mode keeps of an arrival time). The
        same draws and the same result as bucketing :meth:`sample_times`."""
        times = self.sample_times(float(edges[0]), float(edges[-1]), rng)
        return _bins_of(edges, times)


def _bins_of(edges: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Bucket index of each time (times outside by a rounding error go to the nearest): the
    largest ``i <= len(edges) - 2`` with ``edges[i] <= t``, else 0.

    Exact mode's grid is (nearly) even, so the bucket is first guessed by arithmetic and then
    checked against the edges themselves; only a time whose guess fails the check is binary
    searched. The answer is the binary search's for every time, whatever the edges, at about a
    third of its cost on a large batch (a binary search per time was a fifth of exact mode)."""
    n = len(edges) - 1
    if n < _GUESS_MIN_BUCKETS or len(times) < _GUESS_MIN_TIMES:
        return _searched(edges, times)
    e0 = float(edges[0])
    width = (float(edges[-1]) - e0) / n
    if not width > 0.0:
        return _searched(edges, times)
    scaled = times - e0
    scaled *= 1.0 / width
    guess = scaled.astype(np.int64)
    np.clip(guess, 0, n - 1, out=guess)
    # Wrong where edges[g] > t (unless g is the first bucket, which takes earlier times) or
    # edges[g + 1] <= t (unless g is the last, which takes later ones): the bucket's own
    # edges, open-ended at both ends.
    lower = np.array(edges[:-1], dtype=float)
    lower[0] = -math.inf
    upper = np.array(edges[1:], dtype=float)
    upper[-1] = math.inf
    wrong = lower[guess] > times
    wrong |= upper[guess] <= times
    if wrong.any():
        at = np.flatnonzero(wrong)
        guess[at] = _searched(edges, times[at])
    return guess


_GUESS_MIN_BUCKETS = 16
_GUESS_MIN_TIMES = 256


def _searched(edges: np.ndarray, times: np.ndarray) -> np.ndarray:
    bins = np.searchsorted(edges, times, side="right") - 1
    out: np.ndarray = np.clip(bins, 0, len(edges) - 2)
    return out


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
        return cast(np.ndarray, self._n_before(b) - self._n_before(a))

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
        return cast(
            np.ndarray, self.rps * (np.asarray(b, dtype=float) - np.asarray(a, dtype=float))
        )

    def max_rate(self, a: float, b: float) -> float:
        return self.rps

    def sample_bins(self, edges: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """:meth:`Arrivals.sample_bins` without sorting the arrival times: bucketing is
        monotone, so the buckets of the sorted times are the sorted buckets of the unsorted
        ones, a counting sort; and at a constant rate which draws thinning keeps does not
        depend on the times. The same draws in the same order as :meth:`sample_times`."""
        a, b = float(edges[0]), float(edges[-1])
        if b <= a or self.rps <= 0:
            return np.zeros(0, dtype=np.int64)
        top = self.rps
        n = rng.poisson(top * (b - a))
        drawn = _bins_of(edges, rng.uniform(a, b, n))
        per_bin = np.bincount(drawn, minlength=len(edges) - 1)
        bins = np.repeat(np.arange(len(edges) - 1, dtype=np.int64), per_bin)
        scaled = rng.random(n)
        scaled *= top
        keep = scaled < self.rps
        return bins if keep.all() else cast(np.ndarray, bins[keep])


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
        return cast(np.ndarray, self.mean_rps * (1.0 + self.amplitude * np.cos(self._phase(t))))

    def integral(self, a: Any, b: Any) -> np.ndarray:
        k = self.amplitude * self.period_s / (2.0 * math.pi)
        a_, b_ = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return cast(
            np.ndarray,
            self.mean_rps * ((b_ - a_) + k * (np.sin(self._phase(b_)) - np.sin(self._phase(a_)))),
        )

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
            return cast(np.ndarray, np.interp(tt, ts, rs))
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
        return cast(np.ndarray, np.where(tt < ts[0], -rs[0] * (ts[0] - tt), inside))

    def integral(self, a: Any, b: Any) -> np.ndarray:
        return cast(np.ndarray, self._cumulative(b) - self._cumulative(a))

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
                    scenario_number(val.get("amplitude", 0.5)),
                    scenario_number(val.get("period", 86400.0)),
                    scenario_number(val.get("peak", 0.0)),
                )
            if kind == "piecewise":
                pairs = [(scenario_number(t), _nonneg(r)) for t, r in val]
                return TraceArrivals(tuple(t for t, _ in pairs), tuple(r for _, r in pairs))
            if kind == "trace" and isinstance(val, Mapping):
                return TraceArrivals.from_arrays(
                    val["time"], val["rate"], val.get("interpolation", "step")
                )
    except (ValueError, TypeError, KeyError) as exc:
        raise ScenarioError(file, field, expected, got=f"{obj!r} ({exc})") from None
    raise ScenarioError(file, field, expected, got=repr(obj))


def _nonneg(v: Any) -> float:
    x = scenario_number(v)
    if x < 0 or not math.isfinite(x):
        raise ValueError(f"{v!r} is not a finite rate >= 0")
    return x


def scenario_number(v: Any) -> float:
    """A scenario number: an int or float, never a bool (YAML's ``yes``)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise TypeError(f"{v!r} is not a number")
    return float(v)
