"""Requests: when they arrive, what each version answers, and how they are served.

:mod:`.arrivals` and :mod:`.distributions` arrival processes and latency distributions;
:mod:`.behaviour` what a version answers over time; :mod:`.generator` advances traffic through
a routing-constant interval in either mode, :mod:`.path` follows one request class to a
backend, :mod:`.aggregate` serves whole counts at once; :mod:`.flow` feeds the metric store,
the series and the per-image totals.

May import: NumPy, the engine, :mod:`canarysim.sim.mesh`, :mod:`canarysim.sim.metrics`.
"""
