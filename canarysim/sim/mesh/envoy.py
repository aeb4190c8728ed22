"""Envoy's router, attempt by attempt: retries, per-try and route timeouts, back-off, hosts.

The part of Istio's request path that happens once a request has a destination (a set of
backends, see :class:`Backends`): an attempt fails with the version's error rate and code;
``retry_on`` decides which attempts are retried (``5xx``; ``gateway-error`` = 502/503/504;
numeric codes; ``retriable-status-codes`` = Istio's default list, 503); per-try timeouts (504
``UT``) are retried on ``5xx``/``gateway-error``/``reset``; a retry waits Envoy's jittered
back-off (uniform below ``25 ms * (2^n - 1)``, capped at 250 ms) and goes to another endpoint
of the same destination not tried yet (Envoy's ``previous_hosts`` predicate, which Istio
enables); the route timeout caps the whole exchange (504 ``UT``).

:class:`EnvoyAttempts` is the first layer of
:class:`~canarysim.sim.traffic.generator.TrafficGenerator`
(``EnvoyAttempts`` <- ``AggregateServing`` <- ``RequestPath`` <- ``TrafficGenerator``): exact
mode sends every request through :meth:`EnvoyAttempts._attempts`; aggregate mode only the few
whose first attempt is retried.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np

from canarysim.sim.metrics.tally import SeriesKey, Tally
from canarysim.sim.stochastic.distributions import Dist

__all__ = [
    "BACKOFF_BASE_S",
    "BACKOFF_MAX_S",
    "DEFAULT_RETRIABLE_CODES",
    "Backends",
    "EnvoyAttempts",
    "Mode",
    "Rngs",
    "retriable_code",
    "retriable_try_timeout",
    "retry_predicate",
    "service_of",
]

Mode = Literal["aggregate", "exact"]
BACKOFF_BASE_S = 0.025
BACKOFF_MAX_S = 0.25
#: Istio's default ``retriable-status-codes`` (pilot retry policy).
DEFAULT_RETRIABLE_CODES = frozenset({503})


@dataclass
class Backends:
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


def retriable_code(code: int, retry_on: frozenset[str]) -> bool:
    if "5xx" in retry_on and 500 <= code <= 599:
        return True
    if "gateway-error" in retry_on and code in (502, 503, 504):
        return True
    if "retriable-status-codes" in retry_on and code in DEFAULT_RETRIABLE_CODES:
        return True
    return str(code) in retry_on


def retriable_try_timeout(retry_on: frozenset[str]) -> bool:
    return bool(retry_on & {"5xx", "gateway-error", "reset"})


def retry_predicate(plan: Any) -> Any:
    """The plan's own retriable-status predicate when it has one (router.RoutePlan does)."""
    own = getattr(plan, "is_retriable", None)
    if own is not None:
        return own
    on = frozenset(plan.retry_on or ())
    return lambda code: int(plan.retry_attempts or 0) > 0 and retriable_code(code, on)


def service_of(branch: Any) -> str:
    """The Service a destination names: ``Branch.service``, else the host of ``host/subset``."""
    return str(getattr(branch, "service", "") or branch.destination.split("/")[0])


class Rngs:
    """The named streams traffic draws from."""

    def __init__(self, streams: Any) -> None:
        self.traffic: np.random.Generator = streams["traffic"]
        self.router: np.random.Generator = streams["router"]
        self.latency: np.random.Generator = streams["latency"]


