"""Argo's ``utils/evaluate/evaluate_test.go`` (argo-rollouts 9f8d111), transcribed as data:
conditions compiled with expr-lang's type checker against the result's Go type, then run."""

from __future__ import annotations

import re

import pytest

from canarysim.engine.analysis.assess import Phase, measurement_phase
from canarysim.lang.expr.evaluate import ConditionError, evaluate_bool, evaluate_time, go_quote

# (result, condition, expected bool)
TRUE_OR_FALSE = [
    (True, "result == true", True),  # TestEvaluateConditionWithSuccess
    (True, "result == false", False),  # TestEvaluateConditionWithFailure
    ({"service_apdex": {"label": None, "values": {"values": [2.0, 2.0]}}},
     "all(result.service_apdex.values.values, {# > 1})", True),  # TestEvaluateArray
    ([2.0, 2.0], "2 in result", True),  # TestEvaluateInOperator
    (5.0, "result > 1", True),  # TestEvaluateFloat64
    ("1", "asInt(result) == 1", True),  # TestEvaluateAsInt
    (1, "asInt(result) == 1", True),
    (1.123, "asInt(result) == 1", True),
    ("1.1", "asFloat(result) == 1.1", True),  # TestEvaluateAsFloat
    ("1.1", "asFloat(result) >= 1.1", True),
    ("1.1", "asFloat(result) <= 1.1", True),
    (1.1, "asFloat(result) == 1.1", True),
    (1, "asFloat(result) == 1", True),
    (1, "asFloat(result) >= 1", True),
]  # fmt: skip

# (result, condition, the error Argo's test expects: exact text, or a regexp after "~")
ERRORS = [
    (True, "1", "expected bool, but got int"),  # TestErrorWithNonBoolReturn
    (True, "invalidVariable", "unknown name invalidVariable"),  # TestErrorWithInvalidReference
    ("1.1", "asInt(result) == 1.1", '~strconv.ParseInt: parsing "1.1": invalid syntax'),
    ("NotANum", "asFloat(result) == 1.1", 'strconv.ParseFloat: parsing "NotANum": invalid syntax'),
    ("1.1", 'asFloat(result) == "1.1"',
     "invalid operation: == (mismatched types float64 and string)"),
    (True, "a == true", "unknown name a"),  # invalidRefCondition
]  # fmt: skip


@pytest.mark.parametrize(("result", "condition", "expected"), TRUE_OR_FALSE)
def test_argo_conditions_evaluate_as_in_argo(result, condition, expected):
    assert evaluate_bool(condition, result, json=isinstance(result, dict)) is expected


@pytest.mark.parametrize(("result", "condition", "message"), ERRORS)
def test_argo_conditions_that_error(result, condition, message):
    with pytest.raises(ConditionError) as info:
        evaluate_bool(condition, result)
    if message.startswith("~"):
        assert re.search(message[1:], str(info.value))
    else:
        assert str(info.value) == message


# EvaluateResult truth table (TestEvaluateResult*): (success, failure) -> phase, result true
RESULT_TABLE = [
    ("true", "false", Phase.SUCCESSFUL),
    ("true", "true", Phase.FAILED),
    ("false", "false", Phase.INCONCLUSIVE),
    ("", "false", Phase.SUCCESSFUL),
    ("false", "", Phase.FAILED),
    ("", "", Phase.SUCCESSFUL),
    ("a == true", "true", Phase.ERROR),
    ("true", "a == true", Phase.ERROR),
]


@pytest.mark.parametrize(("success", "failure", "phase"), RESULT_TABLE)
def test_evaluate_result_table(success, failure, phase):
    assert measurement_phase(True, success or None, failure or None)[0] is phase


def test_evaluate_result_messages():
    """TestEvaluateResultErrorMessage*: which condition, the expression, nil/empty wording."""
    nil_or_empty = "metric result is nil or empty: no data returned from the metric provider"
    for empty in (None, []):
        phase, msg = measurement_phase(empty, "result[0] >= 0.95", None)
        assert phase is Phase.ERROR
        assert msg == f'could not evaluate successCondition "result[0] >= 0.95": {nil_or_empty}'
    _, msg = measurement_phase(True, "a == true", None)
    assert msg == 'could not evaluate successCondition "a == true": unknown name a'
    _, msg = measurement_phase(True, "true", "invalidVar == true")
    assert msg == (
        'could not evaluate failureCondition "invalidVar == true": unknown name invalidVar'
    )


