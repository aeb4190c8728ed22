"""Argo's analysis verdicts, pure: measurement, metric and run phases (:mod:`.assess`).

Conditions are evaluated by :mod:`canarysim.lang.expr`; what a provider returns is the world's
business (:mod:`canarysim.sim.analysis`). May import: the standard library, :mod:`canarysim.lang`.
"""
