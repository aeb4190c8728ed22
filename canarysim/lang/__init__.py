"""The two query languages a Rollout's analysis speaks, each pure (standard library only).

* :mod:`.expr`: Argo's success/failure conditions (an expr-lang subset);
* :mod:`.promql`: the PromQL subset that Argo's and Flagger's queries need.

Neither knows about time, randomness or SimPy: an evaluator gets its data as arguments.
May import: the standard library and :mod:`canarysim.errors`.
"""
