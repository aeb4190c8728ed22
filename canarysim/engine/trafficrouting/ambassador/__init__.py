"""Ambassador / Emissary: the canary Mappings Argo writes, and how Ambassador splits a prefix.

:mod:`.reconcile` is Argo's Ambassador reconciler's ``SetWeight`` (``rollout/trafficrouting/
ambassador/ambassador.go``): for each Mapping in ``ambassador.mappings``, a ``<name>-canary``
copy sending to the canary Service with the canary ``weight``, created when the weight first
rises above 0, updated afterwards, deleted when it returns to 0. :mod:`.match` is how
Ambassador spreads a request between Mappings with the same host and prefix.

May import: the standard library and :mod:`canarysim.errors`.
"""
