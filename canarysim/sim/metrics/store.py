"""Istio-style telemetry as Prometheus stores it: :class:`MetricStore`.

Istio's sidecars export two series families that canary analyses query:

* ``istio_requests_total`` — a counter per (reporter, destination, workload, response code, ...)
* ``istio_request_duration_milliseconds`` — a histogram with Istio's default buckets
  (``_bucket{le=...}``, ``_sum``, ``_count``).

What traffic produces, per series and time bucket, is a :class:`~.tally.Tally` (see
:mod:`.tally` for the two reporters).

:class:`MetricStore` is the Prometheus side: cumulative counters sampled every
``scrape_interval_s`` (15 s by default: the interval of Istio's sample Prometheus config
``samples/addons/prometheus.yaml``; Prometheus' own default is 1 m), kept in a
:class:`~.samples.SampleTable`. Series are per scraped pod (:mod:`.targets`): told which pods
serve each version (:meth:`MetricStore.set_serving`) and which pods send the requests
(:attr:`MetricStore.source_targets`), the store deals each version's counts to its pods
(:mod:`.dealing`); a series first appears at the first scrape after its pod's first request
(Istio creates a counter lazily) and ends with a staleness marker once its pod is gone
(:meth:`MetricStore.target_gone`). Without pods (a store fed by hand) series are per version,
as one target would report them.
:mod:`canarysim.lang.promql.query` queries it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np

from canarysim.sim.metrics.dealing import Births, Dealt, deal_shares, integers, merge
from canarysim.sim.metrics.labels import GATEWAY, Workload, istio_labels
from canarysim.sim.metrics.samples import LabelMatcher, SampleTable
from canarysim.sim.metrics.tally import (
    DURATION,
    ISTIO_DURATION_BUCKETS_MS,
    OUTSIDE,
    REQUESTS_TOTAL,
    UNKNOWN,
    SeriesKey,
    Tally,
)
from canarysim.sim.metrics.targets import Target

#: Most per-pod increments dealt at once (int64 each): bounds :meth:`MetricStore.ingest`.
SHARE_BUDGET = 4_000_000


# ============================================================================ the store
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
        #: The series and their samples (what a query reads).
        self.samples = SampleTable(self.scrape_interval_s, start_s, retention_s)
        #: Rows of each key, by the scraped pod's name (None: no pod): the pod's name (a str,
        #: whose hash Python keeps) is the cheap part of the key to look up per pod.
        self._key_rows: dict[SeriesKey, dict[str | None, np.ndarray]] = {}
        self._serving: dict[str, tuple[Target, ...]] = {}
        self._pod_rows: dict[str, list[int]] = {}
        self._gone: dict[str, float] = {}
        self._ended: set[str] = set()
        self._ended_order: list[str] = []
        #: :meth:`_block`'s rows of each key at all its pods (-1: none yet), with the pods
        #: they are for and which of them have rows.
        self._blocks: dict[SeriesKey, tuple[tuple[Target, ...], np.ndarray, np.ndarray]] = {}
        #: ``_targets``' pods without the ended ones, per tuple of pods it was given.
        self._alive: dict[int, tuple[tuple[Target, ...], int, tuple[Target, ...]]] = {}
        self._split_base: dict[SeriesKey, np.ndarray] = {}
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
        # A version whose pods did not change keeps its tuple, so the caches keyed by the
        # tuple's identity (:meth:`_targets`, :meth:`_block`) stay valid across re-plans.
        serving: dict[str, tuple[Target, ...]] = {}
        for h, targets in pods.items():
            now = tuple(sorted(targets, key=lambda x: x.pod))
            before = self._serving.get(h)
            serving[h] = before if before == now and before is not None else now
        if serving != self._serving or any(serving[h] is not self._serving[h] for h in serving):
            self._alive.clear()
        self._serving = serving

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
        ids = [self.samples.row(REQUESTS_TOTAL, base, items)]
        if self.histograms:
            ids.append(self.samples.row(DURATION + "_count", base, items))
            ids.append(self.samples.row(DURATION + "_sum", base, items))
            at = bisect_left(items, ("le",))  # where ``le`` sorts among the labels
            for le in (*self.buckets_ms, float("inf")):
                text = _fmt_le(le)
                with_le = (*items[:at], ("le", text), *items[at:])
                ids.append(self.samples.row(DURATION + "_bucket", {**base, "le": text}, with_le))
        rows = np.asarray(ids, dtype=np.int64)
        if target is None:
            by_pod[None] = rows
        else:
            by_pod[target.pod] = rows
            self._pod_rows.setdefault(target.pod, []).extend(ids)
        return rows

    def _deal(
        self, key: SeriesKey, inc: np.ndarray, pods: tuple[Target, ...], cols: np.ndarray
    ) -> Dealt | None:
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
            ints = np.cumsum(integers(inc), axis=1)[:, cols]
            sums = inc[2][None] if len(inc) > 2 else None
            return Dealt(rows, ints[None], sums, first[:1])
        base = self._split_base.get(key)
        if base is None:
            base = np.zeros(len(inc) - (len(inc) > 2), dtype=np.int64)
        shares = deal_shares(inc, base, len(pods), cols)
        self._split_base[key] = shares.totals
        if not len(shares.having):
            return None
        block = self._block(key, pods, shares.having)
        return Dealt(block, shares.ints, shares.sums, shares.first)

    def _block(self, key: SeriesKey, pods: tuple[Target, ...], having: np.ndarray) -> np.ndarray:
        """The rows of ``key`` at the pods ``having`` (indexes into ``pods``), pods x rows.

        Kept per key while its pods are the same tuple: the rows of every pod that has any
        (-1 for a pod without a request yet, whose series do not exist), so a tally costs a
        lookup, not a row per pod, whether all pods had a request or only some (an error
        code's key at a version of hundreds of pods). Rows are made for the pods ``having``
        that lack them, in that order."""
        cached = self._blocks.get(key)
        by_pod = self._key_rows.setdefault(key, {})
        if cached is None or cached[0] is not pods:
            width = 4 + len(self.buckets_ms) if self.histograms else 1
            full = np.full((len(pods), width), -1, dtype=np.int64)
            known = np.zeros(len(pods), dtype=bool)
            for i, target in enumerate(pods):
                found = by_pod.get(target.pod)
                if found is not None:
                    full[i] = found
                    known[i] = True
            cached = (pods, full, known)
            self._blocks[key] = cached
        _, full, known = cached
        for k in having[~known[having]]:
            full[k] = self._new_rows(key, pods[k], by_pod)
            known[k] = True
        return full if len(having) == len(pods) else full[having]

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
        births = Births()
        ended = len(self._ended_order)
        touched = [
            self._ingest_slice(tally, keys, pods, j0, min(j0 + step, tally.n_buckets), births)
            for j0 in range(0, tally.n_buckets, step)
        ]
        self.samples.live[np.concatenate(touched)] = True
        # ... but not the series of a pod that was gone by one of the tally's scrapes: their
        # staleness marker is their end.
        for pod in self._ended_order[ended:]:
            self.samples.live[self._pod_rows.get(pod, [])] = False

    def _ingest_slice(
        self,
        tally: Tally,
        keys: list[SeriesKey],
        pods: Mapping[SeriesKey, tuple[Target, ...]],
        j0: int,
        j1: int,
        births: Births,
    ) -> np.ndarray:
        """Buckets ``[j0, j1)`` of ``tally``: their counts, and the scrapes due by their end.
        ``births`` (each row's first bucket with a request) grows across slices. Returns the
        rows the slice touched."""
        ends = np.asarray(tally.edges[1:], dtype=float)
        # The scrapes due by the slice's end, and how many buckets each sees.
        seen, at = [], self.samples.next_scrape
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
                    fresh = ~self.samples.live[dealt.rows]
                    if fresh.any():
                        first = np.broadcast_to(j0 + dealt.first[:, None], fresh.shape)
                        births.add(dealt.rows[fresh], first[fresh])
                    int_rows.append(integers(dealt.rows.T).T.ravel())
                    int_vals.append(dealt.ints.reshape(-1, len(cols)))
                    if dealt.sums is not None:
                        sum_rows.append(dealt.rows[:, 2])
                        sum_incs.append(dealt.sums)
        if int_rows:
            rows_i, cum_i = merge(int_rows, int_vals, len(cols))
            rows, cum = rows_i, cum_i
            if sum_rows:
                rows_s, sums = merge(sum_rows, sum_incs, j1 - j0)
                rows = np.concatenate([rows_i, rows_s])
                cum = np.vstack([cum_i, np.cumsum(sums, axis=1)[:, cols_a]])
        else:
            rows, cum = np.zeros(0, dtype=np.int64), np.zeros((0, len(cols)))
        # the counters at each column, a contiguous row per column
        at = self.samples.current[rows][None, :] + np.ascontiguousarray(cum.T)
        for n_in in seen:
            if n_in > j0:
                self.samples.current[rows] = at[col_of[n_in - 1 - j0]]
            # rows born since the last scrape are exported from this one
            self.samples.live[births.due(n_in)] = True
            self._scrape()
        if len(rows):
            self.samples.current[rows] = at[-1]
        return rows

    def advance_to(self, t: float) -> None:
        """Perform every scrape due at or before ``t`` with the counters as they are."""
        while self.samples.next_scrape <= t:
            self._scrape()

    def _scrape(self) -> None:
        if self._gone:
            self._end_gone()
        self.samples.scrape()

    def _end_gone(self) -> None:
        """Staleness markers, at this scrape, for the series of pods gone before it."""
        for pod, at in list(self._gone.items()):
            if at < self.samples.next_scrape:
                self.samples.end(self._pod_rows.get(pod, []))
                self._ended.add(pod)
                self._ended_order.append(pod)
                del self._gone[pod]

    # ------------------------------------------------------------------ reading
    @property
    def scrape_times(self) -> np.ndarray:
        return self.samples.scrape_times

    @property
    def last_scrape(self) -> float | None:
        return self.samples.last_scrape

    def metric_names(self) -> list[str]:
        return self.samples.metric_names()

    def select(self, name: str) -> Iterator[tuple[dict[str, str], np.ndarray, np.ndarray]]:
        """Every series of metric ``name`` as ``(labels, times, values)`` (no NaN samples)."""
        return self.samples.select(name)

    def select_ends(
        self, name: str, matchers: Sequence[LabelMatcher] = ()
    ) -> Iterator[tuple[dict[str, str], np.ndarray, np.ndarray, float | None]]:
        """:meth:`select` with each series' staleness marker time (None: still scraped), of
        the series the label ``matchers`` allow (:meth:`.SampleTable.select_ends`)."""
        return self.samples.select_ends(name, matchers)

    def memory_bytes(self) -> int:
        """Bytes held by the sample arrays (for benchmarks)."""
        return self.samples.memory_bytes()


def _fmt_le(le: float) -> str:
    """Prometheus' text form of a bucket bound: ``0.5``, ``1``, ``+Inf``."""
    if le == float("inf"):
        return "+Inf"
    return f"{le:g}" if le != int(le) else str(int(le))
