"""Apache APISIX: the ApisixRoute weights Argo writes, and how APISIX routes a request.

:mod:`.reconcile` is Argo's APISIX reconciler's ``SetWeight`` (``rollout/trafficrouting/
apisix/apisix.go``): in each named ``spec.http`` rule of the ApisixRoute, the canary backend
gets the canary weight and the stable backend the rest, with Argo's error texts.
:mod:`.headers` is its ``SetHeaderRoute`` and ``RemoveManagedRoutes``: an ApisixRoute of the
Rollout's own per header route, a copy of the route sending the step's headers to the canary.
:mod:`.match` is APISIX's choice of a rule (hosts, paths, methods, header expressions,
priority) and its weighted backends.

May import: the standard library and :mod:`canarysim.errors`.
"""
