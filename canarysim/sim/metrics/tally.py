"""What traffic produces for Istio's telemetry: requests per series and time bucket.

Each request is reported twice: by the client-side proxy (``reporter="source"``: one sample per
user request, after retries and timeouts, latency as the client saw it, fault delay included)
and by the server-side proxy of every pod that got an attempt (``reporter="destination"``: one
sample per attempt, retries and mirrored copies included, the backend's own code and latency).
Requests that never reach a pod (no route 404 ``NR``, no endpoint 503 ``UH``, fault abort
``FI``) exist only on the source side with ``destination_workload="unknown"``.

The traffic room fills a :class:`Tally` per interval; :class:`~.store.MetricStore` turns tallies
into Prometheus' series, and the recorder reads quantiles from the same histogram buckets
(:func:`histogram_quantile`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

#: Bucket bounds (ms) of ``istio_request_duration_milliseconds``: Istio keeps Envoy's default
#: histogram buckets (``HistogramStatisticsImpl::supportedBuckets`` in envoy/source/common/stats).
ISTIO_DURATION_BUCKETS_MS: tuple[float, ...] = (
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
    300000, 600000, 1800000, 3600000,
)  # fmt: skip

SortKind = Literal["quicksort", "mergesort", "heapsort", "stable"]
REQUESTS_TOTAL = "istio_requests_total"
DURATION = "istio_request_duration_milliseconds"
UNKNOWN = "unknown"
OUTSIDE = "outside"


@dataclass(frozen=True)
class SeriesKey:
    """Identity of one reported series in a :class:`Tally`.

    ``destination`` is the host as routed (``Branch.destination``, or the request host when no
    route matched); ``hash`` the backend's ``rollouts-pod-template-hash`` (``"unknown"`` when no
    pod answered); ``flags`` Envoy's response flags (``-``, ``UH``, ``NR``, ``FI``, ``UT``);
    ``shadow`` marks mirrored copies (destination side only; Prometheus cannot tell them apart);
    ``entry`` where the requests come from (``RequestClass.entry``: a gateway, ``outside``, or
    None for the in-mesh client), set by the :class:`Tally` from the class being routed.
    """

    reporter: str
    destination: str
    workload: str
    hash: str
    code: int
    flags: str = "-"
    shadow: bool = False
    entry: str | None = None


@dataclass
class SeriesCounts:
    """Per time bucket: request count, latency sum (ms) and non-cumulative histogram counts
    (``hist[:, i]`` counts latencies in ``(le[i-1], le[i]]``; the last column is above every
    bound, i.e. only in ``+Inf``)."""

    count: np.ndarray
    sum_ms: np.ndarray
    hist: np.ndarray


@dataclass
class Tally:
    """What one call of ``TrafficGenerator.advance(t0, t1, ...)`` produced.

    ``edges`` are the time-bucket edges (``edges[0] = t0``, ``edges[-1] = t1``); every array in
    ``series`` has one row per bucket. ``samples_ms`` holds raw latencies per key when the
    generator keeps samples (exact mode only).
    """

    edges: np.ndarray
    buckets_ms: tuple[float, ...] = ISTIO_DURATION_BUCKETS_MS
    series: dict[SeriesKey, SeriesCounts] = field(default_factory=dict)
    samples_ms: dict[SeriesKey, list[np.ndarray]] = field(default_factory=dict)
    current_class: Hashable | None = None
    """The request class being routed (set by the generator around each class)."""
    by_class: dict[Hashable, list[int]] = field(default_factory=dict)
    """Per request class: [user requests, 5xx answers], from the client-side (source) reports."""

    class_counts: dict[tuple[Hashable, SeriesKey], np.ndarray] | None = None
    """Per (request class, client-side series): requests per bucket; kept only when set to
    a dict (the generator does with more than one class: the timeline's breakdown)."""
    server_side: bool = True
    """False: nobody reads the server-side (``destination``) reports of this tally (a run
    without a metric store reads only the client side), so aggregate serving leaves its
    first attempts' out (exact mode and retries still report them)."""

    def _count_class(self, key: SeriesKey, per_bucket: np.ndarray, n: int | None = None) -> None:
        """``n``: the requests of ``per_bucket`` when known."""
        if key.reporter != "source" or self.current_class is None:
            return
        if n is None:
            n = int(np.add.reduce(per_bucket))  # .sum() without its wrapper
        if n == 0:
            return
        row = self.by_class.setdefault(self.current_class, [0, 0])
        row[0] += n
        if key.code >= 500:
            row[1] += n
        if self.class_counts is not None:
            got = self.class_counts.get((self.current_class, key))
            counts = np.asarray(per_bucket, dtype=np.int64)
            self.class_counts[(self.current_class, key)] = (
                counts.copy() if got is None else got + counts
            )

    @property
    def t0(self) -> float:
        return float(self.edges[0])

    @property
    def t1(self) -> float:
        return float(self.edges[-1])

    @property
    def n_buckets(self) -> int:
        return len(self.edges) - 1

    def counts_for(self, key: SeriesKey) -> SeriesCounts:
        """The (zero-initialised on first use) arrays of ``key``."""
        sc = self.series.get(key)
        if sc is None:
            nb = self.n_buckets
            sc = SeriesCounts(
                np.zeros(nb, dtype=np.int64),
                np.zeros(nb, dtype=float),
                np.zeros((nb, len(self.buckets_ms) + 1), dtype=np.int64),
            )
            self.series[key] = sc
        return sc

    def entry(self) -> str | None:
        """The entry point of the class being routed (``SeriesKey.entry``)."""
        return getattr(self.current_class, "entry", None)

    def _entered(self, key: SeriesKey) -> SeriesKey:
        """``key`` with the entry point of the class being routed."""
        entry = getattr(self.current_class, "entry", None)
        return key if entry == key.entry else replace(key, entry=entry)

    def add_records(
        self, key: SeriesKey, bucket: np.ndarray, latency_ms: np.ndarray, keep: bool = False
    ) -> None:
        """Add individual requests (bucket index and latency each)."""
        if len(bucket) == 0:
            return
        key = self._entered(key)
        sc = self.counts_for(key)
        nb = self.n_buckets
        sc.sum_ms += np.bincount(bucket, weights=latency_ms, minlength=nb)
        nbins = len(self.buckets_ms) + 1
        cells = histogram_cells(self.buckets_ms, latency_ms, bucket)
        flat = np.bincount(cells, minlength=nb * nbins).reshape(nb, nbins)
        sc.hist += flat
        per_bucket = flat.sum(axis=1)  # the same counts as a pass over every request
        self._count_class(key, per_bucket)
        sc.count += per_bucket
        if keep:
            self.samples_ms.setdefault(key, []).append(np.asarray(latency_ms, dtype=float))

    def add_grouped(
        self,
        keys: Sequence[SeriesKey],
        group: np.ndarray | None,
        bucket: np.ndarray,
        latency_ms: np.ndarray,
    ) -> None:
        """:meth:`add_records` for several keys in one pass over the requests: request ``i``
        belongs to ``keys[group[i]]`` (``group`` None: all to ``keys[0]``); every key has at
        least one request. Each key gets the same counts, and the same sums added in the same
        order, as :meth:`add_records` of its own requests would give."""
        self.add_counted(keys, *self.grouped(len(keys), group, bucket, latency_ms))

    def grouped(
        self, nk: int, group: np.ndarray | None, bucket: np.ndarray, latency_ms: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """What :meth:`add_grouped` adds, per group: (latency sums ``(nk, n_buckets)``,
        histogram counts ``(nk, n_buckets, bins)``), to add with :meth:`add_counted` (to
        more than one set of keys when two reports of the same requests agree). Without
        ``group``, ``bucket`` may be the row ``group * n_buckets + bucket`` itself."""
        nb = self.n_buckets
        nbins = len(self.buckets_ms) + 1
        if group is None:
            row = bucket
        else:
            row = group * nb
            row += bucket
        sums = np.bincount(row, weights=latency_ms, minlength=nk * nb).reshape(nk, nb)
        cells = histogram_cells(self.buckets_ms, latency_ms, row)
        hist = np.bincount(cells, minlength=nk * nb * nbins).reshape(nk, nb, nbins)
        return sums, hist

    def add_counted(self, keys: Sequence[SeriesKey], sums: np.ndarray, hist: np.ndarray) -> None:
        """Add :meth:`grouped`'s sums and counts, row ``i`` to ``keys[i]``."""
        for i, key in enumerate(keys):
            sc = self.counts_for(key)
            counts = hist[i].sum(axis=1)
            self._count_class(key, counts)
            sc.sum_ms += sums[i]
            sc.hist += hist[i]
            sc.count += counts

    def add_binned(self, key: SeriesKey, hist: np.ndarray, sum_ms: np.ndarray) -> None:
        """Add per-bucket histogram counts (``(n_buckets, len(buckets_ms)+1)``) and sums."""
        if not hist.any():
            return
        key = self._entered(key)
        sc = self.counts_for(key)
        per_bucket = hist.sum(axis=1).astype(np.int64)
        self._count_class(key, per_bucket)
        sc.hist += hist.astype(np.int64)
        sc.count += per_bucket
        sc.sum_ms += sum_ms

    def add_counts(
        self,
        key: SeriesKey,
        hist: np.ndarray,
        per_bucket: np.ndarray,
        sum_ms: np.ndarray,
        owned: bool = False,
        total: int | None = None,
    ) -> None:
        """:meth:`add_binned` of integer histogram counts with their per-bucket totals
        (``hist.sum(axis=1)``) already known; the caller skips an empty ``hist`` and gives
        ``key`` with the entry point of the class being routed (:meth:`entry`). ``owned``:
        the caller gives up ``hist`` and ``per_bucket`` (int64, referenced nowhere else), a
        new series keeps them instead of copies. ``total``: the sum of ``per_bucket``, when
        known."""
        self._count_class(key, per_bucket, total)
        sc = self.series.get(key)
        if sc is None:  # a new series: copies (the caller may add the same arrays twice)
            # 0.0 + sum, as when added to zeros (a negative zero becomes 0.0 there too)
            sums = np.add(sum_ms, 0.0, dtype=float)
            if owned:
                self.series[key] = SeriesCounts(per_bucket, sums, hist)
                return
            self.series[key] = SeriesCounts(
                np.array(per_bucket, dtype=np.int64), sums, np.array(hist, dtype=np.int64)
            )
            return
        sc.hist += hist
        sc.count += per_bucket
        sc.sum_ms += sum_ms

    # ------------------------------------------------------------------ summaries
    def _keys(
        self,
        reporter: str,
        hash: str | None,
        destination: str | None,
        shadow: bool | None,
    ) -> Iterator[tuple[SeriesKey, SeriesCounts]]:
        for k, v in self.series.items():
            if k.reporter != reporter:
                continue
            if hash is not None and k.hash != hash:
                continue
            if destination is not None and k.destination != destination:
                continue
            if shadow is not None and k.shadow != shadow:
                continue
            yield k, v

    def requests(
        self,
        reporter: str = "source",
        *,
        hash: str | None = None,
        destination: str | None = None,
        shadow: bool | None = None,
        errors_only: bool = False,
        per_bucket: bool = False,
    ) -> int | np.ndarray:
        """Total requests (or 5xx only) matching the filters; per bucket on request."""
        out = np.zeros(self.n_buckets, dtype=np.int64)
        for k, v in self._keys(reporter, hash, destination, shadow):
            if errors_only and not 500 <= k.code <= 599:
                continue
            out += v.count
        return out if per_bucket else int(out.sum())

    def by_code(
        self, reporter: str = "source", *, hash: str | None = None, shadow: bool | None = None
    ) -> dict[int, int]:
        """Request counts per response code."""
        out: dict[int, int] = {}
        for k, v in self._keys(reporter, hash, None, shadow):
            out[k.code] = out.get(k.code, 0) + int(v.count.sum())
        return dict(sorted(out.items()))

    def hashes(self, reporter: str = "destination") -> list[str]:
        """Backend hashes that appear for ``reporter`` (sorted)."""
        return sorted({k.hash for k in self.series if k.reporter == reporter})

    def histogram(
        self, reporter: str = "source", *, hash: str | None = None, shadow: bool | None = None
    ) -> np.ndarray:
        """Non-cumulative histogram counts over the whole interval."""
        out = np.zeros(len(self.buckets_ms) + 1, dtype=np.int64)
        for _, v in self._keys(reporter, hash, None, shadow):
            out += v.hist.sum(axis=0)
        return out

    def quantile_ms(self, q: float, reporter: str = "source", *, hash: str | None = None) -> float:
        """Latency quantile estimated from the histogram like PromQL ``histogram_quantile``
        (linear interpolation inside a bucket; NaN without requests)."""
        return histogram_quantile(q, self.buckets_ms, self.histogram(reporter, hash=hash))


def histogram_quantile(q: float, bounds: tuple[float, ...], counts: np.ndarray) -> float:
    """Prometheus' estimate from non-cumulative ``counts`` over ``bounds`` (+Inf last).

    Mirrors ``bucketQuantile`` in prometheus/promql/quantile.go: rank ``q * total``, linear
    interpolation inside the bucket holding the rank, lower edge 0 for the first bucket, and the
    highest finite bound when the rank falls into ``+Inf``.
    """
    cum = np.cumsum(counts)
    total = float(cum[-1]) if len(cum) else 0.0
    if total == 0 or np.isnan(q):
        return float("nan")
    if q < 0:
        return float("-inf")
    if q > 1:
        return float("inf")
    rank = q * total
    i = int(np.searchsorted(cum, rank, side="left"))
    if i >= len(bounds):
        return float(bounds[-1])
    lo = 0.0 if i == 0 else float(bounds[i - 1])
    below = 0.0 if i == 0 else float(cum[i - 1])
    inside = float(cum[i]) - below
    hi = float(bounds[i])
    if inside == 0:
        return hi
    return lo + (hi - lo) * (rank - below) / inside


def histogram_columns(bounds: Sequence[float], values: np.ndarray) -> np.ndarray:
    """The histogram column of each value: ``np.searchsorted(bounds, values, side="left")``,
    the number of bounds below the value (NaN last, like a sort puts it)."""
    return histogram_cells(bounds, values, None)


def histogram_cells(
    bounds: Sequence[float], values: np.ndarray, row: np.ndarray | None
) -> np.ndarray:
    """``row * (len(bounds) + 1) + histogram_columns(bounds, values)`` (``row`` None: 0),
    the flat index of each value's cell in a ``(rows, columns)`` histogram.

    Many values against Istio's few bounds: one vectorised comparison per bound, a fifth
    of a binary search per value (the same integers: a value is above the bounds it is not
    at or below, and NaN is at or below none of them), and one array for the result."""
    values = np.asarray(values)
    nb = len(bounds)
    if nb > 32 or values.dtype != np.float64 or values.ndim != 1 or len(values) < 4096:
        column: np.ndarray = np.searchsorted(np.asarray(bounds), values, side="left")
        return column if row is None else row * (nb + 1) + column
    at_or_below = np.zeros(len(values), dtype=np.uint8)
    tmp = np.empty(len(values), dtype=bool)
    for bound in np.asarray(bounds, dtype=float).tolist():
        np.less_equal(values, bound, out=tmp)
        at_or_below += tmp
    if row is None:
        column = np.subtract(nb, at_or_below, dtype=np.int64)
        return column
    cell: np.ndarray = np.multiply(row, nb + 1, dtype=np.int64)
    cell += nb
    cell -= at_or_below
    return cell


def sorted_unique(values: np.ndarray, kind: SortKind | None = None) -> np.ndarray:
    """``np.unique(values)`` for arrays without NaN, without importing ``numpy.ma`` (NumPy 2's
    ``unique`` does on first use: a fifth of a short run's start-up); ``kind``: the sort's
    (``"stable"`` merges values made of a few sorted runs in one pass)."""
    a = np.sort(np.asarray(values).ravel(), kind=kind)
    if len(a) < 2:
        return a
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]
