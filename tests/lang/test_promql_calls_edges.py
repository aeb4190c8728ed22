"""PromQL function calls, one behaviour a test, with the answers of Prometheus'
``promql/functions.go`` (worked out by hand) on a small store of plain lists."""

from __future__ import annotations

import math
import re

import pytest

from canarysim.lang.promql.calls import _expand, format_float
from canarysim.lang.promql.query import PromQLError, Scalar, Vector, evaluate

NAN = math.nan
INF = math.inf
T = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]


class Store:
    def __init__(self, series):
        self.series = series

    def metric_names(self):
        return sorted(self.series)

    def select(self, name):
        yield from self.series.get(name, [])


STORE = Store(
    {
        "c": [({"pod": "a"}, T, [0.0, 10.0, 20.0, 5.0, 15.0, 25.0, 35.0])],
        "g": [
            ({"pod": "a"}, T, [1.0, 3.0, 2.0, 2.0, 7.0, 4.0, 6.0]),
            ({"pod": "b"}, T, [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, -2.5]),
        ],
        "x": [
            ({"pod": "a", "k": "v1"}, T, [-1.5] * 7),
            ({"pod": "b", "k": "v2"}, T, [0.0] * 7),
            ({"pod": "c", "k": "v3"}, T, [2.5] * 7),
            ({"pod": "d", "k": "v4"}, T, [NAN] * 7),
            ({"pod": "e", "k": "v5"}, T, [INF] * 7),
            ({"pod": "f", "k": "v6"}, T, [-INF] * 7),
        ],
        "nl": [({"k": "a\nb"}, T, [1.0] * 7)],
        "line": [({"pod": "a"}, T, [3.0 * t + 1.0 for t in T])],
        "h": [
            ({"le": "1", "pod": "a"}, T, [1.0] * 7),
            ({"le": "2", "pod": "a"}, T, [3.0] * 7),
            ({"le": "+Inf", "pod": "a"}, T, [4.0] * 7),
        ],
    }
)


def at(query, t=60.0, **kw):
    return evaluate(query, STORE, t, **kw)


def by_pod(result):
    return {lb.get("pod"): v for lb, v in result}


def same(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def message(query, **kw):
    with pytest.raises(PromQLError) as info:
        at(query, **kw)
    return str(info.value)


# ----------------------------------------------------------------------------- format_float
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (NAN, "NaN"),
        (INF, "+Inf"),
        (-INF, "-Inf"),
        (1.0, "1"),
        (10.0, "10"),
        (0.5, "0.5"),
        (1.25, "1.25"),
        (-0.0, "-0"),
        (1e21, "1000000000000000000000"),
        (1e-7, "0.0000001"),
        (100.5, "100.5"),
    ],
)
def test_format_float_is_go_formatfloat_f(value, text):
    assert format_float(value) == text


# ----------------------------------------------------------------------------- argument types
@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("abs(1)", 'expected type instant vector in call to function "abs", got scalar'),
        ("abs(g[1m])", 'expected type instant vector in call to function "abs", got range vector'),
        ("vector(g)", 'expected type scalar in call to function "vector", got instant vector'),
        (
            "histogram_quantile(0.5, 1)",
            'expected type instant vector in call to function "histogram_quantile", got scalar',
        ),
        ("scalar(1)", 'expected type instant vector in call to function "scalar", got scalar'),
        ("absent(1)", 'expected type instant vector in call to function "absent", got scalar'),
        ("sort(1)", 'expected type instant vector in call to function "sort", got scalar'),
        (
            "timestamp(1)",
            'expected type instant vector in call to function "timestamp", got scalar',
        ),
        (
            'label_join(1, "j", ",")',
            'expected type instant vector in call to function "label_join", got scalar',
        ),
        ("irate(g)", 'expected type range vector in call to function "irate", got instant vector'),
        (
            "absent_over_time(g)",
            'expected type range vector in call to function "absent_over_time", got instant vector',
        ),
        (
            "last_over_time(g)",
            'expected type range vector in call to function "last_over_time", got instant vector',
        ),
        (
            "predict_linear(g, 1)",
            'expected type range vector in call to function "predict_linear", got instant vector',
        ),
        (
            "quantile_over_time(g, g[1m])",
            'expected type scalar in call to function "quantile_over_time", got instant vector',
        ),
        (
            "sum_over_time(g)",
            'expected type range vector in call to function "sum_over_time", got instant vector',
        ),
        ("round(g, g)", 'expected type scalar in call to function "round", got instant vector'),
        ('label_join(g, dst, "-")', 'expected type string in call to function "label_join"'),
        ('label_join(g, "j", g)', 'expected type string in call to function "label_join"'),
        ('label_join(g, "j", ",", g)', 'expected type string in call to function "label_join"'),
        (
            'label_replace(g, "d", "r", "pod", g)',
            'expected type string in call to function "label_replace"',
        ),
    ],
)
def test_argument_types_are_checked(query, text):
    assert message(query) == text


