"""Istio-style telemetry as Prometheus stores it: :class:`MetricStore`.

Istio's sidecars export two series families that canary analyses query:

* ``istio_requests_total`` — a counter per (reporter, destination, workload, response code, ...)
* ``istio_request_duration_milliseconds`` — a histogram with Istio's default buckets
  (``_bucket{le=...}``, ``_sum``, ``_count``).

What traffic produces, per series and time bucket, is a :class:`~.tally.Tally` (see
:mod:`.tally` for the two reporters).

:class:`MetricStore` is the Prometheus side: cumulative counters sampled every
``scrape_interval_s`` (15 s by default: the interval of Istio's sample Prometheus config
``samples/addons/prometheus.yaml``; Prometheus' own default is 1 m), kept as numpy arrays with one
row per series and one column per scrape. Series are per scraped pod (:mod:`.targets`): told
which pods serve each version (:meth:`MetricStore.set_serving`) and which pods send the requests
(:attr:`MetricStore.source_targets`), the store deals each version's counts to its pods; a
series first appears at the first scrape after its pod's first request (Istio creates a counter
lazily) and ends with a staleness marker once its pod is gone (:meth:`MetricStore.target_gone`).
Without pods (a store fed by hand) series are per version, as one target would report them.
:mod:`canarysim.lang.promql.query` queries it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from canarysim.sim.metrics.labels import GATEWAY, Workload, istio_labels
from canarysim.sim.metrics.tally import (
    DURATION,
    ISTIO_DURATION_BUCKETS_MS,
    OUTSIDE,
    REQUESTS_TOTAL,
    UNKNOWN,
    SeriesKey,
    Tally,
    sorted_unique,
)
from canarysim.sim.metrics.targets import Target

#: Most per-pod increments dealt at once (int64 each): bounds :meth:`MetricStore.ingest`.
SHARE_BUDGET = 4_000_000


class LabelMatcher(Protocol):
    """A label matcher of a selector (:class:`canarysim.lang.promql.syntax.Matcher`)."""

    name: str

    def matches(self, value: str) -> bool: ...


# ============================================================================ the store
class _Births:
    """Rows of a tally not yet exported, and the first bucket in which each had a request: a
    row is exported from the first scrape after that bucket's end."""

    def __init__(self) -> None:
        self._rows: list[np.ndarray] = []
        self._first: list[np.ndarray] = []
        self._flat: tuple[np.ndarray, np.ndarray] | None = None
        self._upto = 0

    def add(self, rows: np.ndarray, first: np.ndarray | int) -> None:
        """``rows`` (any shape) born in bucket ``first`` (an int, or one per row of ``rows``:
        ``first`` broadcasts against ``rows``)."""
        self._rows.append(rows.ravel())
        self._first.append(np.broadcast_to(first, rows.shape).ravel())
        self._flat = None

    def due(self, n: int) -> np.ndarray:
        """The rows born in a bucket before bucket ``n`` and not already given by an earlier
        call (calls come with rising ``n``, and rows added since were born at or after the
        last ``n``)."""
        if self._flat is None:
            first = np.concatenate(self._first or [np.zeros(0, dtype=np.int64)])
            rows = np.concatenate(self._rows or [np.zeros(0, dtype=np.int64)])
            order = np.argsort(first, kind="stable")
            self._flat = (first[order], rows[order])
        first, rows = self._flat
        lo = int(np.searchsorted(first, self._upto, side="left"))
        hi = int(np.searchsorted(first, n, side="left"))
        self._upto = max(self._upto, n)
        return rows[lo:hi]


