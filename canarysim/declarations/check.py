"""What ``canarysim validate`` calls an error, as findings and as a gate every command shares.

:func:`validate_manifests` and :func:`validate_scenario` give every finding (Argo's validation,
lint, the scenario's own entries); :func:`refuse_errors` is the one source of truth the loaders
use: a scenario with an error finding is refused with that finding's line, unless the scenario
lists the rule in ``acceptErrors`` because it plays out, on purpose, what a cluster would do
with such input (Argo's InvalidSpec, a Service that selects nothing, ...).
:func:`rollout_invalid_message` gives the simulator Argo's InvalidSpec condition message.

:func:`load_scenario` and :func:`scenario_from_manifests` are the public loaders: the scenario
room's, with :func:`refuse_errors` as their gate (the room cannot import this module, which
imports lint, which reads scenarios).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from canarysim.declarations.argo.fielderr import FieldError
from canarysim.declarations.argo.references import validate_references
from canarysim.declarations.argo.validation import validate_rollout_spec
from canarysim.declarations.bulk import without_collector
from canarysim.declarations.findings import Finding
from canarysim.declarations.lint.rules import lint
from canarysim.declarations.lint.scenario import lint_scenario
from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.scenario import load as _load
from canarysim.declarations.scenario.model import ACCEPTABLE_ERRORS, Scenario
from canarysim.declarations.support import line_of, refusals
from canarysim.declarations.workloadref import resolve_workload_ref
from canarysim.errors import InputRefused

__all__ = [
    "first_invalid_message",
    "load_scenario",
    "refuse_errors",
    "refuse_manifest_errors",
    "rollout_errors",
    "rollout_invalid_message",
    "scenario_from_manifests",
    "validate_manifests",
    "validate_scenario",
]


def rollout_errors(ro: Rollout, objs: Manifests) -> tuple[list[FieldError], list[FieldError]]:
    """(spec errors, referenced-resource errors), each in Argo's order; a Rollout with a
    workloadRef is validated with the template it resolves to (none when it does not
    resolve: :func:`resolve_workload_ref` gives that error)."""
    res = resolve_workload_ref(ro, objs)
    if res.error is not None:
        return [], []
    return (
        validate_rollout_spec(res.rollout, resolved=res.resolved),
        validate_references(res.rollout, objs),
    )


def first_invalid_message(ro: Rollout, objs: Manifests) -> str | None:
    """The InvalidSpec condition message Argo sets for ``ro``, or None if it is valid.

    Only the first error counts (``getRolloutValidationErrors``); referenced resources are
    looked at only when the spec itself is valid; a workloadRef that does not resolve comes
    before both (``newRolloutContext``).
    """
    res = resolve_workload_ref(ro, objs)
    if res.error is not None:
        return f'The Rollout "{ro.name}" is invalid: {res.error}'
    spec_errs = validate_rollout_spec(res.rollout, resolved=res.resolved)
    errs = spec_errs or validate_references(res.rollout, objs)
    if not errs:
        return None
    return f'The Rollout "{ro.name}" is invalid: {errs[0]}'


def rollout_invalid_message(scenario: Scenario) -> str | None:
    """Argo's InvalidSpec condition message for the scenario's Rollout, or None when valid.

    The rollout's phase is then Degraded and its status message ``"InvalidSpec: " +`` this
    (``rollout/controller.go::createInvalidRolloutCondition``); it does not progress.
    """
    return first_invalid_message(scenario.rollout, scenario.manifests)


@without_collector
def validate_manifests(objs: Manifests) -> list[Finding]:
    """Every finding about loaded manifests: load notes, Argo's validation, lint."""
    findings = list(objs.findings)
    for ro in objs.rollouts:
        unresolved = resolve_workload_ref(ro, objs).error
        if unresolved is not None:
            findings.append(
                Finding(
                    ro.file,
                    ro.line_of("spec", "workloadRef"),
                    "argo/invalid-spec",
                    "error",
                    f'The Rollout "{ro.name}" is invalid: {unresolved}',
                )
            )
        spec_errs, ref_errs = rollout_errors(ro, objs)
        for err in [*spec_errs, *ref_errs]:
            findings.append(
                Finding(
                    ro.file,
                    _line(ro, err.path),
                    "argo/invalid-spec",
                    "error",
                    f'The Rollout "{ro.name}" is invalid: {err}',
                )
            )
        for refusal in refusals(ro):
            findings.append(
                Finding(
                    ro.file,
                    line_of(ro, refusal),
                    "load/unsupported",
                    "error",
                    f"{refusal.message()}: canarysim refuses to run this Rollout",
                )
            )
    findings += lint(objs)
    return sorted(set(findings), key=lambda f: (f.file, f.line, f.rule, f.message))


