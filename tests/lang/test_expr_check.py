"""The condition type checker, one rule a row: the nature an expression has, or expr's message.

Reference: expr-lang v1.17.8 (Argo's version) ``checker/checker.go`` (``binaryNode``,
``unaryNode``, ``memberNode``, ``conditionalNode``, ``checkArguments``) and
``checker/nature/nature.go`` (``ComparableTo``, ``MaybeCompatible``, ``AssignableTo``,
``PromoteNumericNature``; a nature without a type prints as ``unknown``). ``result`` is given
its nature directly, as a Go type name.
"""

from __future__ import annotations

import pytest

from canarysim.lang.expr.check import check, nature_of
from canarysim.lang.expr.parse import ConditionError, parse

U = "unknown"  # no static type: an interface value
ARR = "[]interface {}"
MAP = "map[string]interface {}"
T, D = "time.Time", "time.Duration"
NOW, MIN = "now()", 'duration("1m")'

# (expression, nature of result, nature of the expression)
NATURES = [
    pytest.param("result + 1", "interface {}", U, id="interface {} is unknown"),
    pytest.param("result[0]", ARR, U, id="element of []interface {} is unknown"),
    pytest.param("result[0]", "[]float64", "float64", id="element of []float64"),
    pytest.param("result.a", "map[string][]float64", "[]float64", id="element of a map"),
    pytest.param("result == nil", "[]float64", "bool", id="nil compares with anything"),
    pytest.param("nil != result", "int", "bool", id="nil on the left"),
    pytest.param("1 == result", U, "bool", id="unknown compares with anything"),
    pytest.param("result == [1]", "[]float64", "bool", id="arrays compare"),
    pytest.param("1 == 1.5", None, "bool", id="numbers compare"),
    pytest.param("result == result", "[]float64", "bool", id="same natures compare"),
    pytest.param("result == 1", "interface {}", "bool", id="interface compares"),
    pytest.param("result and true", U, "bool", id="and: maybe bool"),
    pytest.param("true || result", U, "bool", id="or: maybe bool, right"),
    pytest.param("result && result", U, "bool", id="and: both unknown"),
    pytest.param("result or false", U, "bool", id="or: maybe bool"),
    pytest.param('"a" < "b"', None, "bool", id="strings order"),
    pytest.param("1 < 2.5", None, "bool", id="numbers order"),
    pytest.param("result < 1", U, "bool", id="order: maybe number"),
    pytest.param('"a" >= result', U, "bool", id="order: maybe string"),
    pytest.param(f"{NOW} > {NOW}", None, "bool", id="times order"),
    pytest.param(f"{MIN} <= {MIN}", None, "bool", id="durations order"),
    pytest.param(f"result < {NOW}", U, "bool", id="order: maybe time"),
    pytest.param(f"{MIN} > result", U, "bool", id="order: maybe duration"),
    pytest.param("1 + 2", None, "int", id="int + int"),
    pytest.param("1 - 2.5", None, "float64", id="int - float"),
    pytest.param("1.5 * 2", None, "float64", id="float * int"),
    pytest.param("asInt(1) * 2", None, "int", id="int64 * int promotes to int"),
    pytest.param('"a" + "b"', None, "string", id="string + string"),
    pytest.param("result + 1", U, U, id="+: maybe number"),
    pytest.param('"a" + result', U, U, id="+: maybe string"),
    pytest.param(f"{NOW} + result", U, U, id="+: maybe time"),
    pytest.param("result - 1", U, U, id="-: maybe number"),
    pytest.param(f"result - {MIN}", U, U, id="-: maybe duration"),
    pytest.param(f"{NOW} - result", U, U, id="-: maybe time"),
    pytest.param("result * 2", U, U, id="*: maybe number"),
    pytest.param(f"result * {MIN}", U, U, id="*: maybe duration"),
    pytest.param(f"{NOW} - {NOW}", None, D, id="time - time"),
    pytest.param(f"{NOW} - {MIN}", None, T, id="time - duration"),
    pytest.param(f"{MIN} - {MIN}", None, D, id="duration - duration"),
    pytest.param(f"{NOW} + {MIN}", None, T, id="time + duration"),
    pytest.param(f"{MIN} + {NOW}", None, T, id="duration + time"),
    pytest.param(f"{MIN} + {MIN}", None, D, id="duration + duration"),
    pytest.param(f"2 * {MIN}", None, D, id="int * duration"),
    pytest.param(f"{MIN} * 1.5", None, D, id="duration * float"),
    pytest.param(f"{MIN} * {MIN}", None, D, id="duration * duration"),
    pytest.param("1 / 2", None, "float64", id="/ is float"),
    pytest.param("result ** 2", U, "float64", id="**: maybe number"),
    pytest.param("2 ^ 2", None, "float64", id="^ is float"),
    pytest.param("5 % 2", None, "int", id="% of integers"),
    pytest.param("result % 2", U, "int", id="%: maybe integer, left"),
    pytest.param("2 % result", U, "int", id="%: maybe integer, right"),
    pytest.param("result % result", U, "int", id="%: both unknown"),
    pytest.param('"a" in result', MAP, "bool", id="in: string key of a map"),
    pytest.param("result in {'a': 1}", U, "bool", id="in: unknown key of a map"),
    pytest.param("1 in result", "[]float64", "bool", id="in: number in []float64"),
    pytest.param('"a" in result', ARR, "bool", id="in: anything in []interface {}"),
    pytest.param('result in "abc"', U, "bool", id="in: unknown in a string"),
    pytest.param("1 in result", U, "bool", id="in: anything in unknown"),
    pytest.param('"a" matches "b"', None, "bool", id="matches"),
    pytest.param('result contains "b"', U, "bool", id="contains: maybe string"),
    pytest.param('"a" startsWith "b"', None, "bool", id="startsWith"),
    pytest.param('"a" endsWith "b"', None, "bool", id="endsWith"),
    pytest.param("nil ?? 1", None, "int", id="??: nil left"),
    pytest.param("1 ?? nil", None, "int", id="??: nil right"),
    pytest.param("result ?? 1", "interface {}", "interface {}", id="??: assignable to left"),
    pytest.param('1 ?? "a"', None, U, id="??: unrelated"),
    pytest.param("result ?? 2", "int", "int", id="??: same natures"),
    pytest.param("!result", "bool", "bool", id="! bool"),
    pytest.param("not result", U, "bool", id="not unknown"),
    pytest.param("-result", "float64", "float64", id="- number"),
    pytest.param("-result", U, U, id="- unknown"),
    pytest.param("true ? 1 : 2", None, "int", id="cond: same natures"),
    pytest.param("result ? 1 : 2", U, "int", id="cond: unknown test"),
    pytest.param('true ? 1 : "a"', None, U, id="cond: different natures"),
    pytest.param("true ? nil : 1", None, "int", id="cond: nil yes"),
    pytest.param("true ? 1 : nil", None, "int", id="cond: nil no"),
    pytest.param("true ? result : 1", "int", "int", id="cond: the result's nature"),
    pytest.param("[1, 2]", None, ARR, id="array literal"),
    pytest.param("{'a': 1}", None, MAP, id="map literal"),
    pytest.param("result.a", U, U, id="member of unknown"),
    pytest.param("result[result.a]", MAP, U, id="map: unknown key"),
    pytest.param("result[result[0]]", ARR, U, id="array: unknown index"),
    pytest.param("isNaN(result)", U, "bool", id="helper: unknown argument"),
    pytest.param("isNaN(1)", None, "bool", id="helper: integer for float64"),
    pytest.param("isNil(nil)", None, "bool", id="helper: any takes nil"),
    pytest.param("asFloat(result)", "string", "float64", id="helper result"),
    pytest.param("default(result, 1)", "int", U, id="default"),
    pytest.param("abs(1)", None, "int", id="abs keeps an int"),
    pytest.param("abs(1.5)", None, "float64", id="abs keeps a float"),
    pytest.param("abs(1, 2)", None, U, id="abs with two arguments is left to the run"),
    pytest.param('abs("a")', None, U, id="abs of a string is left to the run"),
    pytest.param("max(1, 2)", None, U, id="max"),
    pytest.param("min(1)", None, U, id="min"),
    pytest.param("sum(result)", "[]float64", U, id="sum"),
    pytest.param("ceil(1.5)", None, "float64", id="ceil"),
    pytest.param("len(result)", "[]float64", "int", id="len"),
    pytest.param(NOW, None, T, id="now"),
    pytest.param("all(result)", "[]float64", U, id="closure builtin: arity left to the run"),
    pytest.param("all(result, # > 1)", "[]float64", "bool", id="all"),
    pytest.param("any(result, #)", ARR, "bool", id="predicate of unknown nature"),
    pytest.param("count(result, # > 1)", "[]float64", "int", id="count"),
    pytest.param("map(result, # + 1)", "[]float64", ARR, id="map"),
    pytest.param("filter(result, # > 1)", "[]float64", "[]float64", id="filter keeps the array"),
    pytest.param("filter(result, # > 1)", U, ARR, id="filter of unknown"),
    pytest.param("filter(result, .a > 1)", ARR, ARR, id="member of the element"),
    pytest.param("#", None, U, id="element outside a closure"),
]


