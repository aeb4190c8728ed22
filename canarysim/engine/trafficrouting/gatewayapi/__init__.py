"""Gateway API (the ``argoproj-labs/gatewayAPI`` traffic router plugin): HTTPRoute and
GRPCRoute weights and header routes, TCPRoute and TLSRoute weights.

:mod:`.reconcile` is what the plugin writes for ``SetWeight`` (``pkg/plugin/httproute.go`` and
``grpcroute.go`` of argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi): in every rule of
each configured HTTPRoute, then GRPCRoute, that is not a plugin-managed header rule, the canary
``backendRef`` gets the canary weight and the stable one the rest, and the route carries the
in-progress label while the weight is not 0 (TCPRoutes and TLSRoutes: every canary and stable
``backendRef``, ``tcproute.go``/``tlsroute.go``). :mod:`.headers` is its ``SetHeaderRoute`` and
``RemoveManagedRoutes`` on both kinds (a managed rule per weighted rule, the step's headers
added to its matches, the canary its only backend; ``SetMirrorRoute`` is a no-op in the plugin).
:mod:`.match` is how a Gateway implementation picks a rule and a backend for one request over
HTTPRoutes (hostnames, then the most specific matching rule, then weights); :mod:`.grpcmatch`
the same over GRPCRoutes (a call's ``/<service>/<method>`` path, the GRPCRoute precedence), and
which of an HTTPRoute and a GRPCRoute sharing a hostname the Gateway accepts; :mod:`.tcpmatch`
the streams over TLSRoutes (by SNI host name) and TCPRoutes.

May import: the standard library and :mod:`canarysim.errors`.
"""
