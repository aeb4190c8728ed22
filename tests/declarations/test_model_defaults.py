"""The models' list fields default to a fresh empty list through a Python function, never the
builtin ``list``: pydantic reads every factory's signature when it builds a model's validator,
and a builtin's is parsed from its text signature (about 0.13 ms a field, at the first
validation of every command)."""

from __future__ import annotations

import importlib
import pkgutil

from pydantic import BaseModel

import canarysim.declarations as declarations
from canarysim.declarations.manifests.argo import RolloutAnalysis, SetHeaderRoute
from canarysim.declarations.manifests.base import empty_list


def _models() -> list[type[BaseModel]]:
    for info in pkgutil.walk_packages(declarations.__path__, "canarysim.declarations."):
        importlib.import_module(info.name)
    seen: list[type[BaseModel]] = []
    todo = list(BaseModel.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("canarysim.declarations"):
            seen.append(cls)
    return seen


def test_no_model_field_defaults_through_the_builtin_list():
    models = _models()
    assert len(models) > 100  # every manifest and scenario model was found
    builtin = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in models
        for name, info in cls.model_fields.items()
        if info.default_factory is list
    ]
    assert builtin == []


def test_each_instance_gets_its_own_empty_list():
    a, b = SetHeaderRoute(), SetHeaderRoute()
    assert a.match == [] and b.match == []
    assert a.match is not b.match
    a.match.append("x")  # type: ignore[arg-type]
    assert RolloutAnalysis().templates == [] and SetHeaderRoute().match == []
    assert empty_list() is not empty_list()
