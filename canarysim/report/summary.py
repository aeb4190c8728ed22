"""The end-of-run summary: how long the rollout took, what users got, what analysis said.

:func:`summarize` builds one plain dict (the ``--json`` output and the source of the table).
It starts from the figures the simulator put in ``Result.summary`` and fills in anything
missing from the snapshots and series, so the table reads the same whichever side computed a
number. :func:`exit_code` maps the final phase to the documented exit codes.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from canarysim.report.durations import offset, percent, span
from canarysim.report.style import PLAIN, Style

EXIT_HEALTHY, EXIT_DEGRADED, EXIT_INVALID, EXIT_UNFINISHED = 0, 1, 2, 3
VERSIONS = ("stable", "canary", "unserved")
SUMMARY_SCHEMA = "canarysim.summary/v1"


def exit_code(final: Any) -> int:
    """0 Healthy at the end, 1 Degraded or aborted, 3 still Progressing or Paused."""
    if final.aborted or final.phase == "Degraded":
        return EXIT_DEGRADED
    if final.phase == "Healthy":
        return EXIT_HEALTHY
    return EXIT_UNFINISHED


def _total(series: dict[str, np.ndarray], column: str) -> int | None:
    if column not in series:
        return None
    return math.floor(float(np.nansum(np.asarray(series[column], dtype=float))) + 0.5)


def _update_start(result: Any) -> float | None:
    """When the revision the run ended on was created (its ReplicaSet's creation time)."""
    final = result.final
    for rs in final.replica_sets:
        if rs.revision == final.revision:
            return float(rs.created)
    return None


def _first_time(result: Any, predicate: Any, after: float) -> float | None:
    for snap in result.snapshots:
        if snap.time >= after and predicate(snap):
            return float(snap.time)
    return None


def summarize(result: Any) -> dict[str, Any]:
    """The run in one JSON-ready dict (schema ``canarysim.summary/v1``)."""
    final = result.final
    given = dict(result.summary or {})
    start = _update_start(result)
    started = start if start is not None else 0.0
    promoted = given.get("time_to_promotion")
    aborted = given.get("time_to_abort")
    if promoted is None and final.phase == "Healthy" and final.revision > 1:
        t = _first_time(
            result,
            lambda s: s.phase == "Healthy" and s.revision == final.revision,
            started,
        )
        promoted = None if t is None else t - started
    if aborted is None and final.aborted:
        t = _first_time(result, lambda s: s.aborted and s.revision == final.revision, started)
        aborted = None if t is None else t - started
    versions = {}
    for v in VERSIONS:
        req = _total(result.series, f"requests.{v}")
        err = _total(result.series, f"errors.{v}")
        if req is None and err is None:
            continue
        versions[v] = {
            "requests": req or 0,
            "errors": err or 0,
            "error_rate": (err or 0) / req if req else 0.0,
        }
    analysis = [
        {
            "name": ar.name,
            "phase": ar.phase,
            "successful": ar.successful,
            "failed": ar.failed,
            "inconclusive": ar.inconclusive,
            "errors": ar.errors,
        }
        for ar in final.analysis_runs
    ]
    out: dict[str, Any] = {
        "schema": SUMMARY_SCHEMA,
        "scenario": result.scenario_name,
        "seed": result.seed,
        "mode": result.mode,
        "until": result.until,
        "phase": final.phase,
        "message": final.message,
        "exit_code": exit_code(final),
        "revision": final.revision,
        "step": None if final.step_index is None else f"{final.step_index}/{final.step_count}",
        "set_weight": final.set_weight,
        "actual_weight": final.actual_weight,
        "update_started": start,
        "time_to_promotion": promoted,
        "time_to_abort": aborted,
        "versions": versions,
        "canary_errors": versions.get("canary", {}).get("errors", 0),
        "analysis_runs": analysis,
        "warnings": list(getattr(result, "warnings", []) or []),
    }
    # The simulator's own figures win: it counted every request as it was routed.
    if isinstance(given.get("requests"), dict) and isinstance(given.get("errors"), dict):
        out["versions"] = {
            v: {
                "requests": int(given["requests"].get(v, 0)),
                "errors": int(given["errors"].get(v, 0)),
                "error_rate": (
                    given["errors"].get(v, 0) / given["requests"][v]
                    if given["requests"].get(v)
                    else 0.0
                ),
            }
            for v in VERSIONS
            if v in given["requests"] or v in given["errors"]
        }
        out["canary_errors"] = out["versions"].get("canary", {}).get("errors", 0)
    for key in ("update_started", "time_to_promotion", "time_to_abort", "canary_errors"):
        if key in given:
            out[key] = given[key]
    for key, value in given.items():  # anything else the simulator reported, kept verbatim
        out.setdefault(key, value)
    return out


def _tally(run: dict[str, Any]) -> str:
    counts = [(run.get(k, 0), k) for k in ("successful", "failed", "inconclusive", "errors")]
    return ", ".join(f"{n} {k}" for n, k in counts if n) or "no measurements"


def _unserved(requests: int, errors: int) -> str:
    """Requests no version answered: no route, no endpoint, a fault abort."""
    return (
        f"{requests:,} requests no pod answered (no route, no endpoint, a fault), {errors:,} errors"
    )


def _served(requests: int, errors: int) -> str:
    rate = percent(errors / requests) if requests else "0%"
    return f"{requests:,} requests, {errors:,} errors ({rate})"


def _finite(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def summary_json(summary: dict[str, Any]) -> str:
    """The ``--json`` document: one JSON object, strict (no NaN), keys in a stable order."""
    return json.dumps(_finite(summary), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_summary(summary: dict[str, Any], *, style: Style = PLAIN) -> str:
    """A short two-column table readable at a glance."""
    rows: list[tuple[str, str]] = []
    outcome = summary["phase"] + (f" ({summary['message']})" if summary["message"] else "")
    rows.append(("Outcome", outcome))
    start = summary.get("update_started")
    if summary.get("time_to_promotion") is not None:
        t = float(summary["time_to_promotion"])
        at = f" (at {offset((start or 0.0) + t)})" if start is not None else ""
        rows.append(("Time to promotion", span(t) + at))
    elif summary.get("time_to_abort") is not None:
        t = float(summary["time_to_abort"])
        at = f" (at {offset((start or 0.0) + t)})" if start is not None else ""
        rows.append(("Time to abort", span(t) + at))
    elif summary["exit_code"] == EXIT_UNFINISHED:
        where = f" at step {summary['step']}" if summary["step"] else ""
        rows.append(
            (
                "Not finished",
                f"{summary['phase']}{where} when the run stopped at {offset(summary['until'])}",
            )
        )
    for v, figures in summary["versions"].items():
        if v == "unserved":
            if figures["requests"]:
                rows.append(("Not served", _unserved(figures["requests"], figures["errors"])))
            continue
        rows.append((f"Served by {v}", _served(figures["requests"], figures["errors"])))
    by_image = summary.get("by_image") or {}
    images = sorted(by_image, key=lambda name: (name.startswith("("), name))
    width = max((len(name) for name in images), default=0)
    for i, image in enumerate(images):
        figures = by_image[image]
        text = f"{image:<{width}}  {_served(figures['requests'], figures['errors'])}"
        rows.append(("Per image" if i == 0 else "", text))
    by_class = summary.get("by_class") or {}  # only with more than one request class
    width = max((len(name) for name in by_class), default=0)
    for i, (name, figures) in enumerate(by_class.items()):
        text = f"{name:<{width}}  {_served(figures['requests'], figures['errors'])}"
        rows.append(("Per class" if i == 0 else "", text))
    if "canary" in summary["versions"]:
        rows.append(("Blast radius", f"{summary['canary_errors']:,} errors served by the canary"))
    if summary["analysis_runs"]:
        verdicts = ", ".join(
            f"{a['name']} {a['phase']} ({_tally(a)})" for a in summary["analysis_runs"]
        )
    else:
        verdicts = "none"
    rows.append(("Analysis", verdicts))
    for i, warning in enumerate(summary.get("warnings") or []):
        rows.append(("Warnings" if i == 0 else "", str(warning)))
    rows.append(("Exit code", str(summary["exit_code"])))
    width = max(len(k) for k, _ in rows) + 2
    return "\n".join(f"{style.bold(k.ljust(width))}{v}".rstrip() for k, v in rows) + "\n"
