"""Argo's analysis condition language: the subset of expr-lang that conditions use.

Argo evaluates ``successCondition`` / ``failureCondition`` with ``github.com/expr-lang/expr``
in an environment holding ``result`` and a few helpers (upstream
``utils/evaluate/evaluate.go::EvalCondition``). This module reimplements that language for
the expressions analysis templates actually use: comparisons and boolean logic, indexing and
member access, ``in``, string operators, the ternary and ``??``, and the builtins ``len``,
``all``/``any``/``none``/``one``/``filter``/``map``/``count`` (with ``#`` closures),
``max``/``min``/``sum``/``mean``/``median``/``abs``/``ceil``/``floor``/``round`` and Argo's
``asInt``, ``asFloat``, ``isNaN``, ``isInf``, ``isNil``, ``default``.

>>> evaluate("result[0] >= 0.95", [0.97])
True
>>> evaluate("len(result) == 0 || result[0] >= 0.95", [])
True
>>> evaluate("all(result, # < 1000)", [120.0, 980.0])
True
>>> evaluate("isNaN(result) || result >= 0.95", float("nan"))
True
>>> evaluate("result[0] >= 0.95", [])
Traceback (most recent call last):
    ...
canarysim.lang.expr.parse.ConditionError: index out of range: 0 (array length is 0)
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence

from canarysim.lang.expr.check import check, nature_of
from canarysim.lang.expr.goduration import GoDuration, parse_go_duration
from canarysim.lang.expr.gotime import GoTime, ZoneOffset, parse_date
from canarysim.lang.expr.parse import CLOSURE_BUILTINS, ConditionError, Node, parse
from canarysim.lang.expr.values import (
    _as_float,
    _as_int,
    _go_int,
    _go_v,
    _is_number,
    _map_key,
    _numbers,
    _type_name,
    go_quote,
)
from canarysim.lang.promql.functions import go_pow

__all__ = ["ConditionError", "evaluate", "evaluate_bool", "evaluate_time", "go_quote", "parse"]


# --------------------------------------------------------------------------- evaluation


class _Evaluator:
    def __init__(
        self, result: object, now: float | None = None, zones: ZoneOffset | None = None
    ) -> None:
        self.result = result
        self.now = now
        self.zones = zones
        self.elements: list[object] = []

    def run(self, node: Node) -> object:
        kind = node[0]
        handler: Callable[[Node], object] = getattr(self, f"_{kind}")
        return handler(node)

    def _lit(self, node: Node) -> object:
        return node[1]

    def _name(self, node: Node) -> object:
        if node[1] == "result":
            return self.result
        raise ConditionError(f"unknown name {node[1]}")

    def _elem(self, node: Node) -> object:
        if not self.elements:
            raise ConditionError("# is only valid inside a predicate")
        return self.elements[-1]

    def _array(self, node: Node) -> object:
        return [self.run(item) for item in node[1]]

    def _map(self, node: Node) -> object:
        return {self.run(k): self.run(v) for k, v in node[1]}

    def _cond(self, node: Node) -> object:
        test = self.run(node[1])
        if not isinstance(test, bool):
            raise ConditionError(f"non-bool expression (type {_type_name(test)}) used as condition")
        return self.run(node[2] if test else node[3])

    def _unary(self, node: Node) -> object:
        value = self.run(node[2])
        op = node[1]
        if op in ("not", "!"):
            if not isinstance(value, bool):
                raise ConditionError(f"invalid operation: {op} {_type_name(value)}")
            return not value
        if not _is_number(value):
            raise ConditionError(f"invalid operation: {op} {_type_name(value)}")
        return -value if op == "-" else value  # type: ignore[operator]

    def _member(self, node: Node) -> object:
        target = self.run(node[1])
        if target is None and node[3]:
            return None
        if isinstance(target, dict):
            return target.get(node[2])
        raise ConditionError(f"cannot fetch {node[2]} from {_type_name(target)}")

    def _index(self, node: Node) -> object:
        target = self.run(node[1])
        index = self.run(node[2])
        if isinstance(target, dict):
            return target.get(_map_key(index))
        if isinstance(target, list | tuple | str):
            # expr-lang vm/runtime/runtime.go::Fetch: ToInt (a float truncates), a negative
            # index counts from the end, and the message shows the index after that shift.
            if not _is_number(index):
                raise ConditionError(f"invalid operation: int({_type_name(index)})")
            i = _go_int(index)  # type: ignore[arg-type]
            if i < 0:
                i += len(target)
            if not 0 <= i < len(target):
                raise ConditionError(f"index out of range: {i} (array length is {len(target)})")
            return target[i]
        raise ConditionError(f"cannot fetch {_go_v(index)} from {_type_name(target)}")

    def _bin(self, node: Node) -> object:
        op = node[1]
        if op in ("and", "&&", "or", "||"):
            left = self.run(node[2])
            if not isinstance(left, bool):
                raise ConditionError(f"invalid operation: {op} on {_type_name(left)}")
            if (op in ("and", "&&")) != left:  # short-circuit
                return left
            right = self.run(node[3])
            if not isinstance(right, bool):
                raise ConditionError(f"invalid operation: {op} on {_type_name(right)}")
            return right
        if op == "??":
            left = self.run(node[2])
            return self.run(node[3]) if left is None else left
        return _binary(op, self.run(node[2]), self.run(node[3]))

    def _call(self, node: Node) -> object:
        fname, args = node[1], node[2]
        if fname in CLOSURE_BUILTINS:
            return self._closure_call(fname, args)
        values = [self.run(a) for a in args]
        if fname == "isNil":  # Argo's helper ignores its argument (evaluate.go)
            return self.result is None
        if fname == "default":  # likewise: the whole result, or the fallback
            _arity(values, 2)
            return values[1] if self.result is None else self.result
        if fname == "now":
            _arity(values, 0)
            if self.now is None:
                raise ConditionError("now() is only simulated in a rangeQuery's start and end")
            return GoTime(self.now)
        if fname in ("duration", "date"):
            return _time_builtin(fname, values, self.zones)
        builtin = _BUILTINS.get(fname)
        if builtin is None:
            raise ConditionError(f"unknown func {fname}")
        return builtin(values)

    def _closure_call(self, fname: str, args: Sequence[Node]) -> object:
        if len(args) != 2:  # the parser makes every second argument a closure
            raise ConditionError("expected at least 2 arguments")  # expr's parser
        items = self.run(args[0])
        if not isinstance(items, list | tuple):
            raise ConditionError(f"cannot iterate over {_type_name(items)}")
        outcomes: list[object] = []
        for item in items:
            self.elements.append(item)
            try:
                outcomes.append(self.run(args[1][1]))
            finally:
                self.elements.pop()
        if fname == "map":
            return outcomes
        for outcome in outcomes:
            if not isinstance(outcome, bool):
                raise ConditionError(f"predicate should return boolean (got {_type_name(outcome)})")
        hits = sum(1 for o in outcomes if o)
        if fname == "filter":
            return [items[i] for i, o in enumerate(outcomes) if o]
        return {
            "all": hits == len(outcomes),
            "any": hits > 0,
            "none": hits == 0,
            "one": hits == 1,
            "count": hits,
        }[fname]


def _arity(values: Sequence[object], n: int) -> None:
    """expr-lang ``builtin/builtin.go``'s wording (``len``, ``now``, ...)."""
    if len(values) != n:
        raise ConditionError(f"invalid number of arguments (expected {n}, got {len(values)})")


