"""Lint: what Argo accepts but a cluster would only reveal at run time, with stable rule ids.

:mod:`.rules` is the front (``lint``); :mod:`.selection` the Services and disruption budgets
over a Rollout's pods; :mod:`.routing` the Istio objects it routes through; :mod:`.strategy`
its steps and settings; :mod:`.fields` fields canarysim does not simulate or does not know;
:mod:`.analysis` analysis templates; :mod:`.scenario` the scenario's own sections;
:mod:`.finding` a finding at a path of an object.

May import: the engine, pydantic, the manifest and scenario models.
"""
