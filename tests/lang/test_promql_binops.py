"""PromQL binary operators, one matching rule a row, with the vectors Prometheus returns
(``promql/engine.go``: ``VectorBinop``, ``VectorscalarBinop``, ``VectorAnd``/``VectorOr``/
``VectorUnless``, ``resultMetric``)."""

from __future__ import annotations

import pytest

from canarysim.lang.promql.query import PromQLError, evaluate

T = [0.0, 15.0, 30.0]


class Store:
    def __init__(self, series):
        self.series = series

    def metric_names(self):
        return sorted({name for name, _, _ in self.series})

    def select(self, name):
        for n, labels, value in self.series:
            if n == name:
                yield labels, T, [value] * len(T)


STORE = Store(
    [
        ("a", {"job": "x", "pod": "1", "zone": "z1", "version": "old"}, 1.0),
        ("a", {"job": "x", "pod": "2", "zone": "z1"}, 2.0),
        ("b", {"job": "x", "pod": "1"}, 10.0),
        ("b", {"job": "x", "pod": "2"}, 20.0),
        ("c", {"job": "x", "pod": "1", "zone": "z1", "version": "old"}, 3.0),
        ("info", {"pod": "1", "version": "v1"}, 1.0),
        ("info", {"pod": "2"}, 1.0),
    ]
)
A1 = {"job": "x", "pod": "1", "zone": "z1", "version": "old"}
A2 = {"job": "x", "pod": "2", "zone": "z1"}
B1 = {"job": "x", "pod": "1"}
B2 = {"job": "x", "pod": "2"}


def result(query):
    got = evaluate(query, STORE, 30.0)
    return sorted((sorted(labels.items()), value) for labels, value in got)


def expect(*samples):
    return sorted((sorted(labels.items()), value) for labels, value in samples)


def named(name, labels):
    return {"__name__": name, **labels}


CASES = [
    # vector and scalar: a filtering comparison keeps the name and the vector's value
    pytest.param("a > 1", [(named("a", A2), 2.0)], id="vector > scalar filters"),
    pytest.param("1 < a", [(named("a", A2), 2.0)], id="scalar < vector keeps vector value"),
    pytest.param("a == 1", [(named("a", A1), 1.0)], id="vector == scalar"),
    pytest.param("a > bool 1", [(A1, 0.0), (A2, 1.0)], id="bool drops the name"),
    pytest.param("1 >= bool a", [(A1, 1.0), (A2, 0.0)], id="scalar bool vector"),
    pytest.param("a + 1", [(A1, 2.0), (A2, 3.0)], id="arithmetic drops the name"),
    pytest.param("2 - a", [(A1, 1.0), (A2, 0.0)], id="scalar minus vector"),
    pytest.param("a - 2", [(A1, -1.0), (A2, 0.0)], id="vector minus scalar"),
    # one-to-one
    pytest.param("b / a", [], id="no match on differing labels"),
    pytest.param("b / ignoring(zone, version) a", [(B1, 10.0), (B2, 10.0)], id="ignoring"),
    pytest.param("a - ignoring(zone, version) b", [({"job": "x", "pod": "1"}, -9.0),
                                                   ({"job": "x", "pod": "2"}, -18.0)],
                 id="ignoring drops the ignored labels"),
    pytest.param("b / on(pod) a", [({"pod": "1"}, 10.0), ({"pod": "2"}, 10.0)],
                 id="on keeps only the matching labels"),
    pytest.param("b > ignoring(zone, version) a", [(named("b", B1), 10.0),
                                                  (named("b", B2), 20.0)],
                 id="filtering comparison keeps the left sample"),
    pytest.param("a < on(pod) b", [({"pod": "1"}, 1.0), ({"pod": "2"}, 2.0)],
                 id="filtering keeps the left value, on keeps only its labels"),
    pytest.param("b < on(pod) a", [], id="filtering drops misses"),
    pytest.param("b > bool on(pod) a", [({"pod": "1"}, 1.0), ({"pod": "2"}, 1.0)],
                 id="bool one-to-one"),
    pytest.param("b < bool on(pod) a", [({"pod": "1"}, 0.0), ({"pod": "2"}, 0.0)],
                 id="bool one-to-one false"),
    pytest.param("a + nothing", [], id="empty right side"),
    pytest.param("nothing + a", [], id="empty left side"),
    # many-to-one / one-to-many
    pytest.param("a * on(pod) group_left(version) info",
                 [({**A1, "version": "v1"}, 1.0), (A2, 2.0)],
                 id="group_left copies or removes the included label"),
    pytest.param("a * on(pod) group_left info", [(A1, 1.0), (A2, 2.0)],
                 id="group_left keeps the many side's labels"),
    pytest.param("info - on(pod) group_right b", [(B1, -9.0), (B2, -19.0)],
                 id="group_right keeps the operand order"),
    pytest.param("b - on(pod) group_left info", [(B1, 9.0), (B2, 19.0)],
                 id="group_left operand order"),
    pytest.param("info > on(pod) group_right(version) b", [],
                 id="group_right filter misses"),
    pytest.param("info < on(pod) group_right(version) b",
                 [({**named("b", B1), "version": "v1"}, 1.0), (named("b", B2), 1.0)],
                 id="group_right filter keeps the one side's value"),
    # set operators
    pytest.param("a and b", [], id="and on all labels"),
    pytest.param("a and on(pod) b", [(named("a", A1), 1.0), (named("a", A2), 2.0)],
                 id="and on"),
    pytest.param("a and ignoring(zone, version) b", [(named("a", A1), 1.0),
                                                    (named("a", A2), 2.0)], id="and ignoring"),
    pytest.param('a unless on(pod) b{pod="1"}', [(named("a", A2), 2.0)], id="unless"),
    pytest.param('a unless b', [(named("a", A1), 1.0), (named("a", A2), 2.0)],
                 id="unless nothing matches"),
    pytest.param('b or on(pod) a', [(named("b", B1), 10.0), (named("b", B2), 20.0)],
                 id="or matched drops the right"),
    pytest.param('b{pod="1"} or on(pod) a', [(named("b", B1), 10.0), (named("a", A2), 2.0)],
                 id="or adds the unmatched right"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "samples"), CASES)
def test_binary_operators(query, samples):
    assert result(query) == expect(*samples)


DUP_RIGHT = (
    'found duplicate series for the match group {job="x"} on the right hand-side of the '
    'operation: [{__name__="b", job="x", pod="1"}, {__name__="b", job="x", pod="2"}]'
    ";many-to-many matching not allowed: matching labels must be unique on one side"
)
DUP_LEFT = (
    'found duplicate series for the match group {job="x"} on the left hand-side of the '
    'operation: [{__name__="b", job="x", pod="1"}, {__name__="b", job="x", pod="2"}]'
    ";many-to-many matching not allowed: matching labels must be unique on one side"
)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("a + on(job) b", DUP_RIGHT),
        ("b * on(job) group_right a", DUP_LEFT),
        ('{__name__=~"a|c"} + on(pod) b',
         "multiple matches for labels: many-to-one matching must be explicit "
         "(group_left/group_right)"),
        ('{__name__=~"a|c"} * on(pod) group_left b',
         "multiple matches for labels: grouping labels must ensure unique matches"),
    ],
)  # fmt: skip
def test_matching_errors(query, message):
    with pytest.raises(PromQLError) as info:
        evaluate(query, STORE, 30.0)
    assert str(info.value) == message
