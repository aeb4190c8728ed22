"""Requests in simulated time: arrival processes, per-version behaviour, and Istio's request path.

The world owns time; this module owns what happens to requests during an interval in which the
routing does not change. The world calls::

    tally = generator.advance(t0, t1, plans_by_class, behaviour_by_version, streams)
    store.ingest(tally)                      # canarysim.sim.metrics.store.MetricStore

with ``plans_by_class`` mapping each request class of ``generator.classes`` to the router's
``RoutePlan`` (``canarysim.sim.mesh.router``; ``None`` = no route) and ``behaviour_by_version``
mapping every pod-template hash that appears in a plan to a :class:`VersionBehaviour`.

Two modes with the same statistics:

``aggregate`` (default)
    Per time bucket: Poisson counts of arrivals (``integral of the rate``), split into classes,
    fault outcomes, branches, mirror copies and backends with multinomials, then one multinomial
    per backend over (latency interval, error or not), where the latency intervals refine
    Istio's histogram buckets, the timeouts and the fault delay. Thinning a Poisson process by
    independent choices gives independent Poisson processes, so with bucket edges at every
    rate, behaviour and routing change the counts have exactly the per-request distribution
    (peers: "aggregating requests per time bucket"). Requests whose first attempt is retried
    are few; their first attempt's latency is drawn conditionally on its interval (inverse
    CDF) and they continue through the exact path below. Histogram ``_sum`` uses the
    conditional mean of each interval (exact in expectation).
``exact``
    Every request is a record: arrival times by thinning, every choice a vectorised draw.

Istio semantics modelled (reference: Istio ``VirtualService`` HTTPRoute fields; Envoy router)
are spread over the layers :class:`TrafficGenerator` is built from, one idea per module:

- :mod:`canarysim.sim.traffic.behaviour`: :class:`VersionBehaviour` and :class:`Schedule`
(re-exported
  here), what a version answers over time;
- :mod:`canarysim.sim.traffic.path`: no route, faults, mirrors, branches, backends;
- :mod:`canarysim.sim.traffic.aggregate`: aggregate mode's multinomial serving;
- :mod:`canarysim.sim.mesh.envoy`: attempts, retries, timeouts, back-off, retry hosts;
- this module: arrivals, time buckets and segments (where behaviour schedules change).

Latencies are seconds in :class:`VersionBehaviour` and milliseconds in telemetry.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from canarysim.sim.mesh.envoy import Mode, Rngs
from canarysim.sim.metrics.tally import ISTIO_DURATION_BUCKETS_MS, Tally, sorted_unique
from canarysim.sim.stochastic.arrivals import Arrivals
from canarysim.sim.stochastic.distributions import Dist
from canarysim.sim.stochastic.rng import choose
from canarysim.sim.traffic import draws
from canarysim.sim.traffic.behaviour import Schedule, VersionBehaviour
from canarysim.sim.traffic.path import RequestPath

__all__ = ["OwnArrivals", "Schedule", "TrafficGenerator", "VersionBehaviour"]


@dataclass(frozen=True)
class OwnArrivals:
    """A request class's own arrival process (a rate shape of its own instead of a share of
    the whole), drawn from the random stream ``stream``, apart from every other class."""

    arrivals: Arrivals
    stream: str


class TrafficGenerator(RequestPath):
    """Turns arrivals into per-version telemetry, one routing-constant interval at a time.

    ``classes`` are ``(request_class, share)`` pairs whose shares sum to 1 (the header mix):
    the request-class objects are the router's ``RequestClass`` instances (opaque keys here;
    their ``host`` attribute names a request without a route). A class in ``own`` has
    arrivals of its own instead (its share is ignored; the others' shares sum to 1): they are
    drawn after the shared ones, from the class's own stream, so a run without such classes
    draws exactly as before and adding one shifts no other class's arrivals. ``grid_s`` sets
    the time resolution of the tallies (bucket edges at multiples of it); keep the metric
    store's scrape interval a multiple of it so no bucket straddles a scrape.
    """

    def __init__(
        self,
        arrivals: Arrivals,
        classes: Sequence[tuple[Hashable, float]],
        *,
        mode: Mode = "aggregate",
        grid_s: float = 1.0,
        buckets_ms: tuple[float, ...] = ISTIO_DURATION_BUCKETS_MS,
        keep_samples: bool = False,
        own: Mapping[Any, OwnArrivals] | None = None,
    ) -> None:
        if mode not in ("aggregate", "exact"):
            raise ValueError(f"mode must be 'aggregate' or 'exact', got {mode!r}")
        if not classes:
            raise ValueError("at least one request class is needed")
        self.own = dict(own or {})
        shared = [(c, float(s)) for c, s in classes if c not in self.own]
        shares = np.asarray([s for _, s in shared])
        if np.any(shares < 0) or (shared and not math.isclose(shares.sum(), 1.0, abs_tol=1e-9)):
            raise ValueError(f"class shares must be >= 0 and sum to 1, got {list(shares)}")
        self._shared = tuple(c for c, _ in shared)
        if not grid_s > 0:
            raise ValueError("grid_s must be > 0")
        self.arrivals = arrivals
        self.classes = tuple((c, float(s)) for c, s in classes)
        self._shares = shares / shares.sum() if shared else shares
        self.mode: Mode = mode
        self.grid_s = float(grid_s)
        self.buckets_ms = tuple(float(b) for b in buckets_ms)
        self._bounds_s = np.asarray(self.buckets_ms) / 1000.0
        self.keep_samples = keep_samples
        self._prepared = {}
        self._series_keys = {}
        self._rngs: tuple[Any, Rngs] | None = None

    # ------------------------------------------------------------------ public
    def max_rate(self, t0: float, t1: float) -> float:
        """An upper bound of the requests per second of every class over ``[t0, t1)``."""
        peak = float(self.arrivals.max_rate(t0, t1)) if self._shared else 0.0
        return peak + sum(float(o.arrivals.max_rate(t0, t1)) for o in self.own.values())

    def advance(
        self,
        t0: float,
        t1: float,
        plans_by_class: Mapping[Any, Any],
        behaviour_by_version: Mapping[str, VersionBehaviour],
        rng_streams: Any,
        *,
        server_side: bool = True,
    ) -> Tally:
        """Simulate every request arriving in ``[t0, t1)`` under constant routing
        (``server_side`` False: see :attr:`Tally.server_side`; the same draws either way).

        ``rng_streams[name]`` must return a numpy Generator
        (``canarysim.sim.stochastic.rng.Streams``);
        the streams used are ``traffic`` (arrivals, classes), ``router`` (faults, branches,
        mirror, backends, retry host and back-off) and ``latency`` (errors and latencies).
        """
        if not t1 >= t0:
            raise ValueError(f"interval must not run backwards: [{t0}, {t1})")
        edges = self._edges(t0, t1, behaviour_by_version)
        tally = Tally(edges=edges, buckets_ms=self.buckets_ms, server_side=server_side)
        if len(self.classes) > 1:
            tally.class_counts = {}  # the timeline's breakdown by class
        if t1 == t0:
            return tally
        rngs = self._rngs_of(rng_streams)
        cuts = sorted(
            {t0, t1} | {b for beh in behaviour_by_version.values() for b in beh.breakpoints(t0, t1)}
        )
        # One segment (no behaviour changes inside): every bucket, the edges running from
        # t0 to t1 (sorted, unique) without a search.
        whole = len(cuts) == 2 and edges[0] == t0 and edges[-1] == t1
        for sa, sb in itertools.pairwise(cuts):
            if whole:
                j0, j1 = 0, len(edges) - 1
            else:
                j0 = int(edges.searchsorted(sa, side="left"))
                j1 = int(edges.searchsorted(sb, side="left"))
            frozen = {h: b.at(sa) for h, b in behaviour_by_version.items()}
            if self._shared:
                self._segment(tally, j0, j1, plans_by_class, behaviour_by_version, frozen, rngs)
            for cls, own in self.own.items():
                self._own(
                    tally,
                    (j0, j1),
                    cls,
                    own.arrivals,
                    rng_streams[own.stream],
                    plans_by_class,
                    behaviour_by_version,
                    frozen,
                    rngs,
                )
        return tally

    def _rngs_of(self, rng_streams: Any) -> Rngs:
        """The named streams of ``rng_streams`` (the same Generators every call: kept for
        the last streams object)."""
        last = self._rngs
        if last is None or last[0] is not rng_streams:
            last = self._rngs = (rng_streams, Rngs(rng_streams))
        return last[1]

    # ------------------------------------------------------------------ structure
    def _edges(self, t0: float, t1: float, beh: Mapping[str, VersionBehaviour]) -> np.ndarray:
        g = self.grid_s
        k0, k1 = math.floor(t0 / g) + 1, math.ceil(t1 / g)
        ks = np.arange(k0, max(k0, k1), dtype=np.int64)
        pts = {t0, t1}
        pts.update(self.arrivals.breakpoints(t0, t1))
        for own in self.own.values():
            pts.update(own.arrivals.breakpoints(t0, t1))
        for b in beh.values():
            pts.update(b.breakpoints(t0, t1))
        n = len(ks)
        if len(pts) == 2 and (n == 0 or (k0 * g > t0 and (k0 + n - 1) * g < t1)):
            # only t0 < t1 around a grid strictly inside (it increases: its ends decide; a
            # Python int times g rounds as numpy's int64 times g): already sorted and
            # unique, each k * g computed into place
            out = np.empty(n + 2)
            out[0], out[-1] = t0, t1
            np.multiply(ks, g, out=out[1:-1])  # k * g, as Python computes it
            return out
        grid = ks * g
        inner = grid[(grid > t0) & (grid < t1)]
        if len(pts) == 2:
            return np.concatenate(([t0], inner, [t1]))
        return sorted_unique(np.concatenate([inner, np.asarray(list(pts), dtype=float)]))

    def _segment(
        self,
        tally: Tally,
        j0: int,
        j1: int,
        plans: Mapping[Any, Any],
        beh: Mapping[str, VersionBehaviour],
        frozen: Mapping[str, tuple[float, Dist]],
        rngs: Rngs,
    ) -> None:
        nb_all = tally.n_buckets
        seg_edges = tally.edges[j0 : j1 + 1]
        if self.mode == "aggregate":
            arrivals = self.arrivals
            if arrivals.deterministic:
                counts = arrivals.bucket_counts(seg_edges, rngs.traffic)
                per_class = draws.multinomial(rngs.traffic, counts, self._shares)
            else:
                lam = arrivals.integral(seg_edges[:-1], seg_edges[1:])
                # Poisson thinning: independent Poisson counts per class.
                rates = lam[:, None] * self._shares[None, :]
                # The whole's counts are drawn first (the stream moves as it always has) but
                # not used; Arrivals' own draw is the Poisson of this very integral. Then the
                # classes': both in one call (the same values drawn one after the other, the
                # array checked once instead of twice).
                if type(arrivals).bucket_counts is Arrivals.bucket_counts:
                    both = np.concatenate((np.maximum(lam, 0.0), rates.ravel()))
                    per_class = draws.poisson(rngs.traffic, both)[len(lam) :].reshape(rates.shape)
                else:
                    arrivals.bucket_counts(seg_edges, rngs.traffic)
                    per_class = draws.poisson(rngs.traffic, rates)
            whole = j0 == 0 and j1 == nb_all and per_class.shape[1] == 1
            for ci, cls in enumerate(self._shared):
                if whole and per_class.dtype == np.int64:
                    batch = per_class[:, 0]  # the segment is every bucket (read, never written)
                else:
                    batch = np.zeros(nb_all, dtype=np.int64)
                    batch[j0:j1] = per_class[:, ci]
                tally.current_class = cls
                self._route(tally, cls, plans.get(cls), batch, beh, frozen, rngs)
            tally.current_class = None
        else:
            bucket = self.arrivals.sample_bins(seg_edges, rngs.traffic) + j0
            which = choose(rngs.traffic, self._shares, len(bucket))
            for ci, cls in enumerate(self._shared):
                tally.current_class = cls
                mine = bucket if len(self._shared) == 1 else bucket[which == ci]
                self._route(tally, cls, plans.get(cls), mine, beh, frozen, rngs)
            tally.current_class = None

    def _own(
        self,
        tally: Tally,
        span: tuple[int, int],
        cls: Hashable,
        arrivals: Arrivals,
        stream: np.random.Generator,
        plans: Mapping[Any, Any],
        beh: Mapping[str, VersionBehaviour],
        frozen: Mapping[str, tuple[float, Dist]],
        rngs: Rngs,
    ) -> None:
        """The requests of a class with arrivals of its own, over buckets ``span``."""
        j0, j1 = span
        seg_edges = tally.edges[j0 : j1 + 1]
        if self.mode == "aggregate":
            batch = np.zeros(tally.n_buckets, dtype=np.int64)
            batch[j0:j1] = arrivals.bucket_counts(seg_edges, stream)
        else:
            batch = arrivals.sample_bins(seg_edges, stream) + j0
        tally.current_class = cls
        self._route(tally, cls, plans.get(cls), batch, beh, frozen, rngs)
        tally.current_class = None
