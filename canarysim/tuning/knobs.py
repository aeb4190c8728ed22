"""The analysis knobs a tuning may search over, and where they live in the scenario.

Knobs (each given as a list of values to try, none tuned by default):

* ``interval``: the metric's measurement interval (``30s``, ``1m``);
* ``count``: how many measurements it takes (a background analysis with a count ends early);
* ``failureLimit``: failed measurements tolerated before the run fails;
* ``threshold``: the number a success condition compares the result with, for conditions of
  the form ``... result[0] >= 0.995`` (exactly one comparison of ``result`` with a number).

They apply to one metric of an AnalysisTemplate the Rollout uses (its background ``analysis``
or an inline analysis step): the only metric there is, or the one ``metric=`` names. A knob the
analysis cannot take (no analysis at all, no numeric success condition) is refused naming the
option.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canarysim.engine.durations import parse_duration
from canarysim.errors import ScenarioError

__all__ = ["KNOBS", "Target", "apply_knobs", "check_values", "find_target", "template_with"]

WHERE = "canarysim tune"
KNOBS = {
    "interval": "--analysis-interval",
    "count": "--analysis-count",
    "failureLimit": "--failure-limit",
    "threshold": "--threshold",
}
_THRESHOLD = re.compile(
    r"(result(?:\[\d+\])?\s*(?:>=|<=|>|<)\s*)(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(\s*(?:>=|<=|>|<)\s*result)"
)


@dataclass(frozen=True)
class Target:
    """The metric the knobs change: its template (kind, name, namespace) and index."""

    kind: str
    name: str
    namespace: str | None
    metric: str
    index: int
    raw: dict[str, Any]


def _template_names(rollout_raw: Mapping[str, Any]) -> list[str]:
    canary = rollout_raw.get("spec", {}).get("strategy", {}).get("canary", {}) or {}
    refs = list((canary.get("analysis") or {}).get("templates") or [])
    for step in canary.get("steps") or []:
        if isinstance(step, Mapping) and "analysis" in step:
            refs += list((step["analysis"] or {}).get("templates") or [])
    names: list[str] = []
    for ref in refs:
        name = ref.get("templateName")
        if name and name not in names:
            names.append(name)
    return names


def find_target(scenario: Any, metric: str | None, option: str) -> Target:
    """The metric of the Rollout's analysis the knobs apply to (``option``: the knob asked)."""
    names = _template_names(scenario.rollout.raw)
    templates = [
        o
        for o in scenario.manifests.all()
        if type(o).__name__ in ("AnalysisTemplate", "ClusterAnalysisTemplate") and o.name in names
    ]
    if not templates:
        raise ScenarioError(WHERE, option, "a Rollout that runs an analysis (it has none)")
    found = [
        (t, i, m.get("name", ""))
        for t in templates
        for i, m in enumerate(t.raw.get("spec", {}).get("metrics") or [])
    ]
    if metric is not None:
        found = [f for f in found if f[2] == metric]
        if not found:
            raise ScenarioError(WHERE, "--metric", "a metric of the Rollout's analysis", got=metric)
    if len(found) != 1:
        known = ", ".join(f[2] for f in found)
        raise ScenarioError(
            WHERE, "--metric", f"the metric to tune, one of: {known} (the analysis has several)"
        )
    t, i, name = found[0]
    return Target(type(t).__name__, t.name, t.namespace, name, i, copy.deepcopy(t.raw))


def check_values(knob: str, values: Sequence[Any], target: Target) -> list[Any]:
    """The values of one knob, checked (durations as Argo writes them, counts, thresholds)."""
    option = KNOBS[knob]
    if not values:
        raise ScenarioError(WHERE, option, "at least one value")
    out: list[Any] = []
    for v in values:
        if knob == "interval":
            try:
                ok = parse_duration(v) > 0
            except (ValueError, TypeError):
                ok = False
            if not ok:
                raise ScenarioError(WHERE, option, "durations such as 30s,1m", got=str(v))
            out.append(str(v) if not isinstance(v, int) else f"{v}s")
        elif knob in ("count", "failureLimit"):
            least = 1 if knob == "count" else 0
            if isinstance(v, bool) or not isinstance(v, int) or v < least:
                raise ScenarioError(WHERE, option, f"integers of at least {least}", got=str(v))
            out.append(v)
        else:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ScenarioError(WHERE, option, "numbers such as 0.99,0.995", got=str(v))
            out.append(float(v))
    if knob == "threshold":
        condition = target.raw["spec"]["metrics"][target.index].get("successCondition") or ""
        if len(_THRESHOLD.findall(condition)) != 1:
            raise ScenarioError(
                WHERE,
                option,
                f"a successCondition of metric {target.metric} that compares "
                "result with one number (such as result[0] >= 0.995)",
                got=condition or "none",
            )
    return out


def _with_threshold(condition: str, value: float) -> str:
    def swap(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return m.group(1) + repr(value)
        return repr(value) + m.group(4)

    return _THRESHOLD.sub(swap, condition, count=1)


def template_with(target: Target, knobs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """The template's manifest with the knobs' values set (for ``analysis-templates.yaml``)."""
    raw = copy.deepcopy(target.raw)
    metric = raw["spec"]["metrics"][target.index]
    for knob, value in knobs:
        if knob == "threshold":
            metric["successCondition"] = _with_threshold(metric["successCondition"], value)
        else:
            metric[knob] = value
    return raw


def apply_knobs(scenario: Any, target: Target | None, knobs: Sequence[tuple[str, Any]]) -> Any:
    """``scenario`` with the target metric's knobs set (validated like any variant)."""
    if not knobs or target is None:
        return scenario
    raw = template_with(target, knobs)
    return scenario.with_manifest(
        target.kind, target.name, {"spec": raw["spec"]}, namespace=target.namespace
    )