@pytest.mark.parametrize(("expression", "result", "nature"), NATURES)
def test_natures(expression: str, result: str | None, nature: str) -> None:
    assert check(parse(expression), result or "nil") == nature


# (expression, nature of result, message)
ERRORS = [
    pytest.param("result + 1", "nil", "invalid operation: + (mismatched types unknown and int)",
                 id="nil shown as unknown"),
    pytest.param("result == 1", "[]float64",
                 "invalid operation: == (mismatched types []float64 and int)",
                 id="array against a number"),
    pytest.param('1 == "a"', None, "invalid operation: == (mismatched types int and string)",
                 id="number against a string"),
    pytest.param("1 and true", None, "invalid operation: and (mismatched types int and bool)",
                 id="and of an int"),
    pytest.param("result || 1", U, "invalid operation: || (mismatched types unknown and int)",
                 id="or: unknown and an int"),
    pytest.param('1 < "a"', None, "invalid operation: < (mismatched types int and string)",
                 id="number against a string, ordered"),
    pytest.param(f"{NOW} < {MIN}", None,
                 "invalid operation: < (mismatched types time.Time and time.Duration)",
                 id="time against a duration, ordered"),
    pytest.param("true < true", None, "invalid operation: < (mismatched types bool and bool)",
                 id="booleans do not order"),
    pytest.param("result < true", U, "invalid operation: < (mismatched types unknown and bool)",
                 id="order: unknown and a bool"),
    pytest.param('1 - "a"', None, "invalid operation: - (mismatched types int and string)",
                 id="- of a string"),
    pytest.param('"a" - "b"', None, "invalid operation: - (mismatched types string and string)",
                 id="strings do not subtract"),
    pytest.param('result - "a"', U, "invalid operation: - (mismatched types unknown and string)",
                 id="-: unknown and a string"),
    pytest.param('result * "a"', U, "invalid operation: * (mismatched types unknown and string)",
                 id="*: unknown and a string"),
    pytest.param(f"result * {NOW}", U,
                 "invalid operation: * (mismatched types unknown and time.Time)",
                 id="*: unknown and a time"),
    pytest.param("result + true", U, "invalid operation: + (mismatched types unknown and bool)",
                 id="+: unknown and a bool"),
    pytest.param(f"{NOW} + {NOW}", None,
                 "invalid operation: + (mismatched types time.Time and time.Time)",
                 id="times do not add"),
    pytest.param(f"{MIN} - {NOW}", None,
                 "invalid operation: - (mismatched types time.Duration and time.Time)",
                 id="duration - time"),
    pytest.param(f"{NOW} * 2", None, "invalid operation: * (mismatched types time.Time and int)",
                 id="time * int"),
    pytest.param('"a" / 2', None, "invalid operation: / (mismatched types string and int)",
                 id="/ of a string"),
    pytest.param(f"{MIN} / 2", None,
                 "invalid operation: / (mismatched types time.Duration and int)",
                 id="/ of a duration"),
    pytest.param('result / "a"', U, "invalid operation: / (mismatched types unknown and string)",
                 id="/: unknown and a string"),
    pytest.param("1.5 % 2", None, "invalid operation: % (mismatched types float64 and int)",
                 id="% of a float"),
    pytest.param('result % "a"', U, "invalid operation: % (mismatched types unknown and string)",
                 id="%: unknown and a string"),
    pytest.param('"x" % 2', None, "invalid operation: % (mismatched types string and int)",
                 id="%: a string left"),
    pytest.param('2 % "x"', None, "invalid operation: % (mismatched types int and string)",
                 id="%: a string right"),
    pytest.param("1 in result", MAP, "cannot use int as type string in map key",
                 id="in: number as a map key"),
    pytest.param("nil in result", MAP, "cannot use unknown as type string in map key",
                 id="in: nil as a map key"),
    pytest.param('"a" in result', "[]float64", "cannot use string as type float64 in array",
                 id="in: string in []float64"),
    pytest.param('1 in "abc"', None, "invalid operation: in (mismatched types int and string)",
                 id="in: a string needs an unknown left"),
    pytest.param("1 in true", None, "invalid operation: in (mismatched types int and bool)",
                 id="in: a bool"),
    pytest.param('1 matches "a"', None,
                 "invalid operation: matches (mismatched types int and string)", id="matches"),
    pytest.param('result endsWith 1', U,
                 "invalid operation: endsWith (mismatched types unknown and int)",
                 id="endsWith: unknown and an int"),
    pytest.param('!"a"', None, "invalid operation: ! (mismatched type string)", id="! string"),
    pytest.param("-true", None, "invalid operation: - (mismatched type bool)", id="- bool"),
    pytest.param("1 ? 1 : 2", None, "non-bool expression (type int) used as condition",
                 id="cond: an int test"),
    pytest.param("nil ? 1 : 2", None, "non-bool expression (type unknown) used as condition",
                 id="cond: a nil test"),
    pytest.param("foo", None, "unknown name foo", id="unknown name"),
    pytest.param("foo(1)", None, "unknown name foo", id="unknown function"),
    pytest.param("result.a", "nil", "type nil has no field a", id="member of nil"),
    pytest.param("result?.a", "nil", "type nil has no field a", id="?. does not spare nil"),
    pytest.param("result[1]", "nil", "type unknown[int] is undefined", id="index of nil"),
    pytest.param("result[1]", MAP, "cannot use int to get an element from map[string]interface {}",
                 id="map: int key"),
    pytest.param("result[nil]", MAP,
                 "cannot use unknown to get an element from map[string]interface {}",
                 id="map: nil key"),
    pytest.param("result.a", "[]float64",
                 "array elements can only be selected using an integer (got string)",
                 id="array: name"),
    pytest.param("result[1.5]", "[]float64",
                 "array elements can only be selected using an integer (got float64)",
                 id="array: float index"),
    pytest.param("result.a", "int", "type int has no field a", id="field of an int"),
    pytest.param('result["a"]', "int", "type int has no field a", id="string index of an int"),
    pytest.param("result[1]", "string", "type string[int] is undefined", id="index of a string"),
    pytest.param("isNaN(1, 2)", None, "too many arguments to call isNaN", id="too many"),
    pytest.param("default(1)", None, "not enough arguments to call default", id="not enough"),
    pytest.param('isNaN("a")', None, "cannot use string as argument (type float64) to call isNaN ",
                 id="argument of the wrong type"),
    pytest.param("isInf(nil)", None, "cannot use nil as argument (type float64) to call isInf",
                 id="nil argument"),
    pytest.param("all(result, # > 1)", "int", "builtin all takes only array (got int)",
                 id="closure builtin over an int"),
    pytest.param("any(result, 1)", "[]float64", "predicate should return boolean (got int)",
                 id="predicate of an int"),
    pytest.param("filter(result, #)", "[]float64", "predicate should return boolean (got float64)",
                 id="filter predicate of a float"),
    pytest.param("map(result, #.a)", "[]float64", "type float64 has no field a",
                 id="the element's nature inside the closure"),
]  # fmt: skip


