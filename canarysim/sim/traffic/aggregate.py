"""Aggregate mode's serving: one multinomial per backend instead of one draw per request.

Per bucket, first attempts at a backend are split over (latency interval, error or not), where
the latency intervals (:class:`LatencyTable`) refine Istio's histogram buckets, the timeouts
and the fault delay; each interval maps to one histogram column on each side of the proxy and
contributes its conditional mean to the histogram ``_sum`` (exact in expectation). Requests
whose first attempt is retried get a latency drawn inside their interval (inverse CDF) and
continue through :meth:`~canarysim.sim.mesh.envoy.EnvoyAttempts._attempts`. Mirrored copies are
served here too (exact mode draws them one by one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from canarysim.sim.mesh.envoy import (
    Backends,
    EnvoyAttempts,
    Rngs,
    retriable_try_timeout,
    retry_predicate,
)
from canarysim.sim.metrics.tally import SeriesKey, Tally, sorted_unique
from canarysim.sim.stochastic.distributions import Dist

__all__ = ["AggregateServing", "LatencyTable"]


@dataclass(frozen=True)
class LatencyTable:
    """The latency intervals of one (distribution, fault delay, cap) and their columns."""

    lo: np.ndarray
    hi: np.ndarray
    f_lo: np.ndarray
    f_hi: np.ndarray
    prob: np.ndarray
    mean_in: np.ndarray
    dest_onehot: np.ndarray
    src_onehot: np.ndarray
    cap_col: np.ndarray


class AggregateServing(EnvoyAttempts):
    """Second layer of ``TrafficGenerator``: serving per-bucket counts (aggregate mode)."""

    _tables: dict[tuple[Dist, float, float], LatencyTable]

    def _table(self, dist: Dist, delay_s: float, cap_s: float) -> LatencyTable:
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
        allp = sorted_unique(np.concatenate(pts))
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
        tab = LatencyTable(
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
        bk: Backends,
        b: int,
        counts: np.ndarray,
        delay_s: float,
        rngs: Rngs,
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
        try_retry = above & (ptt < timeout) & retriable_try_timeout(retry_on) & (retries > 0)
        code_retry = bool(retry_predicate(plan)(ecode)) and retries > 0
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
        bk: Backends,
        b: int,
        batch: np.ndarray,
        rngs: Rngs,
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
