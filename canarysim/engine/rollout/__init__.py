"""One reconcile of a Rollout (Argo's ``rollout/`` package): ``decide`` and its pipelines.

:mod:`.reconcile` picks the strategy. :mod:`.canary` reads top to bottom as Argo's
``rolloutCanary`` and :mod:`.bluegreen` as ``rolloutBlueGreen``; the other modules are their
shared stages:
the reconcile context (:mod:`.context`), ReplicaSet writes (:mod:`.scaling`), Services and router
weights (:mod:`.traffic`), AnalysisRuns and Experiments (:mod:`.runs`), pause/abort intents
(:mod:`.pause`), the next look (:mod:`.requeue`), ``restartAt`` evictions (:mod:`.restart`),
user commands (:mod:`.commands`) and the new status (:mod:`.status`).

May import: the standard library, :mod:`canarysim.errors`, :mod:`canarysim.lang` and the other
engine rooms.
"""