@without_collector
def validate_scenario(scenario: Scenario) -> list[Finding]:
    """Every finding about a loaded scenario: its manifests, then its own entries. An error
    whose rule the scenario accepts (``acceptErrors``) is reported as a warning saying so."""
    findings = validate_manifests(scenario.manifests) + lint_scenario(scenario)
    accepted = set(scenario.accept_errors)
    out = []
    for f in findings:
        if f.severity == "error" and f.rule in accepted:
            f = Finding(f.file, f.line, f.rule, "warning", f"{f.message} (accepted: acceptErrors)")
        out.append(f)
    return sorted(set(out), key=lambda f: (f.file, f.line, f.rule, f.message))


@without_collector
def load_scenario(
    source: str | Path | Mapping[str, Any], *, base_dir: str | Path | None = None
) -> Scenario:
    """:func:`canarysim.declarations.scenario.load.load_scenario` with the gate: input
    ``canarysim validate`` calls an error raises :class:`InputRefused` (validate's line),
    unless the scenario's ``acceptErrors`` lists the rule; so do the scenarios
    ``with_changes``/``with_manifest`` derive from the result."""
    return _load.load_scenario(source, base_dir=base_dir, gate=refuse_errors)


@without_collector
def scenario_from_manifests(manifests: Manifests, **overrides: Any) -> Scenario:
    """:func:`canarysim.declarations.scenario.load.scenario_from_manifests` with the gate."""
    return _load.scenario_from_manifests(manifests, gate=refuse_errors, **overrides)


def refuse_errors(scenario: Scenario) -> None:
    """Raise :class:`InputRefused` for the first error finding of ``scenario`` (the line
    ``canarysim validate`` prints for it), unless the scenario accepts its rule."""
    _refuse(validate_scenario(scenario), accept_hint="manifests" in scenario.data)


def refuse_manifest_errors(objs: Manifests) -> None:
    """As :func:`refuse_errors`, for bare manifests (``canarysim run -f``)."""
    _refuse(validate_manifests(objs))


def _refuse(findings: list[Finding], accept_hint: bool = False) -> None:
    errors = [f for f in findings if f.severity == "error"]
    if not errors:
        return
    first = errors[0]
    more = len(errors) - 1
    note = f"; {more} more error(s): canarysim validate lists them" if more else ""
    if accept_hint and first.rule in ACCEPTABLE_ERRORS:
        note += f"; to simulate it anyway, list {first.rule} in the scenario's acceptErrors"
    raise InputRefused(first.file, first.line, first.rule, first.message, note)


def _line(ro: Rollout, path: str) -> int:
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    # the strategy checks are rooted at spec.strategy upstream; the field lives under
    # canary (or blueGreen)
    inner = "blueGreen" if ro.spec.strategy.blue_green is not None else "canary"
    if (
        parts[:2] == ["spec", "strategy"]
        and len(parts) > 2
        and parts[2]
        not in (
            "canary",
            "blueGreen",
        )
    ):
        with_canary = ["spec", "strategy", inner, *parts[2:]]
        if tuple(with_canary) in ro._lines or tuple(with_canary[:4]) in ro._lines:
            parts = with_canary
    return ro.line_of(*parts)
