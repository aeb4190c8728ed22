"""The PromQL evaluator's edges, one behaviour a test: selector windows and staleness, subquery
steps, aggregation grouping and parameters, and the type errors, each with the answer
Prometheus' ``promql/engine.go`` gives (worked out by hand)."""

from __future__ import annotations

import math

import pytest

from canarysim.lang.promql.evaluator import Evaluator
from canarysim.lang.promql.query import PromQLError, Scalar, Vector, evaluate, parse


class Store:
    """Series as {name: [(labels, times, values)]}."""

    def __init__(self, series):
        self.series = series

    def metric_names(self):
        return sorted(self.series)

    def select(self, name):
        yield from self.series.get(name, [])


class EndsStore(Store):
    """A store that also gives each series' staleness marker time (by pod), and ``extra`` rows
    that its matchers should have refused."""

    def __init__(self, series, ends, extra=None):
        super().__init__(series)
        self.ends = ends
        self.extra = extra or {}
        self.asked = []

    def select_ends(self, name, matchers):
        self.asked.append((name, [(m.name, m.op, m.value) for m in matchers]))
        for labels, t, v in self.series.get(name, []):
            yield labels, t, v, self.ends.get(labels.get("pod"))
        for labels, t, v in self.extra.get(name, []):
            yield labels, t, v, None


T = [0.0, 15.0, 30.0, 45.0, 60.0]
STORE = Store(
    {
        "up": [
            ({"pod": "b", "app": "x"}, T, [1.0, 2.0, 3.0, 4.0, 5.0]),
            ({"pod": "a", "app": "x"}, T, [10.0, 20.0, 30.0, 40.0, 50.0]),
            ({"pod": "c", "app": "y", "zone": ""}, T, [7.0, 7.0, 7.0, 7.0, 7.0]),
        ],
        "down": [({"pod": "a", "app": "x"}, T, [1.0, 1.0, 1.0, 1.0, 1.0])],
        "gaps": [
            ({"pod": "a"}, T, [math.nan] * 5),
            ({"pod": "b"}, T, [2.0] * 5),
            ({"pod": "c"}, T, [1.0] * 5),
        ],
    }
)


def at(query, t=60.0, store=STORE, **kw):
    return evaluate(query, store, t, **kw)


def rows(result):
    return [(tuple(sorted(lb.items())), v) for lb, v in result]


def vals(result):
    return sorted(v for _, v in result)


# ----------------------------------------------------------------------------- selectors
def test_selectors_sort_series_by_their_label_sets():
    assert [lb["pod"] for lb, _ in at("up")] == ["a", "b", "c"]
    got = Evaluator(STORE, 60.0).eval(parse("up[30s]"))
    assert [lb["pod"] for lb, _, _ in got.series] == ["a", "b", "c"]


def test_a_name_matcher_other_than_equality_scans_every_metric_name():
    assert [lb["__name__"] for lb, _ in at('{__name__=~"up|down", pod="a"}')] == ["down", "up"]
    assert [lb["__name__"] for lb, _ in at('{__name__!="up", pod="a"}')] == ["down", "gaps"]
    assert at('{__name__="nothing"}') == Vector([])
    # every name matcher must hold, not any
    got = at('{__name__=~"up|down", __name__!="down", pod="a"}')
    assert [lb["__name__"] for lb, _ in got] == ["up"]


def test_a_fixed_name_is_selected_without_listing_the_names():
    class NoListing(Store):
        def metric_names(self):
            raise AssertionError("a selector with name= need not list the store's names")

    store = NoListing({"up": [({"pod": "a"}, T, [1.0] * 5)]})
    assert at('up{pod="a"}', store=store).values() == [1.0]
    assert at('{__name__="up"}', store=store).values() == [1.0]


def test_label_matchers_are_checked_again_on_what_select_ends_gives():
    store = EndsStore(
        {"up": [({"pod": "a"}, T, [1.0] * 5)]},
        ends={},
        extra={"up": [({"pod": "b"}, T, [2.0] * 5)]},
    )
    assert rows(at('up{pod="a"}', store=store)) == [((("__name__", "up"), ("pod", "a")), 1.0)]
    # the store is given the label matchers, the name's aside
    assert store.asked == [("up", [("pod", "=", "a")])]


