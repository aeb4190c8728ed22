"""One run of a sweep as one row: what happened to the rollout and who saw errors.

:data:`COLUMNS` names the row's fields and their NumPy types, in ``runs.csv`` order;
:func:`row_of` reads them from a :class:`~canarysim.result.Result` (its ``summary``, ``series``
and analysis tallies). :func:`canary_is_bad` says whether a scenario's canary carries a
regression: its error rate rises above the stable version's at some point, it crashes, or it
never becomes Ready.

Times are seconds from the update (``summary.update_started``). The *rollout window* runs from
the update to its end (promotion, abort, or the end of the run when neither happened); the
user-facing error rate and the error-budget burn are measured over it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from canarysim.declarations.scenario.actions import SetImage

if TYPE_CHECKING:
    from canarysim.declarations.scenario.model import Scenario
    from canarysim.result import Result

__all__ = ["COLUMNS", "OUTCOMES", "canary_image", "canary_is_bad", "row_of"]

OUTCOMES = ("promoted", "aborted", "unfinished")
"""``unfinished``: neither promoted nor aborted when the run stopped (``until``)."""

#: (name, dtype, meaning) of each column of a sweep, in ``runs.csv`` order.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("variant", "int64", "index of the variant (its label is in the report)"),
    ("run", "int64", "index of the run within the variant; equal runs share a seed"),
    ("seed", "int64", "the scenario seed of this run"),
    ("bad", "bool", "the canary carries a regression (from the scenario, or as given)"),
    ("outcome", "U10", "promoted, aborted or unfinished"),
    ("time_to_promotion", "float64", "s from the update to full promotion (nan if none)"),
    ("time_to_stop", "float64", "s from the update to the abort (nan if none)"),
    ("requests_stable", "int64", "requests the stable version served (whole run)"),
    ("errors_stable", "int64", "errors the stable version served (whole run)"),
    ("requests_canary", "int64", "requests the canary served (whole run)"),
    ("errors_canary", "int64", "errors the canary served (whole run)"),
    ("canary_errors", "int64", "blast radius: errors served by the canary before the end"),
    ("rollout_seconds", "float64", "length of the rollout window (update to end)"),
    ("rollout_requests", "int64", "requests of users during the rollout window"),
    ("rollout_errors", "int64", "errors users saw during the rollout window"),
    ("rollout_error_rate", "float64", "rollout_errors / rollout_requests"),
    ("budget_burn", "float64", "fraction of the SLO's error budget the rollout used"),
    ("analysis_runs", "int64", "AnalysisRuns started"),
    ("measurements", "int64", "analysis measurements taken, all runs"),
    ("measurements_failed", "int64", "failed analysis measurements, all runs"),
    ("analysis_phase", "U12", "phase of the last AnalysisRun ('' without analysis)"),
)

COLUMN_NAMES = tuple(name for name, _, _ in COLUMNS)


def canary_image(scenario: Scenario) -> str | None:
    """The image the operator's last ``setImage`` rolls out (None: no update)."""
    images = [a.image for a in scenario.operator if isinstance(a, SetImage)]
    return images[-1] if images else None


def stable_image(scenario: Scenario) -> str | None:
    """The image of the Rollout's first container as loaded (the stable version)."""
    containers = scenario.rollout.spec.template.spec.containers
    return containers[0].image if containers else None


def canary_is_bad(scenario: Scenario) -> bool:
    """Whether the canary regresses against the stable version (module doc)."""
    canary, stable = canary_image(scenario), stable_image(scenario)
    if canary is None or canary == stable:
        return False
    new, old = scenario.version_for(canary), scenario.version_for(stable or "")
    rates = (
        [c.value for c in new.error_rate] if isinstance(new.error_rate, list) else [new.error_rate]
    )
    base = min(
        [c.value for c in old.error_rate] if isinstance(old.error_rate, list) else [old.error_rate]
    )
    return max(rates) > base or new.crash is not None or not new.ready


def _rollout_window(summary: dict[str, Any], until: float) -> tuple[float, float]:
    start = summary.get("update_started")
    start = 0.0 if start is None else float(start)
    for key in ("promoted_at", "aborted_at"):
        if summary.get(key) is not None:
            return start, float(summary[key])
    return start, until


def _window_sum(series: dict[str, np.ndarray], column: str, start: float, end: float) -> int:
    if column not in series:
        return 0
    times = series["time"]
    inside = (times >= start) & (times < end)
    return int(np.nansum(series[column][inside]))


def row_of(result: Result, *, variant: int, run: int, bad: bool, slo: Any = None) -> tuple:
    """The sweep row of one run (values in :data:`COLUMNS` order)."""
    s = result.summary
    if s.get("promoted_at") is not None:
        outcome = "promoted"
    elif s.get("aborted_at") is not None:
        outcome = "aborted"
    else:
        outcome = "unfinished"
    start, end = _rollout_window(s, float(result.until))
    series = result.series
    req = sum(_window_sum(series, f"requests.{r}", start, end) for r in ("stable", "canary"))
    err = sum(_window_sum(series, f"errors.{r}", start, end) for r in ("stable", "canary"))
    seconds = max(0.0, end - start)
    rate = err / req if req else math.nan
    if slo is not None and req and seconds > 0:
        # SRE workbook: burn = (error rate / SLO error rate) x (time exposed / SLO window)
        burn = (rate / float(slo.error_rate)) * (seconds / float(slo.window))
    else:
        burn = math.nan
    runs = s.get("analysis") or []
    requests = s.get("requests") or {}
    errors = s.get("errors") or {}
    return (
        variant,
        run,
        int(result.seed),
        bool(bad),
        outcome,
        _num(s.get("time_to_promotion")),
        _num(s.get("time_to_abort")),
        int(requests.get("stable", 0)),
        int(errors.get("stable", 0)),
        int(requests.get("canary", 0)),
        int(errors.get("canary", 0)),
        int(s.get("canary_errors") or 0),
        seconds,
        req,
        err,
        rate,
        burn,
        len(runs),
        sum(int(r.get(k, 0)) for r in runs for k in _TALLIES),
        sum(int(r.get("failed", 0)) for r in runs),
        str(runs[-1].get("phase", "")) if runs else "",
    )


_TALLIES = ("successful", "failed", "inconclusive", "errors")


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)
