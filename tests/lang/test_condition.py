"""The condition language, on the condition strings Argo's docs and tests use."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canarysim.lang.expr.evaluate import ConditionError, evaluate, evaluate_bool

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize(
    ("condition", "result", "expected"),
    [
        pytest.param("result[0] >= 0.95", [0.96], True, id="success rate above"),
        pytest.param("result[0] >= 0.95", [0.94], False, id="success rate below"),
        pytest.param("result[0] <= 0.95", [0.2], True, id="error rate below"),
        pytest.param("result[0] >= 10", [12], True, id="5xx count as failure"),
        pytest.param("isNaN(result) || result >= 0.95", NAN, True, id="NaN accepted"),
        pytest.param("result >= 0.95", NAN, False, id="NaN compares false"),
        pytest.param("result < 0.95", NAN, False, id="NaN compares false both ways"),
        pytest.param("isInf(result)", INF, True, id="isInf +Inf"),
        pytest.param("result >= 0.95", INF, True, id="+Inf above threshold"),
        pytest.param("len(result) == 0 || result[0] >= 0.95", [], True, id="empty as success"),
        pytest.param("len(result) > 0 && result[0] >= 0.95", [], False, id="empty as failure"),
        pytest.param("all(result, # < 1000)", [10.0, 999.0], True, id="all closure bare"),
        pytest.param("all(result, {# < 1000})", [10.0, 1000.0], False, id="all closure braces"),
        pytest.param("default(result, 0) < 0.05", None, True, id="default on nil"),
        pytest.param("default(result, 0) < 0.05", 0.5, False, id="default ignores first arg"),
        pytest.param("max(result) < 0.05", [0.01, 0.04], True, id="max of vector"),
        pytest.param(
            "result.ok && result.successPercent >= 0.90",
            {"ok": True, "successPercent": 0.93},
            True,
            id="web json fields",
        ),
        pytest.param('result == "I am OK"', "I am OK", True, id="web plain text"),
        pytest.param("result == 'true'", "true", True, id="single quoted string"),
        pytest.param("result == true", True, True, id="json bool"),
        pytest.param(
            "len(result[0].Values) >= 5 and all(result[0].Values, {# <= 0.01})",
            [{"Values": [0.0, 0.01, 0.0, 0.002, 0.0]}],
            True,
            id="cloudwatch values",
        ),
        pytest.param(
            "all(result.apdex.values, {asFloat(.value) >= 9900})",
            {"apdex": {"values": [{"value": "9950"}, {"value": "9901"}]}},
            True,
            id="dot field inside closure",
        ),
        pytest.param("10 in result", [10.0, 11.0], True, id="membership"),
        pytest.param("len(result) != 2", [10.0, 11.0], False, id="vector length"),
        pytest.param("not (result[0] > 1)", [0.5], True, id="not keyword"),
        pytest.param("result[-1] == 3", [1, 2, 3], True, id="negative index"),
        pytest.param("asInt(result) == 7", "7", True, id="asInt of string"),
        pytest.param("result > 1 ? true : false", 2, True, id="ternary"),
        pytest.param("(result ?? 1) == 1", None, True, id="nil coalescing"),
        pytest.param("2 ** 3 == 8", None, True, id="power"),
        pytest.param("1 + 2 * 3 == 7", None, True, id="precedence"),
        pytest.param("count(result, # > 1) == 2", [1, 2, 3], True, id="count closure"),
        pytest.param("'abc' startsWith 'ab' and 'abc' matches '^a.c$'", None, True, id="strings"),
        pytest.param("1 not in result", [2, 3], True, id="not in"),
    ],
)
def test_conditions_as_argo_docs_write_them(condition, result, expected):
    assert evaluate_bool(condition, result) is expected


@pytest.mark.parametrize(
    ("condition", "result", "message"),
    [
        pytest.param("result[0] >= 0.95", [], "index out of range", id="empty vector index"),
        pytest.param("results[0] >= 90", [95], "unknown name results", id="graphite doc typo"),
        pytest.param("result[0]", [1.0], "expected bool, but got float64", id="non bool"),
        pytest.param("asInt(result) > 1", "abc", "invalid syntax", id="asInt panics"),
        pytest.param("result >= ", 1, "unexpected token", id="syntax error"),
        pytest.param("result @ 1", 1, "unexpected character", id="bad character"),
        pytest.param("nosuch(result)", 1, "unknown name nosuch", id="unknown function"),
        pytest.param("result == 1 && 5", 1, "invalid operation", id="and on number"),
    ],
)
def test_conditions_that_error(condition, result, message):
    with pytest.raises(ConditionError, match=message):
        evaluate_bool(condition, result)


def test_is_nil_looks_at_the_whole_result_not_its_argument():
    assert evaluate_bool("isNil(42)", None) is True
    assert evaluate_bool("isNil(nil)", [1.0]) is False


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(-1e6, 1e6))
def test_comparisons_follow_ieee(x, threshold):
    assert evaluate_bool(f"result >= {threshold!r}", x) is (x >= threshold)
    assert evaluate_bool(f"result < {threshold!r}", x) is (x < threshold)


@given(st.lists(st.floats(-1e6, 1e6), max_size=6), st.floats(-1e6, 1e6))
def test_all_any_none_agree_with_python(values, bound):
    assert evaluate_bool(f"all(result, # < {bound!r})", values) is all(v < bound for v in values)
    assert evaluate_bool(f"any(result, # < {bound!r})", values) is any(v < bound for v in values)
    assert evaluate_bool(f"none(result, # < {bound!r})", values) is not any(
        v < bound for v in values
    )


def test_evaluate_returns_values_for_non_conditions():
    assert evaluate("filter(result, # > 1)", [1, 2, 3]) == [2, 3]
    assert evaluate("map(result, # * 2)", [1, 2]) == [2, 4]
    assert evaluate("mean(result)", [1.0, 2.0, 3.0]) == pytest.approx(2.0)
