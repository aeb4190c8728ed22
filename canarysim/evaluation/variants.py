"""The variants of a sweep: ``PATH=V1,V2,...`` changes of a scenario, validated like a file.

A PATH is dot-separated; a segment with dots or colons inside is double-quoted
(``versions."nginx:1.15.5".errorRate``) and a number indexes a list. It names:

* a scenario field: ``traffic.rate``, ``versions."<image>".errorRate``, ``until``, ``slo.errorRate``
  (checked against the scenario format as the path is read, so a typo names the bad segment);
* ``steps``: the simulated Rollout's ``spec.strategy.canary.steps``;
* ``rollout.<path>``: a field of the simulated Rollout (``rollout.spec.replicas``);
* ``<Kind>/<name>.<path>``: a field of another loaded manifest
  (``AnalysisTemplate/error-rate.spec.metrics.0.successCondition``).

Each value is YAML (``0.01``, ``30s``, ``[{setWeight: 10}]``); ``@FILE`` reads step lists from a
YAML file (a list of steps, a list of step lists, or a mapping name -> step list). Every variant
is built with ``Scenario.with_changes``/``with_manifest``, so it is validated in full and a bad
value raises :class:`~canarysim.errors.ScenarioError` naming the field. Several PATHs give the
cartesian product of their values.
"""

from __future__ import annotations

import copy
import itertools
import json
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel

from canarysim.declarations.scenario.model import Scenario
from canarysim.errors import ScenarioError

__all__ = ["Variant", "expand", "parse_path", "parse_vary", "read_values"]

VARY = "--vary"
STEPS_PATH = ("spec", "strategy", "canary", "steps")


@dataclass(frozen=True)
class Variant:
    """One point of a sweep: a label (``traffic.rate=50``), its changes and the scenario."""

    label: str
    changes: tuple[tuple[str, Any], ...]
    scenario: Scenario


def parse_path(text: str) -> tuple[str | int, ...]:
    """``'versions."a:1.0".errorRate'`` -> ``("versions", "a:1.0", "errorRate")``."""
    segments: list[str | int] = []
    i, n = 0, len(text)
    if not text:
        raise ScenarioError(VARY, "", "a PATH such as traffic.rate before '='")
    while i < n:
        if text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise ScenarioError(VARY, text, "a closing double quote in the PATH")
            segments.append(text[i + 1 : end])
            i = end + 1
        else:
            end = text.find(".", i)
            end = n if end < 0 else end
            part = text[i:end]
            if not part:
                raise ScenarioError(VARY, text, "no empty segment in the PATH (two dots?)")
            segments.append(int(part) if part.isdigit() else part)
            i = end
        if i < n:
            if text[i] != ".":
                raise ScenarioError(VARY, text, "a '.' after a quoted segment")
            i += 1
            if i == n:
                raise ScenarioError(VARY, text, "a segment after the last '.'")
    return tuple(segments)


def _split_values(text: str) -> list[str]:
    """Split on commas outside brackets, braces and quotes."""
    out, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [v.strip() for v in out]


def read_values(path_text: str, spec: str) -> list[tuple[str, Any]]:
    """The labelled values of one ``--vary``'s right-hand side."""
    if spec.startswith("@"):
        return _file_values(path_text, spec[1:])
    values: list[tuple[str, Any]] = []
    for item in _split_values(spec):
        if not item:
            raise ScenarioError(VARY, path_text, "a value after '=' and between commas")
        try:
            value = yaml.safe_load(item)
        except yaml.YAMLError:
            raise ScenarioError(VARY, path_text, "YAML values", got=item) from None
        values.append((item, value))
    return values


def _file_values(path_text: str, file: str) -> list[tuple[str, Any]]:
    from canarysim.declarations.yamlio import read_documents

    docs = read_documents(file)
    out: list[tuple[str, Any]] = []
    for d, doc in enumerate(docs):
        data = doc.data
        if isinstance(data, Mapping):
            out += [(f"@{file}:{name}", value) for name, value in data.items()]
        elif isinstance(data, list) and data and all(isinstance(v, list) for v in data):
            out += [(f"@{file}#{i + 1}", value) for i, value in enumerate(data)]
        else:
            suffix = f"#{d + 1}" if len(docs) > 1 else ""
            out.append((f"@{file}{suffix}", data))
    if not out:
        raise ScenarioError(file, path_text, "at least one value (a step list or a mapping)")
    return out


