"""What a run leaves behind: events, rollout snapshots, manifest history and series.

The world calls :meth:`Recorder.observe` whenever something a user could see may have changed
(a reconcile, a pod stage, a rewritten manifest). A snapshot is kept only when it differs from
the previous one, and several observations at one instant collapse into the last, so a
reconcile loop that settles at time *t* leaves exactly one snapshot for *t*. Traffic arrives as
per-bucket counts (:meth:`add_traffic`); :meth:`series` joins both onto one time grid. The
snapshots themselves are built by :mod:`.snapshot`.

Only plain data crosses into :class:`~canarysim.result.Result`; nothing here schedules events.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from canarysim.result import RolloutSnapshot
from canarysim.sim.metrics.snapshot import ROLES, comparable
from canarysim.sim.metrics.tally import ISTIO_DURATION_BUCKETS_MS, sorted_unique

VERSIONS = ("stable", "canary", "unserved")
"""Series per version; ``unserved``: requests no pod answered (no route, no endpoint, a
fault abort), never counted as served by a version."""
STATE_COLUMNS = (
    "weight.canary",
    "weight.stable",
    *(
        f"rs.{role}.{what}"
        for role in ROLES
        for what in ("desired", "current", "ready", "available")
    ),
)


_all = np.logical_and.reduce  # ndarray.all() without its Python wrapper


def _compact(counts: Any) -> np.ndarray:
    """Counts in the smallest unsigned integer type that holds them (the same numbers in a
    half to an eighth of int64's memory: a week of 5 s buckets is kept until the end)."""
    out: np.ndarray = np.asarray(counts, dtype=np.int64)
    if out.size and out.min() >= 0:
        out = out.astype(np.min_scalar_type(int(out.max())))
    return out


LOOSE_ROWS = 4096
""":class:`TrafficBuckets` keeps the last calls as given (int64) until they hold about this
many buckets, then joins them into one compacted entry (see :meth:`TrafficBuckets.add`)."""


@dataclass
class TrafficBuckets:
    """Per time bucket and version: requests, 5xx errors and a latency histogram (ms).

    One entry per list element and version, in time order; the last ``_loose`` entries are
    the calls' arrays as given, the earlier ones joined and compacted (:func:`_compact`)."""

    starts: list[np.ndarray] = field(default_factory=list)
    requests: dict[str, list[np.ndarray]] = field(default_factory=dict)
    errors: dict[str, list[np.ndarray]] = field(default_factory=dict)
    hist: dict[str, list[np.ndarray]] = field(default_factory=dict)
    _loose: int = field(default=0, repr=False, compare=False)
    _loose_rows: int = field(default=0, repr=False, compare=False)

    def add(
        self,
        starts: np.ndarray,
        requests: Mapping[str, np.ndarray],
        errors: Mapping[str, np.ndarray],
        hist: Mapping[str, np.ndarray],
    ) -> None:
        """One call's buckets (the arrays are kept: the caller must not change them).

        Calls come a few buckets at a time (every routing change closes one), so they are
        kept as given and joined into one compacted entry per :data:`LOOSE_ROWS` buckets:
        memory stays that of compacted counts, and readers see few, long entries."""
        n = len(starts)
        nbins = len(ISTIO_DURATION_BUCKETS_MS) + 1
        self.starts.append(np.asarray(starts, dtype=float))
        for v in VERSIONS:
            self.requests.setdefault(v, []).append(_int64(requests.get(v), (n,)))
            self.errors.setdefault(v, []).append(_int64(errors.get(v), (n,)))
            self.hist.setdefault(v, []).append(_int64(hist.get(v), (n, nbins)))
        self._loose += 1
        self._loose_rows += n
        if self._loose_rows >= LOOSE_ROWS:
            self.settle()

    def settle(self) -> None:
        """Join the loose entries into one compacted entry."""
        k = self._loose
        if k == 0:
            return
        self._loose = self._loose_rows = 0
        if k > 1:
            self.starts[-k:] = [np.concatenate(self.starts[-k:])]
        for table in (self.requests, self.errors, self.hist):
            for parts in table.values():
                parts[-k:] = [_compact(parts[-1] if k == 1 else np.concatenate(parts[-k:]))]

    def joined(self) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Bucket starts, requests and errors of every bucket (histograms stay per entry:
        :meth:`hist_per_row` adds them up without joining them)."""
        if not self.starts:
            z = np.zeros(0, dtype=np.int64)
            return np.zeros(0), {v: z for v in VERSIONS}, {v: z for v in VERSIONS}
        self.settle()
        return (
            _joined(self.starts),
            {v: _joined(self.requests[v]) for v in VERSIONS},
            {v: _joined(self.errors[v]) for v in VERSIONS},
        )

    def hist_per_row(self, times: np.ndarray, version: str) -> np.ndarray:
        """Histogram counts of ``version`` summed into the series rows starting at ``times``
        (a bucket counts in the last row at or before its start), one entry's buckets at a
        time so that no array spans the whole run."""
        return self.hists_per_row(times, (version,))[version]

    def hists_per_row(self, times: np.ndarray, versions: Sequence[str]) -> dict[str, np.ndarray]:
        """:meth:`hist_per_row` of several versions (each entry's rows found once)."""
        self.settle()
        nbins = len(ISTIO_DURATION_BUCKETS_MS) + 1
        out = {v: np.zeros((len(times), nbins), dtype=np.int64) for v in versions}
        for i, starts in enumerate(self.starts):
            if not len(starts):
                continue
            row = np.clip(np.searchsorted(times, starts, side="right") - 1, 0, len(times) - 1)
            if len(row) > 1 and bool(np.any(row[1:] < row[:-1])):
                self._scatter(out, i, row, nbins)
                continue
            # Rows never decrease: the buckets of a row are neighbours, summed on integers.
            first = np.flatnonzero(np.concatenate(([True], row[1:] != row[:-1])))
            at = row[first]
            size = np.diff(np.append(first, len(row)))  # buckets per row
            for v in versions:
                parts = self.hist.get(v)
                if parts is not None and parts[i].any():
                    out[v][at] += _sum_runs(parts[i], first, size)
        return out

    def _scatter(self, out: dict[str, np.ndarray], i: int, row: np.ndarray, nbins: int) -> None:
        lo, hi = int(row.min()), int(row.max()) + 1
        flat = ((row - lo)[:, None] * nbins + np.arange(nbins)[None, :]).ravel()
        for v, acc in out.items():
            parts = self.hist.get(v)
            if parts is None:
                continue
            # Integer sums; counts stay far below 2**53, so float weights are exact.
            part = np.bincount(flat, weights=parts[i].ravel(), minlength=(hi - lo) * nbins)
            acc[lo:hi] += part.astype(np.int64).reshape(hi - lo, nbins)


def _sum_runs(counts: np.ndarray, first: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Sums of the runs of rows of ``counts`` starting at ``first`` (``size`` rows each), as
    int64: a gather per position in a run when runs are short (a row of the series holds a
    few buckets), ``np.add.reduceat`` otherwise."""
    if counts.dtype == np.uint64 or counts.dtype.kind == "f":
        counts = counts.astype(np.int64)
    longest = int(size.max())
    if longest > 4:
        summed: np.ndarray = np.add.reduceat(counts.astype(np.int64), first, axis=0)
        return summed
    acc: np.ndarray = counts[first].astype(np.int64)
    if longest > 1:
        n = len(counts)
        padded = np.concatenate([counts, np.zeros((1, counts.shape[1]), counts.dtype)])
        for k in range(1, longest):
            acc += padded[np.where(size > k, first + k, n)]
    return acc


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """The entries one after the other (the entry itself when there is one: read only)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _int64(counts: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    return np.zeros(shape, dtype=np.int64) if counts is None else np.asarray(counts, np.int64)


@dataclass
class ClassTraffic:
    """Per request class (in the scenario's order), bucket and version: requests and 5xx,
    kept only with more than one class (the series' ``class[<name>].*`` columns)."""

    starts: list[np.ndarray] = field(default_factory=list)
    requests: dict[str, dict[str, list[np.ndarray]]] = field(default_factory=dict)
    errors: dict[str, dict[str, list[np.ndarray]]] = field(default_factory=dict)

    def add(
        self,
        starts: np.ndarray,
        requests: Mapping[str, Mapping[str, np.ndarray]],
        errors: Mapping[str, Mapping[str, np.ndarray]],
    ) -> None:
        self.starts.append(np.asarray(starts, dtype=float))
        for name in requests:
            for v in VERSIONS:
                self.requests.setdefault(name, {}).setdefault(v, []).append(requests[name][v])
                self.errors.setdefault(name, {}).setdefault(v, []).append(errors[name][v])

    def columns(self, row: np.ndarray, n_rows: int) -> dict[str, np.ndarray]:
        """``class[<name>].requests.<version>`` and ``.errors.<version>`` summed into the
        series rows (``row``: the row of each bucket, in bucket order)."""
        out: dict[str, np.ndarray] = {}
        for name in self.requests:
            for what, table in (("requests", self.requests), ("errors", self.errors)):
                for v in VERSIONS:
                    counts = np.concatenate(table[name][v])
                    column = np.bincount(row, weights=counts, minlength=n_rows)
                    out[f"class[{name}].{what}.{v}"] = column.astype(np.int64)
        return out


# ------------------------------------------------------------------------------ the recorder


class Recorder:
    """Collects a run's observable history (see module doc)."""

    def __init__(self, *, series_interval: float = 10.0) -> None:
        self.series_interval = float(series_interval)
        self.events: list[dict[str, Any]] = []
        self.snapshots: list[RolloutSnapshot] = []
        self.manifest_history: list[tuple[float, dict[str, Any]]] = []
        self.state_rows: list[tuple[float, tuple[float, ...]]] = []
        self.traffic = TrafficBuckets()
        self.class_traffic = ClassTraffic()
        self.warnings: list[str] = []
        self._seen: tuple[tuple[RolloutSnapshot, tuple[Any, ...]], ...] = ()

    # -- events ------------------------------------------------------------------------
    def event(self, time: float, kind: str, obj: str, reason: str, message: str) -> None:
        self.events.append(
            {"time": time, "kind": kind, "object": obj, "reason": reason, "message": message}
        )

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def sorted_events(self, extra: Iterable[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
        """Own events plus *extra* (e.g. the cluster's), in time order (stable)."""
        merged = [dict(e) for e in self.events] + [dict(e) for e in extra]
        return sorted(merged, key=lambda e: e["time"])

    # -- snapshots ---------------------------------------------------------------------
    def snapshot(self, snap: RolloutSnapshot) -> None:
        """Keep *snap* if it looks different from the last one; same instant: replace."""
        seen = comparable(snap)
        if self.snapshots and self.snapshots[-1].time == snap.time:
            self.snapshots.pop()
        if self.snapshots and self._comparable(self.snapshots[-1]) == seen:
            return
        self.snapshots.append(snap)
        # The comparable views of the last two kept snapshots (a same-instant snapshot is
        # compared with the one before the last), so each is built once.
        before = self.snapshots[-2] if len(self.snapshots) > 1 else None
        self._seen = ((snap, seen), *(p for p in self._seen if p[0] is before))

    def _comparable(self, snap: RolloutSnapshot) -> tuple[Any, ...]:
        return next((c for s, c in self._seen if s is snap), None) or comparable(snap)

    def manifests(self, time: float, manifests: Mapping[str, Any], *, differ: bool = False) -> None:
        """Record the routing manifests as written at *time* (only when they changed).
        ``differ``: the caller saw them differ from the last recorded (not compared again)."""
        if not differ and self.manifest_history and self.manifest_history[-1][1] == manifests:
            return
        if self.manifest_history and self.manifest_history[-1][0] == time:
            self.manifest_history.pop()
            if self.manifest_history and self.manifest_history[-1][1] == manifests:
                return
        self.manifest_history.append((time, dict(manifests)))

    def state(self, time: float, values: Mapping[str, float]) -> None:
        """One row of the step-wise state columns (:data:`STATE_COLUMNS`)."""
        get = values.get
        row = tuple([float(get(c, 0.0)) for c in STATE_COLUMNS])
        if self.state_rows and self.state_rows[-1][0] == time:
            self.state_rows.pop()
        if self.state_rows and self.state_rows[-1][1] == row:
            return
        self.state_rows.append((time, row))

    # -- series ------------------------------------------------------------------------
    def series(
        self, until: float, measurements: Sequence[tuple[str, float, str]] = ()
    ) -> dict[str, np.ndarray]:
        """The Result's ``series``: rows at every state change and every ``series_interval``;
        traffic columns count the requests of ``[time[i], time[i+1])``. ``measurements``
        (metric name, time, value as Argo stores it) become ``analysis.<metric>`` columns: the
        last numeric value measured at or before each row (NaN before the first)."""
        grid = np.arange(0.0, until, self.series_interval) if until > 0 else np.zeros(1)
        change = np.asarray([t for t, _ in self.state_rows if 0 <= t < until], dtype=float)
        times = sorted_unique(np.concatenate([grid, change, [0.0]]))
        out: dict[str, np.ndarray] = {"time": times}
        # State: the last row at or before each time.
        st_times = np.asarray([t for t, _ in self.state_rows], dtype=float)
        st_vals = (
            np.asarray([r for _, r in self.state_rows], dtype=float)
            if self.state_rows
            else np.zeros((0, len(STATE_COLUMNS)))
        )
        idx = np.searchsorted(st_times, times, side="right") - 1
        if len(st_vals):
            # every column's rows gathered at once, then cut into columns
            picked = np.where((idx >= 0)[:, None], st_vals[np.maximum(idx, 0)], 0)
            for j, col in enumerate(STATE_COLUMNS):
                out[col] = picked[:, j].astype(np.int64)
        else:
            for col in STATE_COLUMNS:
                out[col] = np.zeros(len(idx), dtype=np.int64)
        # Traffic: bucket starts into rows.
        starts, req, err = self.traffic.joined()
        row = np.clip(np.searchsorted(times, starts, side="right") - 1, 0, len(times) - 1)
        for v in VERSIONS:
            out[f"requests.{v}"] = np.bincount(row, weights=req[v], minlength=len(times)).astype(
                np.int64
            )
            out[f"errors.{v}"] = np.bincount(row, weights=err[v], minlength=len(times)).astype(
                np.int64
            )
        per_row = self.traffic.hists_per_row(times, VERSIONS)
        for v in VERSIONS:
            p50, p99 = quantiles_per_row((0.5, 0.99), ISTIO_DURATION_BUCKETS_MS, per_row[v])
            out[f"latency_p50.{v}"], out[f"latency_p99.{v}"] = p50, p99
        for metric in sorted({m for m, _, _ in measurements}):
            points = sorted((t, _number(v)) for m, t, v in measurements if m == metric)
            points = [(t, v) for t, v in points if not math.isnan(v)]
            if not points:
                continue
            at = np.asarray([t for t, _ in points])
            vals = np.asarray([v for _, v in points])
            idx = np.searchsorted(at, times, side="right") - 1
            out[f"analysis.{metric}"] = np.where(idx >= 0, vals[np.maximum(idx, 0)], np.nan)
        if self.class_traffic.starts:  # last: the other columns keep their places
            out.update(self.class_traffic.columns(row, len(times)))
        return out


def _number(value: str) -> float:
    """The first number of a measurement value (``"[0.98,1]"`` -> 0.98), NaN if none."""
    text = value.strip().strip("[]").split(",")[0].strip()
    try:
        return float(text)
    except ValueError:
        return math.nan


def histogram_quantiles(q: float, bounds: Sequence[float], counts: np.ndarray) -> np.ndarray:
    """:func:`~canarysim.sim.metrics.store.histogram_quantile` of every row of ``counts``
    (non-cumulative, ``+Inf`` last) at once, for ``0 <= q <= 1``; NaN for an empty row.

    The same arithmetic in the same order per row (cumulative counts, rank ``q * total``, the
    first bucket whose cumulative count reaches it, linear interpolation), so every value is
    bit-for-bit the scalar function's."""
    return quantiles_per_row((q,), bounds, counts)[0]


def quantiles_per_row(
    qs: Sequence[float], bounds: Sequence[float], counts: np.ndarray
) -> list[np.ndarray]:
    """:func:`histogram_quantiles` of each of ``qs``, the cumulative counts built once."""
    for q in qs:
        if not 0 <= q <= 1:
            raise ValueError(f"q must be in [0, 1], got {q}")
    n = counts.shape[0]
    if n == 0 or not counts.any():  # no request in any row (a version that never served)
        return [np.full(n, math.nan) for _ in qs]
    cum = np.cumsum(counts, axis=1)
    total = cum[:, -1].astype(float)
    ok = total > 0
    every = bool(_all(ok))  # every row served: no row to leave NaN, nothing to gather
    if not every:
        cum, total = cum[ok], total[ok]
    edges = np.asarray(bounds, dtype=float)
    nb = len(edges)
    rows = np.arange(len(cum))
    result = []
    for q in qs:
        rank = q * total
        # searchsorted(cum, rank, side="left") per row: how many cumulative counts lie below
        # rank, i.e. the first column reaching it (the last one, the total, always does).
        i = np.argmax(cum >= rank[:, None], axis=1)
        inf_row = i >= nb
        j = np.minimum(i, nb - 1)
        lo = np.where(j == 0, 0.0, edges[np.maximum(j - 1, 0)])
        hi = edges[j]
        below = np.where(j == 0, 0.0, cum[rows, np.maximum(j - 1, 0)])
        below = below.astype(float)
        inside = cum[rows, j].astype(float) - below
        safe = np.where(inside == 0, 1.0, inside)
        value = np.where(inside == 0, hi, lo + (hi - lo) * (rank - below) / safe)
        if every:
            result.append(np.where(inf_row, edges[-1], value))
            continue
        out = np.full(n, math.nan)
        out[ok] = np.where(inf_row, edges[-1], value)
        result.append(out)
    return result
