"""PromQL, as the subset Argo's and Flagger's queries need: lexer, parser, evaluator.

:mod:`.lex` and :mod:`.parse` build the tree of :mod:`.syntax`; :mod:`.evaluator` evaluates it
over any store that answers ``metric_names()`` and ``select(name)`` with the values of
:mod:`.values` and the kernels of :mod:`.functions`; :mod:`.query` is the front (``evaluate``).
May import: the standard library and :mod:`canarysim.errors`.
"""

from canarysim.lang.promql.query import FUNCTIONS, PromQLError, Scalar, Vector, evaluate, parse

__all__ = ["FUNCTIONS", "PromQLError", "Scalar", "Vector", "evaluate", "parse"]
