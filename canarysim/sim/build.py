"""Building a world from a scenario: the arguments of a run and what the scenario leaves out.

:func:`run_arguments` checks ``until``/``mode`` as a caller gives them; the rest answers
questions the world asks while it wires itself up: the first :class:`~canarysim.engine.model.Plan`
(even of a Rollout Argo would mark invalid), the AnalysisTemplates in reach, what the
scenario's manifests leave unsimulated, and how long the history before t=0 runs. The routing
the world sets up (default host and gateway, host and gRPC path checks, ALBs, target groups)
is :mod:`.routing`'s.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from canarysim.declarations import Scenario, load_scenario, rollout_invalid_message, to_plan
from canarysim.declarations.lint.fields import unsupported
from canarysim.declarations.scenario.limits import check_limits
from canarysim.declarations.support import refusals
from canarysim.engine.durations import parse_duration
from canarysim.engine.memo import LastEntry
from canarysim.engine.model import Plan
from canarysim.errors import ScenarioError
from canarysim.sim.cluster.templatehash import canonical_json, pod_template_hash, strip_hash_label

if TYPE_CHECKING:
    from canarysim.declarations.manifests.argo import Rollout
    from canarysim.declarations.manifests.bundle import Manifests

__all__ = [
    "HISTORY",
    "MODES",
    "ScenarioFacts",
    "analysis_templates",
    "first_plan",
    "first_template",
    "history_length",
    "not_simulated",
    "run_arguments",
    "scenario_facts",
]

MODES = ("aggregate", "exact")


def _seconds(value: float | str | None, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return float(parse_duration(value))
        except ValueError as err:
            raise ScenarioError(
                "<argument>", what, "a duration such as 2h or 90s", got=repr(value)
            ) from err
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError("<argument>", what, "a number of seconds", got=repr(value))
    if value < 0:
        raise ScenarioError("<argument>", what, "a number of seconds >= 0", got=repr(value))
    return float(value)


def run_arguments(
    scenario: Scenario | str | Path, until: float | str | None, mode: str | None
) -> tuple[Scenario, float, str]:
    """The scenario (loaded if a path), the end time and the traffic mode of a run;
    ``until``/``mode`` override the scenario's. Bad input raises :class:`ScenarioError`."""
    if isinstance(scenario, str | Path):
        scenario = load_scenario(scenario)
    end = _seconds(until, "until")
    end = float(scenario.until) if end is None else end
    chosen = mode or scenario.traffic.mode
    if chosen == "auto":
        chosen = "aggregate"
    if chosen not in MODES:
        raise ScenarioError("<argument>", "mode", "aggregate or exact", got=repr(mode))
    if not scenario.manifests.rollouts:
        raise ScenarioError(
            str(scenario.source or "scenario"), "manifests", "a Rollout to simulate"
        )
    check_limits(scenario, until=end, mode=mode and chosen)
    return scenario, end, chosen


_FIRST_TEMPLATE: LastEntry[Mapping[str, Any], tuple[bytes, str]] = LastEntry()
"""One entry: the loaded pod template last read by :func:`first_template`, with the canonical
JSON of its stripped copy and its hash."""