@pytest.mark.parametrize(
    ("result", "condition", "message"),
    [
        ([0.5], "isNaN(result)", "cannot use []float64 as argument (type float64) to call isNaN "),
        (0.5, "result[0] > 1", "type float64[int] is undefined"),
        ([0.5], 'result[0] == "x"', "invalid operation: == (mismatched types float64 and string)"),
        ([0.5], "result.value > 1",
         "array elements can only be selected using an integer (got string)"),
        ([0.5], "all(result, # + 1)", "predicate should return boolean (got float64)"),
        (0.5, "all(result, # > 1)", "builtin all takes only array (got float64)"),
        (0.5, "result ? 1 : 2", "non-bool expression (type float64) used as condition"),
        (0.5, "-'a' == 1", "invalid operation: - (mismatched type string)"),
        (0.5, "isNaN()", "not enough arguments to call isNaN"),
    ],
)  # fmt: skip
def test_type_errors_are_exprs_compile_errors(result, condition, message):
    """Conditions that a dynamic evaluation might accept but expr.Compile rejects."""
    with pytest.raises(ConditionError) as info:
        evaluate_bool(condition, result)
    assert str(info.value) == message


def test_json_values_are_untyped_for_the_checker():
    """A web body's JSON numbers and arrays are interface values: no compile-time error,
    the run decides (here: a string compared with a number is simply not equal)."""
    assert evaluate_bool('result[0] == "x"', [0.5], json=True) is False
    assert evaluate_bool("result.ok == true", {"ok": True}, json=True) is True


def test_go_quote_escapes_as_strconv_quote():
    assert go_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert go_quote("tab\there\n") == '"tab\\there\\n"'
    assert go_quote("\x00é\u200b") == '"\\x00é\\u200b"'


def test_eval_time_as_argo():
    """TestEvalTimeWithSuccessExpr / ...NotTimeResult / ...InvalidExpression."""
    expr = 'date("2023-08-14 00:00:00", "2006-01-02 15:04:05", "UTC") - duration("1h")'
    assert evaluate_time(expr, now=0.0) == 1691967600.0  # 2023-08-13T23:00:00Z
    with pytest.raises(ConditionError, match=r"^unknown name hello$"):
        evaluate_time("hello", now=0.0)
    with pytest.raises(ConditionError):
        evaluate_time("now() -- ?", now=0.0)
    assert evaluate_time('now() - duration("1m30s")', now=1000.0) == 910.0
    with pytest.raises(ConditionError, match=r"^expected time.Time, but got time.Duration$"):
        evaluate_time('duration("1h")', now=0.0)


@pytest.mark.parametrize(
    ("text", "layout", "zone", "unix"),
    [
        ("2023-08-14", None, None, 1691971200.0),
        ("2023-08-14T02:00:00+02:00", None, None, 1691971200.0),
        ("Mon, 14 Aug 2023 00:00:00 UTC", None, None, 1691971200.0),
        ("14/08/2023 02:00", "02/01/2006 15:04", "Europe/Paris", 1691971200.0),
        ("Aug 14 2023 12:30:00.250 AM", "Jan 2 2006 03:04:05.000 PM", None, 1691973000.25),
    ],
)
def test_date_layouts(text, layout, zone, unix):
    def paris(name, local):  # the caller's time-zone database: CEST in August
        if name != "Europe/Paris":
            raise KeyError(name)
        return 7200.0

    args = ", ".join(f'"{a}"' for a in (text, layout, zone) if a is not None)
    assert evaluate_time(f"date({args})", now=0.0, zones=paris) == unix
    with pytest.raises(ConditionError, match="unknown time zone Mars/Base"):
        evaluate_time('date("2023-08-14", "2006-01-02", "Mars/Base")', now=0.0, zones=paris)
