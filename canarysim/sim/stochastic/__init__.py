"""Chance: the run's named random streams and the distributions drawn from them.

:mod:`.rng` spawns one independent stream per name (``traffic``, ``latency``, ``pods``,
``faults``, ``analysis``, ...) from the scenario's seed, so adding draws to one part never
shifts another's; :mod:`.distributions` latency and delay distributions from a median and a
p99; :mod:`.arrivals` request arrival processes (constant, Poisson, diurnal, piecewise).
Every other room of ``sim/`` draws through these. May import: NumPy, :mod:`canarysim.errors`.
"""
