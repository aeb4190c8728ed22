"""PromQL, as the subset Argo's and Flagger's queries need: lexer, parser, evaluator.

:mod:`.lex` and :mod:`.parse` build the tree of :mod:`.syntax`; :mod:`.evaluator` evaluates it
over any store that answers ``metric_names()`` and ``select(name)`` with the values of
:mod:`.values` and the kernels of :mod:`.functions`; :mod:`.query` is the front (``evaluate``).
May import: the standard library and :mod:`canarysim.errors`.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["FUNCTIONS", "PromQLError", "Scalar", "Vector", "evaluate", "parse"]


def __getattr__(name: str) -> Any:
    """The front's names, imported when first asked for: a module of the room (the condition
    language borrows Go's ``math.Pow`` from :mod:`.functions`) loads without the evaluator."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("canarysim.lang.promql.query"), name)
    globals()[name] = value
    return value
