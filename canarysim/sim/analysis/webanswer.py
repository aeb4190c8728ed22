"""A web metric's answer as Argo's web provider reads it: a JSON body, a ``jsonPath``.

Upstream ``metricproviders/webmetric/webmetric.go``: the body is parsed as JSON, the metric's
``jsonPath`` (Kubernetes JSONPath, default ``{$}``) selects the result the conditions see, and
the measurement's value is that result as text. We read the simple paths people write
(``{$}``, ``{$.data.ok}``, ``{.items[0].value}``); anything fancier is an Error measurement
saying so, never a wrong answer.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

__all__ = ["JsonPathError", "select", "value_string"]

_STEP = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^']*)'\]")


class JsonPathError(Exception):
    """The path selects nothing, or is beyond the simple paths simulated."""


def select(body: Any, path: str) -> Any:
    """The part of ``body`` that ``path`` selects."""
    text = path.strip()
    if text in ("", "{$}", "{}", "{.}"):
        return body
    if not (text.startswith("{") and text.endswith("}")):
        raise JsonPathError(f"jsonPath {path!r}: only {{$...}} paths are simulated")
    inner = text[1:-1].strip()
    inner = inner[1:] if inner.startswith("$") else inner
    node, pos = body, 0
    while pos < len(inner):
        m = _STEP.match(inner, pos)
        if m is None:
            raise JsonPathError(f"jsonPath {path!r}: only .key and [index] steps are simulated")
        key, index, quoted = m.groups()
        pos = m.end()
        if index is not None:
            if not isinstance(node, list) or int(index) >= len(node):
                raise JsonPathError(
                    f"Could not find JSONPath in body: array index out of bounds: {index}"
                )
            node = node[int(index)]
        else:
            name = key if key is not None else quoted
            if not isinstance(node, dict) or name not in node:
                raise JsonPathError(f"Could not find JSONPath in body: {name} is not found")
            node = node[name]
    return node


def value_string(value: Any) -> str:
    """The measurement's ``value`` text: the selected result as Go's ``json.Marshal`` writes
    it (``getValue`` in webmetric.go): strings quoted, ``true``, ``null``, numbers in Go's
    shortest form, objects with sorted keys and no spaces."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            special = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
            raise ValueError(f"json: unsupported value: {special}")
        return go_float(value)
    if isinstance(value, dict):
        items = sorted((str(k), v) for k, v in value.items())
        return "{" + ",".join(f"{_go_string(k)}:{value_string(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(value_string(v) for v in value) + "]"
    return _go_string(str(value))


def _go_string(text: str) -> str:
    """A JSON string as Go writes it: HTML-sensitive characters escaped too."""
    out = json.dumps(text, ensure_ascii=False)
    for char, escape in _GO_ESCAPES.items():
        out = out.replace(char, escape)
    return out


_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def go_float(x: float) -> str:
    """A float64 as Go's encoding/json writes it: plain digits for 1e-6 <= |x| < 1e21,
    otherwise the shortest exponent form (``1e-7``, ``1e+21``)."""
    if x == 0:
        return "0"
    r = repr(float(x))
    if 1e-6 <= abs(x) < 1e21:
        text = format(Decimal(r), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    mantissa, _, exp = r.partition("e")
    sign = "-" if exp.startswith("-") else "+"
    return f"{mantissa}e{sign}{exp.lstrip('+-').lstrip('0') or '0'}"
