"""Experiment steps: the Experiment runtime, its status rules and its ReplicaSets/Services.

May import: SimPy, the engine, :mod:`canarysim.sim.cluster`, :mod:`canarysim.sim.analysis`.
"""
