"""How a version's counts are dealt to its pods' series, for :mod:`.store`.

Pod ``i`` of ``n`` has cumulative count ``floor((C + i) / n)`` of a counter whose version total
is ``C`` (:mod:`.targets`), so a pod's integer counters are read straight from the version's
totals at the buckets a scrape reads (:func:`deal_shares`): no per-bucket, per-pod array. Only
the latency sum, dealt in proportion to each bucket's count, is built bucket by bucket, one row
per pod. :class:`Births` remembers when each series had its first request (it is exported from
the next scrape on), and :func:`merge` adds up the rows that several keys share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from canarysim.sim.metrics.tally import sorted_unique

__all__ = ["Births", "Dealt", "Shares", "deal_shares", "integers", "merge"]


class Births:
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


@dataclass(frozen=True)
class Shares:
    """:func:`deal_shares`' answer: the pods that had a request (indexes), their cumulative
    integer counters at the columns (pods x rows-1 x columns), their latency-sum increments
    per bucket (pods x buckets; None without a sum row), each one's first bucket with a
    request, and the key's integer totals after the slice (the next slice's base)."""

    having: np.ndarray
    ints: np.ndarray
    sums: np.ndarray | None
    first: np.ndarray
    totals: np.ndarray


def deal_shares(inc: np.ndarray, base: np.ndarray, n: int, cols: np.ndarray) -> Shares:
    """A key's increments over a slice of buckets (``inc``: rows x buckets, row 0 the count,
    row 2 the latency sum when there are more than two rows) dealt to ``n`` pods, given the
    integer rows' totals ``base`` before the slice; counters read at columns ``cols``."""
    count = inc[0]
    ints = integers(inc).astype(np.int64)
    totals = np.cumsum(ints, axis=1)
    i = np.arange(n, dtype=np.int64)
    # the count's share of each pod, bucket by bucket
    held = (base[0] + np.concatenate([[0], totals[0]]))[None, :] + i[:, None]
    served = np.diff(held // n, axis=1)  # pods x buckets
    having = np.flatnonzero(held[:, -1] // n > held[:, 0] // n)
    served = served[having]
    j = i[having][:, None, None]
    at_cols = (base[:, None] + totals[:, cols])[None] + j  # pods x rows x cols
    dealt = at_cols // n - (base[None, :, None] + j) // n
    sums = None
    if len(inc) > 2:
        ratio = np.divide(inc[2], count, out=np.zeros_like(inc[2]), where=count > 0)
        sums = ratio * served
    first = (served > 0).argmax(axis=1) if len(having) else np.zeros(0, dtype=np.int64)
    return Shares(having, dealt, sums, first, base + totals[:, -1])


@dataclass(frozen=True)
class Dealt:
    """One key's slice dealt to the pods that had a request in it: their rows (pods x rows,
    :meth:`.MetricStore._rows_for`), the cumulative integer counters (every row but the sum)
    at the slice's scrape columns (pods x rows-1 x columns), the latency-sum increments per
    bucket (pods x buckets; None without histograms) and each pod's first bucket with a
    request."""

    rows: np.ndarray
    ints: np.ndarray
    sums: np.ndarray | None
    first: np.ndarray


def integers(inc: np.ndarray) -> np.ndarray:
    """The integer rows of a key's rows (all but the latency sum, row 2, when there is one)."""
    return np.delete(inc, 2, axis=0) if len(inc) > 2 else inc


def merge(
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
