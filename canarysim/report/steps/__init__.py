"""``canarysim steps``: the step plan view, in its parts.

* :mod:`~canarysim.report.steps.plan`: the plan of an update (canary steps or blue-green
  stages), each step's earliest time and minimum length, as a lower bound with its assumptions;
* :mod:`~canarysim.report.steps.scenario`: that plan for a loaded scenario (update and promote
  times from the operator timeline, analysis bounds from its templates) and its title;
* :mod:`~canarysim.report.steps.table`: the plan as the printed table;
* :mod:`~canarysim.report.steps.observed`: each step's progress in a simulated run (``--at``).

Imports the engine's replica arithmetic and step model, the declarations' ``to_plan`` and
:mod:`canarysim.report.durations`; never SimPy, NumPy nor the rest of the report.
"""
