"""Requests in simulated time: arrival processes, per-version behaviour, and Istio's request path.

The world owns time; this module owns what happens to requests during an interval in which the
routing does not change. The world calls::

    tally = generator.advance(t0, t1, plans_by_class, behaviour_by_version, streams)
    store.ingest(tally)                      # canarysim.sim.metrics.MetricStore

with ``plans_by_class`` mapping each request class of ``generator.classes`` to the router's
``RoutePlan`` (``canarysim.sim.router``; ``None`` = no route) and ``behaviour_by_version``
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

Istio semantics modelled (reference: Istio ``VirtualService`` HTTPRoute fields; Envoy router):
faults first (delay and abort independent, abort answers without reaching a pod, delay adds to
the client's latency before the route timeout starts); mirror copies are sent for every
non-aborted request with the mirror's fraction and only reported by the mirror's pods; a branch
without endpoints answers 503 ``UH`` with no retry; requests spread over a branch's backends in
proportion to ready endpoints; an attempt fails with the version's error rate and code;
``retry_on`` decides which attempts are retried (``5xx``; ``gateway-error`` = 502/503/504;
numeric codes; ``retriable-status-codes`` = Istio's default list, 503); per-try timeouts (504
``UT``) are retried on ``5xx``/``gateway-error``/``reset``; a retry waits Envoy's jittered
back-off (uniform below ``25 ms * (2^n - 1)``, capped at 250 ms) and goes to another endpoint of
the same destination not tried yet (Envoy's ``previous_hosts`` predicate, which Istio
enables); the route timeout caps the whole exchange (504
``UT``). Latencies are seconds in :class:`VersionBehaviour` and milliseconds in telemetry.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from canarysim.errors import SimulationError
from canarysim.sim.distributions import Arrivals, Dist
from canarysim.sim.metrics import ISTIO_DURATION_BUCKETS_MS, UNKNOWN, SeriesKey, Tally

__all__ = ["Schedule", "TrafficGenerator", "VersionBehaviour"]

Mode = Literal["aggregate", "exact"]
BACKOFF_BASE_S = 0.025
BACKOFF_MAX_S = 0.25
#: Istio's default ``retriable-status-codes`` (pilot retry policy).
DEFAULT_RETRIABLE_CODES = frozenset({503})


# ============================================================================ behaviour
_INSTANT = Dist.fixed(0.0)


@dataclass(frozen=True)
class Schedule:
    """A value that changes at given times: ``steps[i] = (t_i, v_i)`` holds from ``t_i`` on.

    Before the first time the first value holds.

    >>> s = Schedule(((0.0, 0.01), (600.0, 0.2)))
    >>> s.at(599.0), s.at(600.0)
    (0.01, 0.2)
    """

    steps: tuple[tuple[float, Any], ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a schedule needs at least one step")
        times = [t for t, _ in self.steps]
        if times != sorted(times):
            raise ValueError("schedule times must be increasing")

    def at(self, t: float) -> Any:
        value = self.steps[0][1]
        for ts, v in self.steps:
            if ts <= t:
                value = v
            else:
                break
        return value

    def breakpoints(self, t0: float, t1: float) -> list[float]:
        return [t for t, _ in self.steps if t0 < t < t1]


@dataclass(frozen=True)
class VersionBehaviour:
    """How the pods of one version answer: error probability and code, latency (seconds).

    ``error_rate`` and ``latency`` may be :class:`Schedule` s. ``workload`` is the
    ``destination_workload`` label (Istio derives it from the pod's owner: the Rollout name).
    """

    error_rate: float | Schedule = 0.0
    latency: Dist | Schedule = _INSTANT
    error_code: int = 500
    workload: str = UNKNOWN

    def at(self, t: float) -> tuple[float, Dist]:
        p = self.error_rate.at(t) if isinstance(self.error_rate, Schedule) else self.error_rate
        d = self.latency.at(t) if isinstance(self.latency, Schedule) else self.latency
        if not 0.0 <= float(p) <= 1.0:
            raise SimulationError(f"error rate must be within [0, 1], got {p!r}")
        return float(p), d

    def breakpoints(self, t0: float, t1: float) -> list[float]:
        out: list[float] = []
        for v in (self.error_rate, self.latency):
            if isinstance(v, Schedule):
                out += v.breakpoints(t0, t1)
        return out


# ============================================================================ helpers
@dataclass
class _Backends:
    """The backends of one destination with their behaviour frozen for a segment."""

    hashes: list[str]
    endpoints: np.ndarray
    p_err: np.ndarray
    dists: list[Dist]
    codes: np.ndarray
    workloads: list[str]

    @property
    def probs(self) -> np.ndarray:
        out: np.ndarray = self.endpoints / self.endpoints.sum()
        return out


def _retriable_code(code: int, retry_on: frozenset[str]) -> bool:
    if "5xx" in retry_on and 500 <= code <= 599:
        return True
    if "gateway-error" in retry_on and code in (502, 503, 504):
        return True
    if "retriable-status-codes" in retry_on and code in DEFAULT_RETRIABLE_CODES:
        return True
    return str(code) in retry_on


def _retriable_try_timeout(retry_on: frozenset[str]) -> bool:
    return bool(retry_on & {"5xx", "gateway-error", "reset"})


def _code_retry(plan: Any) -> Any:
    """The plan's own retriable-status predicate when it has one (router.RoutePlan does)."""
    own = getattr(plan, "is_retriable", None)
    if own is not None:
        return own
    on = frozenset(plan.retry_on or ())
    return lambda code: int(plan.retry_attempts or 0) > 0 and _retriable_code(code, on)


def _service(branch: Any) -> str:
    """The Service a destination names: ``Branch.service``, else the host of ``host/subset``."""
    return str(getattr(branch, "service", "") or branch.destination.split("/")[0])


# ============================================================================ generator
class TrafficGenerator:
    """Turns arrivals into per-version telemetry, one routing-constant interval at a time.

    ``classes`` are ``(request_class, share)`` pairs whose shares sum to 1 (the header mix):
    the request-class objects are the router's ``RequestClass`` instances (opaque keys here;
    their ``host`` attribute names a request without a route). ``grid_s`` sets the time
    resolution of the tallies (bucket edges at multiples of it); keep the metric store's scrape
    interval a multiple of it so no bucket straddles a scrape.
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
    ) -> None:
        if mode not in ("aggregate", "exact"):
            raise ValueError(f"mode must be 'aggregate' or 'exact', got {mode!r}")
        if not classes:
            raise ValueError("at least one request class is needed")
        shares = np.asarray([float(s) for _, s in classes])
        if np.any(shares < 0) or not math.isclose(shares.sum(), 1.0, abs_tol=1e-9):
            raise ValueError(f"class shares must be >= 0 and sum to 1, got {list(shares)}")
        if not grid_s > 0:
            raise ValueError("grid_s must be > 0")
        self.arrivals = arrivals
        self.classes = tuple((c, float(s)) for c, s in classes)
        self._shares = shares / shares.sum()
        self.mode: Mode = mode
        self.grid_s = float(grid_s)
        self.buckets_ms = tuple(float(b) for b in buckets_ms)
        self._bounds_s = np.asarray(self.buckets_ms) / 1000.0
        self.keep_samples = keep_samples
        self._tables: dict[tuple[Dist, float, float], _Table] = {}

    # ------------------------------------------------------------------ public
    def advance(
        self,
        t0: float,
        t1: float,
        plans_by_class: Mapping[Any, Any],
        behaviour_by_version: Mapping[str, VersionBehaviour],
        rng_streams: Any,
    ) -> Tally:
        """Simulate every request arriving in ``[t0, t1)`` under constant routing.

        ``rng_streams[name]`` must return a numpy Generator (``canarysim.sim.rng.Streams``);
        the streams used are ``traffic`` (arrivals, classes), ``router`` (faults, branches,
        mirror, backends, retry host and back-off) and ``latency`` (errors and latencies).
        """
        if not t1 >= t0:
            raise ValueError(f"interval must not run backwards: [{t0}, {t1})")
        edges = self._edges(t0, t1, behaviour_by_version)
        tally = Tally(edges=edges, buckets_ms=self.buckets_ms)
        if t1 == t0:
            return tally
        rngs = _Rngs(rng_streams)
        cuts = sorted(
            {t0, t1} | {b for beh in behaviour_by_version.values() for b in beh.breakpoints(t0, t1)}
        )
        for sa, sb in itertools.pairwise(cuts):
            j0 = int(np.searchsorted(edges, sa, side="left"))
            j1 = int(np.searchsorted(edges, sb, side="left"))
            frozen = {h: b.at(sa) for h, b in behaviour_by_version.items()}
            self._segment(tally, j0, j1, plans_by_class, behaviour_by_version, frozen, rngs)
        return tally

    # ------------------------------------------------------------------ structure
    def _edges(self, t0: float, t1: float, beh: Mapping[str, VersionBehaviour]) -> np.ndarray:
        g = self.grid_s
        k0, k1 = math.floor(t0 / g) + 1, math.ceil(t1 / g)
        pts = {t0, t1}
        pts.update(k * g for k in range(k0, k1) if t0 < k * g < t1)
        pts.update(self.arrivals.breakpoints(t0, t1))
        for b in beh.values():
            pts.update(b.breakpoints(t0, t1))
        return np.asarray(sorted(pts), dtype=float)

    def _segment(
        self,
        tally: Tally,
        j0: int,
        j1: int,
        plans: Mapping[Any, Any],
        beh: Mapping[str, VersionBehaviour],
        frozen: Mapping[str, tuple[float, Dist]],
        rngs: _Rngs,
    ) -> None:
        nb_all = tally.n_buckets
        seg_edges = tally.edges[j0 : j1 + 1]
        if self.mode == "aggregate":
            counts = self.arrivals.bucket_counts(seg_edges, rngs.traffic)
            if self.arrivals.deterministic:
                per_class = rngs.traffic.multinomial(counts, self._shares)
            else:
                # Poisson thinning: independent Poisson counts per class.
                lam = self.arrivals.integral(seg_edges[:-1], seg_edges[1:])
                per_class = rngs.traffic.poisson(lam[:, None] * self._shares[None, :])
            for ci, (cls, _) in enumerate(self.classes):
                batch = np.zeros(nb_all, dtype=np.int64)
                batch[j0:j1] = per_class[:, ci]
                self._route(tally, cls, plans.get(cls), batch, beh, frozen, rngs)
        else:
            times = self.arrivals.sample_times(seg_edges[0], seg_edges[-1], rngs.traffic)
            bucket = np.searchsorted(tally.edges, times, side="right") - 1
            bucket = np.clip(bucket, j0, j1 - 1)
            which = rngs.traffic.choice(len(self.classes), size=len(times), p=self._shares)
            for ci, (cls, _) in enumerate(self.classes):
                self._route(tally, cls, plans.get(cls), bucket[which == ci], beh, frozen, rngs)

    # ------------------------------------------------------------------ batches
    # A batch is either per-bucket counts (aggregate) or one bucket index per request (exact).
    def _split(
        self, batch: np.ndarray, probs: Sequence[float] | np.ndarray, rng: Any
    ) -> list[np.ndarray]:
        p = np.asarray(probs, dtype=float)
        p = p / p.sum()
        if self.mode == "aggregate":
            drawn = rng.multinomial(batch, p)
            return [drawn[:, k] for k in range(len(p))]
        which = rng.choice(len(p), size=len(batch), p=p)
        return [batch[which == k] for k in range(len(p))]

    def _thin(self, batch: np.ndarray, p: float, rng: Any) -> tuple[np.ndarray, np.ndarray]:
        """(kept with probability p, the rest)."""
        if p <= 0:
            return self._empty_like(batch), batch
        if self.mode == "aggregate":
            kept = rng.binomial(batch, min(p, 1.0))
            return kept, batch - kept
        mask = rng.random(len(batch)) < p
        return batch[mask], batch[~mask]

    def _empty_like(self, batch: np.ndarray) -> np.ndarray:
        return np.zeros_like(batch) if self.mode == "aggregate" else batch[:0]

    def _size(self, batch: np.ndarray) -> int:
        return int(batch.sum()) if self.mode == "aggregate" else len(batch)

    def _record_fixed(
        self, tally: Tally, key: SeriesKey, batch: np.ndarray, latency_s: float
    ) -> None:
        """Requests that all took the same time (answered by the proxy itself)."""
        if self._size(batch) == 0:
            return
        if self.mode == "exact":
            lat = np.full(len(batch), latency_s * 1000.0)
            tally.add_records(key, batch, lat, self.keep_samples)
            return
        hist = np.zeros((tally.n_buckets, len(self.buckets_ms) + 1), dtype=np.int64)
        col = int(np.searchsorted(self._bounds_s * 1000.0, latency_s * 1000.0, side="left"))
        hist[:, col] = batch
        tally.add_binned(key, hist, batch * latency_s * 1000.0)

    # ------------------------------------------------------------------ the request path
    def _route(
        self,
        tally: Tally,
        cls: Hashable,
        plan: Any,
        batch: np.ndarray,
        beh: Mapping[str, VersionBehaviour],
        frozen: Mapping[str, tuple[float, Dist]],
        rngs: _Rngs,
    ) -> None:
        if self._size(batch) == 0:
            return
        host = str(getattr(cls, "host", UNKNOWN))
        if plan is None or not plan.branches:
            key = SeriesKey("source", host, UNKNOWN, UNKNOWN, 404, "NR")
            self._record_fixed(tally, key, batch, 0.0)
            return
        # Faults: delay and abort drawn independently per request (Envoy's fault filter).
        p_delay, delay_s = (0.0, 0.0)
        if plan.fault_delay is not None:
            p_delay, delay_s = float(plan.fault_delay[0]), float(plan.fault_delay[1])
        p_abort, abort_code = (0.0, 0)
        if plan.fault_abort is not None:
            p_abort, abort_code = float(plan.fault_abort[0]), int(plan.fault_abort[1])
        if p_delay > 0 or p_abort > 0:
            groups = self._split(
                batch,
                [
                    p_abort * p_delay,
                    p_abort * (1 - p_delay),
                    (1 - p_abort) * p_delay,
                    (1 - p_abort) * (1 - p_delay),
                ],
                rngs.router,
            )
            dest0 = _service(plan.branches[0])
            abort_key = SeriesKey("source", dest0, UNKNOWN, UNKNOWN, abort_code, "FI")
            self._record_fixed(tally, abort_key, groups[0], delay_s)
            self._record_fixed(tally, abort_key, groups[1], 0.0)
            passing = [(groups[2], delay_s), (groups[3], 0.0)]
        else:
            passing = [(batch, 0.0)]
        for sub, d in passing:
            if self._size(sub) == 0:
                continue
            mirrors = getattr(plan, "mirrors", ()) or ((plan.mirror,) if plan.mirror else ())
            for mirror in mirrors:
                shadow, _ = self._thin(sub, float(mirror.fraction), rngs.router)
                self._mirror(tally, mirror, shadow, beh, frozen, rngs)
            fracs = [max(float(b.fraction), 0.0) for b in plan.branches]
            if sum(fracs) <= 0:
                # Every weight zero: Envoy has no cluster to pick and answers 503 itself.
                key = SeriesKey("source", _service(plan.branches[0]), UNKNOWN, UNKNOWN, 503, "UH")
                self._record_fixed(tally, key, sub, d)
                continue
            parts = [sub] if len(plan.branches) == 1 else self._split(sub, fracs, rngs.router)
            for branch, part in zip(plan.branches, parts, strict=True):
                self._branch(tally, plan, branch, part, d, beh, frozen, rngs)

    def _backends(
        self,
        branch: Any,
        beh: Mapping[str, VersionBehaviour],
        frozen: Mapping[str, tuple[float, Dist]],
    ) -> _Backends | None:
        items = [(h, int(n)) for h, n in branch.backends.items() if int(n) > 0]
        if not items:
            return None
        for h, _ in items:
            if h not in beh:
                raise SimulationError(f"no behaviour for pod-template hash {h!r}")
        hashes = [h for h, _ in items]
        return _Backends(
            hashes=hashes,
            endpoints=np.asarray([n for _, n in items], dtype=float),
            p_err=np.asarray([frozen[h][0] for h in hashes]),
            dists=[frozen[h][1] for h in hashes],
            codes=np.asarray([beh[h].error_code for h in hashes], dtype=np.int64),
            workloads=[beh[h].workload for h in hashes],
        )

    def _branch(
        self,
        tally: Tally,
        plan: Any,
        branch: Any,
        batch: np.ndarray,
        delay_s: float,
        beh: Mapping[str, VersionBehaviour],
        frozen: Mapping[str, tuple[float, Dist]],
        rngs: _Rngs,
    ) -> None:
        if self._size(batch) == 0:
            return
        bk = self._backends(branch, beh, frozen)
        if bk is None:
            # Envoy: no healthy upstream -> local 503 "UH"; retries do not apply.
            key = SeriesKey("source", _service(branch), UNKNOWN, UNKNOWN, 503, "UH")
            self._record_fixed(tally, key, batch, delay_s)
            return
        per_backend = self._split(batch, bk.probs, rngs.router)
        for b, sub in enumerate(per_backend):
            if self._size(sub) == 0:
                continue
            if self.mode == "aggregate":
                self._serve_aggregate(tally, plan, _service(branch), bk, b, sub, delay_s, rngs)
            else:
                first = np.full(len(sub), b, dtype=np.int64)
                self._attempts(tally, plan, _service(branch), bk, sub, first, None, delay_s, rngs)

    def _mirror(
        self,
        tally: Tally,
        mirror: Any,
        batch: np.ndarray,
        beh: Mapping[str, VersionBehaviour],
        frozen: Mapping[str, tuple[float, Dist]],
        rngs: _Rngs,
    ) -> None:
        if self._size(batch) == 0:
            return
        bk = self._backends(mirror, beh, frozen)
        if bk is None:
            return  # a shadow copy with nowhere to go is dropped silently
        for b, sub in enumerate(self._split(batch, bk.probs, rngs.router)):
            if self._size(sub) > 0:
                self._serve_shadow(tally, _service(mirror), bk, b, sub, rngs)

    # ------------------------------------------------------------------ serving
    def _policy(self, plan: Any) -> tuple[float, float, int, frozenset[str]]:
        """(route timeout, per-try timeout, retries, retry_on), inf meaning none."""
        t = float(plan.timeout_s) if plan.timeout_s else math.inf
        ptt = float(plan.per_try_timeout_s) if plan.per_try_timeout_s else math.inf
        retries = max(int(plan.retry_attempts or 0), 0)
        return t, ptt, retries, frozenset(plan.retry_on or ())

    def _draw(
        self, bk: _Backends, bs: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """One attempt per request at backend ``bs``: (response code, latency s)."""
        err = rng.random(len(bs)) < bk.p_err[bs]
        code = np.where(err, bk.codes[bs], 200)
        lat = np.empty(len(bs))
        for b in np.unique(bs):
            m = bs == b
            lat[m] = bk.dists[b].sample(rng, int(m.sum()))
        return code, lat

    def _record(
        self,
        tally: Tally,
        reporter: str,
        dest: str,
        bk: _Backends,
        bucket: np.ndarray,
        bs: np.ndarray,
        code: np.ndarray,
        lat_s: np.ndarray,
        flags: np.ndarray | None = None,
        shadow: bool = False,
    ) -> None:
        """Individual requests grouped into series by (backend, code, flags)."""
        fl = np.zeros(len(bs), dtype=np.int64) if flags is None else flags
        combo = (bs.astype(np.int64) * 1000 + code) * 2 + fl
        for k in np.unique(combo):
            m = combo == k
            b, c, f = int(k) // 2000, int(k) // 2 % 1000, int(k) % 2
            key = SeriesKey(
                reporter,
                dest,
                bk.workloads[b],
                bk.hashes[b],
                int(c),
                "UT" if f else "-",
                shadow,
            )
            tally.add_records(key, bucket[m], lat_s[m] * 1000.0, self.keep_samples)

    def _attempts(
        self,
        tally: Tally,
        plan: Any,
        dest: str,
        bk: _Backends,
        bucket: np.ndarray,
        backend: np.ndarray,
        first: tuple[np.ndarray, np.ndarray] | None,
        delay_s: float,
        rngs: _Rngs,
    ) -> None:
        """Requests through Envoy's router, attempt by attempt (vectorised per round).

        ``first`` optionally gives the first attempt's (code, latency) already drawn.
        """
        n = len(bucket)
        if n == 0:
            return
        timeout, ptt, retries, retry_on = self._policy(plan)
        ptt_retry = _retriable_try_timeout(retry_on)
        is_retriable = _code_retry(plan)
        retriable_codes = {int(c) for c in (*bk.codes.tolist(), 200) if is_retriable(int(c))}
        elapsed = np.zeros(n)
        final_code = np.zeros(n, dtype=np.int64)
        final_flag = np.zeros(n, dtype=np.int64)
        current = backend.astype(np.int64).copy()
        active = np.arange(n)
        # Endpoints already tried per request and version (Envoy's previous_hosts predicate).
        tried = np.zeros((n, len(bk.hashes)), dtype=np.int64) if retries > 0 else None
        for attempt in range(retries + 1):
            if len(active) == 0:
                break
            bs = current[active]
            if attempt == 0 and first is not None:
                code, lat = first
            else:
                code, lat = self._draw(bk, bs, rngs.latency)
            # Server-side proxy: one report per attempt, the backend's own code and latency.
            self._record(tally, "destination", dest, bk, bucket[active], bs, code, lat)
            el = elapsed[active]
            budget = timeout - el
            global_to = (lat > budget) & (budget <= ptt)
            try_to = ~global_to & (lat > ptt)
            ok = ~global_to & ~try_to
            el = np.where(global_to, timeout, np.where(try_to, el + ptt, el + lat))
            res_code = np.where(ok, code, 504)
            res_flag = np.where(ok, 0, 1)
            again = np.where(try_to, ptt_retry, np.isin(code, list(retriable_codes)))
            again &= ~global_to & (attempt < retries)
            if again.any():
                # Envoy's fully jittered exponential back-off before retry number attempt+1.
                cap = min(BACKOFF_BASE_S * (2 ** (attempt + 1) - 1), BACKOFF_MAX_S)
                start = el[again] + rngs.router.uniform(0.0, cap, int(again.sum()))
                late = start >= timeout
                el_again = np.where(late, timeout, start)
                el[again] = el_again
                idx_again = np.flatnonzero(again)
                res_code[idx_again[late]] = 504
                res_flag[idx_again[late]] = 1
                again[idx_again[late]] = False
            elapsed[active] = el
            done = ~again
            final_code[active[done]] = res_code[done]
            final_flag[active[done]] = res_flag[done]
            cont = active[again]
            if len(cont):
                assert tried is not None
                tried[cont, current[cont]] += 1
                current[cont] = self._next_host(bk, tried[cont], rngs.router)
            active = cont
        # Client-side proxy: one report per request, what the user got.
        self._record(
            tally, "source", dest, bk, bucket, current, final_code, elapsed + delay_s, final_flag
        )

    @staticmethod
    def _next_host(bk: _Backends, tried: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Retry targets: a random endpoint of the same destination not tried yet.

        Istio configures Envoy's ``previous_hosts`` retry predicate (with up to 5 host
        selection attempts), so a retry avoids every endpoint the request already hit; when
        all have been tried the pick is unrestricted. ``tried`` counts, per request and
        version, the endpoints already attempted; versions are picked in proportion to the
        endpoints left.
        """
        left = np.maximum(bk.endpoints[None, :] - tried, 0.0)
        none_left = left.sum(axis=1) == 0
        left[none_left] = bk.endpoints
        cum = np.cumsum(left / left.sum(axis=1, keepdims=True), axis=1)
        u = rng.random(len(tried))
        pick = (u[:, None] >= cum).sum(axis=1)
        return np.minimum(pick, len(bk.hashes) - 1).astype(np.int64)

    def _table(self, dist: Dist, delay_s: float, cap_s: float) -> _Table:
        """Latency intervals ``(lo, hi]`` refining the destination bucket bounds, the source
        bounds shifted by the fault delay and the timeout cap, with their probabilities,
        conditional means and histogram columns (cached: a few distinct keys per run)."""
        key = (dist, delay_s, cap_s)
        tab = self._tables.get(key)
        if tab is not None:
            return tab
        pts = [self._bounds_s, self._bounds_s - delay_s]
        if math.isfinite(cap_s):
            pts.append(np.asarray([cap_s]))
        allp = np.unique(np.concatenate(pts))
        allp = allp[allp > 0]
        lo = np.concatenate([[-1.0], allp])
        hi = np.concatenate([allp, [math.inf]])
        f_lo = np.asarray(dist.cdf(np.maximum(lo, 0.0) if dist.kind != "fixed" else lo))
        f_hi = np.asarray(dist.cdf(hi))
        prob = np.maximum(f_hi - f_lo, 0.0)
        part = np.asarray(dist.partial_mean(lo, hi), dtype=float)
        mean_in = np.where(prob > 0, part / np.where(prob > 0, prob, 1.0), 0.0)
        base = np.maximum(lo, 0.0)
        mid = np.where(np.isinf(hi), base + 1.0, (base + hi) / 2)
        eye = np.eye(len(self.buckets_ms) + 1)
        tab = _Table(
            lo=lo,
            hi=hi,
            f_lo=f_lo,
            f_hi=f_hi,
            prob=prob,
            mean_in=mean_in,
            dest_onehot=eye[self._bins(mid)],
            src_onehot=eye[self._bins(mid + delay_s)],
            cap_col=eye[self._bins(np.asarray([cap_s + delay_s]))[0]],
        )
        if len(self._tables) > 512:
            self._tables.clear()
        self._tables[key] = tab
        return tab

    def _bins(self, values_s: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._bounds_s, values_s, side="left")

    def _serve_aggregate(
        self,
        tally: Tally,
        plan: Any,
        dest: str,
        bk: _Backends,
        b: int,
        counts: np.ndarray,
        delay_s: float,
        rngs: _Rngs,
    ) -> None:
        """First attempts at backend ``b`` as per-bucket counts (see module docstring)."""
        timeout, ptt, retries, retry_on = self._policy(plan)
        dist, p, ecode = bk.dists[b], float(bk.p_err[b]), int(bk.codes[b])
        cap = min(timeout, ptt)
        tab = self._table(dist, delay_s, cap)
        nj = len(tab.lo)
        probs = np.concatenate([tab.prob * (1 - p), tab.prob * p])
        drawn = rngs.latency.multinomial(counts, probs / probs.sum())
        above = tab.lo >= cap
        try_retry = above & (ptt < timeout) & _retriable_try_timeout(retry_on) & (retries > 0)
        code_retry = bool(_code_retry(plan)(ecode)) and retries > 0
        if ecode == 200:  # an "error" answered with 200 is just a success
            cols = {200: drawn[:, :nj] + drawn[:, nj:]}
            retry_masks = {200: try_retry}
        else:
            cols = {200: drawn[:, :nj], ecode: drawn[:, nj:]}
            retry_masks = {200: try_retry, ecode: try_retry | (~above & code_retry)}
        timed_out = np.zeros(tally.n_buckets)
        wl, h = bk.workloads[b], bk.hashes[b]
        for code, c in cols.items():
            keep = ~retry_masks[code]
            ck = c[:, keep]
            # Server side: the backend's code and full latency.
            dkey = SeriesKey("destination", dest, wl, h, code)
            tally.add_binned(dkey, ck @ tab.dest_onehot[keep], ck @ (tab.mean_in[keep] * 1000.0))
            # Client side: answered in time ...
            fin = keep & ~above
            cf = c[:, fin]
            sums = cf @ ((tab.mean_in[fin] + delay_s) * 1000.0)
            tally.add_binned(SeriesKey("source", dest, wl, h, code), cf @ tab.src_onehot[fin], sums)
            # ... or cut by a timeout that is not retried.
            timed_out += c[:, keep & above].sum(axis=1)
        if timed_out.any():
            tkey = SeriesKey("source", dest, wl, h, 504, "UT")
            hist = timed_out[:, None] * tab.cap_col[None, :]
            tally.add_binned(tkey, hist, timed_out * (cap + delay_s) * 1000.0)
        # Retried requests continue one by one, the first attempt drawn inside its interval
        # by inverse transform: u ~ U(F(lo), F(hi)), latency = F^-1(u).
        buckets, codes, lats = [], [], []
        nb = tally.n_buckets
        for code, c in cols.items():
            js = np.flatnonzero(retry_masks[code])
            if len(js) == 0:
                continue
            sub = c[:, js].ravel()  # bucket-major
            if not sub.any():
                continue
            bidx = np.repeat(np.repeat(np.arange(nb), len(js)), sub)
            jidx = np.repeat(np.tile(js, nb), sub)
            u = rngs.latency.uniform(tab.f_lo[jidx], tab.f_hi[jidx])
            low = np.nextafter(np.maximum(tab.lo[jidx], 0.0), math.inf)
            buckets.append(bidx)
            codes.append(np.full(len(bidx), code, dtype=np.int64))
            lats.append(np.clip(dist.ppf(u), low, tab.hi[jidx]))
        if buckets:
            bucket = np.concatenate(buckets)
            first = (np.concatenate(codes), np.concatenate(lats))
            backend = np.full(len(bucket), b, dtype=np.int64)
            self._attempts(tally, plan, dest, bk, bucket, backend, first, delay_s, rngs)

    def _serve_shadow(
        self,
        tally: Tally,
        dest: str,
        bk: _Backends,
        b: int,
        batch: np.ndarray,
        rngs: _Rngs,
    ) -> None:
        """Mirrored copies: served once, reported by the mirror's pods only."""
        if self.mode == "exact":
            bs = np.full(len(batch), b, dtype=np.int64)
            code, lat = self._draw(bk, bs, rngs.latency)
            self._record(tally, "destination", dest, bk, batch, bs, code, lat, shadow=True)
            return
        dist, p, ecode = bk.dists[b], float(bk.p_err[b]), int(bk.codes[b])
        tab = self._table(dist, 0.0, math.inf)
        nj = len(tab.lo)
        probs = np.concatenate([tab.prob * (1 - p), tab.prob * p])
        drawn = rngs.latency.multinomial(batch, probs / probs.sum())
        for status, c in ((200, drawn[:, :nj]), (ecode, drawn[:, nj:])):
            key = SeriesKey("destination", dest, bk.workloads[b], bk.hashes[b], status, "-", True)
            tally.add_binned(key, c @ tab.dest_onehot, c @ (tab.mean_in * 1000.0))


@dataclass(frozen=True)
class _Table:
    lo: np.ndarray
    hi: np.ndarray
    f_lo: np.ndarray
    f_hi: np.ndarray
    prob: np.ndarray
    mean_in: np.ndarray
    dest_onehot: np.ndarray
    src_onehot: np.ndarray
    cap_col: np.ndarray


class _Rngs:
    """The named streams traffic draws from."""

    def __init__(self, streams: Any) -> None:
        self.traffic: np.random.Generator = streams["traffic"]
        self.router: np.random.Generator = streams["router"]
        self.latency: np.random.Generator = streams["latency"]
