"""Lint: what Argo accepts but a real cluster would only reveal at run time.

Every rule has a stable id (``lint/...``), a severity and points at a file and line. The rules
are listed in docs/scenario-format.md. This is the front: :mod:`.selection` (Services and
disruption budgets), :mod:`.routing` (the Istio objects), :mod:`.strategy` (the steps and
settings), :mod:`.analysis` (analysis templates); fields a model does not know or canarysim
does not simulate are checked by :mod:`.fields`.
"""

from __future__ import annotations

from canarysim.declarations.findings import Finding
from canarysim.declarations.lint.fields import unknown_fields, unsupported
from canarysim.declarations.lint.routing import (
    destination_rule,
    gateways,
    route_weights,
    virtual_services,
)
from canarysim.declarations.lint.selection import disruption_budgets, services
from canarysim.declarations.lint.strategy import (
    empty_route_matches,
    progress_threshold,
    step_timing,
)
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.workloadref import resolve_workload_ref

__all__ = ["lint"]


def lint(objs: Manifests) -> list[Finding]:
    """Every lint finding for a set of manifests."""
    out: list[Finding] = []
    for obj in objs.all():
        out += unknown_fields(obj)
        out += unsupported(obj)
    for ro in objs.rollouts:
        # a workloadRef's pods carry the Deployment's template; one that does not resolve
        # is Argo's InvalidSpec already, and its pods' labels are unknown
        res = resolve_workload_ref(ro, objs)
        ro = res.rollout
        if ro.spec.workload_ref is None or res.resolved:
            out += services(ro, objs)
            out += disruption_budgets(ro, objs)
        out += virtual_services(ro, objs)
        out += destination_rule(ro, objs)
        out += step_timing(ro, objs)
        out += progress_threshold(ro)
        out += empty_route_matches(ro)
    out += route_weights(objs)
    out += gateways(objs)
    if objs.analysis_templates or objs.cluster_analysis_templates:
        from canarysim.declarations.lint.analysis import lint_analysis  # only with templates

        out += lint_analysis(objs)
    return out
