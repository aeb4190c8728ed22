"""Validating data against a pydantic model, with failures as one-line ScenarioErrors.

pydantic reports a location as a tuple of keys; we map it back onto the YAML document to find
the line, and phrase the expectation for a person ("a whole number", not ``int_parsing``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from canarysim.declarations.yamlio import Path_, format_path, scenario_error
from canarysim.errors import ScenarioError

__all__ = ["data_path", "validate_model"]

M = TypeVar("M", bound=BaseModel)


def validate_model(
    model: type[M],
    data: Any,
    *,
    file: str,
    lines: Mapping[Path_, int],
    base: Path_ = (),
) -> M:
    """``model.model_validate(data)``, or a :class:`ScenarioError` for its first error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise to_scenario_error(exc, data, model=model, file=file, lines=lines, base=base) from None
    except (ValueError, TypeError, RecursionError) as exc:  # pragma: no cover - defensive
        raise scenario_error(file, format_path(base), "valid input", got=str(exc)) from None


def to_scenario_error(
    exc: ValidationError,
    data: Any,
    *,
    model: type[BaseModel] | None = None,
    file: str,
    lines: Mapping[Path_, int],
    base: Path_ = (),
) -> ScenarioError:
    err, path = _deepest(exc.errors(include_url=False), data)
    full = (*base, *path)
    line = _line(lines, full)
    expected, got = _phrase(err, data, path)
    if err["type"] == "extra_forbidden" and path:
        expected += did_you_mean(str(path[-1]), sorted(known_keys(model)))
    if err["type"] in {"union_tag_invalid", "union_tag_not_found"}:
        disc = str((err.get("ctx") or {}).get("discriminator", "")).strip("'")
        found, node = _lookup(data, path)
        if found and isinstance(node, Mapping) and disc in node:
            full = (*full, disc)
            line = _line(lines, full)
            got = repr(node[disc])
            tags = [t.strip(" '") for t in str(err["ctx"].get("expected_tags", "")).split(",")]
            expected += did_you_mean(str(node[disc]), tags)
    return scenario_error(file, format_path(full), expected, line=line, got=got)


def _error_path(err: Any, data: Any) -> Path_:
    """The part of an error's location that exists in ``data`` (see :func:`data_path`)."""
    loc = tuple(err["loc"])
    if err["type"] == "null_value":  # raised by a model about one of its keys
        loc = (*loc, (err.get("ctx") or {}).get("key", ""))
    return data_path(data, loc, keep_last=err["type"] in {"missing", "null_value"})


def _deepest(errors: list[Any], data: Any) -> tuple[Any, Path_]:
    """The error to report, and where in ``data`` it is: the first error's field, and within
    it the error that reaches furthest into what was written. A union reports one error per
    member, in declaration order: for ``errorRate: [{at: 1m, value: x}]`` the number member
    says "expected a number" about the whole list, while the list member points at
    ``errorRate[0].value``, the part that is wrong."""
    first = errors[0]
    best, best_path = first, _error_path(first, data)
    for err in errors[1:]:
        path = _error_path(err, data)
        if path[: len(best_path)] == best_path and len(path) > len(best_path):
            best, best_path = err, path
    return best, best_path


def data_path(data: Any, loc: tuple[Any, ...], *, keep_last: bool = True) -> Path_:
    """Keep the parts of a pydantic location that exist in ``data``: pydantic inserts union
    member names and validator tags that the user never wrote. With ``keep_last``, the last
    part is kept even when absent from the data: it names a missing field."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if _has(node, part):
            out.append(part)
            node = node[part]
        elif (
            keep_last and i == len(loc) - 1 and isinstance(part, str) and isinstance(node, Mapping)
        ):
            out.append(part)
    return tuple(out)


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, Mapping):
        return isinstance(part, str) and part in node
    if isinstance(node, list):
        return isinstance(part, int) and 0 <= part < len(node)
    return False


def _line(lines: Mapping[Path_, int], path: Path_) -> int | None:
    p = tuple(path)
    while True:
        if p in lines:
            return lines[p]
        if not p:
            return None
        p = p[:-1]


def _lookup(data: Any, path: Path_) -> tuple[bool, Any]:
    node = data
    for part in path:
        if _has(node, part):
            node = node[part]
        else:
            return False, None
    return True, node


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_EXPECTED = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "a string",
    "dict_type": "a mapping",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "missing": "this field to be set",
    "finite_number": "a finite number",
}


def _phrase(err: Mapping[str, Any], data: Any, path: Path_) -> tuple[str, str | None]:
    """(what was expected, what was found) in words, from a pydantic error."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    found, value = _lookup(data, path)
    got = _short(value) if found else None
    if kind == "null_value":
        return str(err.get("msg", "a value")), "null"
    if kind == "extra_forbidden":
        return "a known field (this one is not part of the format)", None
    if kind in _EXPECTED:
        return _EXPECTED[kind], got if kind != "missing" else None
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        op = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }[kind]
        bound = next(iter(ctx.values()), "")
        return f"a number {op} {bound}", got
    if kind == "literal_error":
        return f"one of {ctx.get('expected', '')}", got
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        return f"one of {ctx.get('expected_tags', '')}", got
    if kind == "value_error" or kind == "assertion_error":
        msg = str(err.get("msg", ""))
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if ", got " in msg:
            exp, _, actual = msg.partition(", got ")
            return exp, actual
        return msg, got
    msg = str(err.get("msg", "a valid value"))
    return msg[:1].lower() + msg[1:], got


def known_keys(model: type[BaseModel] | None) -> set[str]:
    """Every key (alias) of ``model`` and of the models nested in it."""
    seen: set[type[BaseModel]] = set()
    keys: set[str] = set()

    def visit(tp: Any) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp in seen:
                return
            seen.add(tp)
            for name, info in tp.model_fields.items():
                keys.add(info.alias or name)
                visit(info.annotation)
            return
        for arg in get_args(tp):
            visit(arg)

    visit(model)
    return keys


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, case-insensitively, or ``""``."""
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    import difflib  # only when a key is wrong: kept out of every start-up

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