class MetricStore:
    """Prometheus-like storage of Istio's series, scraped on a fixed interval.

    Feed it in time order: ``ingest(tally)`` for each traffic interval (it performs every scrape
    at a time ``s <= tally.t1``; a scrape at ``s`` sees the requests of time buckets ending at or
    before ``s``), and ``advance_to(t)`` to scrape through a stretch without traffic before
    querying at ``t``. Requests count when they *arrive* (latency does not delay the counter).

    ``retention_s`` bounds memory in long runs: samples older than that before the latest
    scrape may be dropped (only when the sample buffer is full, so the store then grows by
    moving the window it keeps, never by copying its whole history). ``None`` keeps every
    sample. Queries must then look back no further than ``retention_s`` from a time at or after
    the last scrape (see :func:`canarysim.sim.analysis.providers.metric_lookback`).
    """

    def __init__(
        self,
        *,
        scrape_interval_s: float = 15.0,
        namespace: str = "default",
        cluster_domain: str = "svc.cluster.local",
        buckets_ms: tuple[float, ...] = ISTIO_DURATION_BUCKETS_MS,
        start_s: float = 0.0,
        retention_s: float | None = None,
        names: frozenset[str] | None = None,
    ) -> None:
        if not scrape_interval_s > 0:
            raise ValueError("scrape_interval_s must be > 0")
        if retention_s is not None and not retention_s >= 0:
            raise ValueError("retention_s must be >= 0 or None")
        self.retention_s = retention_s
        #: Whether the latency histogram's series are kept: unless ``names`` (the metric names
        #: queries may read; None: any) leaves them out, when only ``istio_requests_total``
        #: is kept (a twenty-third of the series, and of the cost of dealing them to pods).
        self.histograms = names is None or any(n.startswith(DURATION) for n in names)
        self.scrape_interval_s = float(scrape_interval_s)
        self.namespace = namespace
        self.cluster_domain = cluster_domain
        self.buckets_ms = tuple(float(b) for b in buckets_ms)
        self._next_scrape = float(start_s)
        self._n_scrapes = 0
        self._times = np.zeros(64)
        #: Samples, one row per scrape and one column per series (a scrape writes one
        #: contiguous row; a query reads a few columns).
        self._values = np.full((64, 16), np.nan)
        self._current = np.zeros(16)
        self._live = np.zeros(16, dtype=bool)
        self._stale = np.full(16, np.inf)
        self._row_names: list[str] = []
        self._row_labels: list[dict[str, str]] = []
        self._rows_by_name: dict[str, list[int]] = {}
        #: Rows of each key, by the scraped pod's name (None: no pod): the pod's name (a str,
        #: whose hash Python keeps) is the cheap part of the key to look up per pod.
        self._key_rows: dict[SeriesKey, dict[str | None, np.ndarray]] = {}
        #: Per metric name, label name, label value: the positions in ``_rows_by_name[name]``
        #: of the rows with that value (a selector's matchers are tried once per value);
        #: built for a name when a selector first reads it, then kept up to date.
        self._label_rows: dict[str, dict[str, dict[str, list[int]]]] = {}
        self._label_rows_upto: dict[str, int] = {}
        self._serving: dict[str, tuple[Target, ...]] = {}
        self._pod_rows: dict[str, list[int]] = {}
        self._gone: dict[str, float] = {}
        self._ended: set[str] = set()
        self._ended_order: list[str] = []
        #: :meth:`_block`'s rows of each key at all its pods, with the pods they are for.
        self._blocks: dict[SeriesKey, tuple[tuple[Target, ...], np.ndarray]] = {}
        #: ``_targets``' pods without the ended ones, per tuple of pods it was given.
        self._alive: dict[int, tuple[tuple[Target, ...], int, tuple[Target, ...]]] = {}
        self._split_base: dict[SeriesKey, np.ndarray] = {}
        self._label_index: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
        #: Who sends the requests that enter through no gateway (the in-mesh client; None:
        #: a client Istio cannot name, ``unknown``). Requests through a gateway
        #: (``SeriesKey.entry``) come from :attr:`gateway`; those from ``outside`` the mesh
        #: have no client proxy: no ``reporter="source"`` series, ``unknown`` sources.
        self.source: Workload | None = None
        self.gateway: Workload = GATEWAY
        self.gateway_targets: tuple[Target, ...] = ()
        #: ``pod_identity(hash)``: a ReplicaSet's pod labels and service account.
        self.pod_identity: Callable[[str], tuple[Mapping[str, str], str]] | None = None
        #: The pods of :attr:`source` whose proxies report ``reporter="source"`` (none: the
        #: series carry no pod, as when no scrape of the client is modelled).
        self.source_targets: tuple[Target, ...] = ()

    # ------------------------------------------------------------------ targets
    def set_serving(self, pods: Mapping[str, tuple[Target, ...]]) -> None:
        """The pods answering each version (by hash) in the traffic ingested from now on."""
        self._serving = {h: tuple(sorted(t, key=lambda x: x.pod)) for h, t in pods.items()}
        self._alive.clear()

    def target_gone(self, pod: str, at: float) -> None:
        """Pod ``pod`` was deleted from the API at ``at``: its series end with a staleness
        marker at the first scrape after ``at`` (the next scrape of its stopped loop)."""
        self._gone.setdefault(pod, float(at))

    def _targets(self, key: SeriesKey) -> tuple[Target, ...]:
        if key.reporter == "source":
            pods = self.source_targets if key.entry is None else self.gateway_targets
        elif key.workload == UNKNOWN:
            pods = ()
        else:
            pods = self._serving.get(key.hash, ())
        if not self._ended:
            return pods
        cached = self._alive.get(id(pods))
        if cached is None or cached[0] is not pods or cached[1] != len(self._ended):
            cached = (pods, len(self._ended), tuple(p for p in pods if p.pod not in self._ended))
            self._alive[id(pods)] = cached
        return cached[2]

    # ------------------------------------------------------------------ labels
    def labels_for(self, key: SeriesKey, target: Target | None = None) -> dict[str, str]:
        """The series' labels as Istio reports them and a real scrape adds to them
        (:mod:`canarysim.sim.metrics.labels`): the client is :attr:`source` (None: unknown),
        the backend's pod labels and service account come from :attr:`pod_identity`, the
        scraped pod's ``pod`` and ``instance`` from ``target``."""
        host = key.destination
        short = host.split(".")[0]
        fqdn = host if "." in host else f"{host}.{self.namespace}.{self.cluster_domain}"
        destination = None
        if key.workload != UNKNOWN:
            pod, account = self.pod_identity(key.hash) if self.pod_identity else ({}, "default")
            pod = {**pod, "rollouts-pod-template-hash": key.hash}
            destination = Workload(key.workload, self.namespace, pod, account)
        source = self.source
        if key.entry is not None:
            source = None if key.entry == OUTSIDE else self.gateway
        labels = istio_labels(
            reporter=key.reporter,
            source=source,
            destination=destination,
            destination_service=fqdn,
            destination_service_name=short,
            destination_service_namespace=self.namespace,
            response_code=key.code,
            response_flags=key.flags,
            mtls=key.entry != OUTSIDE,
        )
        if target is None:
            return labels
        return dict(sorted({**target.labels(), **labels}.items()))

    def _row(
        self, name: str, labels: dict[str, str], items: tuple[tuple[str, str], ...] | None = None
    ) -> int:
        """The row of series ``name{labels}`` (``items``: the labels' sorted items, when the
        caller has them), made when new."""
        ident = (name, tuple(sorted(labels.items())) if items is None else items)
        row = self._label_index.get(ident)
        if row is None:
            row = len(self._row_names)
            if row >= self._values.shape[1]:
                grow = self._values.shape[1]
                self._values = np.hstack(
                    [self._values, np.full((self._values.shape[0], grow), np.nan)]
                )
                self._current = np.concatenate([self._current, np.zeros(grow)])
                self._live = np.concatenate([self._live, np.zeros(grow, dtype=bool)])
                self._stale = np.concatenate([self._stale, np.full(grow, np.inf)])
            self._row_names.append(name)
            self._row_labels.append(labels)
            self._rows_by_name.setdefault(name, []).append(row)
            self._label_index[ident] = row
        return row

    def _rows_for(self, key: SeriesKey, target: Target | None = None) -> np.ndarray:
        """Rows of one key (at one pod): [requests_total, _count, _sum, _bucket per le...,
        +Inf], or [requests_total] without :attr:`histograms`."""
        by_pod = self._key_rows.setdefault(key, {})
        rows = by_pod.get(target.pod if target is not None else None)
        return rows if rows is not None else self._new_rows(key, target, by_pod)

    def _new_rows(
        self, key: SeriesKey, target: Target | None, by_pod: dict[str | None, np.ndarray]
    ) -> np.ndarray:
        base = self.labels_for(key, target)
        items = tuple(sorted(base.items()))
        ids = [self._row(REQUESTS_TOTAL, base, items)]
        if self.histograms:
            ids.append(self._row(DURATION + "_count", base, items))
            ids.append(self._row(DURATION + "_sum", base, items))
            at = bisect_left(items, ("le",))  # where ``le`` sorts among the labels
            for le in (*self.buckets_ms, float("inf")):
                text = _fmt_le(le)
                with_le = (*items[:at], ("le", text), *items[at:])
                ids.append(self._row(DURATION + "_bucket", {**base, "le": text}, with_le))
        rows = np.asarray(ids, dtype=np.int64)
        if target is None:
            by_pod[None] = rows
        else:
            by_pod[target.pod] = rows
            self._pod_rows.setdefault(target.pod, []).extend(ids)
        return rows

    def _deal(
        self, key: SeriesKey, inc: np.ndarray, pods: tuple[Target, ...], cols: np.ndarray
    ) -> _Dealt | None:
        """A key's counts over a slice of buckets (``inc``: rows x buckets) dealt to its pods
        (:mod:`.targets`), or None when no pod had a request.

        Pod ``i`` of ``n`` has cumulative count ``floor((C + i) / n)`` of a counter whose
        total is ``C``, so its integer counters are read straight from the key's totals at the
        columns ``cols`` (the buckets a scrape reads, and the last): no per-bucket, per-pod
        array. Only the latency sum, dealt in proportion to each bucket's count, is built
        bucket by bucket, one row per pod. All pods at once: a Python step per pod would cost
        as much as the dealing itself when a version has hundreds of pods."""
        count = inc[0]
        if len(pods) <= 1:
            first = np.flatnonzero(count)
            if not len(first):
                return None
            rows = self._rows_for(key, pods[0] if pods else None)[None]
            ints = np.cumsum(_integers(inc), axis=1)[:, cols]
            sums = inc[2][None] if len(inc) > 2 else None
            return _Dealt(rows, ints[None], sums, first[:1])
        n = len(pods)
        ints = _integers(inc).astype(np.int64)
        totals = np.cumsum(ints, axis=1)
        base = self._split_base.get(key)
        if base is None:
            base = np.zeros(len(ints), dtype=np.int64)
        self._split_base[key] = base + totals[:, -1]
        i = np.arange(n, dtype=np.int64)
        # the count's share of each pod, bucket by bucket (split_shares of the count row)
        held = (base[0] + np.concatenate([[0], totals[0]]))[None, :] + i[:, None]
        served = np.diff(held // n, axis=1)  # pods x buckets
        having = np.flatnonzero(held[:, -1] // n > held[:, 0] // n)
        if not len(having):
            return None
        served = served[having]
        j = i[having][:, None, None]
        at_cols = (base[:, None] + totals[:, cols])[None] + j  # pods x rows x cols
        dealt = at_cols // n - (base[None, :, None] + j) // n
        sums = None
        if len(inc) > 2:
            ratio = np.divide(inc[2], count, out=np.zeros_like(inc[2]), where=count > 0)
            sums = ratio * served
        return _Dealt(self._block(key, pods, having), dealt, sums, (served > 0).argmax(axis=1))

    def _block(self, key: SeriesKey, pods: tuple[Target, ...], having: np.ndarray) -> np.ndarray:
        """The rows of ``key`` at the pods ``having`` (indexes into ``pods``), pods x rows;
        remembered while the pods are the same and all of them had a request (the usual
        case: a version's traffic reaches every Ready pod)."""
        everyone = len(having) == len(pods)
        if everyone:
            cached = self._blocks.get(key)
            if cached is not None and cached[0] is pods:
                return cached[1]
        by_pod = self._key_rows.setdefault(key, {})
        rows = []
        for k in having:
            found = by_pod.get(pods[k].pod)
            rows.append(found if found is not None else self._new_rows(key, pods[k], by_pod))
        block = np.stack(rows)
        if everyone:
            self._blocks[key] = (pods, block)
        return block

    # ------------------------------------------------------------------ feeding
    def ingest(self, tally: Tally) -> None:
        """Add a tally's requests and perform the scrapes they span.

        The per-pod increments of a tally take pods x rows x buckets; a long tally of many
        pods is dealt in slices of buckets (at most :data:`SHARE_BUDGET` increments at a time),
        with the same scrapes and counts as in one piece (the latency sums are added slice by
        slice, which may change their last bits)."""
        if tally.buckets_ms != self.buckets_ms:
            raise ValueError("tally and store use different histogram buckets")
        # a client outside the mesh has no proxy: only the destination reports its requests
        keys = [
            k
            for k, v in tally.series.items()
            if v.count.any() and not (k.entry == OUTSIDE and k.reporter == "source")
        ]
        if not keys:
            self.advance_to(tally.t1)
            return
        # The pods a key is dealt to are those serving when the tally arrives.
        pods = {k: self._targets(k) for k in keys}
        width = sum(max(1, len(pods[k])) for k in keys) * (4 + len(self.buckets_ms))
        step = max(1, SHARE_BUDGET // width)
        births = _Births()
        ended = len(self._ended_order)
        touched = [
            self._ingest_slice(tally, keys, pods, j0, min(j0 + step, tally.n_buckets), births)
            for j0 in range(0, tally.n_buckets, step)
        ]
        self._live[np.concatenate(touched)] = True
        # ... but not the series of a pod that was gone by one of the tally's scrapes: their
        # staleness marker is their end.
        for pod in self._ended_order[ended:]:
            self._live[self._pod_rows.get(pod, [])] = False

    def _ingest_slice(
        self,
        tally: Tally,
        keys: list[SeriesKey],
        pods: Mapping[SeriesKey, tuple[Target, ...]],
        j0: int,
        j1: int,
        births: _Births,
    ) -> np.ndarray:
        """Buckets ``[j0, j1)`` of ``tally``: their counts, and the scrapes due by their end.
        ``births`` (each row's first bucket with a request) grows across slices. Returns the
        rows the slice touched."""
        ends = np.asarray(tally.edges[1:], dtype=float)
        # The scrapes due by the slice's end, and how many buckets each sees.
        seen, at = [], self._next_scrape
        while at <= ends[j1 - 1]:
            seen.append(int(np.searchsorted(ends, at, side="right")))
            at = at + self.scrape_interval_s
        cols = sorted({n_in - 1 - j0 for n_in in seen if n_in > j0} | {j1 - j0 - 1})
        col_of = {c: k for k, c in enumerate(cols)}
        cols_a = np.asarray(cols, dtype=np.int64)
        # Per key and pod: integer counters at those columns, latency sums per bucket. Keys
        # that differ only in what Prometheus cannot see (shadow copies) share rows.
        int_rows, int_vals, sum_rows, sum_incs = [], [], [], []
        for k in keys:
            sc = tally.series[k]
            if sc.count[j0:j1].any():
                if self.histograms:
                    cum_hist = np.cumsum(sc.hist[j0:j1], axis=1)
                    inc = np.vstack(
                        [sc.count[j0:j1], sc.count[j0:j1], sc.sum_ms[j0:j1], cum_hist.T]
                    )
                else:
                    inc = sc.count[j0:j1][None]
                dealt = self._deal(k, inc, pods[k], cols_a)
                if dealt is not None:
                    fresh = ~self._live[dealt.rows]
                    if fresh.any():
                        first = np.broadcast_to(j0 + dealt.first[:, None], fresh.shape)
                        births.add(dealt.rows[fresh], first[fresh])
                    int_rows.append(_integers(dealt.rows.T).T.ravel())
                    int_vals.append(dealt.ints.reshape(-1, len(cols)))
                    if dealt.sums is not None:
                        sum_rows.append(dealt.rows[:, 2])
                        sum_incs.append(dealt.sums)
        if int_rows:
            rows_i, cum_i = _merge(int_rows, int_vals, len(cols))
            rows, cum = rows_i, cum_i
            if sum_rows:
                rows_s, sums = _merge(sum_rows, sum_incs, j1 - j0)
                rows = np.concatenate([rows_i, rows_s])
                cum = np.vstack([cum_i, np.cumsum(sums, axis=1)[:, cols_a]])
        else:
            rows, cum = np.zeros(0, dtype=np.int64), np.zeros((0, len(cols)))
        # the counters at each column, a contiguous row per column
        at = self._current[rows][None, :] + np.ascontiguousarray(cum.T)
        for n_in in seen:
            if n_in > j0:
                self._current[rows] = at[col_of[n_in - 1 - j0]]
            # rows born since the last scrape are exported from this one
            self._live[births.due(n_in)] = True
            self._scrape()
        if len(rows):
            self._current[rows] = at[-1]
        return rows

    def advance_to(self, t: float) -> None:
        """Perform every scrape due at or before ``t`` with the counters as they are."""
        while self._next_scrape <= t:
            self._scrape()

    def _scrape(self) -> None:
        if self._gone:
            self._end_gone()
        n = self._n_scrapes
        if n >= self._times.shape[0]:
            n = self._make_room(n)
        self._times[n] = self._next_scrape
        nrows = len(self._row_names)
        # A series is exported from its first request on (Istio creates counters lazily).
        self._values[n, :nrows] = np.where(self._live[:nrows], self._current[:nrows], np.nan)
        self._n_scrapes = n + 1
        self._next_scrape = self._times[n] + self.scrape_interval_s

    def _end_gone(self) -> None:
        """Staleness markers, at this scrape, for the series of pods gone before it."""
        for pod, at in list(self._gone.items()):
            if at < self._next_scrape:
                rows = np.asarray(self._pod_rows.get(pod, []), dtype=np.int64)
                live = rows[self._live[rows]]
                self._stale[live] = self._next_scrape
                self._live[live] = False
                self._ended.add(pod)
                self._ended_order.append(pod)
                del self._gone[pod]

    def _make_room(self, n: int) -> int:
        """A full buffer of ``n`` samples: drop what is older than the retention window if
        that frees at least half of it (moving only the kept window), else double it. Returns
        the number of samples kept."""
        if self.retention_s is not None:
            horizon = self._next_scrape - self.retention_s - self.scrape_interval_s
            drop = int(np.searchsorted(self._times[:n], horizon, side="left"))
            if drop >= n // 2:
                keep = n - drop
                self._times[:keep] = self._times[drop:n]
                self._values[:keep] = self._values[drop:n]
                self._values[keep:] = np.nan
                self._n_scrapes = keep
                return keep
        self._times = np.concatenate([self._times, np.zeros(n)])
        self._values = np.vstack([self._values, np.full((n, self._values.shape[1]), np.nan)])
        return n

    # ------------------------------------------------------------------ reading
    @property
    def scrape_times(self) -> np.ndarray:
        return self._times[: self._n_scrapes].copy()

    @property
    def last_scrape(self) -> float | None:
        return float(self._times[self._n_scrapes - 1]) if self._n_scrapes else None

    def metric_names(self) -> list[str]:
        return sorted(self._rows_by_name)

    def select(self, name: str) -> Iterator[tuple[dict[str, str], np.ndarray, np.ndarray]]:
        """Every series of metric ``name`` as ``(labels, times, values)`` (no NaN samples)."""
        times = self._times[: self._n_scrapes]
        for row in self._rows_by_name.get(name, ()):
            vals = self._values[: self._n_scrapes, row]
            ok = ~np.isnan(vals)
            yield self._row_labels[row], times[ok], vals[ok]

    def select_ends(
        self, name: str, matchers: Sequence[LabelMatcher] = ()
    ) -> Iterator[tuple[dict[str, str], np.ndarray, np.ndarray, float | None]]:
        """:meth:`select` with each series' staleness marker time (None: still scraped), of
        the series whose labels satisfy every one of ``matchers`` (an absent label reads as
        ``""``, as in Prometheus). Each matcher is tried once per distinct label value, not
        once per series: a selector of a few series among many pods' stays cheap."""
        times = self._times[: self._n_scrapes]
        rows = self._rows_by_name.get(name, [])
        chosen: Iterable[int] = rows
        if matchers and rows:
            keep = np.ones(len(rows), dtype=bool)
            index = self._label_index_of(name)
            for m in matchers:
                by_value = index.get(m.name, {})
                ok = np.zeros(len(rows), dtype=bool)
                for value, positions in by_value.items():
                    if m.matches(value):
                        ok[positions] = True
                if m.matches(""):
                    has = np.zeros(len(rows), dtype=bool)
                    for positions in by_value.values():
                        has[positions] = True
                    ok |= ~has
                keep &= ok
            chosen = [rows[i] for i in np.flatnonzero(keep)]
        for row in chosen:
            vals = self._values[: self._n_scrapes, row]
            ok = ~np.isnan(vals)
            end = float(self._stale[row])
            yield self._row_labels[row], times[ok], vals[ok], None if end == np.inf else end

    def _label_index_of(self, name: str) -> dict[str, dict[str, list[int]]]:
        rows = self._rows_by_name[name]
        index = self._label_rows.setdefault(name, {})
        for position in range(self._label_rows_upto.get(name, 0), len(rows)):
            for label, value in self._row_labels[rows[position]].items():
                index.setdefault(label, {}).setdefault(value, []).append(position)
        self._label_rows_upto[name] = len(rows)
        return index

    def memory_bytes(self) -> int:
        """Bytes held by the sample arrays (for benchmarks)."""
        return int(self._values.nbytes + self._times.nbytes + self._current.nbytes)


@dataclass(frozen=True)
class _Dealt:
    """One key's slice dealt to the pods that had a request in it: their rows (pods x rows,
    :meth:`MetricStore._rows_for`), the cumulative integer counters (every row but the sum)
    at the slice's scrape columns (pods x rows-1 x columns), the latency-sum increments per
    bucket (pods x buckets; None without histograms) and each pod's first bucket with a
    request."""

    rows: np.ndarray
    ints: np.ndarray
    sums: np.ndarray | None
    first: np.ndarray


def _integers(inc: np.ndarray) -> np.ndarray:
    """The integer rows of a key's rows (all but the latency sum, row 2, when there is one)."""
    return np.delete(inc, 2, axis=0) if len(inc) > 2 else inc


def _merge(
    rows: list[np.ndarray], values: list[np.ndarray], width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows and their values summed (rows repeat when keys share them): values are
    added in the order given, as ``np.add.at`` does, so the sums are the same whatever else."""
    every = np.concatenate(rows)
    distinct = sorted_unique(every)
    merged = np.zeros((len(distinct), width))
    at = np.searchsorted(distinct, every)
    stacked = np.concatenate(values)
    if len(distinct) == len(every):
        merged[at] = stacked  # every row once (0 + x is x: as add.at would give)
    else:
        np.add.at(merged, at, stacked)
    return distinct, merged


def _fmt_le(le: float) -> str:
    """Prometheus' text form of a bucket bound: ``0.5``, ``1``, ``+Inf``."""
    if le == float("inf"):
        return "+Inf"
    return f"{le:g}" if le != int(le) else str(int(le))
