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
    """The measurement's ``value`` text: strings as they are, numbers as Go prints a
    float64, booleans lower case, ``null`` for nothing, JSON for objects and arrays."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        f = float(value)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "+Inf" if f > 0 else "-Inf"
        return f"{f:.15g}"
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
