"""PromQL's numeric kernels, one behaviour a test, with the values Prometheus' Go code gives
(``promql/functions.go``, ``promql/quantile.go``, ``util/kahansum``, Go's ``math``), worked out
by hand."""

from __future__ import annotations

import math

import pytest

from canarysim.lang.promql.functions import (
    FUNCTIONS,
    _almost_equal,
    _apply,
    _arith,
    _bucket_quantile,
    _extrapolated,
    _histogram_quantile,
    _quantile,
    extreme,
    go_max,
    go_min,
    go_pow,
    kahan_inc,
    kahan_mean,
    kahan_sum,
    linear_regression,
    variance,
)
from canarysim.lang.promql.values import Vector

NAN = math.nan
INF = math.inf


def same(a: float, b: float) -> bool:
    """Equal as floats, NaN equal to NaN, and the sign of a zero counted."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


# (min, max) argument counts of the supported functions, from the ArgTypes and Variadic of
# Prometheus' promql/parser/functions.go (Variadic -1: no maximum; here a million)
ONE_ARG = (
    "rate",
    "irate",
    "increase",
    "delta",
    "idelta",
    "scalar",
    "vector",
    "absent",
    "abs",
    "ceil",
    "floor",
    "exp",
    "ln",
    "log2",
    "log10",
    "sqrt",
    "sgn",
    "sort",
    "sort_desc",
    "timestamp",
    "changes",
    "resets",
    "deriv",
    "sum_over_time",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "count_over_time",
    "last_over_time",
    "stddev_over_time",
    "stdvar_over_time",
    "absent_over_time",
    "present_over_time",
)
TWO_ARGS = (
    "histogram_quantile",
    "clamp_min",
    "clamp_max",
    "quantile_over_time",
    "predict_linear",
)
ARITIES = {
    **dict.fromkeys(ONE_ARG, (1, 1)),
    **dict.fromkeys(TWO_ARGS, (2, 2)),
    "time": (0, 0),
    "round": (1, 2),
    "clamp": (3, 3),
    "label_replace": (5, 5),
    "label_join": (3, 1_000_000),
}


def test_the_function_table_gives_each_arity():
    assert FUNCTIONS == ARITIES


# ----------------------------------------------------------------------------- arithmetic
@pytest.mark.parametrize(
    ("op", "a", "b", "hit"),
    [
        ("==", 1.0, 1.0, True),
        ("==", 1.0, 2.0, False),
        ("!=", 1.0, 2.0, True),
        ("!=", 2.0, 2.0, False),
        (">", 2.0, 1.0, True),
        (">", 1.0, 1.0, False),
        ("<", 1.0, 2.0, True),
        ("<", 1.0, 1.0, False),
        (">=", 1.0, 1.0, True),
        (">=", 0.0, 1.0, False),
        ("<=", 1.0, 1.0, True),
        ("<=", 2.0, 1.0, False),
        ("==", NAN, NAN, False),
        ("!=", NAN, NAN, True),
    ],
)
def test_comparisons_give_one_or_zero_with_bool_and_the_left_value_without(op, a, b, hit):
    assert _apply(op, a, b, True) == (1.0 if hit else 0.0)
    assert same(_apply(op, a, b, False), a)


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"),
    [
        ("+", 2.0, 3.0, 5.0),
        ("-", 2.0, 3.0, -1.0),
        ("*", 2.0, 3.0, 6.0),
        ("/", 3.0, 2.0, 1.5),
        ("/", 1.0, 0.0, INF),
        ("/", -1.0, 0.0, -INF),
        ("/", 1.0, -0.0, -INF),
        ("/", -1.0, -0.0, INF),
        ("/", 0.0, 0.0, NAN),
        ("/", NAN, 0.0, NAN),
        ("/", INF, 0.0, INF),
        ("%", 7.0, 3.0, 1.0),
        ("%", -7.0, 3.0, -1.0),  # fmod keeps the dividend's sign
        ("%", 7.0, 0.0, NAN),
        ("%", INF, 3.0, NAN),
        ("%", 7.0, INF, 7.0),
        ("%", NAN, 3.0, NAN),
        ("^", 2.0, 10.0, 1024.0),
    ],
)
def test_arithmetic_is_go_ieee(op, a, b, expected):
    assert same(_arith(op, a, b), expected)
    assert same(_apply(op, a, b, False), expected)


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (2.0, 0.5, math.sqrt(2.0)),
        (0.0, -1.0, INF),
        (-0.0, -1.0, -INF),  # odd integer exponent keeps the zero's sign
        (-0.0, -2.0, INF),  # even: +Inf
        (-0.0, -0.5, INF),  # not an integer: +Inf
        (0.0, -3.0, INF),
        (-8.0, 1.0 / 3.0, NAN),
        (10.0, 400.0, INF),
        (-10.0, 401.0, -INF),
        (-10.0, 400.0, INF),
        (-10.0, 400.5, NAN),  # a negative base with a fraction: NaN before any overflow
        (0.5, -2000.0, INF),
        (-0.5, -2001.0, -INF),
        (0.5, -2001.0, INF),  # odd, but a positive base
        (-8.0, -0.5, NAN),  # a negative base with a negative fraction: NaN, not a zero's Inf
    ],
)
def test_go_pow(x, y, expected):
    assert same(go_pow(x, y), expected)


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        (1.0, 2.0, 1.0, 2.0),
        (2.0, 1.0, 1.0, 2.0),
        (0.0, -0.0, -0.0, 0.0),
        (-0.0, 0.0, -0.0, 0.0),
        (0.0, 0.0, 0.0, 0.0),
        (-0.0, -0.0, -0.0, -0.0),
        (NAN, 1.0, NAN, NAN),
        (1.0, NAN, NAN, NAN),
        (-INF, INF, -INF, INF),
    ],
)
def test_go_min_and_max(a, b, low, high):
    assert same(go_min(a, b), low)
    assert same(go_max(a, b), high)


# ----------------------------------------------------------------------------- sums and means
def test_kahan_inc_compensates_whichever_term_is_larger():
    assert kahan_inc(1.0, 1e100, 0.0) == (1e100, 1.0)  # the sum was larger
    assert kahan_inc(1e100, 1.0, 0.0) == (1e100, 1.0)  # the increment was
    assert kahan_inc(1.0, 2.0, 0.5) == (3.0, 0.5)  # exact: the compensation is kept
    assert kahan_inc(INF, 1.0, 5.0) == (INF, 0.0)  # an infinite sum resets it
    assert kahan_inc(1.0, -1e308 * 10, 5.0) == (-INF, 0.0)


def test_kahan_sum_keeps_what_plain_addition_loses():
    assert kahan_sum([1e100, 1.0, -1e100]) == 1.0
    assert kahan_sum([1.0, 1e100, 1.0, -1e100]) == 2.0
    assert kahan_sum([]) == 0.0
    assert kahan_sum([INF, 1.0]) == INF
    assert kahan_sum([1e308, 1e308]) == INF
    assert math.isnan(kahan_sum([INF, -INF]))


def test_kahan_mean():
    assert math.isnan(kahan_mean([]))
    assert kahan_mean([4]) == 4.0
    assert kahan_mean([1.0, 2.0, 3.0, 4.0]) == 2.5
    assert kahan_mean([1e100, 1.0, -1e100, 2.0]) == 0.75  # compensated: (1 + 2) / 4
    # the sum would overflow: an incremental mean from there on
    assert kahan_mean([1e308, 1e308]) == 1e308
    assert kahan_mean([1e308, 1e308, 1e308, -1e308]) == 5e307
    assert kahan_mean([1e308, 1e308, 1.0, 1.0]) == 5e307
    assert kahan_mean([INF, 1.0]) == INF
    # overflow at the third value, with a compensation carried over: 3 / 5
    big = 2.0**1023
    assert kahan_mean([big, 3.0, big, -big, -big]) == pytest.approx(0.6, rel=1e-12)
    assert kahan_mean([1e308, 5e307, 1e308]) == pytest.approx(
        2 * (1e308 / 3) + 5e307 / 3, rel=1e-12
    )


def test_variance_is_the_population_variance():
    assert variance([1.0, 2.0, 3.0, 4.0]) == 1.25
    assert variance([5]) == 0.0
    assert variance([2.0, 4.0]) == 1.0
    assert math.isnan(variance([]))
    assert math.isnan(variance([NAN, 1.0]))
    assert math.isnan(variance([INF, 1.0]))
    assert math.isnan(variance([-INF]))
    assert math.isnan(variance([1.0, INF]))


def test_extreme_skips_nan_unless_every_value_is_nan():
    assert extreme([3, NAN, 1, 2], smallest=True) == 1.0
    assert extreme([NAN, 3, 1, 5, 2], smallest=False) == 5.0
    assert extreme([2, 2], smallest=True) == 2.0
    # a tie keeps the first value: the sign of a zero shows it
    assert same(extreme([0.0, -0.0], smallest=True), 0.0)
    assert same(extreme([-0.0, 0.0], smallest=False), -0.0)
    assert math.isnan(extreme([NAN, NAN], smallest=True))
    assert math.isnan(extreme([], smallest=False))
    assert isinstance(extreme([1], smallest=True), float)


# ----------------------------------------------------------------------------- regression
def test_linear_regression_of_a_line():
    slope, intercept = linear_regression([10.0, 20.0, 30.0], [5.0, 7.0, 9.0], 30.0)
    assert slope == pytest.approx(0.2) and intercept == pytest.approx(9.0)
    slope, intercept = linear_regression([10.0, 20.0, 30.0], [5.0, 7.0, 9.0], 0.0)
    assert slope == pytest.approx(0.2) and intercept == pytest.approx(3.0)
    # least squares through three points not on a line
    slope, intercept = linear_regression([0.0, 1.0, 2.0], [0.0, 2.0, 1.0], 0.0)
    assert slope == pytest.approx(0.5) and intercept == pytest.approx(0.5)


def test_linear_regression_of_a_constant_is_flat():
    assert linear_regression([0.0, 1.0, 2.0], [3.0, 3.0, 3.0], 0.0) == (0.0, 3.0)
    assert linear_regression([0.0], [7.0], 0.0) == (0.0, 7.0)
    assert all(math.isnan(x) for x in linear_regression([0.0, 1.0], [INF, INF], 0.0))
    # a change only in the first pair is still a change
    slope, _ = linear_regression([0.0, 1.0, 2.0], [1.0, 3.0, 3.0], 0.0)
    assert slope == pytest.approx(1.0)


def test_linear_regression_compensates_the_sum_of_values():
    # 1 + 1e16 + 1: plain float addition loses both ones (1e16 + 1 rounds back to 1e16); the
    # compensated sum is exactly 1e16 + 2, and with the times centred (sum of x = 0) the
    # intercept is that sum over three
    slope, intercept = linear_regression([-1.0, 0.0, 1.0], [1.0, 1e16, 1.0], 0.0)
    assert slope == 0.0
    assert intercept == (1e16 + 2) / 3


def test_linear_regression_compensates_the_time_sums():
    # each of the sums of x, x*y and x*x is compensated: with times 1e16 apart the plain sums
    # lose the small terms, and the slope moves in its last digits
    slope, intercept = linear_regression([1e16, 1.0, -1e16, 2.0], [1.0, 2.0, 4.0, 3.0], 0.0)
    assert (slope, intercept) == (-1.5e-16, 2.5)
    slope, intercept = linear_regression([1e16, 1.0, -1e16, 2.0], [1.0, 1.0, 2.0, 1.0], 0.0)
    assert (slope, intercept) == (-5e-17, 1.25)
    slope, _ = linear_regression([3.0, 1e8, 1.0, 2.0], [1.0, 2.0, 4.0, 3.0], 0.0)
    assert slope == -6.6666672000000166e-09


def test_linear_regression_with_no_spread_in_time():
    # var == 0: a zero covariance is NaN, otherwise an infinity of its sign (Go divides)
    slope, _ = linear_regression([5.0, 5.0], [1.0, 2.0], 0.0)
    assert math.isnan(slope)


# ----------------------------------------------------------------------------- extrapolation
def rate(t, v, end, range_s, counter=True, is_rate=True, version=3):
    return _extrapolated(t, v, end, range_s, counter, is_rate, version)


def test_extrapolation_needs_two_samples():
    assert rate([10.0], [1.0], 60.0, 60.0) is None
    assert rate([], [], 60.0, 60.0) is None


def test_extrapolation_to_both_ends_within_the_threshold():
    # samples at 10, 20, 30, 40, 50 in (0, 60]: gaps of 10 to each end = the average spacing
    t = [10.0, 20.0, 30.0, 40.0, 50.0]
    v = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert rate(t, v, 60.0, 60.0, is_rate=False) == pytest.approx(60.0)
    assert rate(t, v, 60.0, 60.0) == pytest.approx(1.0)
    # a gap of 11 is exactly 1.1 times the spacing: half a spacing is taken instead
    assert rate(t, v, 61.0, 61.0, is_rate=False) == pytest.approx(40.0 * 55.0 / 40.0)


def test_extrapolation_is_capped_at_the_counters_zero_point():
    # first value 5 at t=10, rising 1/s: zero at t=5, so 5 s back, not 10
    t = [10.0, 20.0, 30.0]
    assert rate(t, [5.0, 15.0, 25.0], 30.0, 30.0, is_rate=False) == pytest.approx(25.0)
    # a gauge (delta) is not capped
    assert rate(t, [5.0, 15.0, 25.0], 30.0, 30.0, counter=False, is_rate=False) == 30.0
    # a counter starting at 0 has its zero point at the first sample: nothing before it
    assert rate(t, [0.0, 10.0, 20.0], 30.0, 30.0, is_rate=False) == pytest.approx(20.0)


def test_the_zero_point_is_applied_after_the_threshold_in_3_and_before_in_2():
    # spacing 10; the window starts 20 before the first sample; zero point 12 s before it.
    t = [20.0, 30.0, 40.0]
    v = [12.0, 22.0, 32.0]
    # 3.x: 20 > 11, so 5; then min(5, 12) = 5 -> 20 * (20 + 5) / 20 = 25
    assert rate(t, v, 40.0, 40.0, is_rate=False) == pytest.approx(25.0)
    # 2.x: min(20, 12) = 12, over 11, so 5 -> 25 as well; with the zero point 10.5 s back the
    # cap (10.5) is under the threshold and kept: 20 * 30.5 / 20
    assert rate(t, v, 40.0, 40.0, is_rate=False, version=2) == pytest.approx(25.0)
    v2 = [10.5, 20.5, 30.5]
    assert rate(t, v2, 40.0, 40.0, is_rate=False, version=2) == pytest.approx(30.5)
    assert rate(t, v2, 40.0, 40.0, is_rate=False) == pytest.approx(25.0)


def test_a_start_gap_of_exactly_the_threshold_is_halved_in_both_versions():
    # spacing 10, gap 11 == 10 * 1.1 at the start (a gauge: no zero point): 5 is taken
    t = [11.0, 21.0, 31.0]
    for version in (2, 3):
        got = rate(t, [0.0, 1.0, 2.0], 31.0, 31.0, counter=False, is_rate=False, version=version)
        assert got == pytest.approx(2.0 * 25.0 / 20.0)


def test_a_small_counter_increase_is_capped_at_its_zero_point_too():
    # 0.25 -> 0.75 over 10 s: zero 5 s before the first sample, not 10
    assert rate([10.0, 20.0], [0.25, 0.75], 20.0, 20.0, is_rate=False) == pytest.approx(0.75)


def test_counter_resets_add_the_value_before_the_reset():
    t = [0.0, 10.0, 20.0, 30.0]
    # 0 -> 10, reset to 2, -> 7: increase 10 + 7 = 17 over 30 s, window (0, 30]: to_start 0
    assert rate(t, [0.0, 10.0, 2.0, 7.0], 30.0, 30.0, is_rate=False) == pytest.approx(17.0)
    # equal values are no reset
    assert rate(t, [1.0, 1.0, 1.0, 1.0], 30.0, 30.0, is_rate=False) == 0.0
    # delta() does not look for resets
    assert rate(t, [0.0, 10.0, 2.0, 7.0], 30.0, 30.0, counter=False, is_rate=False) == 7.0


def test_a_negative_first_value_or_a_decrease_skips_the_zero_point_cap():
    t = [10.0, 20.0]
    # gauge-like counter starting below zero: no cap, full half-spacing extrapolation... the gap
    # of 10 is within 1.1 * 10, so it is kept whole: -5 -> 5 over 10, window (0, 20]
    assert rate(t, [-5.0, 5.0], 20.0, 20.0, is_rate=False) == pytest.approx(20.0)
    # result 0: no cap either
    assert rate(t, [3.0, 3.0], 20.0, 20.0, is_rate=False) == 0.0


# ----------------------------------------------------------------------------- quantiles
@pytest.mark.parametrize(
    ("q", "vals", "expected"),
    [
        (0.5, [1.0, 2.0, 3.0, 4.0], 2.5),
        (0.25, [4.0, 1.0, 3.0, 2.0], 1.75),
        (0.0, [3.0, 1.0, 2.0], 1.0),
        (1.0, [3.0, 1.0, 2.0], 3.0),
        (0.9, [7.0], 7.0),
        (0.5, [], NAN),
        (NAN, [1.0], NAN),
        (-0.1, [1.0], -INF),
        (1.1, [1.0], INF),
        (0.0, [NAN, 1.0, 2.0], NAN),  # NaN sorts first
        (1.0, [2.0, NAN, 1.0], 2.0),
        (0.5, [NAN, 1.0, 3.0], 1.0),
    ],
)
def test_quantile(q, vals, expected):
    assert same(_quantile(q, vals), expected)


def buckets(*pairs):
    return [(float(le), float(c)) for le, c in pairs]


@pytest.mark.parametrize(
    ("q", "bs", "expected"),
    [
        (0.5, buckets((1, 2), (2, 4), (INF, 4)), 1.0),  # rank 2 is bucket 1's whole count
        (0.75, buckets((1, 2), (2, 4), (INF, 4)), 1.5),
        (0.25, buckets((1, 2), (2, 4), (INF, 4)), 0.5),  # from 0 in the first bucket
        (1.0, buckets((1, 2), (2, 2), (INF, 4)), 2.0),  # in +Inf: the last finite bound
        (0.5, buckets((-1, 1), (0, 2), (INF, 2)), -1.0),  # b == 0, bound <= 0: the bound
        (0.5, buckets((0, 1), (1, 2), (INF, 2)), 0.0),
        (NAN, buckets((1, 1), (INF, 1)), NAN),
        (-1.0, buckets((1, 1), (INF, 1)), -INF),
        (2.0, buckets((1, 1), (INF, 1)), INF),
        (0.5, buckets((1, 1), (2, 2)), NAN),  # no +Inf bucket
        (0.5, [], NAN),
        (0.5, buckets((INF, 5)), NAN),  # one bucket
        (0.5, buckets((1, 0), (INF, 0)), NAN),  # no observations
        (0.0, buckets((1, 0), (2, 4), (INF, 4)), NAN),  # 0/0 in an empty lowest bucket
        (0.5, buckets((2, 4), (1, 2), (INF, 4)), 1.0),  # sorted first
        # equal bounds are added together: (1, 1+1), (2, 4)
        (0.25, buckets((1, 1), (1, 1), (2, 4), (INF, 4)), 0.5),
        # a torn scrape (2 after 3) is raised to the count below it
        (0.5, buckets((1, 3), (2, 2), (4, 6), (INF, 6)), 1.0),
        (0.75, buckets((1, 3), (2, 2), (4, 6), (INF, 6)), 2.0 + 2.0 * 1.5 / 3.0),
    ],
)
def test_bucket_quantile(q, bs, expected):
    assert same(_bucket_quantile(q, bs), expected)


def test_bucket_quantile_ignores_float_noise_between_counts():
    # ensureMonotonicAndIgnoreSmallDeltas: a count within 1e-12 (relative) of the one below is
    # taken as equal, either way
    noisy = buckets((1, 2), (2, 2 * (1 + 1e-14)), (3, 4), (INF, 4))
    assert _bucket_quantile(0.5, noisy) == 1.0
    low = buckets((1, 2), (2, 2 * (1 - 1e-14)), (3, 4), (INF, 4))
    assert _bucket_quantile(0.5, low) == 1.0
    # from a count of 0, only a count under 1e-12 of the least normal float is noise: rank 4e-322
    # then lies in (2, 3] (counts 0, 0, 4), not in (1, 2]
    tiny = buckets((1, 0), (2, 1e-321), (3, 4), (INF, 4))
    assert _bucket_quantile(1e-322, tiny) == pytest.approx(2.0)
    assert _bucket_quantile(1e-322, buckets((1, 0), (2, 1e-300), (3, 4), (INF, 4))) == 1.0
    # two subnormal counts compare by their absolute difference too: rank 1.5e-320
    sub = buckets((1, 1e-320), (2, 2e-320), (3, 4), (INF, 4))
    assert _bucket_quantile(3.75e-321, sub) == pytest.approx(2.0)
    # a real difference is kept
    assert _bucket_quantile(0.5, buckets((1, 1), (2, 2), (3, 4), (INF, 4))) == 2.0


def test_histogram_quantile_groups_by_the_labels_but_le_and_the_name():
    vec = Vector(
        [
            ({"__name__": "h_bucket", "pod": "e"}, 4.0),  # no le, first: the rest still count
            ({"__name__": "h_bucket", "le": "y", "pod": "f"}, 4.0),  # nor a number
            ({"__name__": "h_bucket", "le": "1", "pod": "a"}, 2.0),
            ({"__name__": "h_bucket", "le": "+Inf", "pod": "a"}, 4.0),
            ({"__name__": "h_bucket", "le": "1", "pod": "b"}, 4.0),
            ({"__name__": "h_bucket", "le": "Inf", "pod": "b"}, 4.0),
            ({"__name__": "h_bucket", "pod": "c"}, 4.0),  # no le: skipped
            ({"__name__": "h_bucket", "le": "x", "pod": "d"}, 4.0),  # not a number: skipped
        ]
    )
    got = _histogram_quantile(0.5, vec)
    assert got.samples == [({"pod": "a"}, 1.0), ({"pod": "b"}, 0.5)]


# bucketQuantile's branches (promql/quantile.go), one a row
@pytest.mark.parametrize(
    ("q", "bs", "expected"),
    [
        # one observation in all is still a count (only zero observations give NaN)
        (0.5, ((1, 0), (2, 1), (INF, 1)), 1.5),
        # the rank in the +Inf bucket: the upper bound of the bucket below, not its count
        (0.9, ((1, 5), (INF, 10)), 1.0),
        # the lowest bucket with a bound <= 0 answers its bound (at q=0 too, where its count
        # is 0 and interpolating would divide 0 by 0)
        (0.0, ((0, 0), (1, 5), (INF, 10)), 0.0),
        (0.25, ((-1, 2), (1, 4), (INF, 4)), -1.0),
        # past the lowest bucket a negative lower bound is interpolated from
        (0.75, ((-1, 2), (1, 4), (INF, 4)), 0.0),
    ],
)
def test_bucket_quantile_branches(q, bs, expected):
    assert same(_bucket_quantile(q, [(float(le), float(c)) for le, c in bs]), expected)


# almost.Equal(a, b, 1e-12) (util/almost), for the unequal counts it is asked about
@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (1.0, 1.0 + 1e-13, True),  # relative difference 5e-14
        (1e6, 1e6 + 1e-7, True),  # 5e-14 again, on a large count
        (1.0, 1.1, False),
        # a difference of exactly 1e-12 of the sum (as float64 divides it): not under it
        (1.000088900581341, 1.000088900583341, False),
        (0.0, 1.0, False),
        (0.0, 5e-324, True),  # under 1e-12 of the smallest normal float
        (0.0, 1e-12 * 2.2250738585072014e-308, False),  # exactly that bound: not under it
        # a sum past the largest float is divided as the largest float (Go's math.Min)
        (1.7e308, 1.6e308, False),
    ],
)
def test_almost_equal(a, b, expected):
    assert _almost_equal(a, b) is expected
