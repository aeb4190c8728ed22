"""PromQL subset: parsing, Prometheus' rate extrapolation and the queries of Argo's and
Flagger's docs, checked against values computed by hand."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest

from canarysim.errors import SimulationError
from canarysim.lang.promql.query import PromQLError, Scalar, Vector, evaluate, parse
from canarysim.sim.metrics.store import MetricStore
from canarysim.sim.metrics.tally import ISTIO_DURATION_BUCKETS_MS, SeriesKey, Tally


class FakeStore:
    """Series given directly as (name, labels, times, values)."""

    def __init__(self, series: list[tuple[str, dict[str, str], list[float], list[float]]]) -> None:
        self.series = series

    def metric_names(self) -> list[str]:
        return sorted({s[0] for s in self.series})

    def select(self, name: str) -> Iterator[tuple[dict[str, str], np.ndarray, np.ndarray]]:
        for n, labels, t, v in self.series:
            if n == name:
                yield labels, np.asarray(t, dtype=float), np.asarray(v, dtype=float)


T = list(np.arange(0.0, 601.0, 15.0))  # scrapes every 15 s up to 600 s


def counter(rate: float, t: list[float] = T, start: float = 0.0) -> list[float]:
    return [start + rate * x for x in t]


STORE = FakeStore(
    [
        ("req", {"svc": "a", "code": "200"}, T, counter(10.0)),
        ("req", {"svc": "a", "code": "500"}, T, counter(1.0)),
        ("req", {"svc": "b", "code": "200"}, T, counter(4.0)),
        ("late", {"svc": "a"}, T[30:], [100.0 + 10.0 * (x - 450.0) for x in T[30:]]),
        ("reset", {"svc": "a"}, [0, 15, 30, 45, 60], [0, 10, 20, 5, 15]),
        ("gauge", {"svc": "a", "zone": "x"}, T, [3.0] * len(T)),
        ("gauge", {"svc": "b", "zone": "y"}, T, [5.0] * len(T)),
    ]
)


def vec(query: str, at: float = 600.0, store: object = STORE) -> dict[tuple, float]:
    res = evaluate(query, store, at)
    assert isinstance(res, Vector), res
    return {tuple(sorted(lb.items())): v for lb, v in res}


def one(query: str, at: float = 600.0, store: object = STORE) -> float:
    res = evaluate(query, store, at)
    if isinstance(res, Scalar):
        return res.value
    assert len(res) == 1, res
    return res.samples[0][1]


# ----------------------------------------------------------------------------- rate & co
def test_rate_of_a_steady_counter_is_exact() -> None:
    # (300, 600]: 20 samples 315..600; start gap 15 s < 1.1 * 15 s: extrapolate to 300.
    assert one('rate(req{svc="a",code="200"}[5m])') == pytest.approx(10.0)
    assert one('increase(req{svc="a",code="200"}[5m])') == pytest.approx(3000.0)


def test_rate_between_scrapes_extrapolates_both_ends() -> None:
    # at 607: samples 315..600, gaps 8 s and 7 s, both extrapolated: 2850 * 300/285.
    assert one('increase(req{svc="a",code="200"}[5m])', at=607.0) == pytest.approx(3000.0)


def test_series_starting_inside_the_range_extrapolates_half_a_spacing() -> None:
    # Samples 450..600 (11), 100 -> 1600: result 1500, sampled 150 s, start gap 150 s >= 16.5 s
    # -> 7.5 s; zero point 150 * 100 / 1500 = 10 s is later than that, so 7.5 s holds.
    assert one('increase(late{svc="a"}[5m])') == pytest.approx(1500.0 * 157.5 / 150.0)


def test_prometheus_2_caps_the_start_gap_by_the_zero_point_before_the_threshold() -> None:
    # 2.x (functions.go of 2.42): start gap 150 s, the zero point 10 s caps it first, and 10 s
    # is under the 16.5 s threshold, so it extrapolates 10 s (3.x: 7.5 s, as above). A real
    # Prometheus 2.42 agrees (tests/sim/metrics/test_prometheus_differential.py, t=220 s).
    res = evaluate('increase(late{svc="a"}[5m])', STORE, 600.0, version=2)
    assert isinstance(res, Vector)
    assert res.samples[0][1] == pytest.approx(1500.0 * 160.0 / 150.0)


def test_counter_reset_adds_the_previous_value() -> None:
    # 0,10,20,5,15: raw 15 + reset 20 = 35 over 60 s sampled; range (-240, 60] -> start gap
    # 240 s >= 16.5 -> 7.5 s; zero point at 0 s (first value 0) wins: factor (60+0+0)/60.
    assert one('increase(reset{svc="a"}[5m])', at=60.0) == pytest.approx(35.0)
    assert one('irate(reset{svc="a"}[5m])', at=45.0) == pytest.approx(5.0 / 15.0)
    assert one('irate(reset{svc="a"}[5m])', at=60.0) == pytest.approx(10.0 / 15.0)


def test_rate_needs_two_samples_and_drops_the_name() -> None:
    assert vec('rate(late{svc="a"}[10s])', at=455.0) == {}
    got = vec('rate(req{svc="b"}[1m])')
    assert list(got) == [(("code", "200"), ("svc", "b"))]


def test_delta_and_over_time() -> None:
    assert one('delta(gauge{svc="a"}[5m])') == pytest.approx(0.0)
    assert one('avg_over_time(gauge{svc="b"}[1m])') == 5.0
    assert one('count_over_time(gauge{svc="b"}[1m])') == 4.0  # (540, 600]: 555..600


def test_instant_selector_lookback_and_offset() -> None:
    assert one('req{svc="b"}', at=610.0) == 2400.0  # latest sample at 600
    assert vec('req{svc="b"}', at=901.0) == {}  # older than 5 minutes
    assert one('req{svc="b"} offset 1m') == 4.0 * 540
    assert one('rate(req{svc="a",code="200"}[5m] offset 5m)') == pytest.approx(10.0)


# ----------------------------------------------------------------------------- selectors
def test_matchers_are_fully_anchored() -> None:
    assert len(vec('req{svc=~"a|b"}')) == 3
    assert len(vec('req{svc=~"a.*",code!~"5.."}')) == 1
    assert vec('req{svc=~"b"}') and not vec('req{svc=~"b."}')
    assert len(vec('req{code!="200"}')) == 1
    assert len(vec('req{zone=""}')) == 3  # a missing label equals ""
    assert len(vec('{__name__=~"ga.*"}')) == 2
    assert len(vec('{__name__="req", svc="a"}')) == 2


# ----------------------------------------------------------------------------- aggregation
def test_aggregations() -> None:
    assert one("sum(req)") == 15.0 * 600
    assert vec("sum by (svc) (req)") == {(("svc", "a"),): 6600.0, (("svc", "b"),): 2400.0}
    assert vec("sum(req) by (svc)") == vec("sum by (svc) (req)")
    assert vec("max without (code) (req)") == {
        (("svc", "a"),): 6000.0,
        (("svc", "b"),): 2400.0,
    }
    assert one("count(req)") == 3.0
    assert one("avg(gauge)") == 4.0
    assert one("min(gauge)") == 3.0
    assert one("stddev(gauge)") == 1.0
    assert one("quantile(0.5, gauge)") == 4.0
    assert vec("topk(1, gauge)") == {(("__name__", "gauge"), ("svc", "b"), ("zone", "y")): 5.0}
    assert vec("sum(nothing)") == {}
    assert vec("sum(nothing) or vector(0)") == {(): 0.0}  # the usual "default to 0" idiom
    assert vec("sum(gauge) or vector(0)") == {(): 8.0}


# ----------------------------------------------------------------------------- operators
def test_scalar_arithmetic_precedence_and_bool() -> None:
    assert one("1 + 2 * 3 ^ 2") == 19.0
    assert one("2 ^ 3 ^ 2") == 512.0  # right-associative
    assert one("-2 ^ 2") == -4.0
    assert one("(1 + 2) * 3") == 9.0
    assert one("7 % 4") == 3.0
    assert one("2 > bool 1") == 1.0
    assert math.isnan(one("0 / 0"))
    assert one("1 / 0") == math.inf
    assert one("-1 / 0") == -math.inf


def test_vector_scalar_comparison_filters_and_keeps_the_vector_value() -> None:
    assert vec("gauge > 4") == {(("__name__", "gauge"), ("svc", "b"), ("zone", "y")): 5.0}
    assert vec("4 < gauge") == vec("gauge > 4")
    assert vec("gauge > bool 4") == {
        (("svc", "a"), ("zone", "x")): 0.0,
        (("svc", "b"), ("zone", "y")): 1.0,
    }
    assert vec("gauge * 2") == {
        (("svc", "a"), ("zone", "x")): 6.0,
        (("svc", "b"), ("zone", "y")): 10.0,
    }


def test_vector_vector_one_to_one_matching() -> None:
    ratio = vec('sum by (svc) (req{code="200"}) / sum by (svc) (req)')
    assert ratio == {(("svc", "a"),): pytest.approx(10 / 11), (("svc", "b"),): 1.0}
    got = vec('gauge / on (svc) sum by (svc) (req{code="200"})')
    assert got == {(("svc", "a"),): 3.0 / 6000.0, (("svc", "b"),): 5.0 / 2400.0}
    got = vec("gauge - ignoring (zone) gauge")
    assert got == {(("svc", "a"),): 0.0, (("svc", "b"),): 0.0}
    assert vec('req{svc="a"} / gauge') == {}  # label sets differ: no match, empty result
    with pytest.raises(SimulationError, match="duplicate series"):
        evaluate("gauge / on () req", STORE, 600.0)


def test_set_operators() -> None:
    assert len(vec('req and on (svc) gauge{zone="x"}')) == 2
    assert len(vec('req unless on (svc) gauge{zone="x"}')) == 1
    assert len(vec('gauge{zone="x"} or gauge')) == 2


def test_scalar_and_vector_functions() -> None:
    assert one('scalar(sum(req{svc="b"}))') == 2400.0
    assert math.isnan(one("scalar(req)"))
    assert vec("vector(3)") == {(): 3.0}
    assert one("time()", at=42.0) == 42.0
    assert vec('absent(nothing{svc="q"})') == {(("svc", "q"),): 1.0}
    assert vec("absent(gauge)") == {}
    assert one('clamp_max(gauge{svc="b"}, 4)') == 4.0
    assert one('abs(-gauge{svc="b"})') == 5.0


# ----------------------------------------------------------------------------- histograms
def hist_store() -> FakeStore:
    # One scrape per 15 s; per second: 2 in (0,10], 6 in (10,50], 2 in (50,100].
    series = []
    for le, per_s in (("10", 2.0), ("50", 8.0), ("100", 10.0), ("+Inf", 10.0)):
        series.append(("lat_bucket", {"le": le, "pod": "p1"}, T, counter(per_s / 2)))
        series.append(("lat_bucket", {"le": le, "pod": "p2"}, T, counter(per_s / 2)))
    return FakeStore(series)


def test_histogram_quantile_interpolates_like_prometheus() -> None:
    s = hist_store()
    q = "histogram_quantile(0.5, sum(rate(lat_bucket[1m])) by (le))"
    # rank 5 of 10 per second: in (10, 50], 3 of 6 inside -> 10 + 40 * 3/6 = 30
    assert one(q, store=s) == pytest.approx(30.0)
    assert one(q.replace("0.5", "0.99"), store=s) == pytest.approx(50 + 50 * (9.9 - 8) / 2)
    assert one(q.replace("0.5", "1"), store=s) == pytest.approx(100.0)  # +Inf -> last bound
    per_pod = vec("histogram_quantile(0.5, rate(lat_bucket[1m]))", store=s)
    assert per_pod == {(("pod", "p1"),): pytest.approx(30.0), (("pod", "p2"),): pytest.approx(30.0)}
    assert math.isnan(
        one('histogram_quantile(0.5, sum(rate(lat_bucket{le!="+Inf"}[1m])) by (le))', store=s)
    )


# ----------------------------------------------------------------------------- parse errors
@pytest.mark.parametrize(
    ("query", "where", "text"),
    [
        ("sum(rate(x[5m])", "1:16", "expected ')'"),
        ("x{a=}", "1:5", "expected string"),
        ("rate(x[5])", "1:8", "duration"),
        ("1 > 2", "1:3", "BOOL"),
        ("foo(x)", "1:1", "unknown function"),
        ("x +", "1:4", "end of input"),
        ('x{a=~"("}', "1:6", "invalid regular expression"),
        ("{}", "1:1", "non-empty matcher"),
        ("x @ foo", "1:5", "timestamp after @"),
        ("a\n  + * b", "2:5", "unexpected '*'"),
        ("a\n\n  + * b", "3:5", "unexpected '*'"),
    ],
)
def test_parse_errors_name_the_position(query: str, where: str, text: str) -> None:
    with pytest.raises(PromQLError) as info:
        parse(query)
    msg = str(info.value)
    assert msg.startswith(where + ": parse error: "), msg
    assert text in msg


def test_type_errors_at_evaluation() -> None:
    with pytest.raises(PromQLError, match="expected type range vector"):
        evaluate("rate(req)", STORE, 600.0)
    with pytest.raises(PromQLError, match="range vector cannot be the result"):
        evaluate("req[5m]", STORE, 600.0)
    assert issubclass(PromQLError, SimulationError)


# ----------------------------------------------------------------------------- real queries
def steady_store(canary_ok: float, canary_5xx: float, stable_ok: float) -> MetricStore:
    """A MetricStore fed by hand-made tallies: constant rates per second, 1 s buckets, all
    canary latencies in (25, 50] ms and stable ones in (5, 10] ms."""
    store = MetricStore(scrape_interval_s=15.0)
    edges = np.arange(0.0, 601.0, 1.0)
    nb = len(edges) - 1
    tally = Tally(edges=edges)
    col_canary = ISTIO_DURATION_BUCKETS_MS.index(50)
    col_stable = ISTIO_DURATION_BUCKETS_MS.index(10)
    for reporter in ("source", "destination"):
        for dest, h, code, per_s, col in (
            ("canary-svc", "c1", 200, canary_ok, col_canary),
            ("canary-svc", "c1", 503, canary_5xx, col_canary),
            ("stable-svc", "s1", 200, stable_ok, col_stable),
        ):
            hist = np.zeros((nb, len(ISTIO_DURATION_BUCKETS_MS) + 1))
            hist[:, col] = per_s
            key = SeriesKey(reporter, dest, "rollouts-demo", h, code)
            tally.add_binned(key, hist, np.full(nb, per_s * 40.0))
    store.ingest(tally)
    return store


ARGO_SUCCESS = (
    'sum(irate(istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}",'
    'response_code!~"5.*"}[5m])) / sum(irate(istio_requests_total{reporter="source",'
    'destination_service=~"{{args.service-name}}"}[5m]))'
)
# Flagger's built-in Istio queries (pkg/metrics/observers/istio.go), its tabs shown as spaces.
FLAGGER_SUCCESS = """
    sum(
        rate(
            istio_requests_total{
                reporter="destination",
                destination_workload_namespace="{{ namespace }}",
                destination_workload=~"{{ target }}",
                response_code!~"5.*"
            }[{{ interval }}]
        )
    )
    /
    sum(
        rate(
            istio_requests_total{
                reporter="destination",
                destination_workload_namespace="{{ namespace }}",
                destination_workload=~"{{ target }}"
            }[{{ interval }}]
        )
    )
    * 100"""
FLAGGER_DURATION = """
    histogram_quantile(
        0.99,
        sum(
            rate(
                istio_request_duration_milliseconds_bucket{
                    reporter="destination",
                    destination_workload_namespace="{{ namespace }}",
                    destination_workload=~"{{ target }}"
                }[{{ interval }}]
            )
        ) by (le)
    )"""


# The same query as Argo's docs/analysis/prometheus.md lays it out (a YAML block scalar).
ARGO_SUCCESS_DOCS = """sum(irate(
  istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}",response_code!~"5.*"}[5m]
)) /
sum(irate(
  istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}"}[5m]
))
"""


@pytest.mark.parametrize("query", [ARGO_SUCCESS, ARGO_SUCCESS_DOCS], ids=["one-line", "docs"])
def test_argo_istio_success_rate_query(query: str) -> None:
    store = steady_store(canary_ok=9.0, canary_5xx=1.0, stable_ok=20.0)
    q = query.replace("{{args.service-name}}", "canary-svc.default.svc.cluster.local")
    assert one(q, store=store) == pytest.approx(0.9)
    # A regex that is not anchored in the user's mind matches nothing: Prometheus anchors it.
    q_short = ARGO_SUCCESS.replace("{{args.service-name}}", "canary-svc")
    assert vec(q_short, store=store) == {}
    q_any = ARGO_SUCCESS.replace("{{args.service-name}}", ".*-svc.*")
    assert one(q_any, store=store) == pytest.approx(29.0 / 30.0)


def test_flagger_request_success_rate_and_duration() -> None:
    store = steady_store(canary_ok=9.0, canary_5xx=1.0, stable_ok=20.0)
    subst = {"{{ namespace }}": "default", "{{ target }}": "rollouts-demo", "{{ interval }}": "1m"}
    sr, dur = FLAGGER_SUCCESS, FLAGGER_DURATION
    for k, v in subst.items():
        sr, dur = sr.replace(k, v), dur.replace(k, v)
    assert one(sr, store=store) == pytest.approx(100.0 * 29.0 / 30.0)
    # Per second: 20 in (5, 10], 10 in (25, 50]; rank 0.99 * 30 = 29.7 -> 25 + 25 * 9.7/10
    assert one(dur, store=store) == pytest.approx(25.0 + 25.0 * 9.7 / 10.0)


def test_argo_query_with_no_canary_traffic_is_empty_or_nan() -> None:
    store = steady_store(canary_ok=0.0, canary_5xx=0.0, stable_ok=20.0)
    q = ARGO_SUCCESS.replace("{{args.service-name}}", "canary-svc.default.svc.cluster.local")
    assert vec(q, store=store) == {}  # no series at all yet: empty vector


def test_ratio_of_idle_existing_series_is_nan() -> None:
    # Series exist (the canary answered earlier) but had no requests in the window: 0/0.
    store = MetricStore(scrape_interval_s=15.0)
    tally = Tally(edges=np.array([0.0, 1.0]))
    tally.add_records(SeriesKey("source", "canary-svc", "w", "c1", 200), np.array([0]), np.ones(1))
    store.ingest(tally)
    store.advance_to(900.0)
    q = ARGO_SUCCESS.replace("{{args.service-name}}", "canary-svc.default.svc.cluster.local")
    assert math.isnan(one(q, at=900.0, store=store))


class _ListStore:
    """A store of plain lists: the evaluator needs sequences, not numpy arrays."""

    def __init__(self, series):
        self.series = series  # name -> [(labels, times, values)]

    def metric_names(self):
        return sorted(self.series)

    def select(self, name):
        yield from self.series.get(name, [])


def test_range_query_over_a_list_store():
    from canarysim.lang.promql.query import evaluate_range

    times = [0.0, 15.0, 30.0, 45.0, 60.0]
    store = _ListStore(
        {
            "up": [
                ({"job": "b"}, times, [1.0, 1.0, 0.0, 1.0, 1.0]),
                ({"job": "a"}, times[:2], [1.0, 1.0]),
            ]
        }
    )
    out = evaluate_range("up", store, 0.0, 60.0, 30.0, lookback_s=20.0)
    # sorted by labels; job a has no sample within 20 s of t=60
    assert out == [
        ({"__name__": "up", "job": "a"}, [(0.0, 1.0), (30.0, 1.0)]),
        ({"__name__": "up", "job": "b"}, [(0.0, 1.0), (30.0, 0.0), (60.0, 1.0)]),
    ]
    assert evaluate_range("scalar(sum(up))", store, 0.0, 30.0, 15.0) == [
        ({}, [(0.0, 2.0), (15.0, 2.0), (30.0, 1.0)])
    ]
    with pytest.raises(PromQLError, match="end timestamp must not be before start time"):
        evaluate_range("up", store, 10.0, 0.0, 1.0)
    with pytest.raises(PromQLError, match="zero or negative query resolution step"):
        evaluate_range("up", store, 0.0, 10.0, 0.0)
    with pytest.raises(PromQLError, match='invalid expression type "range vector"'):
        evaluate_range("up[1m]", store, 0.0, 10.0, 5.0)


def _message(call, *args, **kwargs) -> str:
    with pytest.raises(PromQLError) as info:
        call(*args, **kwargs)
    return str(info.value)


def test_range_query_edges_and_prometheus_messages() -> None:
    from canarysim.lang.promql.query import evaluate_range

    store = _ListStore({"up": [({"job": "a"}, [0.0, 15.0], [1.0, 2.0])]})
    # start == end is one point; a step under a second is a step like any other
    assert evaluate_range("up", store, 15.0, 15.0, 1.0) == [
        ({"__name__": "up", "job": "a"}, [(15.0, 2.0)])
    ]
    assert [t for t, _ in evaluate_range("up", store, 0.0, 1.0, 0.5)[0][1]] == [0.0, 0.5, 1.0]
    # 11,000 steps (11,001 points) is the most Prometheus answers, wherever the range starts
    assert len(evaluate_range("up", store, 1000.0, 23000.0, 2.0, lookback_s=1e9)[0][1]) == 11001
    assert _message(evaluate_range, "up", store, 1000.0, 23002.0, 2.0) == (
        "exceeded maximum resolution of 11,000 points per timeseries. "
        "Try decreasing the query resolution (?step=XX)"
    )
    assert _message(evaluate_range, "up", store, 10.0, 0.0, 1.0) == (
        "end timestamp must not be before start time"
    )
    assert _message(evaluate_range, "up", store, 0.0, 10.0, -1.0) == (
        "zero or negative query resolution step widths are not accepted. Try a positive integer"
    )
    assert _message(evaluate_range, "up[1m]", store, 0.0, 10.0, 5.0) == (
        'invalid expression type "range vector" for range query, must be Scalar or instant Vector'
    )
    assert _message(evaluate, "up[1m]", store, 10.0) == (
        "a range vector cannot be the result of an instant query here"
    )


def test_time_is_the_store_clock_plus_the_epoch() -> None:
    from canarysim.lang.promql.query import evaluate_range

    assert evaluate("time()", STORE, 600.0) == Scalar(600.0)
    assert evaluate("time()", STORE, 600.0, epoch=1000.0) == Scalar(1600.0)
    assert evaluate_range("time()", STORE, 0.0, 10.0, 10.0) == [({}, [(0.0, 0.0), (10.0, 10.0)])]
    assert evaluate_range("time()", STORE, 0.0, 0.0, 1.0, epoch=5.0) == [({}, [(0.0, 5.0)])]


def test_a_range_query_passes_its_end_and_version_to_every_step() -> None:
    from canarysim.lang.promql.query import evaluate_range

    store = _ListStore({"up": [({"job": "a"}, [0.0, 30.0], [1.0, 2.0])]})
    # `@ end()` reads every step at the range's end
    assert evaluate_range("up @ end()", store, 0.0, 30.0, 30.0)[0][1] == [(0.0, 2.0), (30.0, 2.0)]
    assert evaluate_range("up @ start()", store, 0.0, 30.0, 30.0)[0][1] == [(0.0, 1.0), (30.0, 1.0)]
    # a sample exactly one lookback old: Prometheus 2 still sees it, 3 does not
    assert evaluate_range("up", store, 10.0, 10.0, 1.0, lookback_s=10.0, version=2)[0][1] == [
        (10.0, 1.0)
    ]
    assert evaluate_range("up", store, 10.0, 10.0, 1.0, lookback_s=10.0, version=3) == []


def test_only_prometheus_2_and_3_are_known() -> None:
    assert evaluate("vector(1)", STORE, 0.0, version=2) == Vector([({}, 1.0)])
    with pytest.raises(ValueError, match=r"^Prometheus version 4: expected 2 or 3$"):
        evaluate("vector(1)", STORE, 0.0, version=4)


def test_an_instant_query_passes_its_lookback_on() -> None:
    store = _ListStore({"up": [({"job": "a"}, [0.0], [1.0])]})
    assert evaluate("up", store, 10.0, lookback_s=20.0).values() == [1.0]
    assert evaluate("up", store, 10.0, lookback_s=5.0).values() == []
