"""Argo Rollouts' own spec validation, with its exact messages and order (``field.Error``).

:mod:`.validation` is the front (``validate_rollout_spec``); :mod:`.canary` and :mod:`.steps`
the canary strategy and its steps; :mod:`.references` the objects a Rollout names;
:mod:`.analysis` analysis templates and arguments; :mod:`.fielderr` the error text.

May import: the engine, :mod:`canarysim.errors`, the manifest models.
"""