# ----------------------------------------------------------------------------- rate and co
def test_rate_increase_and_delta():
    # (0, 60] of c: 10 20 5 15 25 35, a reset after 20: increase 25 + 20 = 45 over 50 s,
    # extrapolated by 10 s at the start (zero point 10 s back), 0 at the end: 45 * 60 / 50
    assert at("increase(c[1m])").values() == [pytest.approx(54.0)]
    assert at("rate(c[1m])").values() == [pytest.approx(54.0 / 60.0)]
    # delta: 35 - 10, no reset handling, to_start 10 kept whole: 25 * 60 / 50
    assert at("delta(c[1m])").values() == [pytest.approx(30.0)]
    assert at("rate(c[1m])", version=2) != at("rate(c[1m])")  # 2.x reads the sample at 0 too
    assert at("rate(c[5s])") == Vector([])  # one sample: no series


def test_irate_and_idelta_read_the_last_two_samples():
    assert by_pod(at("irate(c[1m])")) == {"a": 1.0}  # 25 -> 35 over 10 s
    assert by_pod(at("idelta(g[1m])")) == {"a": 2.0, "b": -4.5}
    # a drop is a counter reset for irate: the last value over the gap
    assert at("irate(c[1m])", 30.0).values() == [0.5]
    assert at("idelta(c[1m])", 30.0).values() == [-15.0]
    assert at("irate(c[5s])") == Vector([])
    # equal values are no reset: 2 -> 2 is 0, not 2 over the gap
    assert at('irate(g{pod="b"}[1m])', 50.0).values() == [0.0]


# ----------------------------------------------------------------------------- over time
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # g{pod="a"} in (20, 60]: 2, 7, 4, 6
        ('sum_over_time(g{pod="a"}[40s])', 19.0),
        ('avg_over_time(g{pod="a"}[40s])', 4.75),
        ('min_over_time(g{pod="a"}[40s])', 2.0),
        ('max_over_time(g{pod="a"}[40s])', 7.0),
        ('count_over_time(g{pod="a"}[40s])', 4.0),
        ('last_over_time(g{pod="a"}[40s])', 6.0),
        ('present_over_time(g{pod="a"}[40s])', 1.0),
        ('stdvar_over_time(g{pod="a"}[40s])', 3.6875),  # mean 4.75: (7.5625+5.0625+.5625+1.5625)/4
        ('stddev_over_time(g{pod="a"}[40s])', math.sqrt(3.6875)),
        ('changes(g{pod="a"}[40s])', 3.0),
        ('resets(g{pod="a"}[40s])', 1.0),
        ('quantile_over_time(0.5, g{pod="a"}[40s])', 5.0),
        ("deriv(line[1m])", 3.0),
        ("predict_linear(line[1m], 10)", 3.0 * 70.0 + 1.0),
    ],
)
def test_over_time_functions(query, expected):
    assert at(query).values() == [pytest.approx(expected)]


def test_over_time_functions_drop_the_name_but_last_over_time():
    assert [lb for lb, _ in at('sum_over_time(g{pod="a"}[1m])')] == [{"pod": "a"}]
    assert [lb for lb, _ in at('last_over_time(g{pod="a"}[1m])')] == [{"__name__": "g", "pod": "a"}]
    assert [lb for lb, _ in at("quantile_over_time(0.5, line[1m])")] == [{"pod": "a"}]
    assert [lb for lb, _ in at("predict_linear(line[1m], 1)")] == [{"pod": "a"}]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.7, 0.2, 3.0, 0.1], 1.385),
        ([3.0, 1 / 3, 0.1, 1 / 3, 0.1], 1.2504000000000002),
        ([0.3, 0.001, 1.0, 1.0], 0.19158768750000002),  # and the result adds cAux
    ],
)
def test_stdvar_over_time_reads_the_compensated_mean(values, expected):
    # varianceOverTime: delta and the aux update both read mean + cMean (Kahan's compensated
    # running mean); with these values the last place moves if either drops the compensation
    store = Store({"w": [({}, T[: len(values)], values)]})
    assert evaluate("stdvar_over_time(w[1m])", store, 40.0).values() == [expected]


