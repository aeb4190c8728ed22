"""The run's story as a terminal timeline: one line per thing an operator would care about.

Three sources are merged in time order:

* the Kubernetes events the simulated controller and cluster emitted (revision created, scale
  events, steps, weights, pauses, analysis, abort, promotion), worded as Argo words them;
* phase changes read off the snapshots, which also carry what an event cannot: the time left
  in a timed pause (``Paused: CanaryPauseStep (1h remaining)``), and each analysis
  measurement (a run's successful/failed/inconclusive/error tally growing);
* errors served to users, read off the per-version request/error series and totalled per
  stretch of the rollout (phase, step and revision unchanged), so a steady error rate is one
  line per step and not seven hundred; with more than one request class, a second line
  (``ErrorsByClass``) breaks that stretch down by class and by the version that served it.

Times are simulated offsets from the start of the run (``  5m00s``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from canarysim.report.durations import offset, percent, span
from canarysim.report.getview import rollout_icon
from canarysim.report.style import PLAIN, RED, YELLOW, Style

_VERSIONS = ("stable", "canary", "unserved")


@dataclass(frozen=True)
class Entry:
    """One timeline line: when, a short tag (an event reason or our own), the text, and
    whether it is a warning (coloured and marked on a terminal)."""

    time: float
    tag: str
    text: str
    warning: bool = False
    order: int = (
        0  # tie-break at equal times: measurements (-1), events (0), phases (1), errors (2)
    )


#: Objects whose Normal events tell the rollout's story; pod and ReplicaSet chatter (Scheduled,
#: Pulling, Started, SuccessfulCreate, ...) is shown only when it is a Warning, or on request.
STORY_KINDS = ("Rollout/", "AnalysisRun/", "Experiment/")
#: Rollout events that only restate the line next to them (Argo emits RolloutNotCompleted
#: with every RolloutUpdated); shown with ``every``.
CHATTY_REASONS = frozenset({"RolloutNotCompleted"})
#: Stretches shorter than this (seconds) get an errors line only when 1 % or more failed;
#: their few baseline errors are in the summary's totals.
SHORT_STRETCH = 60.0


def event_entries(
    events: Iterable[dict[str, Any]], rollout: str | None = None, *, every: bool = False
) -> list[Entry]:
    """Events as entries; the object is named only when it is not the rollout itself.

    Without ``every``, only the rollout's, analysis runs' and experiments' events and the
    warnings of any object are kept."""
    out = []
    for e in events:
        obj = str(e.get("object", ""))
        story = obj.startswith(STORY_KINDS) and e.get("reason") not in CHATTY_REASONS
        if not (every or story or e.get("kind") == "Warning"):
            continue
        text = str(e.get("message", ""))
        if obj and rollout is not None and obj != f"Rollout/{rollout}":
            text = f"{obj}: {text}"
        out.append(
            Entry(
                time=float(e["time"]),
                tag=str(e.get("reason", "")),
                text=text,
                warning=e.get("kind") == "Warning",
            )
        )
    return out


def phase_entries(snapshots: Sequence[Any]) -> list[Entry]:
    """One entry per change of (phase, message), with the pause time left when paused."""
    out = []
    last: tuple[str, str] | None = None
    for snap in snapshots:
        key = (snap.phase, snap.message)
        if key == last:
            continue
        last = key
        text = snap.phase + (f": {snap.message}" if snap.message else "")
        remaining = snap.paused_remaining
        if remaining is None and getattr(snap, "paused_until", None) is not None:
            remaining = snap.paused_until - snap.time
        if snap.phase == "Paused" and remaining is not None:
            text += f" ({span(remaining, round_up=True)} remaining)"
        elif snap.phase == "Paused" and snap.message == "CanaryPauseStep":
            text += " (until promoted)"
        out.append(Entry(snap.time, "Phase", text, warning=snap.phase == "Degraded", order=1))
    return out


_TALLIES = ("successful", "failed", "inconclusive", "errors")


def analysis_entries(snapshots: Sequence[Any]) -> list[Entry]:
    """One entry per analysis measurement, read off the runs' tallies in the snapshots: each
    time a run's successful/failed/inconclusive/error count grows, a measurement with that
    outcome was taken."""
    out = []
    seen: dict[str, tuple[int, ...]] = {}
    for snap in snapshots:
        for ar in snap.analysis_runs:
            counts = tuple(int(getattr(ar, k)) for k in _TALLIES)
            before = seen.get(ar.name, (0, 0, 0, 0))
            seen[ar.name] = counts
            grown = [k for k, now, was in zip(_TALLIES, counts, before, strict=True) if now > was]
            if not grown:
                continue
            tally = ", ".join(f"{n} {k}" for n, k in zip(counts, _TALLIES, strict=True) if n)
            outcome = "/".join(grown)
            out.append(
                Entry(
                    float(snap.time),
                    "Measurement",
                    f"AnalysisRun/{ar.name}: {outcome} (so far {tally})",
                    warning=any(k in ("failed", "errors") for k in grown),
                    order=-1,  # the measurement comes before the verdicts it causes
                )
            )
    return out


def _segments(snapshots: Sequence[Any], until: float) -> list[tuple[float, float]]:
    """Stretches of the run in which phase, step and revision stay the same."""
    bounds: list[float] = []
    last: tuple[Any, ...] | None = None
    for snap in snapshots:
        key = (snap.phase, snap.step_index, snap.revision, snap.aborted)
        if key != last:
            bounds.append(float(snap.time))
            last = key
    if not bounds or bounds[0] > 0:
        bounds.insert(0, 0.0)
    ends = [*bounds[1:], max(until, bounds[-1])]
    return [(lo, hi) for lo, hi in zip(bounds, ends, strict=True) if hi > lo]


def error_entries(
    series: dict[str, np.ndarray], until: float, snapshots: Sequence[Any] = ()
) -> list[Entry]:
    """Errors served to users, one line per stretch of the rollout (phase, step and revision
    unchanged) that served any, with each version's share: a steady baseline error rate reads
    as one line per step, and a burst shows against the step it happened in. Bursts of 1 % or
    more are flagged as warnings; stretches under a minute with less are left to the
    summary."""
    if "time" not in series or len(series["time"]) == 0:
        return []
    times = np.asarray(series["time"], dtype=float)
    segments = _segments(snapshots, until) if snapshots else [(0.0, until)]
    out = []
    for lo, hi in segments:
        # rows whose bucket starts inside [lo, hi): buckets are counted where they start
        rows = (times >= lo) & (times < hi)
        parts = []
        worst = 0.0
        for version in _VERSIONS:
            errs = series.get(f"errors.{version}")
            reqs = series.get(f"requests.{version}")
            if errs is None or reqs is None:
                continue
            n_err = float(np.nansum(np.asarray(errs, dtype=float)[rows]))
            n_req = float(np.nansum(np.asarray(reqs, dtype=float)[rows]))
            if n_err <= 0:
                continue
            if version == "unserved":  # no version served them: a share of all requests
                total = sum(
                    float(np.nansum(np.asarray(series[f"requests.{v}"], dtype=float)[rows]))
                    for v in _VERSIONS
                    if f"requests.{v}" in series
                )
                worst = max(worst, n_err / total if total else 1.0)
                parts.append(f"not served (no route/endpoint) {_count(n_err)}")
                continue
            rate = n_err / n_req if n_req else 1.0
            worst = max(worst, rate)
            parts.append(f"{version} {_count(n_err)} of {_count(n_req)} ({percent(rate)})")
        if parts and (hi - lo >= SHORT_STRETCH or worst >= 0.01):
            text = f"until {offset(hi)}: " + ", ".join(parts)
            out.append(Entry(lo, "ErrorsServed", text, warning=worst >= 0.01, order=2))
            by_class = _by_class(series, rows)
            if by_class:
                out.append(Entry(lo, "ErrorsByClass", by_class, order=2))
    return out


def class_names(series: dict[str, np.ndarray]) -> list[str]:
    """The request classes of the series' ``class[<name>].*`` columns, in their order (only
    runs with more than one class have them)."""
    names: list[str] = []
    for column in series:
        if column.startswith("class[") and column.endswith(".requests.stable"):
            names.append(column[len("class[") : -len("].requests.stable")])
    return names


def _by_class(series: dict[str, np.ndarray], rows: np.ndarray) -> str:
    """``beta: canary 10 of 280 (3.6%), stable 0 of 20; default: stable 2 of 900 (0.2%)``:
    each class's requests and 5xx in the stretch, by the version that served them."""
    out = []
    for name in class_names(series):
        parts = []
        for version in _VERSIONS:
            n_req = float(np.sum(np.asarray(series[f"class[{name}].requests.{version}"])[rows]))
            n_err = float(np.sum(np.asarray(series[f"class[{name}].errors.{version}"])[rows]))
            if n_req <= 0:
                continue
            if version == "unserved":
                parts.append(f"not served {_count(n_req)}")
            elif n_err > 0:
                parts.append(
                    f"{version} {_count(n_err)} of {_count(n_req)} ({percent(n_err / n_req)})"
                )
            else:
                parts.append(f"{version} 0 of {_count(n_req)}")
        if parts:
            out.append(f"{name}: " + ", ".join(parts))
    return "; ".join(out)


