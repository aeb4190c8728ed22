"""The recorder's row-wise latency quantiles agree bit for bit with the scalar estimate."""

from __future__ import annotations

import math

import numpy as np
import pytest

from canarysim.sim.metrics.recorder import histogram_quantiles
from canarysim.sim.metrics.tally import ISTIO_DURATION_BUCKETS_MS, histogram_quantile

NBINS = len(ISTIO_DURATION_BUCKETS_MS) + 1


def _rows(seed: int, n: int) -> np.ndarray:
    """Histograms of every shape: empty, sparse, all in +Inf, zero buckets around the rank."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(rng.uniform(0, 20, size=(n, 1)), size=(n, NBINS))
    counts[rng.random((n, NBINS)) < 0.6] = 0
    counts[::7] = 0  # empty rows
    counts[3::11, :-1] = 0  # only +Inf
    counts[5::13, 0] = 1_000_000  # heavy first bucket
    return counts.astype(np.int64)


@pytest.mark.parametrize("q", [0.0, 0.25, 0.5, 0.9, 0.99, 1.0])
def test_rowwise_quantile_is_the_scalar_one_bit_for_bit(q: float) -> None:
    counts = _rows(7, 600)
    got = histogram_quantiles(q, ISTIO_DURATION_BUCKETS_MS, counts)
    want = [histogram_quantile(q, ISTIO_DURATION_BUCKETS_MS, row) for row in counts]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert (math.isnan(g) and math.isnan(w)) or g.hex() == float(w).hex()


def test_empty_rows_are_nan_and_rank_in_inf_bucket_is_the_top_bound() -> None:
    counts = np.zeros((3, NBINS), dtype=np.int64)
    counts[1, -1] = 4  # everything above the last bound
    counts[2, 3] = 2  # (5, 10] ms
    got = histogram_quantiles(0.5, ISTIO_DURATION_BUCKETS_MS, counts)
    assert math.isnan(got[0])
    assert got[1] == ISTIO_DURATION_BUCKETS_MS[-1]
    assert got[2] == pytest.approx(7.5)
    assert histogram_quantiles(0.5, ISTIO_DURATION_BUCKETS_MS, counts[:0]).shape == (0,)


def test_out_of_range_q_is_refused() -> None:
    with pytest.raises(ValueError):
        histogram_quantiles(1.5, ISTIO_DURATION_BUCKETS_MS, np.ones((1, NBINS), dtype=np.int64))
