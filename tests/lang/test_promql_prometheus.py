"""PromQL answers as Prometheus gives them: the cases the issue lists, each with the value
Prometheus' Go code computes (worked out by hand from promql/functions.go, engine.go and
quantile.go), on a small store of plain lists."""

from __future__ import annotations

import math

import pytest

from canarysim.lang.promql.query import PromQLError, Scalar, evaluate

T = [0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0]


class Store:
    def __init__(self, series):
        self.series = series

    def metric_names(self):
        return sorted({name for name, _, _, _ in self.series})

    def select(self, name):
        for n, labels, t, v in self.series:
            if n == name:
                yield labels, t, v


STORE = Store(
    [
        ("ratio", {"pod": "a"}, T, [math.nan] * 7),
        ("ratio", {"pod": "b"}, T, [0.5] * 7),
        ("num", {"pod": "a"}, T, [0.15, -8.0, 10.0, 0.0, -0.0, 2.0, 3.0]),
        ("c_total", {"pod": "a", "app": "x"}, T, [1, 3, 6, 2, 4, 4, 10]),
        ("c_total", {"pod": "b", "app": "x"}, T, [5, 5, 5, 5, 5, 5, 5]),
        ("d_total", {"pod": "a", "app": "x"}, T, [0, 0, 0, 0, 0, 0, 1]),
        ("info", {"pod": "a", "version": "v1"}, T, [1] * 7),
        ("info", {"pod": "b", "version": "v2"}, T, [1] * 7),
        ("h_bucket", {"le": "1"}, T, [0] * 7),
        ("h_bucket", {"le": "2"}, T, [4] * 7),
        ("h_bucket", {"le": "+Inf"}, T, [4] * 7),
        ("lin", {"pod": "a"}, T, [2.0 * t + 1 for t in T]),
    ]
)


def at90(query, **kw):
    return evaluate(query, STORE, 90.0, **kw)


def values(result):
    return sorted((tuple(sorted(lb.items())), v) for lb, v in result)


def one(result):
    assert len(result) == 1, result
    return result.samples[0][1]


def test_clamp_of_nan_is_nan():
    got = dict(values(at90("clamp_max(ratio, 1)")))
    assert math.isnan(got[(("pod", "a"),)]) and got[(("pod", "b"),)] == 0.5
    assert math.isnan(one(at90('clamp(ratio{pod="a"}, 0, 1)')))
    assert math.isnan(one(at90('clamp_min(ratio{pod="a"}, 0)')))


def test_histogram_quantile_zero_with_an_empty_lowest_bucket_is_nan():
    # bucketQuantile: rank 0 lands in the first bucket (count 0): 0 + 1 * (0/0) = NaN
    assert math.isnan(one(at90("histogram_quantile(0, h_bucket)")))
    assert one(at90("histogram_quantile(0.5, h_bucket)")) == 1.5  # 1 + (2-1) * (2/4)


def test_quantile_with_nan_is_nan():
    assert math.isnan(one(at90("quantile(NaN, ratio)")))


def test_round_multiplies_by_the_inverse():
    # floor(0.15 * (1/0.1) + 0.5) / (1/0.1) = floor(2.0) / 10 = 0.2 (dividing first gives 0.1)
    assert one(at90("round(num offset 90s, 0.1)")) == 0.2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("num offset 75s ^ (1/3)", math.nan),  # (-8)^(1/3): negative base, fraction
        ("num offset 45s ^ -1", math.inf),  # Pow(+0, -1) = +Inf
        ("num offset 30s ^ -1", -math.inf),  # Pow(-0, -1) = -Inf (odd integer)
        ("num offset 60s ^ 400", math.inf),  # overflow
        ("(num offset 75s) ^ 401", -math.inf),  # negative base, odd exponent, overflow
        ("num offset 75s ^ 2", 64.0),
        ("(num offset 90s) ^ -1e308", math.inf),  # 0.15^-huge: overflows to +Inf, as in Go
        ("(num offset 90s) ^ 1e308", 0.0),  # and underflows to 0
    ],
)
def test_power_is_go_math_pow(query, expected):
    got = one(at90(query))
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_duplicate_label_sets_after_dropping_the_name_are_an_error():
    with pytest.raises(PromQLError, match="vector cannot contain metrics with the same labelset"):
        at90('rate({__name__=~"c_total|d_total", pod="a"}[1m])')


def test_comparison_filters_before_the_one_to_one_check():
    # two c_total series (10, 5) match on(app) the one d_total * 6 = 6: only pod a passes
    got = at90("c_total > on(app) (d_total * 6)")
    # one-to-one on(app): resultMetric keeps only the matching labels
    assert values(got) == [((("app", "x"),), 10.0)]
    with pytest.raises(PromQLError, match="multiple matches for labels"):
        at90("c_total + on(app) d_total")


def test_hex_literals_and_case_insensitive_keywords():
    assert at90("0x1F + 0X1") == Scalar(32.0)
    assert one(at90("Sum By (app) (c_total)")) == 15.0
    assert one(at90("COUNT(c_total) > BOOL 1")) == 1.0