def test_a_matcher_reads_a_missing_label_as_empty():
    assert len(at('up{nolabel=""}')) == 3
    assert len(at('up{zone=""}')) == 3  # pod c's zone is empty too
    assert len(at('up{nolabel!=""}')) == 0


def test_a_staleness_marker_hides_the_series_at_and_after_it():
    store = EndsStore({"up": [({"pod": "a"}, [0.0, 15.0], [1.0, 2.0])]}, ends={"a": 20.0})
    assert at("up", 19.0, store).values() == [2.0]
    assert at("up", 20.0, store).values() == []
    assert at("up", 25.0, store).values() == []
    # a stale series hides only itself
    two = EndsStore(
        {"up": [({"pod": "a"}, [0.0, 15.0], [1.0, 2.0]), ({"pod": "b"}, [0.0, 15.0], [3.0, 4.0])]},
        ends={"a": 20.0},
    )
    assert at("up", 25.0, two).values() == [4.0]
    # range selectors read the real samples, marker or not
    assert at("count_over_time(up[1m])", 25.0, store).values() == [2.0]


def test_the_lookback_window_is_half_open_in_3_and_closed_in_2():
    store = Store({"up": [({"pod": "a"}, [0.0, 10.0], [1.0, 2.0])]})
    assert at("up", 310.0, store).values() == []  # 10 is exactly 5m old: out in 3.x
    assert at("up", 310.0, store, version=2).values() == [2.0]
    assert at("up", 309.0, store).values() == [2.0]
    # the latest sample in the window, not the first
    assert at("up", 12.0, store).values() == [2.0]


def test_range_window_bounds_and_offset():
    # (30, 60] in 3.x: 4, 5; [30, 60] in 2.x: 3, 4, 5
    assert at('sum_over_time(up{pod="b"}[30s])').values() == [9.0]
    assert at('sum_over_time(up{pod="b"}[30s])', version=2).values() == [12.0]
    assert at('sum_over_time(up{pod="b"}[30s] offset 15s)').values() == [7.0]
    assert at('sum_over_time(up{pod="b"}[30s] @ 30)').values() == [5.0]
    # a window with no sample gives no series
    assert at('sum_over_time(up{pod="b"}[10s] offset 65s)').values() == []


def test_start_and_end_of_an_instant_query_are_its_time():
    assert at('up{pod="b"} @ end()', 40.0).values() == [3.0]
    assert at('up{pod="b"} @ start()', 40.0).values() == [3.0]


def test_at_end_and_offset_on_an_instant_selector():
    ev = Evaluator(STORE, 60.0, start=15.0, end=45.0)
    assert ev.eval(parse('up{pod="b"} @ end()')).values() == [4.0]
    assert ev.eval(parse('up{pod="b"} @ start()')).values() == [2.0]
    assert ev.eval(parse('up{pod="b"} @ end() offset 15s')).values() == [3.0]
    assert ev.eval(parse('up{pod="b"} offset 30s')).values() == [3.0]


def test_an_instant_selector_returns_the_sample_values_with_the_name():
    assert rows(at('up{pod="b"}', 40.0)) == [
        ((("__name__", "up"), ("app", "x"), ("pod", "b")), 3.0)
    ]
    samples = Evaluator(STORE, 40.0).instant_samples(parse('up{pod="b"}'))
    assert samples == [({"__name__": "up", "pod": "b", "app": "x"}, 30.0, 3.0)]
    assert isinstance(samples[0][1], float) and isinstance(samples[0][2], float)


# ----------------------------------------------------------------------------- subqueries
def test_a_subquery_steps_on_multiples_of_its_step_on_the_unix_clock():
    # (0, 60] every 20 s: 20, 40, 60; with epoch 10 the Unix multiples are store times 10, 30, 50
    ev = Evaluator(STORE, 60.0)
    got = ev.eval(parse('up{pod="b"}[60s:20s]'))
    assert [list(t) for _, t, _ in got.series] == [[20.0, 40.0, 60.0]]
    assert [list(v) for _, _, v in got.series] == [[2.0, 3.0, 5.0]]
    shifted = Evaluator(STORE, 60.0, epoch=10.0).eval(parse('up{pod="b"}[60s:20s]'))
    assert [list(t) for _, t, _ in shifted.series] == [[10.0, 30.0, 50.0]]
    # 2.x includes a step exactly at the window's start
    v2 = Evaluator(STORE, 60.0, version=2).eval(parse('up{pod="b"}[60s:20s]'))
    assert [list(t) for _, t, _ in v2.series] == [[0.0, 20.0, 40.0, 60.0]]


