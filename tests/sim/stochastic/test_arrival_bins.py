"""Exact mode's arrival buckets: the counting-sort shortcut of Poisson arrivals gives the same
buckets, from the same draws, as bucketing the sorted arrival times."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from canarysim.sim.stochastic.arrivals import Arrivals, PoissonArrivals, TraceArrivals


def _by_times(arrivals: Arrivals, edges: np.ndarray, seed: int) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(seed)
    times = arrivals.sample_times(float(edges[0]), float(edges[-1]), rng)
    bins = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, len(edges) - 2)
    return bins, float(rng.random())  # the next draw: the stream advanced as far


def _by_bins(arrivals: Arrivals, edges: np.ndarray, seed: int) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(seed)
    bins = arrivals.sample_bins(edges, rng)
    return bins, float(rng.random())


@settings(max_examples=60, deadline=None)
@given(
    rate=st.sampled_from([0.0, 0.3, 7.0, 250.0, 40_000.0]),
    start=st.floats(-100.0, 100.0),
    cuts=st.lists(st.floats(0.01, 30.0), min_size=1, max_size=6),
    seed=st.integers(0, 2**32 - 1),
)
def test_poisson_buckets_equal_those_of_sorted_times(
    rate: float, start: float, cuts: list[float], seed: int
) -> None:
    edges = start + np.concatenate([[0.0], np.cumsum(cuts)])
    want, next_want = _by_times(PoissonArrivals(rate), edges, seed)
    got, next_got = _by_bins(PoissonArrivals(rate), edges, seed)
    assert got.dtype == np.int64
    assert np.array_equal(got, want)
    assert np.all(np.diff(got) >= 0)
    assert next_got == next_want


def test_bins_follow_the_rate_across_buckets() -> None:
    # 1,000 req/s in [0, 1) and [1, 3): about 1,000 and 2,000 arrivals.
    got = PoissonArrivals(1000.0).sample_bins(np.array([0.0, 1.0, 3.0]), np.random.default_rng(3))
    counts = np.bincount(got, minlength=2)
    assert abs(counts[0] - 1000) < 5 * 1000**0.5
    assert abs(counts[1] - 2000) < 5 * 2000**0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_other_arrivals_bucket_their_sorted_times(seed: int) -> None:
    trace = TraceArrivals((0.0, 2.0, 5.0), (100.0, 10.0, 300.0), "linear")
    edges = np.array([0.0, 1.0, 2.5, 4.0, 6.0])
    want, next_want = _by_times(trace, edges, seed)
    got, next_got = _by_bins(trace, edges, seed)
    assert np.array_equal(got, want) and next_got == next_want


def _searched(edges: np.ndarray, times: np.ndarray) -> np.ndarray:
    return np.clip(np.searchsorted(edges, times, side="right") - 1, 0, len(edges) - 2)


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(16, 400),
    jitter=st.sampled_from([0.0, 1e-12, 0.3, 2.0]),
    repeat_edge=st.booleans(),
    spill=st.floats(0.0, 3.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_large_batches_bin_as_a_binary_search_would(
    n: int, jitter: float, repeat_edge: bool, spill: float, seed: int
) -> None:
    # Large batches take the guessed path: even grids, uneven ones, a repeated edge, and
    # times before the first and after the last edge must all land where searchsorted says.
    from canarysim.sim.stochastic.arrivals import _bins_of

    rng = np.random.default_rng(seed)
    steps = 5.0 + jitter * rng.random(n)
    edges = 100.0 + np.concatenate([[0.0], np.cumsum(steps)])
    if repeat_edge:
        edges[n // 2] = edges[n // 2 + 1]
    times = rng.uniform(edges[0] - spill, edges[-1] + spill, 5_000)
    times[:3] = edges[:3]  # exactly on an edge
    times[3] = edges[-1]
    got = _bins_of(edges, times)
    assert got.dtype == np.int64
    assert np.array_equal(got, _searched(edges, times))


def test_large_batches_with_a_collapsed_grid_are_searched() -> None:
    from canarysim.sim.stochastic.arrivals import _bins_of

    edges = np.full(40, 7.0)
    times = np.linspace(6.0, 8.0, 1_000)
    assert np.array_equal(_bins_of(edges, times), _searched(edges, times))
