"""Property-based testing of rollout logic with hypothesis, around a user's own scenario.

:mod:`.strategies` draws what a user varies (pod start-up and readiness times, traffic,
versions' error rates and latencies, faults, operator actions at random times, step lists);
:mod:`.perturb` applies such draws to a scenario (``perturb(scenario, ...)``), validated like
a file; :mod:`.invariants` checks what every canary run must show (Argo's and Istio's
invariants) on a Result. A complete example test is in the README ("Property tests").

Needs ``hypothesis`` (``pip install 'canarysim[testing]'``); the rest of canarysim does not.

May import: hypothesis, numpy, the engine, :mod:`canarysim.declarations`,
:mod:`canarysim.result` (never SimPy or :mod:`canarysim.sim`: tests call
``canarysim.simulate`` themselves).
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError:  # pragma: no cover - exercised in a subprocess by tests/testing
    raise ImportError(
        "canarysim.testing needs hypothesis: pip install 'canarysim[testing]' "
        "(or pip install hypothesis)"
    ) from None

from canarysim.testing.invariants import assert_invariants, violations
from canarysim.testing.perturb import canary_images, perturb, stable_image
from canarysim.testing.strategies import (
    OPERATOR_VERBS,
    canary_steps,
    conditional_actions,
    conditions,
    delays,
    durations,
    error_rates,
    faults,
    int_or_percent,
    operator_actions,
    pod_timings,
    traffic_shapes,
    variations,
    version_behaviours,
)

__all__ = [
    "OPERATOR_VERBS",
    "assert_invariants",
    "canary_images",
    "canary_steps",
    "conditional_actions",
    "conditions",
    "delays",
    "durations",
    "error_rates",
    "faults",
    "int_or_percent",
    "operator_actions",
    "perturb",
    "pod_timings",
    "stable_image",
    "traffic_shapes",
    "variations",
    "version_behaviours",
    "violations",
]