@pytest.mark.parametrize(("expression", "result", "message"), ERRORS)
def test_errors(expression: str, result: str | None, message: str) -> None:
    with pytest.raises(ConditionError) as err:
        check(parse(expression), result or "nil")
    assert str(err.value) == message


def test_a_closure_leaves_its_scope() -> None:
    """After ``all(...)``, ``#`` is unknown again (the scope is popped even on error)."""
    assert check(parse("all(result, # > 1) && # == 1"), "[]float64") == "bool"
    with pytest.raises(ConditionError):
        check(parse("all(result, #.a)"), "[]float64")


# (value, nature), and with json=True
NATURE_OF = [
    pytest.param(None, "nil", "nil", id="nil"),
    pytest.param(True, "bool", "bool", id="bool"),
    pytest.param(1, "int", "float64", id="int"),
    pytest.param(1.5, "float64", "float64", id="float"),
    pytest.param("a", "string", "string", id="string"),
    pytest.param([1, 2.5], "[]float64", ARR, id="numbers"),
    pytest.param((1,), "[]float64", ARR, id="tuple of numbers"),
    pytest.param([1, True], ARR, ARR, id="a bool is not a number"),
    pytest.param([1, "a"], ARR, ARR, id="mixed"),
    pytest.param({"a": 1}, MAP, MAP, id="map"),
    pytest.param(object(), U, U, id="anything else"),
]


@pytest.mark.parametrize(("value", "nature", "json_nature"), NATURE_OF)
def test_nature_of(value: object, nature: str, json_nature: str) -> None:
    assert nature_of(value) == nature
    assert nature_of(value, json=True) == json_nature
