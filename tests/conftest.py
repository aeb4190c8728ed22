"""Shared test set-up: hypothesis profiles, and every quiet look checked.

Every test runs with :mod:`quiet_check` watching the engine's quiet looks (a reconcile
answered from the last quiet one): each is compared with the full reconcile it stands for.

``dev`` (default) is quick; ``ci`` (``HYPOTHESIS_PROFILE=ci``, set by ``.ci/run``) is thorough;
``mutation`` (under mutmut) is quick and derandomised.
"""

from __future__ import annotations

import os

import pytest
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


@pytest.fixture(autouse=True)
def _checked_quiet_looks(monkeypatch: pytest.MonkeyPatch) -> None:
    import quiet_check

    quiet_check.install(monkeypatch)


if "MUTANT_UNDER_TEST" in os.environ:

    @pytest.fixture(autouse=True)
    def _fresh_parse_caches() -> None:
        """Under mutmut, every test parses its own queries: with the caches kept across tests,
        mutmut's coverage pass credits the lexer and parser to whichever test parsed a query
        first, and the tests that would kill a lexer mutant are never run against it."""
        from canarysim.engine.trafficrouting.istio import match
        from canarysim.lang.promql import query

        query._parsed.cache_clear()
        match._regex.cache_clear()