def _single(values: Sequence[object]) -> object:
    _arity(values, 1)
    return values[0]


def _one_number(fname: str, values: Sequence[object]) -> float:
    _arity(values, 1)
    if not _is_number(values[0]):
        raise ConditionError(f"invalid argument for {fname} (type {_type_name(values[0])})")
    return float(values[0])  # type: ignore[arg-type]


def _aggregate(fname: str, fn: Callable[[list[float]], float], values: list[object]) -> object:
    flat = [n for v in values for n in _numbers(v, fname)]
    if not flat:
        raise ConditionError(f"not enough arguments to call {fname}")
    return fn(flat)


def _len(values: list[object]) -> object:
    _arity(values, 1)
    if isinstance(values[0], list | tuple | str | dict):
        return len(values[0])
    raise ConditionError(f"invalid argument for len (type {_type_name(values[0])})")


_BUILTINS: dict[str, Callable[[list[object]], object]] = {
    "len": _len,
    "asInt": lambda v: _as_int(_single(v)),
    "asFloat": lambda v: _as_float(_single(v)),
    "isNaN": lambda v: math.isnan(_one_number("isNaN", v)),
    "isInf": lambda v: math.isinf(_one_number("isInf", v)),
    "abs": lambda v: abs(_one_number("abs", v)),
    "ceil": lambda v: float(math.ceil(_one_number("ceil", v))),
    "floor": lambda v: float(math.floor(_one_number("floor", v))),
    "round": lambda v: float(round(_one_number("round", v))),
    "max": lambda v: _aggregate("max", max, v),
    "min": lambda v: _aggregate("min", min, v),
    "sum": lambda v: _aggregate("sum", math.fsum, v),
    "mean": lambda v: _aggregate("mean", statistics.fmean, v),
    "median": lambda v: _aggregate("median", statistics.median, v),
}


def _time_builtin(fname: str, values: Sequence[object], zones: ZoneOffset | None) -> object:
    if not values or not all(isinstance(v, str) for v in values):
        raise ConditionError(f"invalid argument for {fname}")
    text = [str(v) for v in values]
    if fname == "duration":
        _arity(values, 1)
        return GoDuration(parse_go_duration(text[0]))
    if len(text) > 3:
        raise ConditionError(f"invalid number of arguments (expected at most 3, got {len(text)})")
    layout = text[1] if len(text) > 1 else None
    zone = text[2] if len(text) > 2 else None
    return parse_date(text[0], layout, zone, zones)


