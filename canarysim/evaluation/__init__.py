"""Strategy evaluation: many seeded runs of a scenario's variants, and what they say about risk.

* :mod:`.variants`: ``PATH=V1,V2`` changes (``--vary``), validated like ``with_changes``;
* :mod:`.seeds`: each run's seed from the sweep's seed and the run's index (common random
  numbers across variants, independent of the executor);
* :mod:`.executors`: serial, local processes (``--jobs``) or a Dask cluster (optional extra);
* :mod:`.outcome`: one run as one row (outcome, times, requests and errors, analysis);
* :mod:`.sweep`: ``sweep(...)`` / ``compare(...)`` -> :class:`~.sweep.Sweep` (NumPy columns,
  ``to_pandas()``, ``report()``, ``plot()``, ``save()``);
* :mod:`.stats`: Wilson, order-statistic and normal intervals; binomial tails;
* :mod:`.risk`: the risk report as plain data (``report.json``) and as text;
* :mod:`.plots`, :mod:`.files`: figures and ``--out DIR``.

May import: numpy, yaml, pydantic (path checks), :mod:`canarysim.declarations`,
:mod:`canarysim.sim` (only in the executors' worker function), :mod:`canarysim.result`,
:mod:`canarysim.report` (atomic writes, progress bar), matplotlib (plots only). The CLI
(:mod:`canarysim.cli.sweep`) sits on top of it.
"""
