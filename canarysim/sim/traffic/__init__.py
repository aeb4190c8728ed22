"""Requests: what each version answers, and how a routing-constant interval is served.

:mod:`.behaviour` what a version answers over time (error rate, latency, schedules);
:mod:`.generator` advances traffic through an interval in either mode (``aggregate`` or
``exact``), :mod:`.path` follows one request class to a backend, :mod:`.aggregate` serves whole
counts at once. Arrival processes and latency distributions are drawn from
:mod:`canarysim.sim.stochastic`; the world feeds the results on through
:mod:`canarysim.sim.flow`.

May import: NumPy, the engine, :mod:`canarysim.sim.stochastic`, :mod:`canarysim.sim.mesh`,
:mod:`canarysim.sim.metrics`.
"""
