"""Pods: what a pod is, how long each stage of its life takes, and the process that lives it.

A pod goes through the stages KWOK-style simulators script (see the module docs of
:mod:`canarysim.sim.cluster.cluster`): created (``Pending``) -> bound to a node -> image pull
(``ContainerCreating``; skipped when the node already has the image) -> container start
(``Running``) -> ``Ready`` -> available once it has been Ready for the ReplicaSet's
``minReadySeconds``. Deletion makes it ``Terminating`` for up to its grace period.

* :mod:`.behaviour`: the per-image timing model (:class:`~.behaviour.PodBehaviour`, crashes);
* :mod:`.pod`: the state (:class:`~.pod.Pod`), a new pod from a template, what it adds to its
  ReplicaSet's counts;
* :mod:`.deletion`: which pods a scale-down deletes first (Kubernetes' ``ActivePodsWithRanks``);
* :mod:`.lifecycle`: the SimPy process (:func:`~.lifecycle.pod_lifecycle`), which talks to the
  cluster only through the small :class:`~.lifecycle.PodHost` protocol.

The kubelet's rules (probe timing, restart back-off) are in :mod:`canarysim.sim.cluster.kubelet`.
May import: SimPy, NumPy, :mod:`canarysim.sim.stochastic`, and of its own room only
:mod:`~canarysim.sim.cluster.kubelet` and :mod:`~canarysim.sim.cluster.templatehash`.
"""