def parse_vary(text: str) -> tuple[str, list[tuple[str, Any]]]:
    """``"traffic.rate=50,100"`` -> ``("traffic.rate", [("50", 50), ("100", 100)])``."""
    path, sep, spec = text.partition("=")
    if not sep or not spec:
        raise ScenarioError(VARY, text, "PATH=V1,V2,... (e.g. traffic.rate=50,100)")
    parse_path(path.strip())
    return path.strip(), read_values(path.strip(), spec.strip())


def _short(value: Any, limit: int = 48) -> str:
    text = json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _normalize(vary: Mapping[str, Any] | Sequence[Any] | None) -> list[tuple[str, list]]:
    if not vary:
        return []
    items = vary.items() if isinstance(vary, Mapping) else vary
    out: list[tuple[str, list[tuple[str, Any]]]] = []
    for entry in items:
        if isinstance(entry, str):
            out.append(parse_vary(entry))
            continue
        path, values = entry
        if isinstance(values, str):
            out.append((path, read_values(path, values)))
        elif isinstance(values, Mapping):
            out.append((path, [(str(k), v) for k, v in values.items()]))
        else:
            out.append((path, [(_short(v), v) for v in values]))
    return out


def expand(scenario: Scenario, vary: Mapping[str, Any] | Sequence[Any] | None) -> list[Variant]:
    """Every combination of the varied values, applied to ``scenario`` (the scenario alone when
    nothing varies). ``vary`` maps PATH to a list of values (or to ``"V1,V2"`` / ``"@file"``
    text, or to a mapping label -> value); ``--vary`` strings are accepted too."""
    axes = _normalize(vary)
    if not axes:
        return [Variant(scenario.name or "scenario", (), scenario)]
    for path, values in axes:
        if not values:
            raise ScenarioError(VARY, path, "at least one value")
    variants = []
    for combo in itertools.product(*(values for _, values in axes)):
        changes = tuple((path, value) for (path, _), (_, value) in zip(axes, combo, strict=True))
        label = ", ".join(
            f"{path}={text}" for (path, _), (text, _) in zip(axes, combo, strict=True)
        )
        varied = scenario
        for path, value in changes:
            varied = apply(varied, path, value)
        _refuse_invalid(varied, label)
        variants.append(Variant(label, changes, varied))
    return variants


def _refuse_invalid(scenario: Scenario, label: str) -> None:
    """What ``canarysim validate`` calls an error, a sweep refuses too (one line, the first)."""
    from canarysim.declarations.validate import validate_scenario

    errors = [f for f in validate_scenario(scenario) if f.severity == "error"]
    if errors:
        raise ScenarioError(VARY, label, "a valid variant; " + errors[0].message)


# -- applying one change -------------------------------------------------------------------


def apply(scenario: Scenario, path_text: str, value: Any) -> Scenario:
    """``scenario`` with the field at ``path_text`` set to ``value``, validated in full."""
    path = parse_path(path_text)
    head = path[0]
    if path == ("steps",):
        return _manifest_change(
            scenario, path_text, "Rollout", scenario.rollout.name, STEPS_PATH, value
        )
    if head == "rollout" and len(path) > 1:
        ro = scenario.rollout
        return _manifest_change(scenario, path_text, "Rollout", ro.name, path[1:], value)
    if isinstance(head, str) and "/" in head:
        kind, _, name = head.partition("/")
        if len(path) < 2:
            raise ScenarioError(
                VARY, path_text, f"a field of {head} after it (e.g. {head}.spec...)"
            )
        return _manifest_change(scenario, path_text, kind, name, path[1:], value)
    _check_scenario_path(scenario, path, path_text)
    data = copy.deepcopy(scenario.data)
    _set(data, path, value, path_text, create=True)
    return scenario.with_changes(**{str(head): data[str(head)]})


