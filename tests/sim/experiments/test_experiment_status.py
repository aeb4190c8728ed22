"""The Experiment's status rules (``sim/experiment_status.py``) against upstream's tables:
``experiments/experiment.go::calculateStatus``/``assessAnalysisRuns`` and
``utils/experiment/experiment.go``."""

from __future__ import annotations

import pytest

from canarysim.sim.experiments.status import (
    REQUIRED_COMPLETED,
    AnalysisState,
    TemplateState,
    assess_analyses,
    assess_templates,
    experiment_phase,
    resolve_args,
    template_from_step,
)


def tpl(status: str, message: str = "") -> TemplateState:
    t = template_from_step({"name": "t", "specRef": "canary"})
    t.status, t.message = status, message
    return t


def run(phase: str, message: str = "", required: bool = False) -> AnalysisState:
    return AnalysisState("a", "tmpl", (), required, run="r", phase=phase, message=message)


def test_template_defaults() -> None:
    t = template_from_step({"name": "c", "specRef": "canary", "weight": 5})
    assert (t.replicas, t.weight, t.service, t.service_name_wanted) == (1, 5, True, "")
    plain = template_from_step({"name": "b", "specRef": "stable", "replicas": 0})
    assert (plain.replicas, plain.weight, plain.service) == (0, None, False)
    named = template_from_step({"name": "b", "specRef": "stable", "service": {"name": "svc"}})
    assert (named.service, named.service_name_wanted) == (True, "svc")


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["Running", "Running"], "Running"),
        (["Running", "Progressing"], "Pending"),
        (["Running", ""], "Pending"),  # no status yet counts as Progressing
        (["Successful", "Running"], "Running"),
        (["Successful", "Successful"], "Successful"),
        (["Failed", "Error"], "Failed"),  # Failed is the worst
    ],
)
def test_worst_template_decides(statuses: list[str], expected: str) -> None:
    assert assess_templates([tpl(s) for s in statuses])[0] == expected


def test_analysis_order_and_required_message() -> None:
    assert assess_analyses([]) == ("Successful", "")
    assert assess_analyses([run("Pending")]) == ("Running", "")
    assert assess_analyses([run("Running"), run("Successful")]) == ("Running", "")
    assert assess_analyses([run("Inconclusive", "i"), run("Failed", "f")]) == ("Failed", "f")
    assert assess_analyses([run("Successful", required=True)]) == (
        "Successful",
        REQUIRED_COMPLETED,
    )


def test_experiment_phase_table() -> None:
    # Running templates, a failed run: the Experiment fails with the run's message.
    assert experiment_phase([tpl("Running")], [run("Failed", "boom")]) == ("Failed", "boom")
    # Running templates, running analysis: Running.
    assert experiment_phase([tpl("Running")], [run("Running")]) == ("Running", "")
    # Duration over, a non-required run still measuring: the templates decide (Successful).
    assert experiment_phase([tpl("Successful")], [run("Running")]) == ("Successful", "")
    # Duration over but a required run still running: wait for it.
    assert experiment_phase([tpl("Successful")], [run("Running", required=True)]) == (
        "Running",
        "",
    )
    # Required run done before the duration: Successful early.
    assert experiment_phase([tpl("Running")], [run("Successful", required=True)]) == (
        "Successful",
        REQUIRED_COMPLETED,
    )
    # A failed template wins over analyses.
    msg = "Template 't' exceeded its progressDeadlineSeconds (600)"
    assert experiment_phase([tpl("Failed", msg)], [run("Running")]) == ("Failed", msg)


def test_resolve_experiment_args() -> None:
    class RS:
        hash, name = "abc123", "ex-canary"

    t = template_from_step({"name": "canary", "specRef": "canary"})
    t.rs = RS()  # type: ignore[assignment]
    args = (
        {"name": "h", "value": "{{templates.canary.podTemplateHash}}"},
        {"name": "n", "value": "{{ templates.canary.replicaset.name }}"},
        {"name": "at", "value": "{{experiment.availableAt}}"},
        {"name": "x", "valueFrom": {"podTemplateHashValue": "Stable"}},
    )
    out = resolve_args(args, [t], 124.5, None)
    assert [a.get("value") for a in out] == ["abc123", "ex-canary", "124.5", None]
    assert out[3]["valueFrom"] == {"podTemplateHashValue": "Stable"}
