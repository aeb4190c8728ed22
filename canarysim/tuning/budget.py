"""The risk budget and how a candidate's runs are judged against it.

A candidate is run on the same seeds against the good canary and the regressed one. Its
:class:`Figures` (each with its interval at the tuning's confidence):

* **detection**: share of regressed runs aborted (Wilson interval);
* **false rollback**: share of good runs aborted (Wilson);
* **blast radius**: mean errors the regressed canary served before the end (normal interval);
* **time to promotion**: median over the good runs, a run that never promoted counting as
  infinitely slow (order-statistic interval): the objective, the smaller the better.

It **passes** when the conservative end of every interval meets the :class:`Budget`
(detection's low end >= ``detect``, false rollback's high end <= ``false_rollback``, blast
radius's high end <= ``max_blast_radius``, time to promotion's high end <= ``max_duration``).
It stays **plausible** while the optimistic ends still could: successive halving drops the
candidates that are not. :meth:`Budget.check` refuses budgets no run count can certify.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from canarysim.errors import ScenarioError

__all__ = ["Budget", "Figures", "figures_of"]

WHERE = "canarysim tune"


@dataclass(frozen=True)
class Budget:
    detect: float = 0.95
    false_rollback: float = 0.05
    max_blast_radius: float | None = None
    max_duration: float | None = None
    confidence: float = 0.95

    def check(self, runs: int) -> None:
        """Refuse a budget that is malformed or that ``runs`` seeds can never certify."""
        from canarysim.evaluation.stats import wilson

        if not 0.5 <= self.confidence < 1:
            raise ScenarioError(
                WHERE, "--confidence", "a level in [0.5, 1)", got=str(self.confidence)
            )
        if not 0 < self.detect < 1:
            raise ScenarioError(
                WHERE,
                "--detect",
                "a probability above 0 and below 1 (no finite number of runs certifies 1)",
                got=str(self.detect),
            )
        if not 0 < self.false_rollback < 1:
            raise ScenarioError(
                WHERE,
                "--false-rollback",
                "a probability above 0 and below 1 (no finite number of runs certifies 0)",
                got=str(self.false_rollback),
            )
        if self.max_blast_radius is not None and not self.max_blast_radius > 0:
            raise ScenarioError(
                WHERE,
                "--max-blast-radius",
                "a number of errors above 0",
                got=str(self.max_blast_radius),
            )
        if self.max_duration is not None and not self.max_duration > 0:
            raise ScenarioError(
                WHERE, "--max-duration", "a duration above 0", got=str(self.max_duration)
            )
        best_detect = wilson(runs, runs, self.confidence)[0]
        if best_detect < self.detect:
            need = _runs_needed(lambda n: wilson(n, n, self.confidence)[0] >= self.detect)
            raise ScenarioError(
                WHERE,
                "--detect",
                f"at most {best_detect:.4f} with --runs-per-candidate {runs} "
                f"(even {runs} of {runs} detected has that lower bound; {need} runs certify "
                f"{self.detect:g})",
                got=f"{self.detect:g}",
            )
        best_false = wilson(0, runs, self.confidence)[1]
        if best_false > self.false_rollback:
            need = _runs_needed(lambda n: wilson(0, n, self.confidence)[1] <= self.false_rollback)
            raise ScenarioError(
                WHERE,
                "--false-rollback",
                f"at least {best_false:.4f} with --runs-per-candidate "
                f"{runs} (even 0 of {runs} rolled back has that upper bound; {need} runs certify "
                f"{self.false_rollback:g})",
                got=f"{self.false_rollback:g}",
            )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _runs_needed(ok: Any) -> str:
    n = 1
    while n < 10**7 and not ok(n):
        n *= 2
    lo, hi = n // 2, n
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return f"{hi:,}"


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float | None]:
        def num(x: float) -> float | None:
            return round(float(x), 6) if math.isfinite(x) else None

        return {"value": num(self.value), "low": num(self.low), "high": num(self.high)}


@dataclass(frozen=True)
class Figures:
    """A candidate's figures over ``runs`` seeds (good and regressed canary each)."""

    runs: int
    detection: Interval
    detected: int
    false_rollback: Interval
    rolled_back: int
    blast_radius: Interval
    time_to_promotion: Interval

    def passes(self, budget: Budget) -> bool:
        return all(ok for ok, _ in self._checks(budget, conservative=True))

    def plausible(self, budget: Budget) -> bool:
        return all(ok for ok, _ in self._checks(budget, conservative=False))

    def point_feasible(self, budget: Budget) -> bool:
        return all(ok for ok, _ in self._checks(budget, conservative=None))

    def shortfall(self, budget: Budget) -> float:
        """How far the conservative ends miss the budget, relative to it (0: passes)."""
        return sum(miss for _, miss in self._checks(budget, conservative=True))

    def misses(self, budget: Budget) -> list[str]:
        names = ("detection", "false rollback", "blast radius", "time to promotion")
        checks = self._checks(budget, conservative=True)
        return [n for n, (ok, _) in zip(names, checks, strict=True) if not ok]

    def _checks(self, budget: Budget, conservative: bool | None) -> list[tuple[bool, float]]:
        def pick(iv: Interval, worse_is_high: bool) -> float:
            if conservative is None:
                return iv.value
            if conservative == worse_is_high:
                return iv.high if math.isfinite(iv.high) else math.inf
            return iv.low if math.isfinite(iv.low) else -math.inf

        det = pick(self.detection, worse_is_high=False)
        out = [(det >= budget.detect, max(0.0, budget.detect - det) / budget.detect)]
        fr = pick(self.false_rollback, worse_is_high=True)
        out.append(
            (
                fr <= budget.false_rollback,
                max(0.0, fr - budget.false_rollback) / budget.false_rollback,
            )
        )
        for iv, limit in (
            (self.blast_radius, budget.max_blast_radius),
            (self.time_to_promotion, budget.max_duration),
        ):
            if limit is None:
                out.append((True, 0.0))
                continue
            x = pick(iv, worse_is_high=True)
            miss = 1.0 if not math.isfinite(x) else max(0.0, x - limit) / limit
            out.append((x <= limit, miss))
        return out

    def as_dict(self, budget: Budget) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "detection": {**self.detection.as_dict(), "k": self.detected, "n": self.runs},
            "false_rollback": {
                **self.false_rollback.as_dict(),
                "k": self.rolled_back,
                "n": self.runs,
            },
            "blast_radius_mean": self.blast_radius.as_dict(),
            "time_to_promotion_median": self.time_to_promotion.as_dict(),
            "passes": self.passes(budget),
            "misses": self.misses(budget),
        }


