"""Argo's analysis rules, pure: measurement, metric and run phases (:mod:`.assess`), and how a
run's spec is built and checked (:mod:`.runspec`: templates followed and flattened, args merged
and substituted, metrics, dry-run and retention rules validated), shared by ``validate`` and
the runs the simulator starts.

Conditions are evaluated by :mod:`canarysim.lang.expr`; what a provider returns is the world's
business (:mod:`canarysim.sim.analysis`). May import: the standard library, :mod:`canarysim.lang`.
"""
