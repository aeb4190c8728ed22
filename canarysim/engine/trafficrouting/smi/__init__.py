"""SMI: the ``TrafficSplit`` Argo writes, and how a mesh splits the root Service's traffic.

:mod:`.reconcile` is Argo's SMI reconciler as pure rewrites (``rollout/trafficrouting/smi/
smi.go``): one ``TrafficSplit`` (``trafficSplitName``, else the Rollout's name) for the root
Service (``rootService``, else the stable Service), owned by the Rollout, with the canary
backend first, then the experiments' Services, then the stable backend taking the rest;
created on the first ``SetWeight``, patched afterwards. :mod:`.match` is the split a mesh
implementing SMI applies to requests addressed to the root Service.

May import: the standard library and :mod:`canarysim.errors`.
"""
