"""AWS App Mesh: the VirtualRouter and VirtualNodes Argo writes, and how Envoy routes over them.

:mod:`.reconcile` is Argo's App Mesh reconciler (``rollout/trafficrouting/appmesh/
appmesh.go``): ``SetWeight`` rewrites, in every route of the VirtualRouter behind the Rollout's
App Mesh VirtualService (or only the routes it names), the weights of the weighted targets that
are the canary and stable VirtualNodes; ``UpdateHash`` points the two VirtualNodes' pod
selectors at the ReplicaSets' pod-template hashes. Argo's validation of the VirtualRouter
(``validation_references.go``) and its error texts are here too. :mod:`.match` is the sidecar's
route choice: which VirtualRouter route a request takes, and its targets' shares.

May import: the standard library and :mod:`canarysim.errors`.
"""
