"""Workloads a Rollout's ``workloadRef`` names, as their own controllers run them.

:mod:`.deployments`: the referenced Deployment's ReplicaSet and pods (they exist before the
Rollout takes over and serve through any Service that selects them), its ``spec.replicas`` as
Argo's ``scaleDeployment`` writes it (``workloadRef.scaleDown``), its generation, and its
template as ``kubectl apply`` edits it mid-run.

May import: SimPy, the engine, :mod:`canarysim.declarations` (the Deployment model),
:mod:`canarysim.sim.cluster` (where its ReplicaSets and pods live).
"""
