"""Type-checking a condition before it runs, as ``expr.Compile`` does with Argo's environment.

Argo compiles each condition with ``expr.Env`` holding ``result`` (whatever Go type the
provider returned) and its helpers (``utils/evaluate/evaluate.go::EvalCondition``), so a
condition that cannot type-check is an Error measurement with the checker's message even
when it would evaluate fine dynamically: ``asFloat(result) == "1.1"`` gives
``invalid operation: == (mismatched types float64 and string)``. This module re-derives the
checker's verdicts (expr-lang ``checker/checker.go``, ``checker/nature``) for the AST of
:mod:`canarysim.lang.expr.parse`, with Go type names as natures:

>>> from canarysim.lang.expr.parse import parse
>>> try:
...     check(parse('asFloat(result) == "1.1"'), nature_of("1.1"))
... except ConditionError as err:
...     print(err)
invalid operation: == (mismatched types float64 and string)
>>> check(parse("result[0] >= 0.95"), nature_of([0.97]))
'bool'
"""

from __future__ import annotations

from canarysim.lang.expr.parse import CLOSURE_BUILTINS, ConditionError, Node

__all__ = ["check", "nature_of"]

UNKNOWN = "unknown"  # no static type (an ``interface {}`` value); checks pass
NIL = "nil"
ANY_ARRAY = "[]interface {}"
ANY_MAP = "map[string]interface {}"
TIME = "time.Time"
DURATION = "time.Duration"

# Argo's helper functions: (parameter natures, result nature). ``any`` takes anything.
_ENV_FUNCS: dict[str, tuple[tuple[str, ...], str]] = {
    "asInt": (("any",), "int64"),
    "asFloat": (("any",), "float64"),
    "isNaN": (("float64",), "bool"),
    "isInf": (("float64",), "bool"),
    "isNil": (("any",), "bool"),
    "default": (("any", "any"), UNKNOWN),
}
# expr's own builtins that conditions use, by result nature (argument checks are left to the
# run, where they fail with the builtin's message).
_BUILTIN_RESULTS = {
    "now": TIME,
    "duration": DURATION,
    "date": TIME,
    "len": "int",
    "ceil": "float64",
    "floor": "float64",
    "round": "float64",
    "mean": "float64",
    "median": "float64",
}


def nature_of(value: object, *, json: bool = False) -> str:
    """The Go type of a provider's result as expr sees it: a Prometheus vector is
    ``[]float64``; a web body decoded from JSON holds ``float64``, ``[]interface {}`` and
    ``map[string]interface {}`` (``json=True``)."""
    if value is None:
        return NIL
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "float64" if json else "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        return "[]float64" if numbers and not json else ANY_ARRAY
    if isinstance(value, dict):
        return ANY_MAP
    return UNKNOWN


def _unknown(n: str) -> bool:
    return n in (UNKNOWN, "interface {}")


def _integer(n: str) -> bool:
    return n in ("int", "int64")


def _number(n: str) -> bool:
    return _integer(n) or n == "float64"


def _array(n: str) -> bool:
    return n.startswith("[]")


def _map(n: str) -> bool:
    return n.startswith("map[")


def _elem(n: str) -> str:
    if _array(n):
        inner = n[2:]
    elif _map(n):
        inner = n[n.index("]") + 1 :]
    else:
        return UNKNOWN
    return UNKNOWN if inner == "interface {}" else inner


def _shown(n: str) -> str:
    """``Nature.String``: a nil nature has no type and prints as unknown."""
    return UNKNOWN if n == NIL else n


def _assignable(a: str, b: str) -> bool:
    """``AssignableTo``, for the targets the checker asks about (a nature or ``string``: nil is
    assignable to neither)."""
    return a != NIL and (a == b or b == "interface {}")


def _comparable(a: str, b: str) -> bool:
    return (
        _unknown(a)
        or _unknown(b)
        or NIL in (a, b)
        or (_number(a) and _number(b))
        or (_array(a) and _array(b))
        or _assignable(a, b)
    )


def _maybe(a: str, b: str, *checks: str) -> bool:
    """``MaybeCompatible``: one side unknown and the other passing one of *checks*."""

    def passes(n: str) -> bool:
        return any(
            {
                "bool": n == "bool",
                "string": n == "string",
                "integer": _integer(n),
                "number": _number(n),
                "time": n == TIME,
                "duration": n == DURATION,
            }[c]
            for c in checks
        )

    return (
        (_unknown(a) and _unknown(b)) or (_unknown(a) and passes(b)) or (_unknown(b) and passes(a))
    )


