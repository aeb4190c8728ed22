"""The search space of a tuning: step lists of one family, within the user's bounds.

A *schedule* is ``setWeight w1, pause p, setWeight w2, pause p, ...`` (``k`` weights below
100, one pause length ``p``; Argo promotes after the last step). The families:

* ``linear``: ``k`` equal increments, ``100*i/(k+1)`` (``k=1``: 50 %; ``k=3``: 25, 50, 75);
* ``exponential``: from a start weight (``--weights``), doubling (``--factor``) below 100;
* ``custom``: every increasing choice of ``k`` weights from ``--weights``.

``k`` ranges over ``--steps MIN..MAX``, ``p`` over ``--pauses``; a schedule whose pauses add up
to more than ``--max-duration`` is left out before anything runs. An inline ``analysis`` step
that the Rollout's steps already repeat is kept after each pause. The candidates come out in a
fixed order (family order, then ``k``, weights, pause), which breaks ties deterministically.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from canarysim.engine.durations import parse_duration
from canarysim.errors import ScenarioError

__all__ = [
    "FAMILIES",
    "Candidate",
    "Space",
    "carried_analysis",
    "duration_text",
    "parse_range",
    "schedule_seconds",
]

WHERE = "canarysim tune"
FAMILIES = ("linear", "exponential", "custom")
DEFAULT_PAUSES = ("1m", "2m", "5m", "10m", "20m", "30m")
DEFAULT_WEIGHTS = {"exponential": (1, 5, 10, 20), "custom": (5, 10, 20, 25, 50, 75)}
MAX_CANDIDATES = 2000


def duration_text(seconds: float) -> str:
    """Argo's way of writing a whole number of seconds: ``90`` -> ``1m30s``, ``3600`` -> ``1h``."""
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    text = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{sec}s" if sec else "")
    return text or "0s"


@dataclass(frozen=True)
class Candidate:
    """One point of the search: its steps, analysis knob values and a short label."""

    index: int
    weights: tuple[int, ...]
    pause: float
    knobs: tuple[tuple[str, Any], ...] = ()
    steps: tuple[Any, ...] = field(default=(), compare=False)

    @property
    def label(self) -> str:
        text = "/".join(map(str, self.weights)) + f" % every {duration_text(self.pause)}"
        extra = ", ".join(f"{k}={v}" for k, v in self.knobs)
        return f"{text} ({extra})" if extra else text

    def step_list(self) -> list[dict[str, Any]]:
        import copy

        return copy.deepcopy(list(self.steps))


def parse_range(text: str, option: str, lo: int, hi: int) -> tuple[int, int]:
    """``"2..4"`` or ``"3"`` -> bounds within ``lo..hi``; raises naming ``option``."""
    a, sep, b = text.partition("..")
    try:
        first, last = int(a), int(b if sep else a)
    except ValueError:
        raise ScenarioError(
            WHERE, option, f"MIN..MAX or N, integers in {lo}..{hi}", got=text
        ) from None
    if not lo <= first <= last <= hi:
        raise ScenarioError(WHERE, option, f"{lo} <= MIN <= MAX <= {hi}", got=text)
    return first, last


def _pauses(values: Sequence[Any]) -> list[float]:
    out: list[float] = []
    for v in values:
        try:
            seconds = parse_duration(v)
        except (ValueError, TypeError):
            raise ScenarioError(
                WHERE, "--pauses", "durations such as 1m,5m,10m", got=str(v)
            ) from None
        if seconds <= 0 or seconds != round(seconds):
            raise ScenarioError(WHERE, "--pauses", "durations of whole seconds above 0", got=str(v))
        out.append(float(seconds))
    if not out:
        raise ScenarioError(WHERE, "--pauses", "at least one duration")
    return sorted(set(out))


def _weights(values: Sequence[Any]) -> list[int]:
    out: list[int] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 99:
            raise ScenarioError(WHERE, "--weights", "integer weights in 1..99", got=str(v))
        out.append(v)
    if not out:
        raise ScenarioError(WHERE, "--weights", "at least one weight")
    return sorted(set(out))


