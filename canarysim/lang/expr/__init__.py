"""Argo's analysis conditions (``result[0] >= 0.95``): an expr-lang subset.

:mod:`.parse` turns text into a syntax tree; :mod:`.evaluate` evaluates it with Argo's helper
functions and expr's NaN and type rules (``from canarysim.lang.expr.evaluate import
evaluate_bool``). The package itself imports nothing, so that a module needing only the room's
values (Go's quoting of an argument, a Go duration) loads without the evaluator, which brings
the type checker and PromQL's Go arithmetic with it. May import: the standard library.
"""
