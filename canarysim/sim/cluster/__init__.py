"""The Kubernetes side of the world: nodes, pods and their kubelet, ReplicaSets, Services.

:mod:`.cluster` is the API server and ReplicaSet controller the Rollout controller talks to;
:mod:`.pod_control` the pods' lives (availability, graceful deletion, eviction, faults);
:mod:`.pods` (a room: timing model, pod state, lifecycle process) and :mod:`.kubelet` stage
durations, probes and restarts; :mod:`.nodes` binding and image caches; :mod:`.replicasets`
and :mod:`.templatehash` ReplicaSets as Argo creates them; :mod:`.services` selectors and
endpoints; :mod:`.changes` the informer wake-ups; :mod:`.podgroup` a ReplicaSet's running
counts and pod snapshots, kept current pod by pod; :mod:`.views` a ReplicaSet's engine view and
Result snapshot, handed out again while it does not change.

May import: SimPy, NumPy, the engine, :mod:`canarysim.errors`, :mod:`canarysim.result` (the
pod snapshots it hands to the recorder).
"""
