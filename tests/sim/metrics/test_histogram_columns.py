"""Histogram columns of many latencies: the same integers as a binary search."""

from __future__ import annotations

import numpy as np
import pytest

from canarysim.sim.metrics.tally import ISTIO_DURATION_BUCKETS_MS, histogram_columns


@pytest.mark.parametrize("n", [10, 5000, 60000])
@pytest.mark.parametrize("bounds", [ISTIO_DURATION_BUCKETS_MS, (1, 2, 3), (0.1, 0.3, 0.7)])
def test_columns_are_searchsorted_left_edges_and_nan_included(
    n: int, bounds: tuple[float, ...]
) -> None:
    rng = np.random.default_rng(n)
    special = np.array(
        [*bounds, np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0, np.nextafter(bounds[0], np.inf)]
    )
    values = rng.lognormal(0.0, 3.0, n)
    values[rng.integers(0, n, n // 10)] = special[rng.integers(0, len(special), n // 10)]
    values[: min(n, len(special))] = special[: min(n, len(special))]
    want = np.searchsorted(np.asarray(bounds), values, side="left")
    got = histogram_columns(bounds, values)
    assert got.dtype == want.dtype
    assert np.array_equal(got, want)
