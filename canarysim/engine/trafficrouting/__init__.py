"""Traffic routers as Argo's reconcilers write them (Argo's ``rollout/trafficrouting/``).

One sub-package per router, each a set of pure manifest rewrites (dict in, new dict out) with
Argo's validation and error texts: :mod:`.istio`, :mod:`.nginx`, :mod:`.smi`, :mod:`.apisix`,
:mod:`.traefik`, :mod:`.ambassador`, :mod:`.alb`, :mod:`.appmesh` and :mod:`.gatewayapi` (the
Gateway API plugin) today. A new
router goes in its own folder here, with the same shape: what the reconciler writes, and the
request matching the data plane does over what was written. :mod:`.fields` reads the fields
of user-written objects (missing or malformed reads as empty) for all of them.

May import: the standard library, :mod:`canarysim.errors` and the engine.
"""
