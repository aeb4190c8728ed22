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
from canarysim.sim.mesh.router import RoutePlan
from canarysim.sim.metrics.tally import SeriesKey, Tally, sorted_unique
from canarysim.sim.stochastic.distributions import Dist
from canarysim.sim.traffic import draws

__all__ = ["AggregateServing", "LatencyTable"]

# The ufunc's reduction itself: ``.sum()`` of the small integer arrays of every draw is
# this plus a Python wrapper (the same result).
_add = np.add.reduce


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


@dataclass(frozen=True, eq=False)
class _Columns:
    """Where the counts of some latency intervals go in the histogram: ``counts @ onehot``
    done on integers. Each interval has one column and the columns never decrease (the
    intervals are sorted), so intervals sharing a column are neighbours."""

    onehot: np.ndarray
    cols: np.ndarray
    starts: np.ndarray | None
    """``np.add.reduceat`` starts when intervals share a column; None: one column each."""
    identity: bool
    """Every column, once and in order: the counts are the histogram."""
    monotone: bool
    span: tuple[int, int] | None
    """``cols`` as a slice's (start, stop) when they are neighbours (a slice assignment
    moves the counts in half the time of an index array's); None otherwise."""

    @staticmethod
    def of(onehot: np.ndarray) -> _Columns:
        at = onehot.argmax(axis=1) if len(onehot) else np.zeros(0, dtype=np.int64)
        monotone = bool(np.all(at[1:] >= at[:-1]))
        new = np.ones(len(at), dtype=bool)
        new[1:] = at[1:] != at[:-1]
        shared = not new.all()
        cols = at[new]
        neighbours = monotone and len(cols) > 0 and int(cols[-1]) - int(cols[0]) + 1 == len(cols)
        return _Columns(
            onehot=onehot,
            cols=cols,
            starts=np.flatnonzero(new) if shared else None,
            identity=not shared and np.array_equal(at, np.arange(onehot.shape[1])),
            monotone=monotone,
            span=(int(cols[0]), int(cols[-1]) + 1) if neighbours else None,
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Columns)
            and self.onehot.shape == other.onehot.shape
            and bool(np.array_equal(self.onehot, other.onehot))
        )

    __hash__ = None  # type: ignore[assignment]

    def hist(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(histogram counts ``(rows, columns)``, counts per row) of ``counts`` (int64)."""
        if self.identity:
            return counts, _add(counts, axis=1)
        if not self.monotone:
            out = (counts @ self.onehot).astype(np.int64)
            return out, _add(out, axis=1)
        part = counts if self.starts is None else np.add.reduceat(counts, self.starts, axis=1)
        out = np.zeros((counts.shape[0], self.onehot.shape[1]), dtype=np.int64)
        if self.span is not None:
            out[:, self.span[0] : self.span[1]] = part
        else:
            out[:, self.cols] = part
        return out, _add(part, axis=1)


@dataclass(frozen=True, eq=False)
class _CodeServing:
    """One response code's share of a backend's draw (see :meth:`AggregateServing._serving`);
    index arrays None: every interval."""

    code: int
    keep: np.ndarray | None
    dest_w: np.ndarray
    dest: _Columns
    fin: np.ndarray | None
    src_w: np.ndarray
    src: _Columns
    same_sums: bool
    same_hist: bool
    out: np.ndarray
    retried: np.ndarray


@dataclass(frozen=True, eq=False)
class _Serving:
    probs: np.ndarray
    nj: int
    codes: tuple[_CodeServing, ...]
    rest_known: bool
    """Every code keeps every interval, the last's columns one for one: the last code's
    requests per bucket are the counts drawn less the other codes' (no reduction)."""


_TABLES: dict[tuple[Any, ...], LatencyTable] = {}
_SERVINGS: dict[tuple[Any, ...], _Serving] = {}
"""Latency tables and servings by what they are computed from (histogram bounds,
distribution, delay, cap, error rate and code, retry policy): facts of a scenario, the same
for every seed and run, so shared between runs (bounded; their arrays are read-only)."""


def _read_only(obj: Any) -> None:
    for value in vars(obj).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False


class AggregateServing(EnvoyAttempts):
    """Second layer of ``TrafficGenerator``: serving per-bucket counts (aggregate mode)."""

    _series_keys: dict[tuple[Any, ...], tuple[SeriesKey, SeriesKey]]
    _prepared: dict[tuple[Any, ...], tuple[Any, Dist, float, LatencyTable, _Serving]]

    def _table(self, dist: Dist, delay_s: float, cap_s: float) -> LatencyTable:
        """Latency intervals ``(lo, hi]`` refining the destination bucket bounds, the source
        bounds shifted by the fault delay and the timeout cap, with their probabilities,
        conditional means and histogram columns (cached: a few distinct keys per scenario)."""
        key = (self.buckets_ms, dist, delay_s, cap_s)
        tab = _TABLES.get(key)
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
        _read_only(tab)
        if len(_TABLES) > 512:
            _TABLES.clear()
        _TABLES[key] = tab
        return tab

    def _bins(self, values_s: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._bounds_s, values_s, side="left")

    def _serving(
        self,
        tab: LatencyTable,
        key: tuple[Any, ...],
        p: float,
        ecode: int,
        cap: float,
        try_retry_on: bool,
        code_retry: bool,
        delay_s: float,
    ) -> _Serving:
        """What :meth:`_serve_aggregate` does with one backend's draw under one policy:
        the draw's probabilities and, per response code, the intervals kept, timed out and
        retried with their weights and histogram columns (cached: facts of the scenario)."""
        skey = (self.buckets_ms, key, p, ecode, try_retry_on, code_retry)
        got = _SERVINGS.get(skey)
        if got is not None:
            return got
        probs = np.concatenate([tab.prob * (1 - p), tab.prob * p])
        above = tab.lo >= cap
        try_retry = above & try_retry_on
        if ecode == 200:  # an "error" answered with 200 is just a success
            masks = [(200, try_retry)]
        else:
            masks = [(200, try_retry), (ecode, try_retry | (~above & code_retry))]
        codes = []
        for code, retried in masks:
            keep = ~retried
            fin = keep & ~above
            dest_w = tab.mean_in[keep] * 1000.0
            src_w = (tab.mean_in[fin] + delay_s) * 1000.0
            dest = _Columns.of(tab.dest_onehot[keep])
            src = _Columns.of(tab.src_onehot[fin])
            same_fin = bool((fin == keep).all())
            codes.append(
                _CodeServing(
                    code=code,
                    keep=None if keep.all() else np.flatnonzero(keep),
                    dest_w=dest_w,
                    dest=dest,
                    fin=None if same_fin else np.flatnonzero(fin),
                    src_w=src_w,
                    src=src,
                    same_sums=same_fin and dest_w.tobytes() == src_w.tobytes(),
                    same_hist=same_fin and dest == src,
                    out=np.flatnonzero(keep & above),
                    retried=np.flatnonzero(retried),
                )
            )
        serving = _Serving(
            probs=probs / probs.sum(),
            nj=len(tab.lo),
            codes=tuple(codes),
            rest_known=all(cs.keep is None for cs in codes) and codes[-1].dest.identity,
        )
        for cs in codes:
            _read_only(cs)
            _read_only(cs.dest)
            _read_only(cs.src)
        _read_only(serving)
        if len(_SERVINGS) > 512:
            _SERVINGS.clear()
        _SERVINGS[skey] = serving
        return serving

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
        dist, p, ecode = bk.dists[b], float(bk.p_err[b]), int(bk.codes[b])
        # The same policy and distribution come back segment after segment (the plans are
        # built again whenever a weight moves, their policy stays): their table and serving
        # looked up by the policy's fields, or by the plan itself when it is no RoutePlan,
        # and the distribution's identity (the entry keeps them alive: no id is reused).
        if type(plan) is RoutePlan:
            policy: tuple[Any, ...] = (
                plan.timeout_s,
                plan.per_try_timeout_s,
                plan.retry_attempts,
                plan.retry_on,
                plan.retriable_status_codes,
            )
        else:
            policy = (id(plan),)
        pkey = (policy, id(dist), p, ecode, delay_s)
        got = self._prepared.get(pkey)
        if got is None:
            timeout, ptt, retries, retry_on = self._policy(plan)
            cap = min(timeout, ptt)
            tab = self._table(dist, delay_s, cap)
            try_retry_on = (ptt < timeout) and retriable_try_timeout(retry_on) and retries > 0
            code_retry = bool(retry_predicate(plan)(ecode)) and retries > 0
            sv = self._serving(
                tab, (dist, delay_s, cap), p, ecode, cap, try_retry_on, code_retry, delay_s
            )
            if len(self._prepared) > 512:
                self._prepared.clear()
            self._prepared[pkey] = got = (plan, dist, cap, tab, sv)
        _, _, cap, tab, sv = got
        drawn = draws.multinomial(rngs.latency, counts, sv.probs)
        nj = sv.nj
        # An "error" answered with 200 is just a success.
        cols = [drawn[:, :nj] + drawn[:, nj:]] if ecode == 200 else [drawn[:, :nj], drawn[:, nj:]]
        nb = tally.n_buckets
        timed_out = None
        wl, h = bk.workloads[b], bk.hashes[b]
        entry = tally.entry()
        keys = self._series_keys
        # The draw's rows add up to the counts drawn (exact integers): when every code keeps
        # every interval, the last code's per-bucket total is what the others left.
        rest = counts if sv.rest_known and counts.dtype == np.int64 else None
        last = sv.codes[-1]
        for cs, c in zip(sv.codes, cols, strict=True):
            # Server side: the backend's code and full latency. (Integer counts times float
            # weights: the same product, in the same order, as always; see _Columns.)
            kk = (dest, wl, h, cs.code, entry)
            got_keys = keys.get(kk)
            if got_keys is None:
                got_keys = keys[kk] = (
                    SeriesKey("destination", dest, wl, h, cs.code, "-", False, entry),
                    SeriesKey("source", dest, wl, h, cs.code, "-", False, entry),
                )
            ck = c if cs.keep is None else c[:, cs.keep]
            if ck.shape[1]:
                dsums = ck @ cs.dest_w
                if rest is not None and cs is last:
                    dhist, dper = ck, rest.copy() if rest is counts else rest
                else:
                    dhist, dper = cs.dest.hist(ck)
                    if rest is not None:
                        rest = rest - dper
                dn = int(_add(dper))
                if dn and tally.server_side:
                    tally.add_counts(got_keys[0], dhist, dper, dsums, total=dn)
            # Client side: answered in time ...
            cf = ck if cs.fin is None else c[:, cs.fin]
            if cf.shape[1]:
                if cs.same_hist:
                    shist, sper, sn = dhist, dper, dn
                else:
                    shist, sper = cs.src.hist(cf)
                    sn = int(_add(sper))
                if sn:
                    ssums = dsums if cs.same_sums else cf @ cs.src_w
                    # Shared with the server side, which kept copies (or none): the client's.
                    tally.add_counts(got_keys[1], shist, sper, ssums, owned=cs.same_hist, total=sn)
            # ... or cut by a timeout that is not retried.
            if len(cs.out):
                if timed_out is None:
                    timed_out = np.zeros(nb)
                timed_out += c[:, cs.out].sum(axis=1)
        if timed_out is not None and timed_out.any():
            tkey = SeriesKey("source", dest, wl, h, 504, "UT")
            hist = timed_out[:, None] * tab.cap_col[None, :]
            tally.add_binned(tkey, hist, timed_out * (cap + delay_s) * 1000.0)
        # Retried requests continue one by one, the first attempt drawn inside its interval
        # by inverse transform: u ~ U(F(lo), F(hi)), latency = F^-1(u).
        buckets, codes, lats = [], [], []
        for cs, c in zip(sv.codes, cols, strict=True):
            js = cs.retried
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
            codes.append(np.full(len(bidx), cs.code, dtype=np.int64))
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
        drawn = draws.multinomial(rngs.latency, batch, probs / probs.sum())
        for status, c in ((200, drawn[:, :nj]), (ecode, drawn[:, nj:])):
            key = SeriesKey("destination", dest, bk.workloads[b], bk.hashes[b], status, "-", True)
            tally.add_binned(key, c @ tab.dest_onehot, c @ (tab.mean_in * 1000.0))