def _manifest_change(
    scenario: Scenario, path_text: str, kind: str, name: str, path: tuple, value: Any
) -> Scenario:
    target = next(
        (o for o in scenario.manifests.all() if type(o).__name__ == kind and o.name == name), None
    )
    if target is None:
        known = ", ".join(sorted(f"{type(o).__name__}/{o.name}" for o in scenario.manifests.all()))
        raise ScenarioError(
            VARY, path_text, f"a loaded manifest, one of: {known}", got=f"{kind}/{name}"
        )
    raw = copy.deepcopy(target.raw)
    _set(raw, path, value, path_text, create=False)
    return scenario.with_manifest(kind, name, {path[0]: raw[path[0]]}, namespace=target.namespace)


def _set(data: Any, path: tuple, value: Any, path_text: str, *, create: bool) -> None:
    node = data
    for depth, seg in enumerate(path):
        last = depth == len(path) - 1
        where = ".".join(str(s) for s in path[: depth + 1])
        if isinstance(node, list):
            if not isinstance(seg, int) or not 0 <= seg < len(node):
                raise ScenarioError(VARY, path_text, f"an index 0..{len(node) - 1} at {where}")
            if last:
                node[seg] = value
            else:
                node = node[seg]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(VARY, path_text, f"a mapping or list above {where}")
        key = str(seg)
        if last:
            node[key] = value
        elif key in node and isinstance(node[key], dict | list):
            node = node[key]
        elif create and key not in node:
            node[key] = {}
            node = node[key]
        else:
            keys = ", ".join(sorted(map(str, node))) or "none"
            raise ScenarioError(VARY, path_text, f"an existing field at {where} (there: {keys})")


def _model_of(annotation: Any) -> Any:
    """The model, ``("dict", T)`` or ``("list", T)`` an annotation leads to, else None."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _model_of(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        found = [m for m in map(_model_of, typing.get_args(annotation)) if m is not None]
        return found[0] if len(found) == 1 else None
    if origin is dict:
        return ("dict", typing.get_args(annotation)[1])
    if origin is list:
        return ("list", typing.get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _check_scenario_path(scenario: Scenario, path: tuple, path_text: str) -> None:
    """Walk the scenario format along ``path``; raise naming the first segment that is not
    a field (a mapping such as ``versions`` must already hold the key)."""
    shape: Any = Scenario
    data: Any = scenario.data
    for depth, seg in enumerate(path):
        where = ".".join(str(s) for s in path[:depth]) or "the top level"
        if isinstance(shape, type) and issubclass(shape, BaseModel):
            fields = {(f.alias or n): f for n, f in shape.model_fields.items()}
            if seg not in fields:
                names = ", ".join(sorted(fields))
                raise ScenarioError(
                    VARY, path_text, f"a field of {where}, one of: {names}", got=str(seg)
                )
            shape = _model_of(fields[str(seg)].annotation)
        elif isinstance(shape, tuple) and shape[0] == "dict":
            keys = sorted(data) if isinstance(data, Mapping) else []
            known = ", ".join(keys) or "none"
            if seg not in keys:
                raise ScenarioError(
                    VARY,
                    path_text,
                    f"a key the scenario declares under {where}, one of: {known}",
                    got=str(seg),
                )
            shape = _model_of(shape[1])
        elif isinstance(shape, tuple) and shape[0] == "list":
            size = len(data) if isinstance(data, list) else 0
            if not isinstance(seg, int) or not 0 <= seg < size:
                raise ScenarioError(
                    VARY, path_text, f"an index 0..{size - 1} under {where}", got=str(seg)
                )
            shape = _model_of(shape[1])
        else:
            raise ScenarioError(
                VARY, path_text, f"nothing under {where} (it is a value)", got=str(seg)
            )
        if isinstance(data, Mapping):
            data = data.get(seg)
        elif isinstance(data, list) and isinstance(seg, int) and seg < len(data):
            data = data[seg]
        else:
            data = None
