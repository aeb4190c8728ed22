"""How the simulated workload behaves, as a scenario declares it.

* :mod:`.pods`: the nodes (``cluster``) and each stage of a pod's start (``pods``: per image,
  over a default, over built-in quick pods);
* :mod:`.versions`: how one image's pods serve (``versions``: error rate, latency, crashes,
  readiness), constant or step-wise in simulated time.

May import pydantic and the scenario's value types (:mod:`..values`) and action types
(:mod:`..actions`); never :mod:`..model`, which imports this room.
"""