def test_group_left_copies_labels_from_the_one_side():
    got = at90("c_total * on(pod) group_left(version) info")
    assert values(got) == [
        ((("app", "x"), ("pod", "a"), ("version", "v1")), 10.0),
        ((("app", "x"), ("pod", "b"), ("version", "v2")), 5.0),
    ]
    right = at90("info * on(pod) group_right(version) c_total")
    assert values(right) == values(got)


def test_count_values_sort_and_sgn():
    got = at90('count_values("v", c_total)')
    assert values(got) == [((("v", "10"),), 1.0), ((("v", "5"),), 1.0)]
    assert [v for _, v in at90("sort(c_total)")] == [5.0, 10.0]
    assert [v for _, v in at90("sort_desc(c_total)")] == [10.0, 5.0]
    assert [lb["pod"] for lb, _ in at90("sort(ratio)")] == ["b", "a"]  # NaN last
    assert [lb["pod"] for lb, _ in at90("sort_desc(ratio)")] == ["b", "a"]
    assert one(at90("sgn(num offset 75s)")) == -1.0


def test_range_functions():
    a = '{pod="a"}'
    # c_total{pod=a} in (0, 90]: 3, 6, 2, 4, 4, 10 -> changes 4, resets 1
    assert one(at90(f"changes(c_total{a}[90s])")) == 4.0
    assert one(at90(f"resets(c_total{a}[90s])")) == 1.0
    assert one(at90(f"changes(c_total{a}[90s])", version=2)) == 5.0  # 2.x includes t=0
    assert one(at90("deriv(lin[1m])")) == pytest.approx(2.0)
    # predict_linear: value at t=90 + 2 * 30
    assert one(at90("predict_linear(lin[1m], 30)")) == pytest.approx(241.0)
    # quantile_over_time of 3, 6, 2, 4, 4, 10 at 0.5: sorted 2 3 4 4 6 10 -> 4
    assert one(at90(f"quantile_over_time(0.5, c_total{a}[90s])")) == 4.0
    # (60, 90] holds 4 and 10: population stddev 3 (2.x adds the 4 at t=60: sqrt(8))
    assert one(at90(f"stddev_over_time(c_total{a}[30s])")) == pytest.approx(3.0)
    assert one(at90(f"stdvar_over_time(c_total{a}[30s])")) == pytest.approx(9.0)
    got = one(at90(f"stddev_over_time(c_total{a}[30s])", version=2))
    assert got == pytest.approx(math.sqrt(8))
    assert values(at90("present_over_time(info[1m])")) == [
        ((("pod", "a"), ("version", "v1")), 1.0),
        ((("pod", "b"), ("version", "v2")), 1.0),
    ]
    assert len(at90("absent_over_time(info[1m])")) == 0
    absent = at90('absent_over_time(nothing{job="j", x=~"y"}[1m])')
    assert values(absent) == [((("job", "j"),), 1.0)]


def test_timestamp_uses_sample_times_and_the_epoch():
    assert one(evaluate("timestamp(num)", STORE, 100.0, epoch=1000.0)) == 1090.0
    assert evaluate("time()", STORE, 100.0, epoch=1000.0) == Scalar(1100.0)


def test_label_replace_and_label_join():
    got = at90('label_replace(info, "major", "v$1", "version", "v(\\\\d+)")')
    assert {lb["major"] for lb, _ in got} == {"v1", "v2"}
    assert all(lb["__name__"] == "info" for lb, _ in got)  # the name is kept
    # $1x names group "1x" (Go's Expand), which does not exist: empty, so the label goes away
    gone = at90('label_replace(info, "pod", "$1x", "version", "(.*)")')
    assert all("pod" not in lb for lb, _ in gone)
    joined = at90('label_join(info, "id", "-", "pod", "version")')
    assert {lb["id"] for lb, _ in joined} == {"a-v1", "b-v2"}
    # 2.x checks the legacy label-name syntax (3.x takes any non-empty UTF-8 name)
    with pytest.raises(PromQLError, match="invalid destination label name"):
        at90('label_join(info, "1x", "-", "pod")', version=2)


def test_at_modifier_and_subqueries():
    assert one(at90('num{pod="a"} @ 15')) == -8.0
    assert one(evaluate('num{pod="a"} @ 1015', STORE, 90.0, epoch=1000.0)) == -8.0
    assert one(at90('num{pod="a"} @ start()')) == 3.0
    # max over the 15 s steps in (30, 90] of num: 0, -0, 2, 3
    assert one(at90('max_over_time(num{pod="a"}[60s:15s])')) == 3.0
    assert one(at90('count_over_time(num{pod="a"}[60s:15s])')) == 4.0
    assert one(at90('count_over_time(num{pod="a"}[60s:15s])', version=2)) == 5.0
    # rate over a subquery of a counter: increase 6 -> 10 plus reset handling
    assert one(at90('max_over_time(rate(c_total{pod="a"}[30s])[30s:15s])')) > 0
