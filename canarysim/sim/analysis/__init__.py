"""AnalysisRuns in simulated time: Argo's run loop over prometheus, web and job providers.

:mod:`.resolve` builds a run's spec as Argo resolves templates and arguments; :mod:`.runs` the
AnalysisRuns of a world (templates, Secrets, start, terminate); :mod:`.analysisrun` one run's
process (measurements through the providers, judged by :mod:`canarysim.engine.analysis`);
:mod:`.providers` how Jobs and web endpoints answer (the scenario's ``analysis:`` section);
:mod:`.jobs` simulated Jobs (run time, ``activeDeadlineSeconds``, image pulls);
:mod:`.prometheus` the Prometheus provider's timeout, result shape and range-query times;
:mod:`.webanswer` a web body's ``jsonPath``; :mod:`.args` what a run's ``valueFrom`` args can
refer to (light on purpose: a world without analysis never loads the run machinery, which
:mod:`.runs` imports with the first run). A new metric provider goes here.

May import: SimPy, NumPy, the engine, :mod:`canarysim.lang`, :mod:`canarysim.declarations`,
:mod:`canarysim.sim.metrics`.
"""
