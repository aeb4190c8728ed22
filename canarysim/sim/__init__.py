"""The simulated world (SimPy): it owns ``env.now`` and every random stream.

:func:`canarysim.sim.world.simulate` (re-exported as ``canarysim.simulate``) builds a
:class:`~canarysim.sim.world.World` from a scenario, runs it and collects a
:class:`~canarysim.result.Result`. The hall (this folder's own modules) wires the rooms:

* ``world`` the run; ``wiring`` what the world offers its parts (so no part imports it);
  ``build`` run arguments and what a run reads of its scenario; ``routing`` where requests
  enter, ALBs and target groups; ``inputs`` scenario -> sim inputs;
* ``controller`` where the pure engine meets SimPy; ``operator`` the person at the keyboard
  and the faults; ``apiserver`` objects applied and deleted mid-run; ``flow`` traffic into the
  metric store and the series; ``observe``/``summary`` what the Result keeps.

The rooms, each usable on its own: ``stochastic`` (random streams, distributions, arrivals),
``cluster`` (nodes, pods, ReplicaSets, Services), ``mesh`` (router objects and the data plane),
``traffic`` (requests served), ``metrics`` (the Prometheus-style store, the recorder),
``analysis`` (AnalysisRuns and providers), ``experiments``.

Importing this package imports none of them, so ``import canarysim.sim.stochastic.rng`` stays
cheap.
"""
