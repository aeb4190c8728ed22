"""What a scenario expects of its run: the ``expect:`` block, checked by ``canarysim test``.

Every key is optional and each one present is one expectation, reported pass/fail with the
value observed (:mod:`canarysim.checks` does the checking, over a Result or over several seeded
runs). Two kinds:

* *per run* (``finalPhase``, ``promotedWithin``, ``abortedWithin``, ``maxCanaryErrorsServed``,
  ``maxUserErrorRate``, ``maxUnavailable``, ``analysis``): must hold in every run;
* *probabilistic* (``detection``, ``promotion``): the share of runs that aborted (resp. were
  promoted), judged by a Wilson score bound at ``confidence`` over several seeded runs
  (``canarysim test --runs N``; by default the fewest runs that could pass).

>>> Expect.model_validate({"finalPhase": "Healthy", "promotedWithin": "2h"}).promoted_within
7200.0
"""

import math
from statistics import NormalDist
from typing import Annotated, Literal

from pydantic import Field, model_validator

from canarysim.declarations.scenario.values import Duration, Fraction, ScenarioModel

__all__ = ["AnalysisExpect", "Expect", "Probability", "RolloutPhase", "min_runs"]

RolloutPhase = Literal["Healthy", "Progressing", "Paused", "Degraded"]
AnalysisPhase = Literal["Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"]

#: Most runs a probabilistic expectation may ask for (by ``runs:`` or by its bound).
MAX_RUNS = 10_000


class AnalysisExpect(ScenarioModel):
    """``analysis: {phase: Failed}``: the phase of the last AnalysisRun the rollout started
    (``none`` is not a phase: a scenario without analysis fails this expectation)."""

    phase: AnalysisPhase


class Probability(ScenarioModel):
    """``{atLeast: 0.9, confidence: 0.95}``: with that confidence, the probability of the event
    is at least (at most) the bound. Passes when the one-sided Wilson score bound of the
    observed share, at ``confidence``, clears the bound: ``k/n`` successes give the lower bound
    ``(p + z²/2n - z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``z`` the ``confidence``
    quantile of the standard normal."""

    at_least: Annotated[float, Field(ge=0.0, lt=1.0)] | None = None
    at_most: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    confidence: Annotated[float, Field(ge=0.5, lt=1.0)] = 0.95
    runs: Annotated[int, Field(ge=1, le=MAX_RUNS)] | None = None
    """Default number of runs (``--runs`` overrides); none: the fewest that could pass."""

    @model_validator(mode="after")
    def _a_bound(self) -> "Probability":
        if self.at_least is None and self.at_most is None:
            raise ValueError("atLeast and/or atMost (a probability)")
        low, high = self.at_least, self.at_most
        if low is not None and high is not None and low > high:
            raise ValueError(f"atLeast <= atMost, got {self.at_least} > {self.at_most}")
        if min_runs(self) > MAX_RUNS:
            raise ValueError(f"bounds that {MAX_RUNS} runs can show at this confidence")
        return self


def min_runs(p: Probability) -> int:
    """The fewest runs whose best outcome (all events for ``atLeast``, none for ``atMost``)
    passes: ``n / (n + z²) >= atLeast`` and ``z² / (n + z²) <= atMost``.

    >>> min_runs(Probability(at_least=0.9, confidence=0.95))
    25
    """
    z2 = NormalDist().inv_cdf(p.confidence) ** 2
    n = 1
    if p.at_least is not None and p.at_least > 0:
        n = max(n, math.ceil(p.at_least * z2 / (1.0 - p.at_least) - 1e-9))
    if p.at_most is not None and p.at_most < 1:
        n = max(n, math.ceil(z2 * (1.0 - p.at_most) / p.at_most - 1e-9))
    return n


class Expect(ScenarioModel):
    """The ``expect:`` block (docs/scenario-format.md, "Expectations")."""

    final_phase: RolloutPhase | None = None
    """Phase of the rollout when the run stops."""
    promoted_within: Duration | None = None
    """Fully promoted at most this long after the update started."""
    aborted_within: Duration | None = None
    """Aborted at most this long after the update started."""
    max_canary_errors_served: Annotated[int, Field(ge=0)] | None = None
    """At most this many failed requests served by canary pods (the blast radius)."""
    max_user_error_rate: Fraction | None = None
    """Failed share of all requests clients sent (whatever answered them: stable, canary, no
    endpoint, no route, a fault) from the update's start to the end of the run."""
    max_unavailable: Annotated[int, Field(ge=0)] | None = None
    """From the update's start on, available pods never fell more than this below
    ``spec.replicas``."""
    analysis: AnalysisExpect | None = None
    detection: Probability | None = None
    """Share of runs in which the rollout was aborted (a bad release caught)."""
    promotion: Probability | None = None
    """Share of runs in which the rollout was fully promoted."""

    @model_validator(mode="after")
    def _something(self) -> "Expect":
        if not self.model_fields_set:
            raise ValueError("at least one expectation (e.g. finalPhase: Healthy)")
        return self

    @property
    def probabilistic(self) -> list[tuple[str, Probability]]:
        """``(key, bound)`` of the expectations over several runs, in a fixed order."""
        return [
            (k, p)
            for k, p in (("detection", self.detection), ("promotion", self.promotion))
            if p is not None
        ]

    def default_runs(self) -> int:
        """Runs ``canarysim test`` makes without ``--runs``: one, or what the probabilistic
        expectations ask for (their ``runs``, else the fewest that could pass)."""
        n = 1
        for _, p in self.probabilistic:
            n = max(n, p.runs if p.runs is not None else min_runs(p))
        return n
