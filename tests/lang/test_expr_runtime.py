"""The condition evaluator's run-time behaviour, one row per rule (found missing by mutmut).

``evaluate`` runs without the type checker, as expr's VM does for a web body decoded from
JSON (every value an ``interface {}``), so these rows reach the run-time rules and messages of
expr-lang (``vm/runtime/runtime.go``, ``builtin/builtin.go``, ``builtin/lib.go``).
"""

from __future__ import annotations

import math

import pytest

from canarysim.lang.expr.evaluate import ConditionError, evaluate, evaluate_time, go_quote
from canarysim.lang.expr.goduration import GoDuration

T0 = 'date("2023-08-14")'  # 1691971200 Unix seconds

# (expression, result, value)
VALUES = [
    pytest.param('result ? "yes" : "no"', False, "no", id="ternary false branch"),
    pytest.param('result ? "yes" : "no"', True, "yes", id="ternary true branch"),
    pytest.param("result?.a", None, None, id="optional member on nil"),
    pytest.param("result?.a", {"a": 1}, 1, id="optional member on a map"),
    pytest.param("result.a", {"b": 1}, None, id="missing key is nil"),
    pytest.param('result["a"]', {"a": 2}, 2, id="map index"),
    pytest.param("result[nil]", {"": 3}, 3, id="nil map key is the zero key"),
    pytest.param("result[1.9]", [10, 20, 30], 20, id="float index truncates"),
    pytest.param("result[-1.5]", [10, 20, 30], 30, id="negative float index truncates"),
    pytest.param('"a" in result', {"a": 0}, True, id="in map"),
    pytest.param("1 in result", None, False, id="in nil is false"),
    pytest.param("nil == nil", None, True, id="nil equals nil"),
    pytest.param("result == nil", 0, False, id="zero is not nil"),
    pytest.param("max(result, 4)", [1, 7.5], 7.5, id="max flattens arrays"),
    pytest.param("sum(result)", [1, 2], 3.0, id="sum of array"),
    pytest.param("all(result, # > 0)", [], True, id="all of nothing"),
    pytest.param("one(result, # > 1)", [1, 2, 3], False, id="one with two hits"),
    pytest.param("one(result, # > 2)", [1, 2, 3], True, id="one with one hit"),
    pytest.param("count(result, # > 0)", [1, -1, 2], 2, id="count hits"),
    pytest.param("any(result, # > 5)", [1, 2], False, id="any without hit"),
    pytest.param("-result", 2, -2, id="negation"),
    pytest.param("+result", 2, 2, id="unary plus"),
    pytest.param("[1, result][1]", 2, 2, id="array literal"),
    pytest.param('{"a": result}.a', 2, 2, id="map literal"),
    pytest.param("min(result)", [3, 1.5, 2], 1.5, id="min"),
    pytest.param("mean(result)", [1, 2, 6], 3.0, id="mean"),
    pytest.param("median(result)", [1, 2, 6], 2.0, id="median"),
    pytest.param("false or true", None, True, id="or keyword"),
    pytest.param("true and false", None, False, id="and keyword"),
    pytest.param("false and result", 1, False, id="and short-circuits"),
    pytest.param("true or result", 1, True, id="or short-circuits"),
    pytest.param("result ?? 2", 1, 1, id="?? keeps a value"),
    pytest.param("result.a ?? 3", {"b": 1}, 3, id="?? replaces nil"),
    pytest.param("!result", True, False, id="bang"),
    pytest.param("not result", False, True, id="not"),
    pytest.param('"abc" contains "b"', None, True, id="contains"),
    pytest.param('"abc" contains "d"', None, False, id="contains not"),
    pytest.param('"abc" startsWith "ab"', None, True, id="startsWith"),
    pytest.param('"abc" startsWith "b"', None, False, id="startsWith not"),
    pytest.param('"abc" endsWith "bc"', None, True, id="endsWith"),
    pytest.param('"abc" endsWith "b"', None, False, id="endsWith not"),
    pytest.param('"abc" matches "b"', None, True, id="matches searches"),
    pytest.param('"abc" matches "^b"', None, False, id="matches anchored"),
    pytest.param('"ab" + "c"', None, "abc", id="string concatenation"),
    pytest.param('"a" < "b"', None, True, id="string less"),
    pytest.param('"b" > "a"', None, True, id="string greater"),
    pytest.param('"a" <= "a"', None, True, id="string less or equal"),
    pytest.param('"a" >= "b"', None, False, id="string greater or equal"),
    pytest.param('"a" < "a"', None, False, id="string less, equal"),
    pytest.param('"a" > "a"', None, False, id="string greater, equal"),
    pytest.param('"a" >= "a"', None, True, id="string greater or equal, equal"),
    pytest.param("1 < 2", None, True, id="number less"),
    pytest.param("2 > 2", None, False, id="number greater"),
    pytest.param("2 <= 2", None, True, id="number less or equal"),
    pytest.param("1 >= 2", None, False, id="number greater or equal"),
    pytest.param("1 == 1.0", None, True, id="int equals float"),
    pytest.param("1 != 2", None, True, id="not equal"),
    pytest.param('1 == "1"', None, False, id="number is not string"),
    pytest.param("7 + 2", None, 9, id="int sum stays int"),
    pytest.param("7 - 2", None, 5, id="int difference stays int"),
    pytest.param("7 * 2", None, 14, id="int product stays int"),
    pytest.param("7 + 0.5", None, 7.5, id="mixed sum is float"),
    pytest.param("7 - 0.5", None, 6.5, id="mixed difference is float"),
    pytest.param("7 * 0.5", None, 3.5, id="mixed product is float"),
    pytest.param("7 / 2", None, 3.5, id="division is float"),
    pytest.param("-7 % 3", None, -1, id="modulo truncates like Go"),
    pytest.param("7 % -3", None, 1, id="modulo sign of dividend"),
    pytest.param("2 ** 0.5 > 1.41", None, True, id="power of floats"),
    pytest.param("2 ^ 3", None, 8.0, id="caret is power"),
]


