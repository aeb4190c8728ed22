"""Istio: Argo's VirtualService/DestinationRule rewrites and Istio's request matching.

:mod:`.reconcile` is the API (``set_weight``, ``set_header_route``, ``set_mirror_route``,
``remove_managed_routes``, ``update_hash``; re-exported as :mod:`canarysim.engine.istio`);
:mod:`.rollout` reads the Rollout's Istio settings; :mod:`.routes` picks and validates routes;
:mod:`.managed` header and mirror routes; :mod:`.destinationrule` subsets; :mod:`.match` what
the data plane does with a request over a VirtualService (used by the simulated router).

May import: the standard library and :mod:`canarysim.errors`.
"""
