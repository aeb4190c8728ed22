"""``canarysim.engine`` re-exports the step engine's vocabulary and ``decide``, each loaded on
first use (PEP 562). The tests call the package's ``__getattr__`` itself, after taking the name
out of the package's namespace, so the lookup runs now and not at some earlier import."""

from __future__ import annotations

import importlib

import pytest

import canarysim.engine as engine
from canarysim.engine import model

ELSEWHERE = [
    ("decide", "canarysim.engine.rollout"),
    ("apply_commands", "canarysim.engine.rollout.commands"),
    ("apply_spec_command", "canarysim.engine.rollout.commands"),
    ("rollout_phase", "canarysim.engine.rollout.status"),
]


@pytest.mark.parametrize(("name", "module"), ELSEWHERE)
def test_a_name_from_outside_the_model_comes_from_its_module(monkeypatch, name, module):
    monkeypatch.delitem(vars(engine), name, raising=False)
    value = engine.__getattr__(name)
    assert value is getattr(importlib.import_module(module), name)
    assert vars(engine)[name] is value  # kept: the next lookup does not come back here


@pytest.mark.parametrize("name", ["Plan", "RolloutStatus", "Observation", "Decision"])
def test_a_model_name_comes_from_the_model(monkeypatch, name):
    monkeypatch.delitem(vars(engine), name, raising=False)
    value = engine.__getattr__(name)
    assert value is getattr(model, name)
    assert vars(engine)[name] is value


def test_all_is_the_model_names_then_the_others(monkeypatch):
    monkeypatch.delitem(vars(engine), "__all__", raising=False)
    assert engine.__getattr__("__all__") == [*model.__all__, *(n for n, _ in ELSEWHERE)]
    assert "__all__" not in vars(engine)  # computed each time, not kept


@pytest.mark.parametrize("name", ["nothing_here", "__wrapped__", "__path_hooks__"])
def test_other_names_are_not_there(name):
    with pytest.raises(AttributeError) as err:
        engine.__getattr__(name)
    assert str(err.value) == f"module 'canarysim.engine' has no attribute {name!r}"


def test_a_dunder_probe_loads_nothing(monkeypatch):
    """Tools probe modules for ``__wrapped__``, ``__file__``-like names: such a probe is
    answered without importing the vocabulary (the point of loading it lazily)."""

    def no_import(name: str, package: str | None = None) -> None:
        raise AssertionError(f"imported {name} for a dunder probe")

    monkeypatch.setattr(importlib, "import_module", no_import)
    with pytest.raises(AttributeError):
        engine.__getattr__("__wrapped__")