def _time_binary(op: str, a: object, b: object) -> object:
    """Go's time arithmetic as expr allows it (``Sub``, ``Add``, comparisons)."""
    if isinstance(a, GoTime) and isinstance(b, GoDuration) and op in ("+", "-"):
        return GoTime(a.unix + (b.ns if op == "+" else -b.ns) / 1e9)
    if isinstance(a, GoDuration) and isinstance(b, GoTime) and op == "+":
        return GoTime(b.unix + a.ns / 1e9)
    if isinstance(a, GoTime) and isinstance(b, GoTime) and op == "-":
        return GoDuration(round((a.unix - b.unix) * 1e9))
    if isinstance(a, GoDuration) and isinstance(b, GoDuration) and op in ("+", "-"):
        return GoDuration(a.ns + b.ns if op == "+" else a.ns - b.ns)
    if op == "*" and all(type(v) in (int, float, GoDuration) for v in (a, b)):
        # runtime.Multiply: a float makes it a float64 of nanoseconds, else a Duration
        x, y = (getattr(v, "ns", v) for v in (a, b))
        return x * y if float in (type(a), type(b)) else GoDuration(x * y)  # type: ignore[operator]
    if type(a) is type(b) and op in ("<", ">", "<=", ">=", "==", "!="):
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b,  # type: ignore[operator]
                "==": a == b, "!=": a != b}[op]  # fmt: skip
    raise ConditionError(
        f"invalid operation: {_type_name(a)} {op} {_type_name(b)} (mismatched types)"
    )


def _binary(op: str, a: object, b: object) -> object:
    if isinstance(a, GoTime | GoDuration) or isinstance(b, GoTime | GoDuration):
        return _time_binary(op, a, b)
    if op in ("==", "!="):
        equal = _equal(a, b)
        return equal if op == "==" else not equal
    if op == "in":
        if isinstance(b, dict):
            return _map_key(a) in b
        if isinstance(b, list | tuple):
            return any(_equal(a, item) for item in b)
        if b is None:  # expr-lang vm/runtime/runtime.go::In
            return False
        raise ConditionError(f'operator "in" not defined on {_type_name(b)}')
    if op in ("matches", "contains", "startsWith", "endsWith"):
        if not (isinstance(a, str) and isinstance(b, str)):
            raise ConditionError(
                f"invalid operation: {_type_name(a)} {op} {_type_name(b)} (mismatched types)"
            )
        if op == "matches":
            try:
                return re.search(b, a) is not None
            except re.error as err:
                raise ConditionError(f"invalid regexp {b!r}: {err}") from None
        return {"contains": b in a, "startsWith": a.startswith(b), "endsWith": a.endswith(b)}[op]
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    if op in ("<", ">", "<=", ">=") and isinstance(a, str) and isinstance(b, str):
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    if not (_is_number(a) and _is_number(b)):
        raise ConditionError(
            f"invalid operation: {_type_name(a)} {op} {_type_name(b)} (mismatched types)"
        )
    x, y = float(a), float(b)  # type: ignore[arg-type]
    if op in ("<", ">", "<=", ">="):  # any comparison with NaN is false, as in Go
        return {"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]
    both_int = isinstance(a, int) and isinstance(b, int)
    if op in ("+", "-", "*"):
        value = {"+": x + y, "-": x - y, "*": x * y}[op]
        return int(value) if both_int else value
    if op == "/":  # expr-lang's / is always float division; 1/0 gives +Inf
        if y == 0:
            return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x)
        return x / y
    if op == "%":
        if not both_int:
            raise ConditionError(f"invalid operation: {_type_name(a)} % {_type_name(b)}")
        if y == 0:
            raise ConditionError("integer divide by zero")
        return int(math.fmod(x, y))
    return go_pow(x, y)  # ** and ^, the parser's last operators: runtime.Exponent's math.Pow


def _equal(a: object, b: object) -> bool:
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)  # type: ignore[arg-type]
    return type(a) is type(b) and a == b


def evaluate(source: str, result: object) -> object:
    """Evaluate *source* with ``result`` bound to *result*; returns any value."""
    return _Evaluator(result).run(parse(source))


def evaluate_time(source: str, now: float, zones: ZoneOffset | None = None) -> float:
    """``EvalTime``: a ``rangeQuery`` bound such as ``now() - duration("5m")``, as Unix seconds;
    ``now`` is the (simulated) wall clock in Unix seconds, ``zones`` the time-zone database
    for ``date(..., "Europe/Paris")`` (UTC and numeric offsets need none)."""
    value = _Evaluator(None, now, zones).run(parse(source))
    if not isinstance(value, GoTime):
        raise ConditionError(f"expected time.Time, but got {_type_name(value)}")
    return value.unix


def evaluate_bool(source: str, result: object, *, json: bool = False) -> bool:
    """Compile and run a condition as ``EvalCondition`` does: type-checked first against the
    result's Go type (:mod:`.check`; ``json=True`` for a body decoded from JSON), then
    evaluated; Argo requires a bool (``expected bool, but got <type>``)."""
    ast = parse(source)
    check(ast, nature_of(result, json=json))
    value = _Evaluator(result).run(ast)
    if not isinstance(value, bool):
        raise ConditionError(f"expected bool, but got {_type_name(value)}")
    return value