def carried_analysis(steps: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The inline ``analysis`` step the current steps repeat (None: they have none). Steps
    other than setWeight, pause and one repeated analysis cannot be searched over."""
    found: list[dict[str, Any]] = []
    for i, step in enumerate(steps):
        (kind,) = step.keys() if len(step) == 1 else (",".join(step),)
        if kind == "analysis":
            found.append(dict(step["analysis"]))
        elif kind not in ("setWeight", "pause"):
            raise ScenarioError(
                WHERE,
                f"steps.{i}",
                "a Rollout whose steps are setWeight, pause and analysis only "
                "(tune searches weight schedules)",
                got=kind,
            )
    if not found:
        return None
    if any(a != found[0] for a in found):
        raise ScenarioError(
            WHERE, "steps", "inline analysis steps that are all the same (one to repeat)"
        )
    return found[0]


def _schedule(weights: Sequence[int], pause: float, analysis: Any) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    for w in weights:
        steps += [{"setWeight": int(w)}, {"pause": {"duration": duration_text(pause)}}]
        if analysis is not None:
            steps.append({"analysis": analysis})
    return steps


def schedule_seconds(weights: Sequence[int], pause: float) -> float:
    """The pauses of a schedule, added up: the least it can take to promote."""
    return len(weights) * pause


@dataclass
class Space:
    """The family and bounds; :meth:`candidates` lists the points, ``knobs`` crossed in."""

    family: str = "linear"
    steps: tuple[int, int] = (1, 4)
    pauses: Sequence[Any] = DEFAULT_PAUSES
    weights: Sequence[Any] | None = None
    factor: float = 2.0
    max_duration: float | None = None

    def weight_lists(self) -> list[tuple[int, ...]]:
        lo, hi = self.steps
        if self.family not in FAMILIES:
            raise ScenarioError(WHERE, "--family", "linear, exponential or custom", got=self.family)
        if not 1 <= lo <= hi <= 20:
            raise ScenarioError(WHERE, "--steps", "1 <= MIN <= MAX <= 20", got=f"{lo}..{hi}")
        if self.family == "linear":
            if self.weights is not None:
                raise ScenarioError(
                    WHERE,
                    "--weights",
                    "--family exponential or custom with it (linear "
                    "schedules are fixed by --steps)",
                )
            lists = {
                tuple(sorted({max(1, min(99, round(100 * i / (k + 1)))) for i in range(1, k + 1)}))
                for k in range(lo, hi + 1)
            }
            return sorted(lists, key=lambda w: (len(w), w))
        weights = _weights(
            self.weights if self.weights is not None else DEFAULT_WEIGHTS[self.family]
        )
        if self.family == "exponential":
            if not self.factor > 1:
                raise ScenarioError(WHERE, "--factor", "a factor above 1", got=str(self.factor))
            out = []
            for start in weights:
                seq: list[int] = []
                w = float(start)
                while round(w) < 100:
                    value = max(round(w), seq[-1] + 1 if seq else 1)
                    if value >= 100:
                        break
                    seq.append(value)
                    w *= self.factor
                if lo <= len(seq) <= hi:
                    out.append(tuple(seq))
            return sorted(set(out), key=lambda w: (len(w), w))
        return [
            combo
            for k in range(lo, min(hi, len(weights)) + 1)
            for combo in itertools.combinations(weights, k)
        ]

    def candidates(
        self,
        knobs: Sequence[tuple[str, Sequence[Any]]] = (),
        analysis: dict[str, Any] | None = None,
    ) -> list[Candidate]:
        pauses = _pauses(self.pauses)
        lists = self.weight_lists()
        if not lists:
            raise ScenarioError(
                WHERE,
                "--steps",
                f"a step count that {self.family} schedules of these weights can have",
                got=f"{self.steps[0]}..{self.steps[1]}",
            )
        points = [(w, p) for w in lists for p in pauses]
        if self.max_duration is not None:
            shortest = min(schedule_seconds(w, p) for w, p in points)
            points = [(w, p) for w, p in points if schedule_seconds(w, p) <= self.max_duration]
            if not points:
                raise ScenarioError(
                    WHERE,
                    "--max-duration",
                    f"at least {duration_text(shortest)}, the pauses of "
                    "the shortest schedule in the search space",
                    got=duration_text(self.max_duration),
                )
        knob_axes = [[(name, v) for v in values] for name, values in knobs]
        combos = list(itertools.product(*knob_axes)) if knob_axes else [()]
        total = len(points) * len(combos)
        if total > MAX_CANDIDATES:
            raise ScenarioError(
                WHERE,
                "--steps",
                f"a search space of at most {MAX_CANDIDATES} candidates "
                "(narrow --steps, --pauses, --weights or the analysis knobs)",
                got=str(total),
            )
        out: list[Candidate] = []
        for (weights, pause), combo in itertools.product(points, combos):
            steps = tuple(_schedule(weights, pause, analysis))
            out.append(Candidate(len(out), weights, pause, tuple(combo), steps))
        return out
