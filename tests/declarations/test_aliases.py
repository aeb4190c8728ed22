"""The alias generator gives every model field the key pydantic's own ``to_camel`` would."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from pydantic.alias_generators import to_camel as pydantic_to_camel

import canarysim.declarations
from canarysim.declarations.manifests.base import ManifestModel, to_camel
from canarysim.declarations.scenario.values import ScenarioModel


def _all_models() -> list[type]:
    for info in pkgutil.walk_packages(
        canarysim.declarations.__path__, canarysim.declarations.__name__ + "."
    ):
        importlib.import_module(info.name)
    seen: list[type] = []
    todo = [ManifestModel, ScenarioModel]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                todo.append(sub)
    return seen


def test_every_field_of_every_model_gets_pydantics_alias() -> None:
    models = _all_models()
    assert len(models) > 100  # the walk found the models, not an empty list
    names = {name for model in models for name in model.model_fields}
    assert "max_surge" in names
    for name in sorted(names):
        assert to_camel(name) == pydantic_to_camel(name), name
    # and what the models were built with is that alias
    for model in models:
        for name, info in model.model_fields.items():
            if info.alias is not None and info.alias_priority == 1:
                assert info.alias == pydantic_to_camel(name), (model, name)


@pytest.mark.parametrize(
    "name",
    [
        "x",
        "max_surge",
        "abort_scale_down_delay_seconds",
        "http2_max",
        "api_v1",
        "_private",
        "trailing_",
        "doubled__underscore",
        "Already_Pascal",
        "camelCase",
        "x1y",
        "",
        "é_b",
    ],
)
def test_names_off_the_fast_path_agree_too(name: str) -> None:
    assert to_camel(name) == pydantic_to_camel(name)