def test_at_pins_a_subquery():
    # steps 15 and 30 (values 2, 3), not 45 and 60
    assert at('max_over_time(up{pod="b"}[30s:15s] @ 30)').values() == [3.0]
    assert at('max_over_time(up{pod="b"}[30s:15s])').values() == [5.0]


def test_a_subquery_without_a_step_uses_one_minute():
    got = Evaluator(STORE, 180.0, lookback_s=1e9).eval(parse('up{pod="b"}[3m:]'))
    assert [list(t) for _, t, _ in got.series] == [[60.0, 120.0, 180.0]]


def test_a_subquery_of_a_scalar_is_one_series_without_labels():
    got = Evaluator(STORE, 60.0).eval(parse("time()[30s:15s]"))
    assert [(lb, list(t), list(v)) for lb, t, v in got.series] == [({}, [45.0, 60.0], [45.0, 60.0])]


def test_a_subquery_carries_version_epoch_start_and_end_to_each_step():
    ev = Evaluator(STORE, 60.0, epoch=100.0, start=15.0, end=45.0, version=2, lookback_s=1.0)
    got = ev.eval(parse("time()[20s:20s]"))
    assert [list(v) for _, _, v in got.series] == [[140.0, 160.0]]  # 2.x: both ends, epoch
    end = ev.eval(parse('(up{pod="b"} @ end())[20s:20s]'))
    assert [list(v) for _, _, v in end.series] == [[4.0, 4.0]]
    start = ev.eval(parse('(up{pod="b"} @ start())[20s:20s]'))
    assert [list(v) for _, _, v in start.series] == [[2.0, 2.0]]
    # the lookback reaches each step: with 1 s, only the steps on a sample see it
    look = ev.eval(parse('up{pod="b"}[20s:10s]'))
    assert [list(t) for _, t, _ in look.series] == [[60.0]]
    # a nested range function is evaluated with 2.x's closed windows
    two = ev.eval(parse('count_over_time(up{pod="b"}[30s])[1s:1s]'))
    assert [list(v) for _, _, v in two.series] == [[2.0, 3.0]]  # [29, 59] and [30, 60]


def test_a_subquery_groups_the_steps_of_each_label_set():
    got = Evaluator(STORE, 60.0).eval(parse("(up > 4)[30s:15s]"))
    assert [(lb["pod"], list(t), list(v)) for lb, t, v in got.series] == [
        ("a", [45.0, 60.0], [40.0, 50.0]),
        ("b", [60.0], [5.0]),
        ("c", [45.0, 60.0], [7.0, 7.0]),
    ]


def test_a_subquery_of_a_range_is_refused():
    with pytest.raises(PromQLError) as info:
        at("up[1m][5m:1m]")
    assert str(info.value) == "subquery is only allowed on instant vector, got matrix"


