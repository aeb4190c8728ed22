"""Kubernetes ``field.Error`` as text, byte for byte.

Argo's InvalidSpec message is ``The Rollout "<name>" is invalid: <field.Error>``, and a
``field.Error`` prints as ``<path>: <type>: <value>: <detail>``
(k8s.io/apimachinery/pkg/util/validation/field/errors.go, ``Error.ErrorBody``): ints and bools
with ``%v``, strings with Go's ``%q``, anything else as its JSON. Required, Forbidden and
Internal errors print no value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["FieldError", "go_json", "go_quote", "go_value"]

ErrorType = Literal["Invalid", "Required", "Internal", "Duplicate", "NotSupported", "Forbidden"]

_TYPE_TEXT = {
    "Invalid": "Invalid value",
    "Required": "Required value",
    "Internal": "Internal error",
    "Duplicate": "Duplicate value",
    "NotSupported": "Unsupported value",
    "Forbidden": "Forbidden",
}


@dataclass(frozen=True)
class FieldError:
    """One validation error. ``path`` uses ``a.b[0].c``; ``value`` is the Go bad value
    (Python int/bool/str/None/dict/list)."""

    path: str
    type: ErrorType
    value: Any = None
    detail: str = ""

    def body(self) -> str:
        if self.type in ("Required", "Internal", "Forbidden"):
            text = _TYPE_TEXT[self.type]
        else:
            text = f"{_TYPE_TEXT[self.type]}: {go_value(self.value)}"
        return f"{text}: {self.detail}" if self.detail else text

    def __str__(self) -> str:
        return f"{self.path}: {self.body()}"


def go_value(value: Any) -> str:
    """A bad value as ``field.Error`` prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    return go_json(value)


def go_json(value: Any) -> str:
    """``encoding/json.Marshal``: compact, with <, > and & escaped; ``None`` is ``null``."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote`` (``%q``) for the strings that occur in manifests."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x10000:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x80 else f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'