class EnvoyAttempts:
    """Serving requests at a destination's backends, one vectorised round per attempt.

    Holds no state of its own: the attributes below are set by ``TrafficGenerator``.
    """

    mode: Mode
    keep_samples: bool
    buckets_ms: tuple[float, ...]
    _bounds_s: np.ndarray

    def _policy(self, plan: Any) -> tuple[float, float, int, frozenset[str]]:
        """(route timeout, per-try timeout, retries, retry_on), inf meaning none."""
        t = float(plan.timeout_s) if plan.timeout_s else math.inf
        ptt = float(plan.per_try_timeout_s) if plan.per_try_timeout_s else math.inf
        retries = max(int(plan.retry_attempts or 0), 0)
        return t, ptt, retries, frozenset(plan.retry_on or ())

    def _draw(
        self, bk: Backends, bs: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """One attempt per request at backend ``bs``: (response code, latency s)."""
        per_backend = np.bincount(bs)
        used = np.flatnonzero(per_backend)
        if len(used) == 1:  # the usual batch: one backend, no mask or gather needed
            only = int(used[0])
            err = rng.random(len(bs)) < bk.p_err[only]
            code = np.where(err, bk.codes[only], 200)
            sample = bk.dists[only].sample(rng, int(per_backend[only]))
            return code, np.asarray(sample, dtype=float)
        err = rng.random(len(bs)) < bk.p_err[bs]
        code = np.where(err, bk.codes[bs], 200)
        lat = np.empty(len(bs))
        for b in used:
            m = bs == b
            lat[m] = bk.dists[b].sample(rng, int(per_backend[b]))
        return code, lat

    def _record(
        self,
        tally: Tally,
        reporter: str,
        dest: str,
        bk: Backends,
        bucket: np.ndarray,
        bs: np.ndarray,
        code: np.ndarray,
        lat_s: np.ndarray,
        flags: np.ndarray | None = None,
        shadow: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Individual requests grouped into series by (backend, code, flags). Returns the
        (backend, code, flags) combinations found with their sums and counts (see
        :meth:`Tally.grouped`), to report the same requests again on the other side."""
        if len(bs) == 0:
            return None
        combo = np.multiply(bs, 2000, dtype=np.int64)
        combo += code
        combo += code
        if flags is not None:
            combo += flags
        # The keys in increasing order without sorting every request: combo is a small int.
        present = np.bincount(combo)
        found = np.flatnonzero(present)
        keys = [
            SeriesKey(
                reporter,
                dest,
                bk.workloads[int(k) // 2000],
                bk.hashes[int(k) // 2000],
                int(k) // 2 % 1000,
                "UT" if int(k) % 2 else "-",
                shadow,
            )
            for k in found
        ]
        if self.keep_samples:
            for key, k in zip(keys, found, strict=True):
                m = combo == k
                tally.add_records(key, bucket[m], lat_s[m] * 1000.0, True)
            return None
        # Each request's row among the keys' buckets, group * n_buckets + bucket, built in
        # one array (Tally.grouped's rows when no group is given).
        rows = bucket
        if len(found) > 1:
            index = np.zeros(len(present), dtype=np.int64)
            index[found] = np.arange(len(found)) * tally.n_buckets
            rows = index[combo]
            rows += bucket
        sums, hist = tally.grouped(len(keys), None, rows, lat_s * 1000.0)
        tally.add_counted(keys, sums, hist)
        return found, sums, hist

    @staticmethod
    def _source_keys(dest: str, bk: Backends, found: np.ndarray) -> list[SeriesKey]:
        """The client side's keys of :meth:`_record`'s combinations (no flags)."""
        return [
            SeriesKey(
                "source",
                dest,
                bk.workloads[int(k) // 2000],
                bk.hashes[int(k) // 2000],
                int(k) // 2 % 1000,
            )
            for k in found
        ]

    def _attempts(
        self,
        tally: Tally,
        plan: Any,
        dest: str,
        bk: Backends,
        bucket: np.ndarray,
        backend: np.ndarray,
        first: tuple[np.ndarray, np.ndarray] | None,
        delay_s: float,
        rngs: Rngs,
    ) -> None:
        """Requests through Envoy's router, attempt by attempt (vectorised per round).

        ``first`` optionally gives the first attempt's (code, latency) already drawn.
        """
        n = len(bucket)
        if n == 0:
            return
        timeout, ptt, retries, retry_on = self._policy(plan)
        ptt_retry = retriable_try_timeout(retry_on)
        is_retriable = retry_predicate(plan)
        retriable_codes = {int(c) for c in (*bk.codes.tolist(), 200) if is_retriable(int(c))}
        elapsed = np.zeros(n)
        # What the user got, and the endpoints already tried per request and version
        # (Envoy's previous_hosts predicate): allocated once a request is retried or timed
        # out (the usual batch has neither and reports the first attempt on both sides).
        final_code: np.ndarray | None = None
        final_flag: np.ndarray | None = None
        tried: np.ndarray | None = None
        # The backend of each request's current attempt (a copy once retries move them).
        current = backend if backend.dtype == np.int64 else backend.astype(np.int64)
        retry_list = list(retriable_codes)
        # The requests still being tried: all of them (a slice, no copies) on the first round.
        active: Any = slice(None)
        # Without a timeout every attempt is answered: the general arithmetic below with
        # nothing timed out, skipped.
        bounded = math.isfinite(timeout) or math.isfinite(ptt)
        # The server side's report of the first attempt, while the client side's is the same.
        same_reports: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        for attempt in range(retries + 1):
            bs = current[active]
            if len(bs) == 0:
                break
            if attempt == 0 and first is not None:
                code, lat = first
            else:
                code, lat = self._draw(bk, bs, rngs.latency)
            # Server-side proxy: one report per attempt, the backend's own code and latency.
            reported = self._record(tally, "destination", dest, bk, bucket[active], bs, code, lat)
            el = elapsed[active]
            timed_out = False
            if bounded:
                budget = timeout - el
                global_to = (lat > budget) & (budget <= ptt)
                try_to = ~global_to & (lat > ptt)
                timed_out = bool(global_to.any() or try_to.any())
            if timed_out:
                ok = ~global_to & ~try_to
                el = np.where(global_to, timeout, np.where(try_to, el + ptt, el + lat))
                again = np.where(try_to, ptt_retry, _among(code, retry_list))
                again &= ~global_to & (attempt < retries)
            else:  # the same arithmetic with nothing timed out
                again = _among(code, retry_list) & (attempt < retries)
            if not again.any() and attempt == 0 and not timed_out and delay_s == 0.0:
                # Nothing retried, nothing timed out, no fault delay: the client saw what
                # the server reported (same codes, same latencies, no flags).
                same_reports = reported
                if reported is None:  # samples kept: each request reported again as it was
                    final_code = np.asarray(code, dtype=np.int64)
                    final_flag = np.zeros(n, dtype=np.int64)
                    elapsed = el + lat
                break
            if not timed_out:
                el = el + lat
            if timed_out:
                res_code = np.where(ok, code, 504)
                res_flag = np.where(ok, 0, 1)
            else:
                res_code = code.copy()
                res_flag = np.zeros(len(bs), dtype=np.int64)
            if final_code is None or final_flag is None:
                final_code = np.zeros(n, dtype=np.int64)
                final_flag = np.zeros(n, dtype=np.int64)
            if not again.any():
                elapsed[active] = el
                final_code[active] = res_code
                final_flag[active] = res_flag
                break
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
            positions = np.arange(n) if isinstance(active, slice) else active
            done = ~again
            final_code[positions[done]] = res_code[done]
            final_flag[positions[done]] = res_flag[done]
            cont = positions[again]
            if len(cont):
                if tried is None:
                    tried = np.zeros((n, len(bk.hashes)), dtype=np.int64)
                if current is backend:
                    current = backend.copy()
                tried[cont, current[cont]] += 1
                current[cont] = self._next_host(bk, tried[cont], rngs.router)
            active = cont
        # Client-side proxy: one report per request, what the user got.
        if same_reports is not None:
            found, sums, hist = same_reports
            tally.add_counted(self._source_keys(dest, bk, found), sums, hist)
            return
        assert final_code is not None and final_flag is not None
        self._record(
            tally, "source", dest, bk, bucket, current, final_code, elapsed + delay_s, final_flag
        )

    @staticmethod
    def _next_host(bk: Backends, tried: np.ndarray, rng: np.random.Generator) -> np.ndarray:
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
        return cast(np.ndarray, np.minimum(pick, len(bk.hashes) - 1).astype(np.int64))


def _among(code: np.ndarray, codes: list[int]) -> np.ndarray:
    """``np.isin(code, codes)`` for the few retriable codes: one comparison each."""
    if not codes:
        return np.zeros(len(code), dtype=bool)
    out: np.ndarray = code == codes[0]
    for c in codes[1:]:
        out |= code == c
    return out