@pytest.mark.parametrize(("expression", "result", "value"), VALUES)
def test_runtime_values(expression, result, value):
    got = evaluate(expression, result)
    assert got == value and type(got) is type(value)


# (expression, result, expr's run-time message)
ERRORS = [
    # Go type names of every kind of value (Negate: "invalid operation: - %T").
    ("-result", None, "invalid operation: - <nil>"),
    ("-result", True, "invalid operation: - bool"),
    ("-result", "a", "invalid operation: - string"),
    ("-result", [1], "invalid operation: - []interface {}"),
    ("-result", {"a": 1}, "invalid operation: - map[string]interface {}"),
    (f"-{T0}", None, "invalid operation: - time.Time"),
    ('-duration("1h")', None, "invalid operation: - time.Duration"),
    ("-result", b"x", "invalid operation: - bytes"),  # not a JSON value: Python's name
    ("1 or true", None, "invalid operation: or on int"),
    ("true && result", "a", "invalid operation: && on string"),
    ("!result", 1, "invalid operation: ! int"),
    ("not result", "a", "invalid operation: not string"),
    ("+result", "a", "invalid operation: + string"),
    ("now()", None, "now() is only simulated in a rangeQuery's start and end"),
    ("nosuch(1)", None, "unknown func nosuch"),
    ('duration("1h") == 1', None, "invalid operation: time.Duration == int (mismatched types)"),
    ('1 < duration("1h")', None, "invalid operation: int < time.Duration (mismatched types)"),
    ('1 contains "a"', None, "invalid operation: int contains string (mismatched types)"),
    ('"a" matches 1', None, "invalid operation: string matches int (mismatched types)"),
    ('"a" matches "("', None,
     "invalid regexp '(': missing ), unterminated subpattern at position 0"),
    ('"a" + 1', None, "invalid operation: string + int (mismatched types)"),
    ('"a" < 1', None, "invalid operation: string < int (mismatched types)"),
    ("nil < 1", None, "invalid operation: <nil> < int (mismatched types)"),
    ("1.5 % 2", None, "invalid operation: float64 % int"),
    ("1 % 0", None, "integer divide by zero"),
    # Fetch
    ("result.a", None, "cannot fetch a from <nil>"),
    ("result.a", 1.5, "cannot fetch a from float64"),
    ("result[0]", 1.5, "cannot fetch 0 from float64"),
    ('result["a"]', True, "cannot fetch a from bool"),
    ("result[true]", 1.5, "cannot fetch true from float64"),
    ("result[false]", 1.5, "cannot fetch false from float64"),
    ("result[nil]", 1.5, "cannot fetch <nil> from float64"),
    ('result["a"]', [1], "invalid operation: int(string)"),
    ("result[-3]", [1, 2], "index out of range: -1 (array length is 2)"),
    ("result[2]", [1, 2], "index out of range: 2 (array length is 2)"),
    ("result[0/0]", [1, 2], "index out of range: -9223372036854775806 (array length is 2)"),
    ("result[result]", {"a": 1}, "reflect.Value.MapIndex: value of type map[string]interface {} "
     "is not assignable to type string"),
    ("1 in result", {"a": 1}, "reflect.Value.MapIndex: value of type int is not assignable to "
     "type string"),
    ('"a" in result', "abc", 'operator "in" not defined on string'),
    # conditions and predicates
    ("result ? 1 : 2", 1, "non-bool expression (type int) used as condition"),
    ("#", None, "# is only valid inside a predicate"),
    ("all(result)", [1], "expected at least 2 arguments"),
    ("all(result, # > 0)", 5, "cannot iterate over int"),
    ("all(result, #)", [1], "predicate should return boolean (got int)"),
    ("filter(result, #)", ["a"], "predicate should return boolean (got string)"),
    # builtins (builtin/builtin.go, builtin/lib.go)
    ("len(result, 1)", [1], "invalid number of arguments (expected 1, got 2)"),
    ("len(result)", 1.5, "invalid argument for len (type float64)"),
    ("asInt(1, 2)", None, "invalid number of arguments (expected 1, got 2)"),
    ("asInt(result)", True, "asInt: cannot convert bool"),
    ("asFloat(result)", [1], "asFloat: cannot convert []interface {}"),
    ("abs(result)", "1", "invalid argument for abs (type string)"),
    ("abs(1, 2)", None, "invalid number of arguments (expected 1, got 2)"),
    ("max(result)", [1, "2"], "invalid argument for max (type string)"),
    ("max(1, result)", None, "invalid argument for max (type <nil>)"),
    ("max(result)", [], "not enough arguments to call max"),
    ("default(result)", None, "invalid number of arguments (expected 2, got 1)"),
    ("now(1)", None, "invalid number of arguments (expected 0, got 1)"),
    ("duration()", None, "invalid argument for duration"),
    ("date()", None, "invalid argument for date"),
    ("date(1)", None, "invalid argument for date"),
    ('duration("1h", "2h")', None, "invalid number of arguments (expected 1, got 2)"),
    ('date("2023-08-14", "2006-01-02", "UTC", "x")', None,
     "invalid number of arguments (expected at most 3, got 4)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("expression", "x", "y", "value"),
    [
        ("x / y", 1.0, 0.0, math.inf),
        ("x / y", -1.0, 0.0, -math.inf),
        ("x / y", 1, 0, math.inf),
        ("x / y", 0.0, 0.0, math.nan),
        ("x / y", math.nan, 0.0, math.nan),
        ("x / y", 6, 4, 1.5),
        ("x ** y", 10.0, 400.0, math.inf),  # Go's math.Pow overflows to +Inf; Python raises
        ("x ** y", -10.0, 401.0, -math.inf),
        ("x ** y", 0.0, -1.0, math.inf),
        ("x ** y", -8.0, 1 / 3, math.nan),
    ],
)
def test_float_division_and_power(expression, x, y, value):
    """expr's ``/`` is float division (Go: x/0 is ±Inf, 0/0 NaN); ``**`` is ``math.Pow``."""
    got = evaluate(expression.replace("x", "result[0]").replace("y", "result[1]"), [x, y])
    assert got == value or (math.isnan(got) and math.isnan(value))


@pytest.mark.parametrize(("expression", "result", "message"), ERRORS)
def test_runtime_errors(expression, result, message):
    with pytest.raises(ConditionError) as info:
        evaluate(expression, result)
    assert str(info.value) == message


# Time arithmetic as Go allows it: (expression, Unix seconds of the time.Time it gives)
TIMES = [
    (f'{T0} + duration("1h")', 1691974800.0),
    (f'{T0} - duration("1h")', 1691967600.0),
    (f'duration("1000h") + {T0}', 1695571200.0),
    (f'{T0} + (duration("1h") - duration("30m"))', 1691973000.0),
    (f'{T0} + (duration("1h") + duration("30m"))', 1691976600.0),
    (f'{T0} + ({T0} - date("2023-08-13"))', 1692057600.0),
]


# (expression, value): runtime.Multiply (vm/runtime/helpers[generated].go) multiplies a Duration
# by an integer or a Duration into a Duration, and by a float into a float64 of nanoseconds.
DURATION_PRODUCTS = [
    pytest.param('duration("1m") * 2', GoDuration(120 * 10**9), id="duration times int"),
    pytest.param('2 * duration("1m")', GoDuration(120 * 10**9), id="int times duration"),
    pytest.param('duration("2ns") * duration("3ns")', GoDuration(6), id="duration times duration"),
    pytest.param('duration("1m") * 1.5', 90e9, id="duration times float is a float"),
    pytest.param('0.5 * duration("1s")', 5e8, id="float times duration is a float"),
]


@pytest.mark.parametrize(("expression", "value"), DURATION_PRODUCTS)
def test_duration_products(expression, value):
    assert evaluate(expression, None) == value


@pytest.mark.parametrize(("expression", "unix"), TIMES)
def test_time_arithmetic(expression, unix):
    assert evaluate_time(expression, now=0.0) == unix


@pytest.mark.parametrize(
    ("op", "earlier_first", "later_first", "same"),
    [
        ("<", True, False, False),
        (">", False, True, False),
        ("<=", True, False, True),
        (">=", False, True, True),
        ("==", False, False, True),
        ("!=", True, True, False),
    ],
)
def test_time_and_duration_comparisons(op, earlier_first, later_first, same):
    early, late = T0, 'date("2023-08-15")'
    assert evaluate(f"{early} {op} {late}", None) is earlier_first
    assert evaluate(f"{late} {op} {early}", None) is later_first
    assert evaluate(f"{early} {op} {early}", None) is same
    short, long = 'duration("1m")', 'duration("1h")'
    assert evaluate(f"{short} {op} {long}", None) is earlier_first
    assert evaluate(f"{long} {op} {short}", None) is later_first


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (f'duration("1h") - {T0}',
         "invalid operation: time.Duration - time.Time (mismatched types)"),
        (f"{T0} + {T0}", "invalid operation: time.Time + time.Time (mismatched types)"),
        (f'{T0} * duration("1h")',
         "invalid operation: time.Time * time.Duration (mismatched types)"),
        (f"{T0} < 1", "invalid operation: time.Time < int (mismatched types)"),
        (f'{T0} == duration("1h")',
         "invalid operation: time.Time == time.Duration (mismatched types)"),
    ],
)  # fmt: skip
def test_time_arithmetic_go_refuses(expression, message):
    with pytest.raises(ConditionError) as info:
        evaluate(expression, None)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("\a\b\f\r\v", '"\\a\\b\\f\\r\\v"'),
        ("\x7f", '"\\x7f"'),  # the last non-printable byte below 0x80
        ("\x80", '"\\u0080"'),  # the first rune beyond ASCII
        ("\uffff", '"\\uffff"'),  # the last rune written with \u
        ("\U000e0001", '"\\U000e0001"'),  # a non-printable rune beyond the BMP
    ],
)
def test_go_quote_escapes_every_class(text, quoted):
    """``strconv.Quote``: named escapes, \\x below 0x80, \\u up to 0xFFFF, \\U beyond."""
    assert go_quote(text) == quoted
