"""Simulated Jobs of the Job metric provider: how long they run, when they fail, and when the
provider's ``Resume`` sees a pod that cannot pull its image (``metricproviders/job/job.go``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "PULL_BACKOFF",
    "JobModel",
    "job_container",
    "job_deadline",
    "job_resume_after",
]


@dataclass(frozen=True)
class JobModel:
    """How simulated Jobs behave: *duration* in seconds and the chance one succeeds. Either
    may be a function: ``duration(now, rng)`` draws a Job's run time when it starts,
    ``success_probability(now)`` is the chance in effect when it finishes."""

    duration: float | Callable[[float, np.random.Generator], float] = 10.0
    success_probability: float | Callable[[float], float] = 1.0

    def duration_at(self, now: float, rng: np.random.Generator) -> float:
        d = self.duration
        return float(d(now, rng)) if callable(d) else float(d)

    def success_probability_at(self, now: float) -> float:
        p = self.success_probability
        return float(p(now)) if callable(p) else float(p)


#: The kubelet's first image-pull back-off: ErrImagePull turns into ImagePullBackOff after it.
PULL_BACKOFF = 10.0


def job_resume_after(failed_after: float) -> float:
    """When the Job provider's ``Resume`` first sees a pod that failed *failed_after* seconds
    after the Job was created: it looks again after a growing delay, ``sqrt(2 * elapsed)``
    (metricproviders/job/job.go::Resume); the first look that can see a pod is taken one
    second in (canarysim's approximation of the controller's first requeues)."""
    elapsed = 1.0
    while elapsed < failed_after:
        elapsed += math.sqrt(2.0 * elapsed)
    return elapsed


def job_deadline(provider: Mapping[str, Any]) -> float | None:
    """The Job's ``spec.activeDeadlineSeconds`` (the Job controller fails a Job still running
    that long after it started, reason DeadlineExceeded), or None."""
    value = ((provider.get("job") or {}).get("spec") or {}).get("activeDeadlineSeconds")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


def job_container(provider: Mapping[str, Any]) -> tuple[str, str]:
    """(container name, image) of a Job metric's first container."""
    spec = ((provider.get("job") or {}).get("spec") or {}).get("template") or {}
    containers = (spec.get("spec") or {}).get("containers") or [{}]
    first = containers[0] if isinstance(containers[0], Mapping) else {}
    return str(first.get("name", "")), str(first.get("image", ""))
