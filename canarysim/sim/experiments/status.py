"""An Experiment's status rules, without SimPy: template and analysis states, their ordering,
and how they decide the Experiment's phase (``experiments/experiment.go::calculateStatus``,
``utils/experiment/experiment.go``). :mod:`canarysim.sim.experiments.experiment` runs them in time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from canarysim.sim.cluster.replicasets import ReplicaSet

__all__ = [
    "COMPLETED",
    "REQUIRED_COMPLETED",
    "AnalysisState",
    "TemplateState",
    "assess_analyses",
    "assess_templates",
    "experiment_phase",
    "required_successful",
    "resolve_args",
    "template_from_step",
]

COMPLETED = ("Successful", "Failed", "Error", "Inconclusive")
"""Phases an Experiment, a template or an AnalysisRun never leaves."""
REQUIRED_COMPLETED = "Required AnalysisRuns completed"
"""``experiments/experiment.go::requiredAnalysisCompletedMessage``."""
# utils/analysis/helpers.go::analysisStatusOrder, best to worst ("" ranks as the best).
_RUN_ORDER = ("Successful", "Running", "Pending", "Inconclusive", "Error", "Failed")
# utils/experiment/experiment.go::templateStatusOrder, best to worst.
_TEMPLATE_ORDER = ("Successful", "Running", "Progressing", "Error", "Failed")
_ARG = re.compile(
    r"{{\s*(templates\.([^.}\s]+)\.(podTemplateHash|replicaset\.name)|"
    r"experiment\.(availableAt|finishedAt))\s*}}"
)


def _worse(order: Sequence[str], current: str, new: str) -> bool:
    """``IsWorse`` / ``TemplateIsWorse``: an unknown phase ranks as the best."""
    rank = {p: i for i, p in enumerate(order)}
    return rank.get(new, 0) > rank.get(current, 0)


@dataclass
class TemplateState:
    """One ``spec.templates[]`` entry and its ``status.templateStatuses[]``."""

    name: str
    spec_ref: str
    replicas: int
    weight: int | None
    service: bool
    """A Service is wanted (``weight`` or ``service`` set)."""
    service_name_wanted: str
    metadata: Mapping[str, Any]
    selector: Mapping[str, str] | None = None
    rs: ReplicaSet | None = None
    status: str = ""
    message: str = ""
    last_transition: float | None = None
    counts: tuple[int, int, int] = (0, 0, 0)
    """(replicas, ready, available) as last seen."""
    service_name: str = ""
    pod_template_hash: str = ""


@dataclass
class AnalysisState:
    """One ``spec.analyses[]`` entry and its ``status.analysisRuns[]``."""

    name: str
    template: str
    args: tuple[dict[str, Any], ...]
    required: bool
    run: str = ""
    phase: str = ""
    message: str = ""

    @classmethod
    def from_step(cls, entry: Mapping[str, Any]) -> AnalysisState:
        return cls(
            name=str(entry.get("name", "")),
            template=str(entry.get("templateName", "")),
            args=tuple(dict(x) for x in entry.get("args") or ()),
            required=bool(entry.get("requiredForCompletion", False)),
        )


def template_from_step(entry: Mapping[str, Any]) -> TemplateState:
    """``GetExperimentFromTemplate``'s template: ``replicas`` defaults to 1
    (``GetReplicasOrDefault``); a ``weight`` without ``service`` still gets a Service."""
    replicas = entry.get("replicas")
    service = entry.get("service")
    selector = (entry.get("selector") or {}).get("matchLabels")
    return TemplateState(
        name=str(entry.get("name", "")),
        spec_ref=str(entry.get("specRef", "")),
        replicas=1 if replicas is None else int(replicas),
        weight=None if entry.get("weight") is None else int(entry["weight"]),
        service=entry.get("weight") is not None or service is not None,
        service_name_wanted=str((service or {}).get("name") or ""),
        metadata=entry.get("metadata") or {},
        selector={str(k): str(v) for k, v in selector.items()} if selector else None,
    )


def required_successful(analyses: Iterable[AnalysisState]) -> bool:
    """``RequiredAnalysisRunsSuccessful``: at least one required run, and all of them
    Successful."""
    required = [a for a in analyses if a.required]
    return bool(required) and all(a.phase == "Successful" for a in required)


def assess_templates(templates: Iterable[TemplateState]) -> tuple[str, str]:
    """``assessTemplates``: the worst template status as an Experiment phase, with its
    message (Progressing -> Pending)."""
    worst, message = "Successful", ""
    for t in templates:
        status = t.status or "Progressing"
        if _worse(_TEMPLATE_ORDER, worst, status):
            worst, message = status, t.message
    return {"Progressing": "Pending"}.get(worst, worst), message


def assess_analyses(analyses: Sequence[AnalysisState]) -> tuple[str, str]:
    """``assessAnalysisRuns``: the worst run phase (no runs: Successful); Pending reads as
    Running; all required runs Successful and nothing worse than that: Successful with
    "Required AnalysisRuns completed"."""
    worst, message = "Successful", ""
    for a in analyses:
        if _worse(_RUN_ORDER, worst, a.phase):
            worst, message = a.phase, a.message
    if required_successful(analyses) and _worse(_RUN_ORDER, worst, "Running"):
        return "Successful", REQUIRED_COMPLETED
    return ("Running" if worst == "Pending" else worst), message


def experiment_phase(
    templates: Sequence[TemplateState], analyses: Sequence[AnalysisState]
) -> tuple[str, str]:
    """``calculateStatus`` for a Pending/Running Experiment: (phase, message)."""
    tpl, tpl_msg = assess_templates(templates)
    runs, runs_msg = assess_analyses(analyses)
    if tpl in COMPLETED:
        # Templates done: Successful templates defer to the analyses when those are done or
        # some are required; Failed/Error templates decide.
        has_required = any(a.required for a in analyses)
        if tpl == "Successful" and (runs in COMPLETED or has_required):
            return runs, runs_msg
        return tpl, tpl_msg
    if (runs in COMPLETED and runs != "Successful") or required_successful(analyses):
        return runs, runs_msg
    return tpl, tpl_msg


def resolve_args(
    args: Iterable[Mapping[str, Any]],
    templates: Iterable[TemplateState],
    available_at: float | None,
    finished_at: float | None,
) -> tuple[dict[str, Any], ...]:
    """``ResolveExperimentArgsValue``: ``{{templates.<t>.podTemplateHash}}``,
    ``{{templates.<t>.replicaset.name}}``, ``{{experiment.availableAt}}`` and
    ``{{experiment.finishedAt}}`` in arg values (times as simulated seconds)."""
    by_name = {t.name: t for t in templates}

    def sub(match: re.Match[str]) -> str:
        if match.group(4):
            at = available_at if match.group(4) == "availableAt" else finished_at
            return "" if at is None else f"{at:g}"
        t = by_name.get(match.group(2))
        if t is None or t.rs is None:
            return match.group(0)
        return t.rs.hash if match.group(3) == "podTemplateHash" else t.rs.name

    out = []
    for arg in args:
        value = arg.get("value")
        out.append({**arg, "value": _ARG.sub(sub, value)} if isinstance(value, str) else dict(arg))
    return tuple(out)
