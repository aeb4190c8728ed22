"""The simulated world (SimPy): it owns ``env.now`` and every random stream.

:func:`canarysim.sim.world.simulate` (re-exported as ``canarysim.simulate``) builds a
:class:`~canarysim.sim.world.World` from a scenario, runs it and collects a
:class:`~canarysim.result.Result`. The parts, each usable on its own:

* ``rng`` named random streams; ``distributions`` delays and arrival processes;
* ``cluster`` (with ``pods``, ``replicasets``, ``services``, ``nodes``) the Kubernetes side;
* ``mesh`` the VirtualServices/DestinationRules as Argo rewrites them; ``router`` Istio's
  request semantics over them; ``traffic``, ``metrics`` and ``promql`` the requests and the
  telemetry analyses query;
* ``controller`` where the pure engine meets SimPy; ``analysis`` AnalysisRuns; ``operator``
  the person at the keyboard and the faults; ``recorder`` what the Result keeps.

Importing this package imports none of them, so ``import canarysim.sim.rng`` stays cheap.
"""
