"""The rollout controller (a room): the only place where ``engine.decide`` meets SimPy.

One loop, as Argo's workqueue runs it for one Rollout: build an
:class:`~canarysim.engine.model.Observation` from the world, call ``decide``, apply the
Decision's actions to the cluster, the mesh and the analysis runtime, then sleep until
something an informer would report happens (``cluster.changed``: a ReplicaSet or Service
changed; a run changed; an operator command), the engine's own ``requeue_after`` (pause end,
scale-down deadline, progress deadline) or Argo's periodic resync (15 minutes,
``controller.DefaultRolloutResyncPeriod``). There is no polling with a small fixed step.

A reconcile whose traffic-routing writes fail (``TrafficRoutingError``) stops there, keeps the
previous status (Argo does not persist a failed reconcile) and is retried with Argo's
workqueue back-off (``utils/queue::DefaultArgoRolloutsRateLimiter``: 1 ms doubling, at most
10 s).

Its modules: :mod:`.loop` (the :class:`~.loop.Controller`: the loop, the observation it
builds, one reconcile, an invalid spec) and :mod:`.actions` (applying a Decision's actions to
the cluster, the routers, the runs and the Experiments). It may import the engine, the
declarations, and the world's other rooms (the cluster, the workloads); the world reaches it
through :mod:`canarysim.sim.wiring`.
"""
