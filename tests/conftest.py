"""Shared test set-up: hypothesis profiles.

``dev`` (default) is quick; ``ci`` (``HYPOTHESIS_PROFILE=ci``, set by ``.ci/run``) is thorough;
``mutation`` (under mutmut) is quick and derandomised.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# mutmut marks its runs with MUTANT_UNDER_TEST: a derandomised profile there, so a mutant is never
# "killed" or "survives" by the luck of the draw.
settings.register_profile("mutation", max_examples=60, deadline=None, derandomize=True)
_default = "mutation" if "MUTANT_UNDER_TEST" in os.environ else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))