# ----------------------------------------------------------------------------- type errors
@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "-up[1m]",
            "unary expression only allowed on expressions of type scalar or instant vector",
        ),
        ("rate(1)", 'expected type range vector in call to function "rate", got scalar'),
        ("rate(up)", 'expected type range vector in call to function "rate", got instant vector'),
        ("sum(1)", "expected type instant vector in aggregation expression, got scalar"),
        ("sum(up[1m])", "expected type instant vector in aggregation expression, got range vector"),
        ("count_values(1, up)", "expected type string in aggregation parameter"),
        ("topk(up, up)", "expected type scalar in aggregation parameter of topk"),
        ("up[1m] + 1", "binary expression must contain only scalar and instant vector types"),
        ("1 + up[1m]", "binary expression must contain only scalar and instant vector types"),
        ("time() > scalar(up)", "comparisons between scalars must use BOOL modifier"),
        ("time() == scalar(up)", "comparisons between scalars must use BOOL modifier"),
        ("time() != scalar(up)", "comparisons between scalars must use BOOL modifier"),
        ("time() < scalar(up)", "comparisons between scalars must use BOOL modifier"),
        ("time() >= scalar(up)", "comparisons between scalars must use BOOL modifier"),
        ("time() <= scalar(up)", "comparisons between scalars must use BOOL modifier"),
        ("scalar(up) and up", "set operator 'and' not allowed in binary scalar expression"),
        ("up or time()", "set operator 'or' not allowed in binary scalar expression"),
        ('-{__name__=~"up|down", pod="a"}', "vector cannot contain metrics with the same labelset"),
        (
            '{__name__=~"up|down", pod="a"} * 2',
            "vector cannot contain metrics with the same labelset",
        ),
        (
            '2 * {__name__=~"up|down", pod="a"}',
            "vector cannot contain metrics with the same labelset",
        ),
    ],
)
def test_type_errors_name_what_prometheus_names(query, message):
    with pytest.raises(PromQLError) as info:
        Evaluator(STORE, 60.0).eval(parse(query))
    assert str(info.value) == message


def test_a_string_literal_is_refused_outside_a_function():
    from canarysim.lang.promql.syntax import StringLit

    with pytest.raises(PromQLError) as info:
        Evaluator(STORE, 60.0).eval(StringLit("x"))
    assert str(info.value) == "string literals are only allowed as function arguments"


def test_unary_minus_negates_and_drops_the_name():
    assert at("-2") == Scalar(-2.0)
    assert at('-scalar(up{pod="b"})') == Scalar(-5.0)  # not a literal: the evaluator negates
    assert rows(at('-up{pod="b"}')) == [((("app", "x"), ("pod", "b")), -5.0)]


def test_scalar_operators():
    assert at("7 - 2") == Scalar(5.0)
    assert at("2 >= bool 2") == Scalar(1.0)
    assert at("2 < bool 2") == Scalar(0.0)


def test_vector_and_scalar_on_either_side():
    assert rows(at('up{pod="b"} - 1')) == [((("app", "x"), ("pod", "b")), 4.0)]
    assert rows(at('1 - up{pod="b"}')) == [((("app", "x"), ("pod", "b")), -4.0)]
    assert rows(at('up{pod="b"} - on(pod) down')) == []
    assert rows(at('up{pod="a"} - on(pod) down')) == [((("pod", "a"),), 49.0)]
    assert rows(at('up{pod="a"} and down')) == [
        ((("__name__", "up"), ("app", "x"), ("pod", "a")), 50.0)
    ]


# ----------------------------------------------------------------------------- aggregation
def test_by_keeps_only_the_named_non_empty_labels():
    assert rows(at("sum by (app) (up)")) == [((("app", "x"),), 55.0), ((("app", "y"),), 7.0)]
    # zone is empty on pod c: an empty label is no label, so no zone="" group key
    assert rows(at("sum by (zone) (up)")) == [((), 62.0)]
    assert rows(at("count by (app, pod) (up)")) == [
        ((("app", "x"), ("pod", "a")), 1.0),
        ((("app", "x"), ("pod", "b")), 1.0),
        ((("app", "y"), ("pod", "c")), 1.0),
    ]


def test_without_drops_the_named_labels_and_the_name():
    got = dict(rows(at("sum without (pod, zone) (up)")))
    assert got == {(("app", "x"),): 55.0, (("app", "y"),): 7.0}
    assert dict(rows(at("max without (app) (up)"))) == {
        (("pod", "a"),): 50.0,
        (("pod", "b"),): 5.0,
        (("pod", "c"), ("zone", "")): 7.0,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sum(up)", 62.0),
        ("avg(up)", 62.0 / 3),
        ("min(up)", 5.0),
        ("max(up)", 50.0),
        ("count(up)", 3.0),
        ("group(up)", 1.0),
        # values 50, 5, 7: mean 20.666..., population variance 427.555...
        ("stdvar(up)", ((50 - 62 / 3) ** 2 + (5 - 62 / 3) ** 2 + (7 - 62 / 3) ** 2) / 3),
        ("stddev(up)", math.sqrt(((50 - 62 / 3) ** 2 + (5 - 62 / 3) ** 2 + (7 - 62 / 3) ** 2) / 3)),
        ("quantile(0.5, up)", 7.0),
        ("quantile(0.25, up)", 6.0),
    ],
)
def test_each_aggregation(query, expected):
    got = at(query)
    assert len(got) == 1 and got.samples[0][0] == {}
    assert got.samples[0][1] == pytest.approx(expected, rel=1e-12)


