"""Checking a scenario's ``expect:`` block against what its runs showed (``canarysim test``).

Pure over :class:`~canarysim.result.Result` objects, like :mod:`canarysim.report`: nothing here
runs a simulation. :mod:`.expectations` judges one expectation over one or several runs and
gives an :class:`Outcome` (pass/fail and the observed value); :mod:`.probability` the Wilson
score bounds of probabilistic expectations; :mod:`.junit` JUnit XML of the outcomes, the format
GitHub Actions, GitLab CI and Jenkins display.

May import: the standard library, numpy, :mod:`canarysim.result`, :mod:`canarysim.errors` and
the scenario models of :mod:`canarysim.declarations` (never SimPy, :mod:`canarysim.sim` or the
CLI).
"""

from canarysim.checks.expectations import Outcome, check_expectations
from canarysim.checks.junit import Case, junit_xml
from canarysim.checks.probability import wilson_bounds

__all__ = ["Case", "Outcome", "check_expectations", "junit_xml", "wilson_bounds"]
