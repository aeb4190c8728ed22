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

from collections.abc import Callable, Iterator, Mapping

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
from canarysim.sim.metrics.targets import Target, split_shares

#: Most per-pod increments dealt at once (int64 each): bounds :meth:`MetricStore.ingest`.
SHARE_BUDGET = 4_000_000


# ============================================================================ the store
class _Births:
    """Rows of a tally and the first bucket in which each had a request: a row is exported
    from the first scrape after that bucket's end."""

    def __init__(self) -> None:
        self._rows: list[np.ndarray] = []
        self._first: list[np.ndarray] = []
        self._flat: tuple[np.ndarray, np.ndarray] | None = None

    def add(self, rows: np.ndarray, first: int) -> None:
        self._rows.append(rows)
        self._first.append(np.full(len(rows), first))
        self._flat = None

    def before(self, n: int) -> np.ndarray:
        """The rows born in a bucket before bucket ``n``."""
        if self._flat is None:
            first = np.concatenate(self._first or [np.zeros(0, dtype=np.int64)])
            rows = np.concatenate(self._rows or [np.zeros(0, dtype=np.int64)])
            order = np.argsort(first, kind="stable")
            self._flat = (first[order], rows[order])
        first, rows = self._flat
        return rows[: int(np.searchsorted(first, n, side="left"))]


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
    ) -> None:
        if not scrape_interval_s > 0:
            raise ValueError("scrape_interval_s must be > 0")
        if retention_s is not None and not retention_s >= 0:
            raise ValueError("retention_s must be >= 0 or None")
        self.retention_s = retention_s
        self.scrape_interval_s = float(scrape_interval_s)
        self.namespace = namespace
        self.cluster_domain = cluster_domain
        self.buckets_ms = tuple(float(b) for b in buckets_ms)
        self._next_scrape = float(start_s)
        self._n_scrapes = 0
        self._times = np.zeros(64)
        self._values = np.full((16, 64), np.nan)
        self._current = np.zeros(16)
        self._live = np.zeros(16, dtype=bool)
        self._stale = np.full(16, np.inf)
        self._row_names: list[str] = []
        self._row_labels: list[dict[str, str]] = []
        self._rows_by_name: dict[str, list[int]] = {}
        self._key_rows: dict[tuple[SeriesKey, Target | None], np.ndarray] = {}
        self._serving: dict[str, tuple[Target, ...]] = {}
        self._pod_rows: dict[str, list[int]] = {}
        self._gone: dict[str, float] = {}
        self._ended: set[str] = set()
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
        return tuple(p for p in pods if p.pod not in self._ended)

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

    def _row(self, name: str, labels: dict[str, str]) -> int:
        ident = (name, tuple(sorted(labels.items())))
        row = self._label_index.get(ident)
        if row is None:
            row = len(self._row_names)
            if row >= self._values.shape[0]:
                grow = self._values.shape[0]
                self._values = np.vstack(
                    [self._values, np.full((grow, self._values.shape[1]), np.nan)]
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
        +Inf]."""
        rows = self._key_rows.get((key, target))
        if rows is None:
            base = self.labels_for(key, target)
            ids = [
                self._row(REQUESTS_TOTAL, base),
                self._row(DURATION + "_count", base),
                self._row(DURATION + "_sum", base),
            ]
            for le in (*self.buckets_ms, float("inf")):
                ids.append(self._row(DURATION + "_bucket", {**base, "le": _fmt_le(le)}))
            rows = np.asarray(ids, dtype=np.int64)
            self._key_rows[(key, target)] = rows
            if target is not None:
                self._pod_rows.setdefault(target.pod, []).extend(ids)
        return rows

    def _parts(
        self, key: SeriesKey, inc: np.ndarray, pods: tuple[Target, ...]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(rows, increments)`` of a key's counts, dealt to its pods (:mod:`.targets`):
        integer rows by :func:`split_shares`, the latency sum in proportion to the count."""
        if len(pods) <= 1:
            return [(self._rows_for(key, pods[0] if pods else None), inc)]
        ints = np.delete(inc, 2, axis=0)  # count, count, buckets: the sum (row 2) is a float
        base = self._split_base.get(key)
        if base is None:
            base = np.zeros(len(ints), dtype=np.int64)
        shares = split_shares(ints, base, len(pods))
        self._split_base[key] = base + ints.sum(axis=1).astype(np.int64)
        count = inc[0]
        ratio = np.divide(inc[2], count, out=np.zeros_like(inc[2]), where=count > 0)
        parts = []
        for pod, share in zip(pods, shares, strict=True):
            if share[0].any():
                mine = np.insert(share.astype(float), 2, ratio * share[0], axis=0)
                parts.append((self._rows_for(key, pod), mine))
        return parts

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
        touched = [
            self._ingest_slice(tally, keys, pods, j0, min(j0 + step, tally.n_buckets), births)
            for j0 in range(0, tally.n_buckets, step)
        ]
        self._live[np.concatenate(touched)] = True

    def _ingest_slice(
        self,
        tally: Tally,
        keys: list[SeriesKey],
        pods: Mapping[SeriesKey, tuple[Target, ...]],
        j0: int,
        j1: int,
        births: _Births,
    ) -> np.ndarray:
        """Buckets ``[j0, j1)`` of ``tally``: their increments, and the scrapes due by their
        end. ``births`` (each row's first bucket with a request) grows across slices.
        Returns the rows the slice touched."""
        ends = np.asarray(tally.edges[1:], dtype=float)
        # Increments per row over the slice's buckets: (rows, buckets), per key and pod.
        # Keys that differ only in what Prometheus cannot see (shadow copies) share rows,
        # hence the add.at.
        parts = []
        for k in keys:
            sc = tally.series[k]
            if sc.count[j0:j1].any():
                cum_hist = np.cumsum(sc.hist[j0:j1], axis=1)
                inc = np.vstack([sc.count[j0:j1], sc.count[j0:j1], sc.sum_ms[j0:j1], cum_hist.T])
                parts += self._parts(k, inc, pods[k])
        all_rows = np.concatenate([r for r, _ in parts] or [np.zeros(0, dtype=np.int64)])
        for r, inc in parts:
            births.add(r, j0 + int(np.flatnonzero(inc[0])[0]))
        rows = sorted_unique(all_rows)
        merged = np.zeros((len(rows), j1 - j0))
        if parts:
            np.add.at(merged, np.searchsorted(rows, all_rows), np.vstack([i for _, i in parts]))
        cum = np.cumsum(merged, axis=1)
        base = self._current[rows].copy()
        while self._next_scrape <= ends[j1 - 1]:
            n_in = int(np.searchsorted(ends, self._next_scrape, side="right"))
            if n_in > j0:
                self._current[rows] = base + cum[:, n_in - 1 - j0]
            self._live[births.before(n_in)] = True
            self._scrape()
        if len(rows):
            self._current[rows] = base + cum[:, -1]
        return all_rows

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
        self._values[:nrows, n] = np.where(self._live[:nrows], self._current[:nrows], np.nan)
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
                self._values[:, :keep] = self._values[:, drop:n]
                self._values[:, keep:] = np.nan
                self._n_scrapes = keep
                return keep
        self._times = np.concatenate([self._times, np.zeros(n)])
        self._values = np.hstack([self._values, np.full((self._values.shape[0], n), np.nan)])
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
            vals = self._values[row, : self._n_scrapes]
            ok = ~np.isnan(vals)
            yield self._row_labels[row], times[ok], vals[ok]

    def select_ends(
        self, name: str
    ) -> Iterator[tuple[dict[str, str], np.ndarray, np.ndarray, float | None]]:
        """:meth:`select` with each series' staleness marker time (None: still scraped)."""
        times = self._times[: self._n_scrapes]
        for row in self._rows_by_name.get(name, ()):
            vals = self._values[row, : self._n_scrapes]
            ok = ~np.isnan(vals)
            end = float(self._stale[row])
            yield self._row_labels[row], times[ok], vals[ok], None if end == np.inf else end

    def memory_bytes(self) -> int:
        """Bytes held by the sample arrays (for benchmarks)."""
        return int(self._values.nbytes + self._times.nbytes + self._current.nbytes)


def _fmt_le(le: float) -> str:
    """Prometheus' text form of a bucket bound: ``0.5``, ``1``, ``+Inf``."""
    if le == float("inf"):
        return "+Inf"
    return f"{le:g}" if le != int(le) else str(int(le))
