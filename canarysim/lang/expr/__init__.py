"""Argo's analysis conditions (``result[0] >= 0.95``): an expr-lang subset.

:mod:`.parse` turns text into a syntax tree; :mod:`.evaluate` evaluates it with Argo's helper
functions and expr's NaN and type rules. May import: the standard library.
"""

from canarysim.lang.expr.evaluate import ConditionError, evaluate, evaluate_bool, parse

__all__ = ["ConditionError", "evaluate", "evaluate_bool", "parse"]