def test_deriv_takes_its_intercept_at_the_first_sample():
    # funcDeriv: linearRegression(samples, samples[0].T); the slope is the same line from
    # any intercept time but not the same rounding (from the second sample: ...997)
    store = Store({"w": [({}, T[:4], [0.3, 0.001, 1.0, 1.0])]})
    assert evaluate("deriv(w[1m])", store, 30.0).values() == [0.030989999999999993]


def test_changes_counts_a_step_to_or_from_nan():
    store = Store({"w": [({}, T[:4], [1.0, NAN, NAN, 2.0])]})
    assert evaluate("changes(w[1m])", store, 30.0).values() == [2.0]


def test_resets_count_only_drops():
    # g{pod="b"}: 2 2 2 2 2 2 -2.5: equal neighbours are no reset
    assert at('resets(g{pod="b"}[2m])').values() == [1.0]


def test_changes_counts_nan_to_nan_as_no_change():
    assert at('changes(x{pod="d"}[1m])').values() == [0.0]
    assert at('changes(g{pod="b"}[1m])').values() == [1.0]


def test_deriv_and_predict_linear_need_two_samples():
    assert at("deriv(line[5s])") == Vector([])
    assert at("predict_linear(line[5s], 10)") == Vector([])


def test_predict_linear_predicts_from_the_evaluation_time_under_offset():
    # funcPredictLinear takes the intercept at enh.Ts: the line read 10 s ago, extended from
    # the evaluation time (60) by 10 s: 3 * 70 + 1, whatever the offset
    assert at("predict_linear(line[30s] offset 10s, 10)").values() == [pytest.approx(211.0)]
    assert at("predict_linear(line[30s] @ 40, 0)").values() == [pytest.approx(181.0)]


def test_two_samples_are_enough():
    # (45, 60] holds the samples at 50 and 60: the fewest irate, idelta, deriv and
    # predict_linear take (funcIrate/instantValue, funcDeriv, funcPredictLinear: "< 2")
    assert at("irate(c[15s])").values() == [1.0]
    assert at("idelta(c[15s])").values() == [10.0]
    assert at("deriv(line[15s])").values() == [pytest.approx(3.0)]
    assert at("predict_linear(line[15s], 10)").values() == [pytest.approx(211.0)]


def test_absent_over_time():
    assert at("absent_over_time(g[1m])") == Vector([])
    assert at('absent_over_time(nope{a="1"}[1m])') == Vector([({"a": "1"}, 1.0)])
    assert at('absent_over_time(nope{a="1"}[1m:10s])') == Vector([({}, 1.0)])
    assert at('absent_over_time((nope{a="1"}[1m]))') == Vector([({}, 1.0)])


def test_absent_reads_the_argument_it_is_given_not_an_earlier_one():
    """The wrappers are counted per argument: label_replace's own first argument."""
    query = 'absent(label_replace((nope{a="1"}), "b", "x", "a", ".*"))'
    assert at(query) == Vector([({}, 1.0)])
    query = 'absent(nope{a="1"}) or absent((nope{b="2"}))'
    assert at(query) == Vector([({"a": "1"}, 1.0), ({}, 1.0)])


# ----------------------------------------------------------------------------- instant functions
def test_scalar_vector_time():
    assert at('scalar(g{pod="a"})') == Scalar(6.0)
    assert math.isnan(at("scalar(g)").value)
    assert math.isnan(at("scalar(nope)").value)
    assert at("vector(2)") == Vector([({}, 2.0)])
    assert at("time()", 60.0, epoch=5.0) == Scalar(65.0)


def test_timestamp_of_an_expression_is_the_evaluation_time():
    assert by_pod(at("timestamp(g)", 65.0, epoch=100.0)) == {"a": 160.0, "b": 160.0}
    assert by_pod(at("timestamp(-g)", 65.0, epoch=100.0)) == {"a": 165.0, "b": 165.0}
    assert [lb for lb, _ in at('timestamp(g{pod="a"})')] == [{"pod": "a"}]
    assert [lb for lb, _ in at('timestamp(abs(g{pod="a"}))')] == [{"pod": "a"}]