def figures_of(
    good: dict[str, np.ndarray], bad: dict[str, np.ndarray], confidence: float
) -> Figures:
    """The figures of one candidate from its good-canary and regressed-canary rows."""
    from canarysim.evaluation.stats import mean_interval, quantile_interval, wilson

    n = len(good["outcome"])
    detected = int((bad["outcome"] == "aborted").sum())
    rolled_back = int((good["outcome"] == "aborted").sum())
    d_lo, d_hi = wilson(detected, len(bad["outcome"]), confidence)
    f_lo, f_hi = wilson(rolled_back, n, confidence)
    m, b_lo, b_hi = mean_interval(bad["canary_errors"].astype(float), confidence)
    ttp = good["time_to_promotion"].astype(float)
    ttp = np.where(np.isfinite(ttp), ttp, math.inf)
    t, t_lo, t_hi = quantile_interval(ttp, 0.5, confidence)
    return Figures(
        runs=n,
        detection=Interval(detected / len(bad["outcome"]), d_lo, d_hi),
        detected=detected,
        false_rollback=Interval(rolled_back / n, f_lo, f_hi),
        rolled_back=rolled_back,
        blast_radius=Interval(m, b_lo, b_hi),
        time_to_promotion=Interval(t, t_lo, t_hi),
    )
