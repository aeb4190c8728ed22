"""Dist: parameters, quantiles, CDF and moments against closed-form theory."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from canarysim.errors import ScenarioError
from canarysim.sim.stochastic.distributions import Z99, Dist


def test_z99_is_the_standard_normal_99th_percentile() -> None:
    assert abs(Z99 - 2.3263478740408408) < 1e-12


@given(
    median=st.floats(0.001, 1e4),
    ratio=st.floats(1.0001, 100.0),
)
def test_lognormal_hits_its_median_and_p99(median: float, ratio: float) -> None:
    d = Dist.lognormal(median, median * ratio)
    assert d.quantile(0.5) == pytest.approx(median, rel=1e-9)
    assert d.quantile(0.99) == pytest.approx(median * ratio, rel=1e-9)
    assert d.cdf(median) == pytest.approx(0.5, abs=1e-12)
    assert d.cdf(median * ratio) == pytest.approx(0.99, abs=1e-9)


def test_lognormal_parameters_and_mean_closed_form() -> None:
    d = Dist.lognormal(100.0, 400.0)
    sigma = math.log(4.0) / 2.3263478740408408
    assert d.a == pytest.approx(math.log(100.0))
    assert d.b == pytest.approx(sigma)
    assert d.mean == pytest.approx(100.0 * math.exp(sigma**2 / 2))


def test_lognormal_with_p99_equal_median_is_fixed() -> None:
    assert Dist.lognormal(5.0, 5.0) == Dist.fixed(5.0)


def test_exponential_quantile_cdf_mean() -> None:
    d = Dist.exponential(2.0)
    assert d.mean == 2.0
    assert d.quantile(0.5) == pytest.approx(2.0 * math.log(2.0))
    assert d.cdf(2.0) == pytest.approx(1 - math.exp(-1))
    assert d.cdf(-1.0) == 0.0
    assert d.quantile(1.0) == math.inf


def test_fixed() -> None:
    d = Dist.fixed(3.0)
    assert d.mean == 3.0 and d.quantile(0.0) == 3.0 and d.quantile(1.0) == 3.0
    assert list(d.cdf(np.array([2.9, 3.0, 3.1]))) == [0.0, 1.0, 1.0]
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    assert d.sample(rng) == 3.0
    assert np.all(d.sample(rng, 5) == 3.0)
    assert rng.bit_generator.state == state  # consumed no randomness


def test_cdf_is_inverse_of_quantile_vectorised() -> None:
    d = Dist.lognormal(20.0, 150.0)
    qs = np.array([0.01, 0.1, 0.5, 0.9, 0.999])
    xs = np.array([d.quantile(q) for q in qs])
    np.testing.assert_allclose(d.cdf(xs), qs, atol=1e-9)
    assert d.cdf(0.0) == 0.0 and d.cdf(math.inf) == 1.0


@pytest.mark.parametrize(
    "dist",
    [Dist.lognormal(50.0, 300.0), Dist.exponential(7.0)],
    ids=["lognormal", "exponential"],
)
def test_sample_moments_and_quantiles_match_theory(dist: Dist) -> None:
    rng = np.random.default_rng(12345)
    n = 200_000
    x = dist.sample(rng, n)
    assert x.shape == (n,)
    # Sample mean within 5 standard errors (variance from the sample is fine at this n).
    se = x.std() / math.sqrt(n)
    assert abs(x.mean() - dist.mean) < 5 * se
    # Empirical CDF at theoretical quantiles: binomial standard error sqrt(q(1-q)/n).
    for q in (0.5, 0.9, 0.99):
        frac = float(np.mean(x <= dist.quantile(q)))
        assert abs(frac - q) < 5 * math.sqrt(q * (1 - q) / n)


def test_scaled_is_the_distribution_of_k_times_x() -> None:
    d = Dist.lognormal(0.1, 0.4).scaled(1000.0)
    assert d.quantile(0.5) == pytest.approx(100.0)
    assert d.quantile(0.99) == pytest.approx(400.0)
    assert Dist.exponential(2.0).scaled(3.0).mean == 6.0
    assert Dist.fixed(0.5).scaled(1000).quantile(0.3) == 500.0


def test_sample_scalar_returns_float() -> None:
    v = Dist.exponential(1.0).sample(np.random.default_rng(1))
    assert isinstance(v, float) and v > 0


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (3, Dist.fixed(3.0)),
        (0.25, Dist.fixed(0.25)),
        ({"fixed": 2}, Dist.fixed(2.0)),
        ({"median": 10, "p99": 40}, Dist.lognormal(10, 40)),
        ({"exponential": 4}, Dist.exponential(4)),
        ({"mean": 4}, Dist.exponential(4)),
    ],
)
def test_from_spec_shapes(spec: object, expected: Dist) -> None:
    assert Dist.from_spec(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        "fast",
        True,
        -1,
        {"median": 10},
        {"median": 10, "p99": 5},
        {"median": 0, "p99": 5},
        {"fixed": "x"},
        {"fixed": 1, "median": 2},
        None,
    ],
)
def test_from_spec_rejects_bad_input_with_scenario_error(spec: object) -> None:
    with pytest.raises(ScenarioError) as info:
        Dist.from_spec(spec, file="s.yaml", field="versions.canary.latency")
    assert str(info.value).startswith("s.yaml: versions.canary.latency: expected ")


def test_quantile_rejects_out_of_range() -> None:
    with pytest.raises(ValueError):
        Dist.fixed(1).quantile(1.5)


def test_dist_is_frozen_and_hashable() -> None:
    d = Dist.exponential(1.0)
    with pytest.raises(AttributeError):
        d.a = 2.0  # type: ignore[misc]
    assert {d: 1}[Dist.exponential(1.0)] == 1


@pytest.mark.parametrize(
    "dist",
    [Dist.lognormal(50.0, 300.0), Dist.exponential(7.0), Dist.fixed(4.0)],
    ids=["lognormal", "exponential", "fixed"],
)
def test_partial_means_partition_the_mean(dist: Dist) -> None:
    edges = np.array([0.0, 1.0, 5.0, 20.0, 50.0, 200.0, 1000.0, np.inf])
    parts = dist.partial_mean(edges[:-1], edges[1:])
    assert parts.sum() == pytest.approx(dist.mean, rel=1e-9)
    assert np.all(parts >= 0)


def test_partial_mean_matches_monte_carlo() -> None:
    d = Dist.lognormal(50.0, 300.0)
    x = d.sample(np.random.default_rng(3), 400_000)
    inside = np.where((x > 20.0) & (x <= 100.0), x, 0.0)
    se = inside.std() / math.sqrt(x.size)
    assert abs(inside.mean() - d.partial_mean(20.0, 100.0)) < 5 * se


@pytest.mark.parametrize(
    "dist", [Dist.lognormal(0.02, 0.2), Dist.exponential(3.0), Dist.fixed(1.5)]
)
def test_ppf_agrees_with_quantile(dist: Dist) -> None:
    u = np.array([0.001, 0.25, 0.5, 0.9, 0.99])
    np.testing.assert_allclose(dist.ppf(u), [dist.quantile(q) for q in u], rtol=1e-12)
