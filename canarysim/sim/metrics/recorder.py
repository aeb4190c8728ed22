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

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from canarysim.result import RolloutSnapshot
from canarysim.sim.metrics.buckets import VERSIONS, TrafficBuckets, rows_of
from canarysim.sim.metrics.snapshot import ROLES, comparable
from canarysim.sim.metrics.tally import ISTIO_DURATION_BUCKETS_MS, sorted_unique

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
_add = np.add.reduce
_any = np.logical_or.reduce


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
        # the grid and the changes are each in order: a stable sort merges them
        times = sorted_unique(np.concatenate([grid, change, [0.0]]), kind="stable")
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
            # every column's rows gathered at once (zeros before the first state row, at
            # the start: times are in order), then converted at once into columns
            picked = st_vals.take(np.maximum(idx, 0), axis=0)
            if len(idx) and idx[0] < 0:
                picked[idx < 0] = 0
            columns = picked.T.astype(np.int64, order="C")
            for j, col in enumerate(STATE_COLUMNS):
                out[col] = columns[j]
        else:
            for col in STATE_COLUMNS:
                out[col] = np.zeros(len(idx), dtype=np.int64)
        # Traffic: bucket starts into rows.
        starts, req, err = self.traffic.joined()
        row = rows_of(times, starts)
        for v in VERSIONS:
            out[f"requests.{v}"] = np.bincount(row, weights=req[v], minlength=len(times)).astype(
                np.int64
            )
            out[f"errors.{v}"] = np.bincount(row, weights=err[v], minlength=len(times)).astype(
                np.int64
            )
        per_row = self.traffic.counted_hists_per_row(times, VERSIONS, row)
        for v in VERSIONS:
            hist = per_row[v]
            if hist is None:  # no request: no quantile
                p50, p99 = np.full(len(times), math.nan), np.full(len(times), math.nan)
            else:
                p50, p99 = quantiles_per_row((0.5, 0.99), ISTIO_DURATION_BUCKETS_MS, hist)
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
    """:func:`histogram_quantiles` of each of ``qs``, the cumulative counts built once and
    every ``q`` found in the same array operations (element by element the same arithmetic)."""
    for q in qs:
        if not 0 <= q <= 1:
            raise ValueError(f"q must be in [0, 1], got {q}")
    n = counts.shape[0]
    k = len(qs)
    if n == 0:
        return [np.full(n, math.nan) for _ in qs]
    # Column-major: one row per histogram column, one column per series row, so every
    # step below runs along the series rows (contiguous) instead of along 20 columns; a row
    # of zeros first, what lies below the first column (no special case for it below).
    cum = _cumulative_columns(counts)
    total = cum[-1]
    ok = total > 0
    every = bool(_all(ok))  # every row served: no row to leave NaN
    if not every and not _any(ok):  # no request in any row (a version that never served)
        return [np.full(n, math.nan) for _ in qs]
    # An empty row is computed too (rank 0: the first column, an "empty" bucket, no
    # division) and set to NaN at the end: cheaper than gathering the others and back.
    lows = np.asarray([0.0, *bounds], dtype=float)  # each column's lower edge (0 first)
    edges = lows[1:]
    nb = len(edges)
    rank = np.multiply.outer(np.asarray(qs, dtype=float), total)  # (q, row): q * total
    # searchsorted(cum, rank, side="left") per row: how many cumulative counts lie below
    # rank, i.e. the first column reaching it (the last one, the total, always does).
    below_rank = cum[None, 1:, :] < rank[:, None, :]
    ncols = len(cum) - 1
    if ncols < 256:  # counted in bytes: no cast of every flag to a wider integer
        i = _add(below_rank.view(np.uint8), axis=1, dtype=np.uint8).astype(np.intp)
    else:
        i = _add(below_rank, axis=1, dtype=np.intp)
    j = np.minimum(i, nb - 1)
    rows = np.arange(n)
    lo = lows[j]  # 0 for the first column
    hi = edges[j]
    below = cum[j, rows]  # the count below column j (0 for the first)
    inside = cum[j + 1, rows] - below
    empty = inside == 0
    safe = np.where(empty, 1.0, inside)
    value = np.where(empty, hi, lo + (hi - lo) * (rank - below) / safe)
    value = np.where(i >= nb, edges[-1], value)
    if not every:
        value[:, ~ok] = math.nan
    return [value[x] for x in range(k)]


def _cumulative_columns(counts: np.ndarray) -> np.ndarray:
    """A row of zeros, then ``np.cumsum(counts, axis=1).T`` as floats, C-contiguous (row
    ``c + 1`` the cumulative counts of column ``c`` of ``counts``): each column added to
    the one before as a whole row (the same integers, exact in floats; twice as fast for the
    seed's 726 rows as NumPy's accumulation along rows of 20, whose inner loop is 20 long).

    Not a product with a triangle of ones, which was faster alone (25 against 33 us for the
    seed's 720 rows): that is a BLAS matrix product, and OpenBLAS runs one of 720 rows or more
    on a worker per core, whose spinning afterwards cost a 24-hour run (8,646 rows) 14 ms of
    CPU in two calls and made it twice as slow as it was. Plain additions use no thread."""
    cum: np.ndarray = np.empty((counts.shape[1] + 1, counts.shape[0]))
    cum[0] = 0.0
    cum[1:] = counts.T
    rows = list(cum[1:])
    for prev, row in itertools.pairwise(rows):
        np.add(prev, row, out=row)
    return cum
