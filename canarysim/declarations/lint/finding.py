"""A lint finding at a path of a loaded object: the object's file and the line the path
starts on (the object's own line where the path is not in its source)."""

from __future__ import annotations

from canarysim.declarations.findings import Finding, Severity
from canarysim.declarations.manifests.base import Resource

__all__ = ["at"]


def at(obj: Resource, path: tuple[object, ...], rule: str, sev: Severity, msg: str) -> Finding:
    return Finding(obj.file, obj.line_of(*path), rule, sev, msg)
