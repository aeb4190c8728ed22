"""NGINX ingress: the canary Ingress Argo writes, and how ingress-nginx picks a backend.

:mod:`.reconcile` is Argo's NGINX reconciler as pure rewrites (``rollout/trafficrouting/nginx/
nginx.go``): for each stable Ingress, a ``<rollout>-<ingress>-canary`` Ingress whose rules are
the stable rules that send to the stable Service, pointed at the canary Service, annotated
``canary: "true"`` and ``canary-weight: <weight>`` (plus the Rollout's additional annotations),
created on the first ``SetWeight`` and patched afterwards. :mod:`.match` reads the Ingresses
back as ingress-nginx does for one request: host and path, then the canary Ingress's header,
header value or weight.

May import: the standard library and :mod:`canarysim.errors`.
"""
