"""The interval arithmetic of the risk report against first principles."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from canarysim.evaluation.stats import (
    at_least,
    binom_cdf,
    binom_sf,
    mean_interval,
    quantile_interval,
    wilson,
)


def test_wilson_matches_the_closed_form_and_stays_inside_0_1():
    # 5/10 at 95 %: centre 0.5, half-width z*sqrt(0.025 + z^2/400)/(1 + z^2/10)
    z = 1.959963984540054
    half = z * math.sqrt(0.5 * 0.5 / 10 + z * z / 400) / (1 + z * z / 10)
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.5 - half) and hi == pytest.approx(0.5 + half)
    assert wilson(0, 30)[0] == 0.0 and 0 < wilson(0, 30)[1] < 0.15
    assert wilson(30, 30)[1] == 1.0 and 0.85 < wilson(30, 30)[0] < 1
    assert all(math.isnan(v) for v in wilson(0, 0))
    assert wilson(5, 10, 0.99)[1] > wilson(5, 10, 0.95)[1]
    with pytest.raises(ValueError):
        wilson(11, 10)


def test_wilson_covers_the_true_proportion_about_as_often_as_it_claims():
    rng = np.random.default_rng(11)
    for p, n in ((0.02, 200), (0.3, 50), (0.9, 100)):
        hits = sum(
            lo <= p <= hi for lo, hi in (wilson(int(k), n) for k in rng.binomial(n, p, 2000))
        )
        assert 0.92 <= hits / 2000 <= 0.99, (p, n, hits)


def test_binomial_tails_agree_with_direct_sums():
    for n, p in ((12, 0.3), (40, 0.01), (7, 0.9)):
        pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
        assert binom_cdf(n, p) == pytest.approx(np.cumsum(pmf))
        for k in range(n + 2):
            assert binom_sf(k, n, p) == pytest.approx(sum(pmf[k:]), abs=1e-12)
    assert binom_sf(0, 5, 0.5) == 1.0 and binom_sf(6, 5, 0.5) == 0.0


def test_at_least_is_the_poisson_binomial_tail():
    qs = [0.1, 0.5, 0.25, 0.8]
    for k in range(len(qs) + 1):
        brute = sum(
            math.prod(q if hit else 1 - q for q, hit in zip(qs, hits, strict=True))
            for hits in itertools.product((0, 1), repeat=len(qs))
            if sum(hits) >= k
        )
        assert at_least(k, qs) == pytest.approx(brute)
    assert at_least(1, [0.2] * 5) == pytest.approx(1 - 0.8**5)


def test_quantile_interval_covers_the_true_quantile_as_claimed():
    rng = np.random.default_rng(5)
    true_median, true_p90 = math.log(2), math.log(10)  # Exp(1)
    cover = {0.5: 0, 0.9: 0}
    for _ in range(400):
        x = rng.exponential(size=60)
        for q, truth in ((0.5, true_median), (0.9, true_p90)):
            _, lo, hi = quantile_interval(x, q)
            cover[q] += lo <= truth <= hi
    assert cover[0.5] / 400 >= 0.93 and cover[0.9] / 400 >= 0.93
    assert cover[0.5] / 400 <= 0.995


def test_quantile_interval_edges():
    est, lo, hi = quantile_interval(np.array([3.0, 1.0, 2.0]), 0.9)
    assert est == 3.0 and math.isnan(hi)  # three values cannot bound a p90 from above
    assert all(math.isnan(v) for v in quantile_interval(np.array([np.nan]), 0.5))
    m, lo, hi = mean_interval(np.array([1.0, 2.0, 3.0, 4.0]))
    assert m == 2.5 and lo < 2.5 < hi