def test_min_and_max_skip_nan_unless_every_value_is_nan():
    assert at("min(gaps)").values() == [1.0]
    assert at("max(gaps)").values() == [2.0]
    assert math.isnan(at('max(gaps{pod="a"})').values()[0])


def test_topk_and_bottomk_keep_the_whole_series_in_order():
    assert rows(at("topk(2, up)")) == [
        ((("__name__", "up"), ("app", "x"), ("pod", "a")), 50.0),
        ((("__name__", "up"), ("app", "y"), ("pod", "c"), ("zone", "")), 7.0),
    ]
    assert [v for _, v in at("bottomk(2, up)")] == [5.0, 7.0]
    assert [v for _, v in at("topk(1.9, up)")] == [50.0]  # k truncated to an integer
    assert [lb["pod"] for lb, _ in at("topk by (app) (1, up)")] == ["a", "c"]


def test_topk_and_bottomk_put_nan_last():
    assert [lb["pod"] for lb, _ in at("topk(3, gaps)")] == ["b", "c", "a"]
    assert [lb["pod"] for lb, _ in at("bottomk(3, gaps)")] == ["c", "b", "a"]
    assert [lb["pod"] for lb, _ in at("bottomk(1, gaps)")] == ["c"]


def test_topk_with_k_under_one_is_empty():
    assert at("topk(0, up)") == Vector([])
    assert at("topk(-1, up)") == Vector([])
    assert at("bottomk(0.5, up)") == Vector([])
    assert at("topk(-Inf, up)") == Vector([])
    assert [v for _, v in at("topk(10, up)")] == [50.0, 7.0, 5.0]


def test_topk_takes_any_k_under_engine_max_int64():
    # the float64 just under engine.go's maxInt64 is still a k: every series
    assert [v for _, v in at("topk(200, up)")] == [50.0, 7.0, 5.0]
    assert [v for _, v in at("bottomk(9223372036854773760, up)")] == [5.0, 7.0, 50.0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        # engine.go rangeEvalAgg: a NaN k, and k outside int64, are errors
        ("topk(NaN, up)", "Parameter value is NaN"),
        ("bottomk(Inf, up)", "Scalar value +Inf overflows int64"),
        ("topk(1e19, up)", "Scalar value 1e+19 overflows int64"),
        ("topk(9223372036854775807, up)", "Scalar value 9.223372036854776e+18 overflows int64"),
        # maxInt64 there is the largest float64 under 2**63, already refused
        ("topk(9223372036854774784, up)", "Scalar value 9.223372036854775e+18 overflows int64"),
    ],
)
def test_topk_refuses_a_k_that_is_no_int64(query, message):
    with pytest.raises(PromQLError) as info:
        at(query)
    assert str(info.value) == message


def test_count_values_groups_by_value_and_grouping():
    assert rows(at('count_values("v", up)')) == [
        ((("v", "50"),), 1.0),
        ((("v", "5"),), 1.0),
        ((("v", "7"),), 1.0),
    ]
    assert dict(rows(at('count_values by (app) ("v", up)'))) == {
        (("app", "x"), ("v", "50")): 1.0,
        (("app", "x"), ("v", "5")): 1.0,
        (("app", "y"), ("v", "7")): 1.0,
    }
    # `or` leaves out up{pod="a"}: down has its label set (the name aside)
    assert dict(rows(at('count_values without (pod) ("v", down or up)'))) == {
        (("app", "x"), ("v", "1")): 1.0,
        (("app", "x"), ("v", "5")): 1.0,
        (("app", "y"), ("v", "7"), ("zone", "")): 1.0,
    }
    # equal values in one group are counted together; the value label replaces one of that name
    assert dict(rows(at('count_values("pod", gaps{pod!="a"} * 0)'))) == {(("pod", "0"),): 2.0}
