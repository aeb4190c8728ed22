"""Lint: what Argo accepts but a cluster would only reveal at run time, with stable rule ids.

:mod:`.rules` is the front (``lint``); :mod:`.fields` fields canarysim does not simulate or does
not know; :mod:`.analysis` analysis templates; :mod:`.scenario` the scenario's own sections.

May import: the engine, pydantic, the manifest and scenario models.
"""
