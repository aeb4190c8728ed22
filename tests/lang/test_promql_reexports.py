"""``canarysim.lang.promql`` offers its front (``parse``, ``evaluate``, ``Vector`` …) loaded on
first use (PEP 562). The tests call the package's ``__getattr__`` itself, after taking the name
out of the package's namespace, so the lookup runs now and not at some earlier import."""

from __future__ import annotations

import pytest

import canarysim.lang.promql as promql
from canarysim.lang.promql import query

FRONT = ["FUNCTIONS", "PromQLError", "Scalar", "Vector", "evaluate", "parse"]


def test_the_front_is_what_all_names():
    assert sorted(promql.__all__) == FRONT


@pytest.mark.parametrize("name", FRONT)
def test_a_front_name_comes_from_the_query_module(monkeypatch, name):
    monkeypatch.delitem(vars(promql), name, raising=False)
    value = promql.__getattr__(name)
    assert value is getattr(query, name)
    assert vars(promql)[name] is value  # kept: the next lookup does not come back here


@pytest.mark.parametrize("name", ["binops", "nothing_here", "__wrapped__"])
def test_other_names_are_not_there(name):
    with pytest.raises(AttributeError) as err:
        promql.__getattr__(name)
    assert str(err.value) == f"module 'canarysim.lang.promql' has no attribute {name!r}"
