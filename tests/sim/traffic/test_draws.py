"""A few buckets' draws, one scalar call each, are the array call's: same numbers, same stream."""

from __future__ import annotations

import numpy as np
import pytest

from canarysim.sim.traffic import draws


def _pair(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    return np.random.default_rng(seed), np.random.default_rng(seed)


@pytest.mark.parametrize("shape", [(1,), (2,), (7,), (14,), (15,), (3, 1), (2, 3), (40,)])
def test_poisson_draws_as_the_array_call(shape: tuple[int, ...]) -> None:
    a, b = _pair(11)
    lam = np.random.default_rng(1).uniform(0, 5000, size=shape)
    lam.ravel()[0] = 0.0  # a zero rate draws nothing either way
    got = draws.poisson(a, lam)
    want = b.poisson(lam)
    assert got.dtype == want.dtype == np.int64
    assert got.shape == want.shape
    assert np.array_equal(got, want)
    assert a.bit_generator.state == b.bit_generator.state


@pytest.mark.parametrize("rows", [1, 2, 3, 30])
@pytest.mark.parametrize("d", [1, 2, 40])
def test_multinomial_draws_as_the_array_call(rows: int, d: int) -> None:
    a, b = _pair(5)
    counts = np.random.default_rng(2).integers(0, 100_000, size=rows).astype(np.int64)
    counts[0] = 0
    p = np.random.default_rng(3).random(d)
    p /= p.sum()
    got = draws.multinomial(a, counts, p)
    want = b.multinomial(counts, p)
    assert got.dtype == want.dtype == np.int64
    assert got.shape == want.shape
    assert np.array_equal(got, want)
    assert a.bit_generator.state == b.bit_generator.state


def test_invalid_rates_are_still_refused() -> None:
    with pytest.raises(ValueError):
        draws.poisson(np.random.default_rng(0), np.asarray([-1.0]))
    with pytest.raises(ValueError):
        draws.multinomial(np.random.default_rng(0), np.asarray([3]), np.asarray([-0.1, 1.1]))