def _count(x: float) -> str:
    return f"{math.floor(x + 0.5):,}"


def entries(result: Any, *, every: bool = False) -> list[Entry]:
    """The timeline entries of a :class:`~canarysim.result.Result`, in time order (``every``:
    all Kubernetes events, pods' and ReplicaSets' included)."""
    name = result.snapshots[0].name if result.snapshots else None
    merged = event_entries(result.events, name, every=every)
    merged += phase_entries(result.snapshots)
    merged += analysis_entries(result.snapshots)
    merged += error_entries(result.series, result.until, result.snapshots)
    return sorted(merged, key=lambda e: (e.time, e.order))  # stable: keeps event order


def render_entries(items: Sequence[Entry], *, style: Style = PLAIN) -> str:
    """Lines ``<offset>  <tag>  <text>``, tags padded to the widest one (at most 24). A time
    is written once for the lines that share it, so the eye finds the moments. On a terminal
    warnings are coloured and phase changes carry the rollout's status icon."""
    if not items:
        return ""
    time_width = max(len(offset(e.time)) for e in items)
    tag_width = min(24, max(len(e.tag) for e in items))
    lines = []
    previous = ""
    for e in items:
        stamp = offset(e.time, time_width)
        shown = stamp if stamp != previous else " " * time_width
        previous = stamp
        tag = e.tag.ljust(tag_width)
        if e.warning:
            colour = RED if e.tag in ("ErrorsServed",) or "Degraded" in e.text else YELLOW
            tag = style.code(tag, colour)
        text = e.text
        if style.colour and e.tag == "Phase":
            icon = rollout_icon(text.split(":", 1)[0].split(" ", 1)[0])
            text = f"{style.word(icon)} {text}"
        lines.append(f"{shown}  {tag}  {text}".rstrip())
    return "\n".join(lines) + "\n"


def render_timeline(result: Any, *, style: Style = PLAIN, every: bool = False) -> str:
    """The timeline of ``result`` as text (ends with a newline; empty if nothing)."""
    return render_entries(entries(result, every=every), style=style)
