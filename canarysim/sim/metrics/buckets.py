"""The recorder's traffic per time bucket and version, kept compactly until the series reads it.

:class:`TrafficBuckets` holds what :class:`~canarysim.sim.flow.TrafficFlow` hands the
:class:`~canarysim.sim.metrics.recorder.Recorder` after every interval: requests, 5xx errors
and latency histograms per bucket and version, which :meth:`Recorder.series` sums into its rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from canarysim.sim.metrics.tally import ISTIO_DURATION_BUCKETS_MS

__all__ = ["LOOSE_ROWS", "VERSIONS", "TrafficBuckets", "rows_of"]

VERSIONS = ("stable", "canary", "unserved")
"""Series per version; ``unserved``: requests no pod answered (no route, no endpoint, a
fault abort), never counted as served by a version."""


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
    the calls' arrays as given, the earlier ones joined and compacted (:func:`_compact`).
    A histogram entry is None where the version has no request in it (most calls have
    none of one version or another: no array of zeros is kept, joined or read)."""

    starts: list[np.ndarray] = field(default_factory=list)
    requests: dict[str, list[np.ndarray]] = field(default_factory=dict)
    errors: dict[str, list[np.ndarray]] = field(default_factory=dict)
    hist: dict[str, list[np.ndarray | None]] = field(default_factory=dict)
    _loose: int = field(default=0, repr=False, compare=False)
    _loose_rows: int = field(default=0, repr=False, compare=False)

    def add(
        self,
        starts: np.ndarray,
        requests: Mapping[str, np.ndarray],
        errors: Mapping[str, np.ndarray],
        hist: Mapping[str, np.ndarray],
    ) -> None:
        """One call's buckets (the arrays are kept: the caller must not change them); a
        version missing from ``hist`` has no request in them.

        Calls come a few buckets at a time (every routing change closes one), so they are
        kept as given and joined into one compacted entry per :data:`LOOSE_ROWS` buckets:
        memory stays that of compacted counts, and readers see few, long entries."""
        n = len(starts)
        nbins = len(ISTIO_DURATION_BUCKETS_MS) + 1
        self.starts.append(np.asarray(starts, dtype=float))
        for v in VERSIONS:
            self.requests.setdefault(v, []).append(_int64(requests.get(v), (n,)))
            self.errors.setdefault(v, []).append(_int64(errors.get(v), (n,)))
            h = hist.get(v)
            self.hist.setdefault(v, []).append(None if h is None else _int64(h, (n, nbins)))
        self._loose += 1
        self._loose_rows += n
        if self._loose_rows >= LOOSE_ROWS:
            self.settle()

    def settle(self, compact: bool = True) -> None:
        """Join the loose entries into one compacted entry; ``compact`` False (a reader's
        join): into one entry that stays loose, as given (int64), compacted with the calls
        that follow it once they reach :data:`LOOSE_ROWS` (memory stays as bounded, and a
        reader at the end of a run does not compact what is read once)."""
        k = self._loose
        if k == 0 or (k == 1 and not compact):
            return
        if compact:
            self._loose = self._loose_rows = 0
        else:
            self._loose = 1
        lengths = [len(x) for x in self.starts[-k:]]
        if k > 1:
            self.starts[-k:] = [np.concatenate(self.starts[-k:])]
        for table in (self.requests, self.errors):
            for parts in table.values():
                joined = parts[-1] if k == 1 else np.concatenate(parts[-k:])
                parts[-k:] = [_compact(joined) if compact else joined]
        for hparts in self.hist.values():
            hjoined = hparts[-1] if k == 1 else _joined_hist(hparts[-k:], lengths)
            hparts[-k:] = [_compact(hjoined) if compact and hjoined is not None else hjoined]

    def joined(self) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Bucket starts, requests and errors of every bucket (histograms stay per entry:
        :meth:`hist_per_row` adds them up without joining them)."""
        if not self.starts:
            z = np.zeros(0, dtype=np.int64)
            return np.zeros(0), {v: z for v in VERSIONS}, {v: z for v in VERSIONS}
        self.settle(compact=False)
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

    def hists_per_row(
        self, times: np.ndarray, versions: Sequence[str], rows: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """:meth:`hist_per_row` of several versions (each entry's rows found once);
        ``rows``: the row of every bucket, in the order of :meth:`joined`, when known."""
        got = self.counted_hists_per_row(times, versions, rows)
        nbins = len(ISTIO_DURATION_BUCKETS_MS) + 1
        return {
            v: np.zeros((len(times), nbins), dtype=np.int64) if h is None else h
            for v, h in got.items()
        }

    def counted_hists_per_row(
        self, times: np.ndarray, versions: Sequence[str], rows: np.ndarray | None = None
    ) -> dict[str, np.ndarray | None]:
        """:meth:`hists_per_row`, None for a version without any request."""
        self.settle(compact=False)
        nbins = len(ISTIO_DURATION_BUCKETS_MS) + 1
        n_rows = len(times)
        out: dict[str, np.ndarray | None] = dict.fromkeys(versions)
        end = 0
        for i, starts in enumerate(self.starts):
            if not len(starts):
                continue
            begin, end = end, end + len(starts)
            counted = [(v, h) for v in versions if (h := self._hist_entry(v, i)) is not None]
            if not counted:
                continue
            row = rows_of(times, starts) if rows is None else rows[begin:end]
            if len(row) > 1 and bool((row[1:] < row[:-1]).any()):
                for v, _ in counted:
                    if out[v] is None:
                        out[v] = np.zeros((n_rows, nbins), dtype=np.int64)
                self._scatter(out, i, row, nbins)
                continue
            # Rows never decrease: the buckets of a row are neighbours, summed on integers.
            new = np.empty(len(row), dtype=bool)
            new[0] = True
            np.not_equal(row[1:], row[:-1], out=new[1:])
            first = new.nonzero()[0]
            size = np.empty(len(first), dtype=np.int64)  # buckets per row
            np.subtract(first[1:], first[:-1], out=size[:-1])
            size[-1] = len(row) - first[-1]
            every = len(first) == n_rows  # each row has buckets: rows are 0, 1, ... in order
            at = row[first]
            for v, h in counted:
                sums = _sum_runs(h, first, size)
                acc = out[v]
                if acc is None:
                    if every:
                        out[v] = sums
                        continue
                    acc = out[v] = np.zeros((n_rows, nbins), dtype=np.int64)
                if every:
                    acc += sums
                else:
                    acc[at] += sums
        return out

    def _hist_entry(self, version: str, i: int) -> np.ndarray | None:
        parts = self.hist.get(version)
        return None if parts is None else parts[i]

    def _scatter(
        self, out: dict[str, np.ndarray | None], i: int, row: np.ndarray, nbins: int
    ) -> None:
        lo, hi = int(row.min()), int(row.max()) + 1
        flat = ((row - lo)[:, None] * nbins + np.arange(nbins)[None, :]).ravel()
        for v, acc in out.items():
            h = self._hist_entry(v, i)
            if h is None or acc is None:
                continue
            # Integer sums; counts stay far below 2**53, so float weights are exact.
            part = np.bincount(flat, weights=h.ravel(), minlength=(hi - lo) * nbins)
            acc[lo:hi] += part.astype(np.int64).reshape(hi - lo, nbins)


def _sum_runs(counts: np.ndarray, first: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Sums of the runs of rows of ``counts`` starting at ``first`` (``size`` rows each), as
    int64: a gather per position in a run when runs are short (a row of the series holds a
    few buckets; the rows of shorter runs are gathered too, but zeroed), otherwise
    ``np.add.reduceat``."""
    if counts.dtype == np.uint64 or counts.dtype.kind == "f":
        counts = counts.astype(np.int64)
    longest = int(size.max())
    if longest > 4:
        summed: np.ndarray = np.add.reduceat(counts.astype(np.int64), first, axis=0)
        return summed
    # take() gathers whole rows faster than indexing; a further row of a shorter run is
    # zeroed before it is added.
    acc: np.ndarray = counts.take(first, axis=0).astype(np.int64, copy=False)
    last = len(counts) - 1
    for k in range(1, longest):
        longer = np.flatnonzero(size > k)
        if 2 * len(longer) < len(size):
            # few runs this long (a row's extra bucket at a state change): only theirs
            acc[longer] += counts.take(first[longer] + k, axis=0)
            continue
        at = first + k
        np.minimum(at, last, out=at)
        further = counts.take(at, axis=0)
        further[size <= k] = 0
        acc += further
    return acc


def _joined_hist(parts: list[np.ndarray | None], lengths: list[int]) -> np.ndarray | None:
    """Histogram entries one after the other (of ``lengths`` buckets), zeros for None; None
    when every entry is."""
    given = [p for p in parts if p is not None]
    if not given:
        return None
    if len(given) == len(parts):
        return np.concatenate(given)
    out = np.zeros((sum(lengths), given[0].shape[1]), dtype=np.int64)
    at = 0
    for p, n in zip(parts, lengths, strict=True):
        if p is not None:
            out[at : at + n] = p
        at += n
    return out


def rows_of(times: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The series row of each bucket: the last of ``times`` at or before its start (the
    first row for a bucket before every time)."""
    row: np.ndarray = times.searchsorted(starts, side="right")
    row -= 1
    np.maximum(row, 0, out=row)
    np.minimum(row, len(times) - 1, out=row)
    return row


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """The entries one after the other (the entry itself when there is one: read only)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _int64(counts: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    return np.zeros(shape, dtype=np.int64) if counts is None else np.asarray(counts, np.int64)
