"""Experiment steps: the Experiment runtime, its status rules and its ReplicaSets/Services.

:mod:`.runtime` every Experiment of a world and their AnalysisRuns; :mod:`.experiment` one
Experiment's reconcile loop (templates, analyses, status, deadlines); :mod:`.status` the
status rules; :mod:`.resources` its ReplicaSets, Services and snapshots.

May import: SimPy, the engine, :mod:`canarysim.sim.cluster`, :mod:`canarysim.sim.analysis`.
"""
