"""Prometheus' side of the metric store: :class:`SampleTable`, series as rows and a sample of
each at every scrape.

A series is a metric name and its labels; each has a row, made when first named
(:meth:`SampleTable.row`). The caller keeps the counters' current values in
:attr:`SampleTable.current` and says which series are exported (:attr:`SampleTable.live`: a
series appears from its first request on, as Istio creates counters lazily); each
:meth:`SampleTable.scrape` writes a sample of every live series, NaN for the others. A series
whose target is gone gets a staleness marker (:meth:`SampleTable.end`). Queries read series
by name, filtered by label matchers (:meth:`SampleTable.select_ends`), as
:mod:`canarysim.lang.promql` evaluates them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

import numpy as np

__all__ = ["LabelMatcher", "SampleTable"]


class LabelMatcher(Protocol):
    """A label matcher of a selector (:class:`canarysim.lang.promql.syntax.Matcher`)."""

    name: str

    def matches(self, value: str) -> bool: ...


class SampleTable:
    """Series and their samples, scraped every ``scrape_interval_s`` from ``start_s``.

    ``retention_s`` bounds memory in long runs: samples older than that before the latest
    scrape may be dropped (only when the sample buffer is full, so the table then grows by
    moving the window it keeps, never by copying its whole history). ``None`` keeps every
    sample.
    """

    def __init__(self, scrape_interval_s: float, start_s: float, retention_s: float | None) -> None:
        self.scrape_interval_s = float(scrape_interval_s)
        self.retention_s = retention_s
        #: When the next scrape happens.
        self.next_scrape = float(start_s)
        self._n_scrapes = 0
        self._times = np.zeros(64)
        #: Samples, one row per scrape and one column per series (a scrape writes one
        #: contiguous row; a query reads a few columns).
        self._values = np.full((64, 16), np.nan)
        #: Per series: its counter's value now, whether it is exported, its staleness time.
        self.current = np.zeros(16)
        self.live = np.zeros(16, dtype=bool)
        self._stale = np.full(16, np.inf)
        self._row_names: list[str] = []
        self._row_labels: list[dict[str, str]] = []
        self._rows_by_name: dict[str, list[int]] = {}
        self._label_index: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
        #: Per metric name, label name, label value: the positions in ``_rows_by_name[name]``
        #: of the rows with that value (a selector's matchers are tried once per value);
        #: built for a name when a selector first reads it, then kept up to date.
        self._label_rows: dict[str, dict[str, dict[str, list[int]]]] = {}
        self._label_rows_upto: dict[str, int] = {}

    # ------------------------------------------------------------------ writing
    def row(
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
                self.current = np.concatenate([self.current, np.zeros(grow)])
                self.live = np.concatenate([self.live, np.zeros(grow, dtype=bool)])
                self._stale = np.concatenate([self._stale, np.full(grow, np.inf)])
            self._row_names.append(name)
            self._row_labels.append(labels)
            self._rows_by_name.setdefault(name, []).append(row)
            self._label_index[ident] = row
        return row

    def scrape(self) -> None:
        """A sample of every exported series at :attr:`next_scrape`; the next one is due
        ``scrape_interval_s`` later."""
        n = self._n_scrapes
        if n >= self._times.shape[0]:
            n = self._make_room(n)
        self._times[n] = self.next_scrape
        nrows = len(self._row_names)
        self._values[n, :nrows] = np.where(self.live[:nrows], self.current[:nrows], np.nan)
        self._n_scrapes = n + 1
        self.next_scrape = self._times[n] + self.scrape_interval_s

    def end(self, rows: Sequence[int]) -> None:
        """Staleness markers at the next scrape for the exported series among ``rows``."""
        rows_a = np.asarray(rows, dtype=np.int64)
        live = rows_a[self.live[rows_a]]
        self._stale[live] = self.next_scrape
        self.live[live] = False

    def _make_room(self, n: int) -> int:
        """A full buffer of ``n`` samples: drop what is older than the retention window if
        that frees at least half of it (moving only the kept window), else double it. Returns
        the number of samples kept."""
        if self.retention_s is not None:
            horizon = self.next_scrape - self.retention_s - self.scrape_interval_s
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

    def series(self) -> Iterator[tuple[str, dict[str, str], np.ndarray]]:
        """Every series as ``(name, labels, samples)``, samples at :attr:`scrape_times`
        (NaN where it was not exported), in the order they were made."""
        n = self._n_scrapes
        for row, (name, labels) in enumerate(zip(self._row_names, self._row_labels, strict=True)):
            yield name, labels, self._values[:n, row]

    def select(self, name: str) -> Iterator[tuple[dict[str, str], np.ndarray, np.ndarray]]:
        """Every series of metric ``name`` as ``(labels, times, values)`` (no NaN samples)."""
        for labels, times, values, _ in self.select_ends(name):
            yield labels, times, values

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
        return int(self._values.nbytes + self._times.nbytes + self.current.nbytes)
