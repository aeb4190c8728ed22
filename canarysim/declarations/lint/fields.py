"""Lint of fields: unknown ones (with a did-you-mean) and real ones canarysim cannot honour.

The manifest models keep keys they do not model in ``model_extra``. A key listed in the
model's ``KNOWN`` is a real field of the upstream type that does not change what canarysim
simulates; anything else is unknown: kubectl (strict field validation, the default since
Kubernetes 1.25) rejects the object, a lenient apply silently drops the field. Keys in
``UNSUPPORTED`` are real and change behaviour canarysim does not reproduce.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

from pydantic import BaseModel

from canarysim.declarations.convert import did_you_mean
from canarysim.declarations.findings import Finding
from canarysim.declarations.lint.finding import at
from canarysim.declarations.manifests.base import ManifestModel, Resource
from canarysim.declarations.manifests.istio import DestinationRule
from canarysim.declarations.yamlio import format_path

__all__ = ["unknown_fields", "unsupported"]


def unknown_fields(obj: Resource) -> list[Finding]:
    """One warning per key the object's type does not have."""
    out: list[Finding] = []
    for path, model, key in _extras(obj, ()):
        cls = type(model)
        if key in cls.KNOWN or key in cls.UNSUPPORTED:
            continue
        choices = sorted({*model.field_names(), *cls.KNOWN, *cls.UNSUPPORTED})
        hint = did_you_mean(key, choices)
        where = format_path((*path, key))
        msg = (
            f'unknown field "{where}" in {obj.kind} "{obj.name}"{hint}: kubectl apply '
            "rejects it (strict field validation) and a lenient apply drops it"
        )
        if path == ("metadata",) and key.lower() == "namespace":
            msg += f"; the object goes to namespace {obj.namespace}"
        if path == ("spec",) and key == "ttlStrategy" and obj.kind.endswith("AnalysisTemplate"):
            # AnalysisRunSpec has it, AnalysisTemplateSpec not: Argo builds the runs of
            # Rollouts and Experiments from metrics, args, dryRun and measurementRetention
            # only (utils/analysis/helpers.go NewAnalysisRunFromTemplate)
            msg += (
                "; ttlStrategy is a field of AnalysisRun only: the runs a Rollout or an "
                "Experiment creates never have one, so Argo never deletes them for age"
            )
        out.append(at(obj, (*path, key), "lint/unknown-field", "warning", msg))
    return out


def _extras(model: BaseModel, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], Any, str]]:
    found: list[tuple[tuple[Any, ...], Any, str]] = []
    if isinstance(model, ManifestModel):
        for key in model.model_extra or {}:
            found.append((path, model, str(key)))
    for name, alias in _fields_of(type(model)):
        found += _walk(getattr(model, name), (*path, alias))
    return found


@functools.cache
def _fields_of(cls: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """``(attribute, key as written)`` of a model class's fields; read once per class
    (pydantic's ``model_fields`` is a descriptor: costly when asked per object of a large
    file)."""
    return tuple((name, info.alias or name) for name, info in cls.model_fields.items())


def _walk(value: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], Any, str]]:
    if isinstance(value, BaseModel):
        return _extras(value, path)
    if isinstance(value, list):
        out = []
        for i, item in enumerate(value):
            out += _walk(item, (*path, i))
        return out
    if isinstance(value, dict):
        out = []
        for k, item in value.items():
            if isinstance(item, BaseModel | list):
                out += _walk(item, (*path, k))
        return out
    return []


def unsupported(obj: Resource) -> list[Finding]:
    """Warnings for real settings canarysim does not simulate (yet)."""
    out: list[Finding] = []

    def warn(path: tuple[Any, ...], what: str) -> None:
        out.append(
            at(
                obj,
                path,
                "lint/unsupported",
                "warning",
                f"{what} is not supported yet; canarysim ignores it",
            )
        )

    for path, model, key in _set_unsupported(obj, ()):
        warn((*path, key), f"{format_path((*path, key))} ({type(model).__name__})")
    # a workloadRef to a ReplicaSet or PodTemplate, routers not simulated, plugin steps: not
    # warnings but errors, because the run refuses them (declarations/support.py)
    if isinstance(obj, DestinationRule):
        policies: list[tuple[tuple[object, ...], dict[str, Any] | None]]
        policies = [(("spec", "trafficPolicy"), obj.spec.traffic_policy)]
        policies += [
            (("spec", "subsets", i, "trafficPolicy"), sub.traffic_policy)
            for i, sub in enumerate(obj.spec.subsets)
        ]
        for path, policy in policies:
            if isinstance(policy, dict) and "outlierDetection" in policy:
                warn((*path, "outlierDetection"), "outlier detection (ejecting failing pods)")
    # (the analysis models are defined only once a template was read: until then no object
    # can be one)
    analysis = sys.modules.get("canarysim.declarations.manifests.analysis")
    if analysis is not None and isinstance(
        obj, analysis.AnalysisTemplate | analysis.ClusterAnalysisTemplate
    ):
        for i, metric in enumerate(obj.spec.metrics):
            for kind in metric.provider.kinds:
                if kind not in analysis.SIMULATED_PROVIDERS:
                    warn(("spec", "metrics", i, "provider", kind), f"metric provider {kind}")
    return out


def _set_unsupported(
    model: BaseModel, path: tuple[Any, ...]
) -> list[tuple[tuple[Any, ...], Any, str]]:
    """``(path, model, key)`` of each unsupported key set in *model* and the models under it,
    depth first: a model's own keys (fields in order, then extra keys), then its fields'."""
    found: list[tuple[tuple[Any, ...], Any, str]] = []
    _add_unsupported(model, path, found)
    return found


_ATOMS = frozenset({str, int, float, bool, type(None)})
"""Types that hold no model (skipped without a look inside)."""


def _add_unsupported(
    model: BaseModel, path: tuple[Any, ...], found: list[tuple[tuple[Any, ...], Any, str]]
) -> None:
    cls = type(model)
    fields = _fields_of(cls)
    if isinstance(model, ManifestModel):
        unsupported_keys = type(model).UNSUPPORTED
        if unsupported_keys:
            for name, alias in fields:
                if alias in unsupported_keys and getattr(model, name) not in (None, False, [], {}):
                    found.append((path, model, alias))
            for key in model.model_extra or {}:
                if key in unsupported_keys:
                    found.append((path, model, str(key)))
    for name, alias in fields:
        value = getattr(model, name)
        if type(value) not in _ATOMS:
            _add_models(value, (*path, alias), found)


def _add_models(
    value: Any, path: tuple[Any, ...], found: list[tuple[tuple[Any, ...], Any, str]]
) -> None:
    """The unsupported keys of the models in *value* (a model, or lists and dicts of them)."""
    if isinstance(value, BaseModel):
        _add_unsupported(value, path, found)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if type(item) not in _ATOMS:
                _add_models(item, (*path, i), found)
    elif isinstance(value, dict):
        for k, item in value.items():
            if type(item) not in _ATOMS:
                _add_models(item, (*path, k), found)