def test_timestamp_looks_through_parentheses_but_not_a_unary_plus():
    """engine.go unwraps ParenExprs around timestamp's argument (the sample times), but a
    unary + is a UnaryExpr, an expression like any other (the evaluation time)."""
    assert by_pod(at("timestamp((g))", 65.0, epoch=100.0)) == {"a": 160.0, "b": 160.0}
    assert by_pod(at("timestamp(+g)", 65.0, epoch=100.0)) == {"a": 165.0, "b": 165.0}
    assert by_pod(at("timestamp((+g))", 65.0, epoch=100.0)) == {"a": 165.0, "b": 165.0}


@pytest.mark.parametrize(
    ("query", "labels"),
    [
        ('absent(nope{a="1", b=~"x"})', {"a": "1"}),
        ('absent(nope{a="1", a="2"})', {}),  # two equalities: ambiguous, removed
        ('absent(nope{a="1", a!="2"})', {}),  # any later matcher of the label removes it
        ('absent(nope{a=~"2", a="1"})', {"a": "1"}),  # an earlier one does not
        ('absent(nope{a=""})', {}),  # an empty value sets no label
        ('absent({__name__="nope", a="1"})', {"a": "1"}),
        ("absent(sum(nope))", {}),
        # Prometheus keeps ParenExpr and a unary + as nodes of their own, which are not
        # selectors: createLabelsForAbsentFunction reads no matchers through them.
        ('absent((nope{a="1"}))', {}),
        ('absent(((nope{a="1"})))', {}),
        ('absent(+nope{a="1"})', {}),
        ('absent((+nope{a="1"}))', {}),
        ('absent(-nope{a="1"})', {}),
        ('absent(nope{a="1"} offset 1m)', {"a": "1"}),
        ('absent(nope{a="("})', {"a": "("}),  # a parenthesis inside a string is no wrapper
    ],
)
def test_absent_labels(query, labels):
    assert at(query) == Vector([(labels, 1.0)])


def test_absent_of_a_present_series_is_empty():
    assert at("absent(g)") == Vector([])


def test_histogram_quantile():
    # buckets 1, 3, 4: rank 2 in (1, 2]: 1 + 1 * (2 - 1) / 2
    assert at("histogram_quantile(0.5, h)") == Vector([({"pod": "a"}, 1.5)])
    assert message("histogram_quantile(h, h)").endswith("got instant vector")


