"""Argo's ``asInt`` and ``asFloat`` helpers on the inputs Python and Go parse differently.

Upstream: argo-rollouts ``utils/evaluate/evaluate.go::asInt``/``asFloat``: a float converts with
Go's ``int64(f)``, a string goes through ``strconv.ParseInt(s, 10, 64)`` /
``strconv.ParseFloat(s, 64)``, and a parse error panics (an Error measurement whose message is
the strconv error).
"""

from __future__ import annotations

import math

import pytest

from canarysim.lang.expr.evaluate import ConditionError, evaluate_bool

INT64_MIN = -(2**63)

# (condition, result): each is true under Argo.
ACCEPTED = [
    pytest.param("asInt(result) == -3", -3.9, id="asInt truncates toward zero"),
    pytest.param("asInt(result) == -3", "-3", id="ParseInt signed"),
    pytest.param("asInt(result) == 3", "+3", id="ParseInt plus sign"),
    pytest.param("asInt(result) == 9223372036854775807", "9223372036854775807", id="int64 max"),
    pytest.param(f"asInt(result) == {INT64_MIN}", str(INT64_MIN), id="ParseInt int64 min"),
    pytest.param(f"asInt(result) == {INT64_MIN}", float("nan"), id="int64(NaN) amd64"),
    pytest.param(f"asInt(result) == {INT64_MIN}", math.inf, id="int64(+Inf) amd64"),
    pytest.param(f"asInt(result) == {INT64_MIN}", 1e19, id="int64(1e19) amd64"),
    pytest.param(f"asInt(result) == {INT64_MIN}", -1e19, id="int64(-1e19) amd64"),
    pytest.param(f"asInt(result) == {INT64_MIN}", -(2.0**63), id="int64 min exact"),
    pytest.param(f"asInt(result) == {INT64_MIN}", 2.0**63, id="int64 max + 1 amd64"),
    pytest.param("asInt(result) == 1000000000000000000", 1e18, id="large float in range"),
    pytest.param("asFloat(result) == 5", "5.", id="ParseFloat trailing dot"),
    pytest.param("asFloat(result) == 0.5", ".5", id="ParseFloat leading dot"),
    pytest.param("asFloat(result) == 1500", "1.5e3", id="ParseFloat exponent"),
    pytest.param("isInf(asFloat(result))", "-Infinity", id="ParseFloat Infinity"),
    pytest.param("isInf(asFloat(result))", "+inf", id="ParseFloat inf"),
    pytest.param("isNaN(asFloat(result))", "NaN", id="ParseFloat NaN"),
    pytest.param("asFloat(result) == 0", "1e-400", id="ParseFloat underflow is zero"),
]

# (condition, result, Go's strconv error)
REFUSED = [
    ("asInt(result) == 1000", "1_000", 'strconv.ParseInt: parsing "1_000": invalid syntax'),
    ("asInt(result) == 7", " 7", 'strconv.ParseInt: parsing " 7": invalid syntax'),
    ("asInt(result) == 3", "٣", 'strconv.ParseInt: parsing "٣": invalid syntax'),
    ("asInt(result) == 1", "", 'strconv.ParseInt: parsing "": invalid syntax'),
    ("asInt(result) > 0", "9223372036854775808",
     'strconv.ParseInt: parsing "9223372036854775808": value out of range'),
    ("asInt(result) < 0", "-9223372036854775809",
     'strconv.ParseInt: parsing "-9223372036854775809": value out of range'),
    ("asFloat(result) == 1.5", " 1.5", 'strconv.ParseFloat: parsing " 1.5": invalid syntax'),
    ("asFloat(result) == 1000", "1_000", 'strconv.ParseFloat: parsing "1_000": invalid syntax'),
    ("isNaN(asFloat(result))", "-nan", 'strconv.ParseFloat: parsing "-nan": invalid syntax'),
    ("asFloat(result) > 0", "1e400", 'strconv.ParseFloat: parsing "1e400": value out of range'),
    ("asFloat(result) < 0", "-1e400", 'strconv.ParseFloat: parsing "-1e400": value out of range'),
]  # fmt: skip


@pytest.mark.parametrize("condition, result", ACCEPTED)
def test_helpers_convert_as_go_does(condition, result):
    assert evaluate_bool(condition, result) is True


@pytest.mark.parametrize(("condition", "result", "message"), REFUSED)
def test_helpers_refuse_what_strconv_refuses(condition, result, message):
    with pytest.raises(ConditionError) as info:
        evaluate_bool(condition, result)
    assert str(info.value) == message
