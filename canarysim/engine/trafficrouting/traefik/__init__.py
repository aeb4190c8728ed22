"""Traefik: the weighted TraefikService Argo writes, and how Traefik routes a request to it.

:mod:`.reconcile` is Argo's Traefik reconciler's ``SetWeight`` (``rollout/trafficrouting/
traefik/traefik.go``): in the TraefikService named ``weightedTraefikServiceName``, the canary
Service of ``spec.weighted.services`` gets the canary weight and the stable one the rest.
:mod:`.match` is Traefik's router: an IngressRoute whose rule matches the request (``Host``,
``PathPrefix``, ``Path``, ``Method``, ``Header`` joined by ``&&``; the longest rule first) sends
it to a Service or to a weighted TraefikService.

May import: the standard library and :mod:`canarysim.errors`.
"""