def test_sort_keeps_the_order_of_equal_values_and_puts_nan_last():
    got = at("sort(x)")
    assert [lb["pod"] for lb, _ in got] == ["f", "a", "b", "c", "e", "d"]
    got = at("sort_desc(x)")
    assert [lb["pod"] for lb, _ in got] == ["e", "c", "b", "a", "f", "d"]
    assert [lb["pod"] for lb, _ in at("sort(g * 0)")] == ["a", "b"]
    assert [lb["pod"] for lb, _ in at("sort_desc(g * 0)")] == ["a", "b"]
    assert all("__name__" in lb for lb, _ in at("sort(x)"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("clamp(x, -1, 1)", {"a": -1.0, "b": 0.0, "c": 1.0, "d": NAN, "e": 1.0, "f": -1.0}),
        ("clamp_min(x, 0)", {"a": 0.0, "b": 0.0, "c": 2.5, "d": NAN, "e": INF, "f": 0.0}),
        ("clamp_max(x, 0)", {"a": -1.5, "b": 0.0, "c": 0.0, "d": NAN, "e": 0.0, "f": -INF}),
        ("round(x)", {"a": -1.0, "b": 0.0, "c": 3.0, "d": NAN, "e": INF, "f": -INF}),
        ("round(x, 2)", {"a": -2.0, "b": 0.0, "c": 2.0, "d": NAN, "e": INF, "f": -INF}),
        ("round(x, 0)", {"a": NAN, "b": NAN, "c": NAN, "d": NAN, "e": NAN, "f": NAN}),
        ("round(x, Inf)", {"a": NAN, "b": NAN, "c": NAN, "d": NAN, "e": NAN, "f": NAN}),
        ("abs(x)", {"a": 1.5, "b": 0.0, "c": 2.5, "d": NAN, "e": INF, "f": INF}),
        ("ceil(x)", {"a": -1.0, "b": 0.0, "c": 3.0, "d": NAN, "e": INF, "f": -INF}),
        ("floor(x)", {"a": -2.0, "b": 0.0, "c": 2.0, "d": NAN, "e": INF, "f": -INF}),
        (
            "exp(x)",
            {"a": math.exp(-1.5), "b": 1.0, "c": math.exp(2.5), "d": NAN, "e": INF, "f": 0.0},
        ),
        ("ln(x)", {"a": NAN, "b": -INF, "c": math.log(2.5), "d": NAN, "e": INF, "f": NAN}),
        # Go's Log2: Log(0.625) / Ln2 + 2, a last place under C's log2(2.5)
        ("log2(x)", {"a": NAN, "b": -INF, "c": 1.3219280948873622, "d": NAN, "e": INF, "f": NAN}),
        ("log10(x)", {"a": NAN, "b": -INF, "c": math.log10(2.5), "d": NAN, "e": INF, "f": NAN}),
        ("sqrt(x)", {"a": NAN, "b": 0.0, "c": math.sqrt(2.5), "d": NAN, "e": INF, "f": NAN}),
        ("sgn(x)", {"a": -1.0, "b": 0.0, "c": 1.0, "d": NAN, "e": 1.0, "f": -1.0}),
        ("sgn(x / 5)", {"a": -1.0, "b": 0.0, "c": 1.0, "d": NAN, "e": 1.0, "f": -1.0}),
    ],
)
def test_elementwise_functions(query, expected):
    got = at(query)
    assert all("__name__" not in lb for lb, _ in got)
    result = by_pod(got)
    assert result.keys() == expected.keys()
    for pod, value in expected.items():
        assert same(result[pod], value), (pod, result[pod], value)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # math/log10.go: Log2 is Log(frac) * (1/Ln2) + exp, Log10 is Log(x) * (1/Ln10): each can
        # miss C's correctly rounded log2/log10 by a last place
        ("log2(vector(3))", 1.5849625007211563),  # C: 1.584962500721156
        ("log2(vector(8))", 3.0),  # a power of two is exact
        ("log2(vector(0.5))", -1.0),
        ("log10(vector(3))", 0.4771212547196625),  # C: 0.47712125471966244
        ("log10(vector(0.1))", -0.9999999999999999),  # C: -1
        ("log10(vector(1000))", 3.0),
        # Go's Ceil and Floor keep the sign of a zero result
        ("ceil(vector(-0.5))", -0.0),
        ("ceil(vector(0.5))", 1.0),
        ("floor(vector(0) * -1)", -0.0),
        ("floor(vector(0.5))", 0.0),
        ("floor(vector(-0.5))", -1.0),
    ],
)
def test_logarithms_and_rounding_are_gos(query, expected):
    got = at(query).values()
    assert len(got) == 1
    assert same(got[0], expected), (got[0], expected)


def test_round_to_a_fraction_and_ties_up():
    assert at('round(x{pod="a"})').values() == [-1.0]  # -1.5 rounds up
    assert at('round(x{pod="c"}, 0.5)').values() == [2.5]
    assert at('round(x{pod="c"}, -2)').values() == [2.0]


def test_clamp_with_min_above_max_is_empty():
    assert at("clamp(x, 2, 1)") == Vector([])
    assert len(at("clamp(x, 1, 1)")) == 6


def test_exp_overflows_to_inf_and_ln_of_a_huge_value_is_finite():
    assert at('exp(x{pod="c"} * 1000)').values() == [INF]
    assert at('exp(x{pod="a"} * 1000)').values() == [0.0]