def first_template(raw: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """``strip_hash_label(raw)`` (a fresh dict) and its pod-template hash. ``raw`` is a loaded
    manifest's template (read-only by contract): the runs of a scenario read the same object,
    so the sorted JSON dump behind both is made once and each run loads its own copy."""
    known = _FIRST_TEMPLATE.get(raw)
    if known is not None:
        template: dict[str, Any] = json.loads(known[0])
        return template, known[1]
    template = strip_hash_label(raw)
    pod_hash = pod_template_hash(template)
    _FIRST_TEMPLATE.put(raw, (canonical_json(template), pod_hash))
    return template, pod_hash


def first_plan(scenario: Scenario, invalid_message: str | None, pod_hash: str) -> Plan:
    """The rollout's plan; a bare one when Argo would mark the Rollout invalid (the controller
    then reports the message instead of progressing)."""
    rollout = scenario.rollout
    try:
        # to_plan first refuses what canarysim does not simulate (refuse_unsupported)
        return to_plan(rollout, pod_template_hash=pod_hash)
    except ScenarioError:
        # never simulate a Rollout without what it relies on, even one Argo marks invalid
        if invalid_message is None or refusals(rollout):
            raise
        replicas = rollout.spec.replicas if rollout.spec.replicas is not None else 1
        return Plan(name=rollout.name, replicas=replicas, pod_template_hash=pod_hash)


class ScenarioFacts(NamedTuple):
    """What a world reads of its scenario's manifests before anything runs, the same for
    every seed: the warnings of :func:`not_simulated`, the Rollout's InvalidSpec message
    (``rollout_invalid_message``) and its :func:`first_plan` (immutable)."""

    warnings: tuple[str, ...]
    invalid_message: str | None
    plan: Plan


_FACTS: dict[int, tuple[Manifests, Rollout, str, ScenarioFacts]] = {}
""":func:`scenario_facts` by ``id`` of the manifests they were read from (kept with them, so
the id stays theirs), for a few scenarios."""
_FACTS_KEPT = 8


def scenario_facts(scenario: Scenario, pod_hash: str) -> ScenarioFacts:
    """:class:`ScenarioFacts` of *scenario* whose Rollout's template hashes to *pod_hash*.

    They depend on the loaded manifests and the Rollout alone, and loaded manifests are not
    changed in place (a change makes new ones: ``Scenario.with_manifest``), so they are read
    once per manifests, Rollout and hash: the runs of one scenario with other seeds (a
    sweep's copies share the manifests) or other settings reuse them."""
    manifests = scenario.manifests
    rollout = scenario.rollout
    kept = _FACTS.get(id(manifests))
    if kept is not None and kept[0] is manifests and kept[1] is rollout and kept[2] == pod_hash:
        return kept[3]
    warnings = tuple(not_simulated(scenario))
    message = rollout_invalid_message(scenario)
    facts = ScenarioFacts(warnings, message, first_plan(scenario, message, pod_hash))
    if len(_FACTS) >= _FACTS_KEPT:
        _FACTS.clear()  # (whole: one step, safe while runs in other threads add theirs)
    _FACTS[id(manifests)] = (manifests, rollout, pod_hash, facts)
    return facts


def analysis_templates(scenario: Scenario, namespace: str) -> dict[str, Mapping[str, Any]]:
    """Cluster-wide templates, overridden by the namespace's own of the same name."""
    objs = scenario.manifests
    out: dict[str, Mapping[str, Any]] = {t.name: t.raw for t in objs.cluster_analysis_templates}
    for t in objs.analysis_templates:
        if t.namespace == namespace:
            out[t.name] = t.raw
    return out


def not_simulated(scenario: Scenario) -> list[str]:
    """What ``canarysim validate`` warns canarysim does not simulate (``lint/unsupported``),
    worded as it words it, for ``Result.warnings``: a run never ignores a setting silently.
    The objects of a kind canarysim does not read (``load/ignored-kind``: a ConfigMap a pod
    mounts, a Deployment, ...) are named too: a run never ignores an object silently either."""
    manifests = scenario.manifests  # a property: read once
    ignored = [f for f in manifests.findings if f.rule == "load/ignored-kind"]
    return [
        f"{f.file}:{f.line}: {f.message}" if f.line else f"{f.file}: {f.message}"
        for f in [*ignored, *(f for obj in manifests.all() for f in unsupported(obj))]
    ]


HISTORY = 3600.0
"""With ``start: healthy``, the first rollout began this long before t=0 (seconds)."""


def history_length(scenario: Scenario) -> float:
    """How long before t=0 the first rollout of a ``start: healthy`` scenario began: an hour
    plus the Rollout's ``minReadySeconds`` (so that its pods count as available long before
    t=0, whatever that setting)."""
    spec = (scenario.rollout.raw.get("spec") or {}) if scenario.manifests.rollouts else {}
    min_ready = spec.get("minReadySeconds") or 0
    try:
        min_ready = float(min_ready)
    except (TypeError, ValueError):
        min_ready = 0.0
    return HISTORY + float(math.ceil(max(min_ready, 0.0)))
