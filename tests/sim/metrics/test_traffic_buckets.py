"""The recorder's traffic buckets: calls kept as given, then joined and compacted."""

from __future__ import annotations

import numpy as np
import pytest

from canarysim.sim.metrics import buckets
from canarysim.sim.metrics.buckets import VERSIONS, TrafficBuckets
from canarysim.sim.metrics.tally import ISTIO_DURATION_BUCKETS_MS

NBINS = len(ISTIO_DURATION_BUCKETS_MS) + 1


Lists = dict[str, list[np.ndarray]]


def _fill(tb: TrafficBuckets, calls: int, seed: int = 0) -> tuple[np.ndarray, Lists, Lists]:
    rng = np.random.default_rng(seed)
    starts: list[np.ndarray] = []
    hist: Lists = {v: [] for v in VERSIONS}
    req: Lists = {v: [] for v in VERSIONS}
    t = 0.0
    for _ in range(calls):
        n = int(rng.integers(0, 9))
        s = t + 5.0 * np.arange(n)
        t += 5.0 * n
        h = {v: rng.integers(0, 300, (n, NBINS)) for v in VERSIONS}
        r = {v: h[v].sum(axis=1) for v in VERSIONS}
        tb.add(s, r, {v: r[v] // 2 for v in VERSIONS}, h)
        starts.append(s)
        for v in VERSIONS:
            hist[v].append(h[v])
            req[v].append(r[v])
    return np.concatenate(starts), hist, req


@pytest.mark.parametrize("loose_rows", [1, 7, 4096])
def test_joined_and_rows_are_every_call_whenever_calls_are_joined(
    loose_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(buckets, "LOOSE_ROWS", loose_rows)
    tb = TrafficBuckets()
    starts, hist, req = _fill(tb, 40)
    # Readers of the lists (the error-rate condition) see every call, joined or not.
    assert np.array_equal(np.concatenate(tb.starts), starts)
    assert np.array_equal(np.concatenate(tb.requests["canary"]), np.concatenate(req["canary"]))
    times = np.arange(0.0, starts[-1] + 10.0, 10.0)
    for v in VERSIONS:
        all_hist = np.concatenate(hist[v])
        row = np.searchsorted(times, starts, side="right") - 1
        want = np.zeros((len(times), NBINS), dtype=np.int64)
        np.add.at(want, row, all_hist)
        assert np.array_equal(tb.hist_per_row(times, v), want)
    got_starts, got_req, _ = tb.joined()
    assert np.array_equal(got_starts, starts)
    assert np.array_equal(got_req["stable"], np.concatenate(req["stable"]))
    # Once read, the loose calls are one entry, as given (compacted with the calls after it
    # once they reach the threshold), every earlier entry compacted; below the threshold,
    # all calls are one entry.
    assert tb._loose <= 1
    assert all(h is None or h.size == 0 or h.dtype != np.int64 for h in tb.hist["stable"][:-1])
    assert len(tb.starts) == 1 or loose_rows < len(starts)


@pytest.mark.parametrize("seed", [3, 4, 5])
@pytest.mark.parametrize("widest", [9, 300])
@pytest.mark.parametrize("loose_rows", [1, 7, 700, 4096])
def test_reading_between_calls_and_versions_without_requests(
    loose_rows: int, widest: int, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version missing from a call's histograms counts nothing there; reads between calls
    (which join the loose calls without compacting them) change nothing that follows."""
    monkeypatch.setattr(buckets, "LOOSE_ROWS", loose_rows)
    rng = np.random.default_rng(seed)
    tb = TrafficBuckets()
    starts: list[np.ndarray] = []
    hist: Lists = {v: [] for v in VERSIONS}
    t = 0.0
    for call in range(30):
        n = int(rng.integers(1, widest))
        s = t + 5.0 * np.arange(n)
        t += 5.0 * n
        h = {v: rng.integers(0, 300, (n, NBINS)) for v in VERSIONS if rng.random() < 0.5}
        z = {v: np.zeros(n, dtype=np.int64) for v in VERSIONS}
        tb.add(s, z, z, h)
        starts.append(s)
        for v in VERSIONS:
            hist[v].append(h.get(v, np.zeros((n, NBINS), dtype=np.int64)))
        if rng.random() < 0.3 or call == 29:
            every = np.concatenate(starts)
            times = np.arange(0.0, every[-1] + 10.0, 10.0)
            row = np.searchsorted(times, every, side="right") - 1
            got = tb.hists_per_row(times, VERSIONS)
            for v in VERSIONS:
                want = np.zeros((len(times), NBINS), dtype=np.int64)
                np.add.at(want, row, np.concatenate(hist[v]))
                assert np.array_equal(got[v], want)
            assert np.array_equal(tb.joined()[0], every)
    assert tb._loose_rows < max(loose_rows, widest)