# ----------------------------------------------------------------------------- label functions
def test_label_replace():
    got = at('label_replace(x{pod=~"a|b"}, "num", "n-$1", "k", "v(.*)")')
    assert [(lb["num"], lb["__name__"]) for lb, _ in got] == [("n-1", "x"), ("n-2", "x")]
    # no match: the series is unchanged
    got = at('label_replace(x{pod="a"}, "num", "$1", "k", "w(.*)")')
    assert [lb for lb, _ in got] == [{"__name__": "x", "pod": "a", "k": "v1"}]
    # the regex is anchored on both ends
    got = at('label_replace(x{pod="a"}, "num", "y", "k", "1")')
    assert "num" not in got.samples[0][0]
    # a missing source label is the empty string
    got = at('label_replace(x{pod="a"}, "num", "empty", "nolabel", "")')
    assert got.samples[0][0]["num"] == "empty"
    # an empty result removes the label
    got = at('label_replace(x{pod="a"}, "k", "", "k", ".*")')
    assert "k" not in got.samples[0][0]
    # dot matches a newline (Prometheus compiles "^(?s:" + regex + ")$")
    got = at('label_replace(nl, "m", "$1", "k", "a(.)b")')
    assert got.samples[0][0]["m"] == "\n"
    # RE2's (?<name>) groups work
    got = at('label_replace(x{pod="a"}, "num", "$n", "k", "(?<n>v)1")')
    assert got.samples[0][0]["num"] == "v"
    got = at('label_replace(x{pod="a"}, "num", "$N", "k", "(?<N>v)1")')
    assert got.samples[0][0]["num"] == "v"


def test_label_replace_goes_on_after_a_series_it_leaves_alone():
    got = at('label_replace(x{pod=~"a|b"}, "num", "$1", "k", "v(2)")')
    assert [lb.get("num") for lb, _ in got] == [None, "2"]


def test_label_replace_errors():
    assert message('label_replace(x, "num", "$1", "k", "(")') == (
        "invalid regular expression in label_replace(): ("
    )
    assert message('label_replace(x, "1num", "$1", "k", "(.*)")', version=2) == (
        "invalid destination label name in label_replace(): 1num"
    )
    # Prometheus 3 takes any non-empty (UTF-8) label name
    assert message('label_replace(x, "", "$1", "k", "(.*)")') == (
        "invalid destination label name in label_replace(): "
    )
    got = at('label_replace(x{pod="a"}, "1 num", "$1", "k", "(.*)")')
    assert got.samples[0][0]["1 num"] == "v1"
    assert message('label_replace(label_replace(x, "k", "", "k", ".*"), "pod", "p", "", "")') == (
        "vector cannot contain metrics with the same labelset"
    )


def test_label_join():
    got = at('label_join(x{pod="a"}, "j", ",", "pod", "nolabel", "k")')
    assert got.samples[0][0]["j"] == "a,,v1"
    got = at('label_join(x{pod="a"}, "j", ",")')  # nothing joined to a label it lacks
    assert got.samples[0][0] == {"__name__": "x", "pod": "a", "k": "v1"}
    got = at('label_join(x{pod="a"}, "pod", ",")')  # nothing joined: the label goes
    assert got.samples[0][0] == {"__name__": "x", "k": "v1"}
    assert message('label_join(x, "j", ",", "1pod")', version=2) == (
        "invalid source label name in label_join(): 1pod"
    )
    assert message('label_join(x, "j-", ",", "pod")', version=2) == (
        "invalid destination label name in label_join(): j-"
    )
    assert message('label_join(x, "j", ",", "")') == "invalid source label name in label_join(): "
    assert message('label_join(x, "", ",", "pod")') == (
        "invalid destination label name in label_join(): "
    )
    got = at('label_join(x{pod="a"}, "j.x", ",", "pod")')
    assert got.samples[0][0]["j.x"] == "a"
    assert at('label_join(x{pod="a"}, "_j9", ",", "pod")', version=2).samples[0][0]["_j9"] == "a"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$1", "ab"),
        ("${1}", "ab"),
        ("$name", "c"),
        ("${name}", "c"),
        ("$$1", "$1"),
        ("x$$y", "x$y"),
        ("a$", "a$"),
        ("$1x", ""),  # the group named "1x": none
        ("${1}x", "abx"),
        ("$9", ""),
        ("${name", "${name"),
        ("${}", "${}"),
        ("x}${1}", "x}ab"),  # a brace before the reference closes nothing
        ("${-}", "${-}"),
        ("$-", "$-"),
        ("$0", "abc"),
        ("x$2y", "x"),
        ("${2}y", "cy"),
    ],
)
def test_expand_is_go_regexp_expand(template, expected):
    match = re.fullmatch("(a.)(?P<name>c)?", "abc")
    assert match is not None
    assert _expand(template, match) == expected


def test_expand_of_a_group_that_took_no_part_is_empty():
    match = re.fullmatch("(a)(z)?", "a")
    assert match is not None
    assert _expand("[$2]", match) == "[]"