#: Go's time arithmetic as expr's checker allows it: (operator, left, right) -> result.
_TIMED = {
    ("-", TIME, TIME): DURATION, ("-", TIME, DURATION): TIME, ("-", DURATION, DURATION): DURATION,
    ("+", TIME, DURATION): TIME, ("+", DURATION, TIME): TIME, ("+", DURATION, DURATION): DURATION,
    ("*", "number", DURATION): DURATION, ("*", DURATION, "number"): DURATION,
    ("*", DURATION, DURATION): DURATION,
}  # fmt: skip


def _promote(a: str, b: str) -> str:
    return "float64" if "float64" in (a, b) else "int"


class _Checker:
    def __init__(self, result: str) -> None:
        self.result = result
        self.scopes: list[str] = []

    def visit(self, node: Node) -> str:
        kind = node[0]
        if kind == "lit":
            return nature_of(node[1])
        if kind == "name":
            if node[1] == "result":
                return self.result
            raise ConditionError(f"unknown name {node[1]}")
        if kind == "elem":
            return _elem(self.scopes[-1]) if self.scopes else UNKNOWN
        if kind == "array":
            for item in node[1]:
                self.visit(item)
            return ANY_ARRAY
        if kind == "map":
            for _, value in node[1]:
                self.visit(value)
            return ANY_MAP
        if kind == "cond":
            test = self.visit(node[1])
            if test != "bool" and not _unknown(test):
                raise ConditionError(f"non-bool expression (type {_shown(test)}) used as condition")
            yes, no = self.visit(node[2]), self.visit(node[3])
            if yes == NIL:
                return no
            return yes if no == NIL or _assignable(yes, no) else UNKNOWN
        if kind == "unary":
            return self._unary(node[1], self.visit(node[2]))
        if kind == "bin":
            return self._binary(node[1], self.visit(node[2]), self.visit(node[3]))
        if kind == "member":
            return self._member(self.visit(node[1]), node[2], "string")
        if kind == "index":
            index = node[2]
            prop = self.visit(index)
            name = index[1] if index[0] == "lit" and isinstance(index[1], str) else None
            return self._member(self.visit(node[1]), name, prop)
        if kind == "call":
            return self._call(node[1], node[2])
        return UNKNOWN  # closures are checked by their builtin

    def _unary(self, op: str, n: str) -> str:
        if op in ("!", "not"):
            if n == "bool" or _unknown(n):
                return "bool"
        elif _number(n):
            return n
        elif _unknown(n):
            return UNKNOWN
        raise ConditionError(f"invalid operation: {op} (mismatched type {_shown(n)})")

    def _binary(self, op: str, a: str, b: str) -> str:
        """``binaryNode``: the nature of ``a op b``, or expr's mismatched-types error."""
        if op == "??":
            if a == NIL:
                return b
            return a if b == NIL or _assignable(b, a) else UNKNOWN
        ok: str | None
        if op in ("==", "!="):
            ok = "bool" if _comparable(a, b) else None
        elif op in ("or", "||", "and", "&&"):
            both = a == "bool" and b == "bool"
            ok = "bool" if both or _maybe(a, b, "bool") else None
        elif op in ("<", ">", "<=", ">="):
            same = (_number(a) and _number(b)) or (a == b and a in ("string", TIME, DURATION))
            ok = "bool" if same or _maybe(a, b, "number", "string", "time", "duration") else None
        elif op in ("-", "*", "+"):
            ok = self._arithmetic(op, a, b)
        elif op in ("/", "**", "^"):
            ok = "float64" if (_number(a) and _number(b)) or _maybe(a, b, "number") else None
        elif op == "%":
            both = _integer(a) and _integer(b)
            ok = "int" if both or _maybe(a, b, "integer") else None
        elif op == "in":
            ok = self._in(a, b)
        else:  # matches, contains, startsWith, endsWith: the parser makes no other operator
            both = a == "string" and b == "string"
            ok = "bool" if both or _maybe(a, b, "string") else None
        if ok is None:
            raise ConditionError(
                f"invalid operation: {op} (mismatched types {_shown(a)} and {_shown(b)})"
            )
        return ok

    def _arithmetic(self, op: str, a: str, b: str) -> str | None:
        """``-``, ``*`` and ``+``: numbers promote; times and durations as Go's time allows."""
        if _number(a) and _number(b):
            return _promote(a, b)
        kinds = ("number" if _number(a) else a, "number" if _number(b) else b)
        if (op, *kinds) in _TIMED:
            return _TIMED[(op, *kinds)]
        if op == "+" and a == b == "string":
            return "string"
        checks = {"-": ("number", "time", "duration"), "*": ("number", "duration")}
        if _maybe(a, b, *checks.get(op, ("number", "string", "time", "duration"))):
            return UNKNOWN
        return None

    def _in(self, a: str, b: str) -> str | None:
        if _map(b):
            if not _unknown(a) and not _assignable(a, "string"):
                raise ConditionError(f"cannot use {_shown(a)} as type string in map key")
            return "bool"
        if _array(b):
            elem = _elem(b)
            if not _comparable(a, elem):
                raise ConditionError(f"cannot use {_shown(a)} as type {elem} in array")
            return "bool"
        if _unknown(a) and b == "string":
            return "bool"
        return "bool" if _unknown(b) else None

    def _member(self, base: str, name: str | None, prop: str) -> str:
        """``memberNode``: ``base.name`` or ``base["name"]`` (*name* set), or ``base[prop]``.
        As in expr, ``?.`` does not spare a nil base: only the run is lenient."""
        if _unknown(base):
            return UNKNOWN
        if name is not None and base == NIL:
            raise ConditionError(f"type nil has no field {name}")
        if _map(base):
            if not _assignable(prop, "string") and not _unknown(prop):
                raise ConditionError(
                    f"cannot use {_shown(prop)} to get an element from {_shown(base)}"
                )
            return _elem(base)
        if _array(base):
            if not _integer(prop) and not _unknown(prop):
                raise ConditionError(
                    f"array elements can only be selected using an integer (got {_shown(prop)})"
                )
            return _elem(base)
        if name is not None:
            raise ConditionError(f"type {_shown(base)} has no field {name}")
        raise ConditionError(f"type {_shown(base)}[{_shown(prop)}] is undefined")

    def _call(self, fname: str, args: tuple[Node, ...]) -> str:
        if fname in CLOSURE_BUILTINS:
            return self._closure_builtin(fname, args)
        if fname in _ENV_FUNCS:
            params, out = _ENV_FUNCS[fname]
            if len(args) > len(params):
                raise ConditionError(f"too many arguments to call {fname}")
            if len(args) < len(params):
                raise ConditionError(f"not enough arguments to call {fname}")
            for i, want in enumerate(params):
                got = self.visit(args[i])
                # integers are converted where a float64 is wanted (checkArguments)
                fits = got == want or (want == "float64" and _integer(got))
                if not (want == "any" or _unknown(got) or fits):
                    end = "" if got == NIL else " "  # expr's message ends with a space, nil's not
                    raise ConditionError(
                        f"cannot use {got} as argument (type {want}) to call {fname}{end}"
                    )
            return out
        natures = [self.visit(a) for a in args]
        if fname == "abs" and len(natures) == 1 and _number(natures[0]):
            return natures[0]
        if fname in _BUILTIN_RESULTS or fname in ("abs", "max", "min", "sum"):
            return _BUILTIN_RESULTS.get(fname, UNKNOWN)
        raise ConditionError(f"unknown name {fname}")

    def _closure_builtin(self, fname: str, args: tuple[Node, ...]) -> str:
        if len(args) != 2:
            return UNKNOWN  # the run reports the arity (the parser makes a 2nd argument a closure)
        collection = self.visit(args[0])
        if not _array(collection) and not _unknown(collection):
            raise ConditionError(f"builtin {fname} takes only array (got {_shown(collection)})")
        self.scopes.append(collection)
        try:
            out = self.visit(args[1][1])
        finally:
            self.scopes.pop()
        if fname == "map":
            return ANY_ARRAY
        if out != "bool" and not _unknown(out):
            raise ConditionError(f"predicate should return boolean (got {_shown(out)})")
        if fname == "filter":
            return collection if _array(collection) else ANY_ARRAY
        return "int" if fname == "count" else "bool"


def check(ast: Node, result: str) -> str:
    """The nature *ast* evaluates to with ``result`` of nature *result*; raises
    :class:`ConditionError` with expr's message where ``expr.Compile`` would fail."""
    return _Checker(result).visit(ast)
