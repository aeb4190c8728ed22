"""``canarysim validate``: Argo's validation plus lint, as a list of findings.

Two entry points matter to the rest of canarysim:

* :func:`validate_paths` reads files (manifests, or scenario files, told apart by content) and
  returns every :class:`Finding`; :func:`exit_code` turns them into the command's status.
* :func:`rollout_invalid_message` gives the simulator Argo's InvalidSpec condition message
  for a scenario's Rollout (None when valid), so the run shows what Argo shows: phase Degraded
  with message ``InvalidSpec: <that message>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from canarysim.declarations.argo.fielderr import FieldError
from canarysim.declarations.argo.references import validate_references
from canarysim.declarations.argo.validation import validate_rollout_spec
from canarysim.declarations.findings import Finding, exit_code
from canarysim.declarations.lint.rules import lint
from canarysim.declarations.lint.scenario import lint_scenario
from canarysim.declarations.load import add_document, expand
from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.scenario.load import load_scenario
from canarysim.declarations.scenario.model import Scenario
from canarysim.declarations.support import line_of, refusals
from canarysim.declarations.yamlio import Document, read_documents

__all__ = [
    "exit_code",
    "first_invalid_message",
    "rollout_errors",
    "rollout_invalid_message",
    "validate_manifests",
    "validate_paths",
    "validate_scenario",
]


def rollout_errors(ro: Rollout, objs: Manifests) -> tuple[list[FieldError], list[FieldError]]:
    """(spec errors, referenced-resource errors), each in Argo's order."""
    return validate_rollout_spec(ro), validate_references(ro, objs)


def first_invalid_message(ro: Rollout, objs: Manifests) -> str | None:
    """The InvalidSpec condition message Argo sets for ``ro``, or None if it is valid.

    Only the first error counts (``getRolloutValidationErrors``); referenced resources are
    looked at only when the spec itself is valid.
    """
    spec_errs = validate_rollout_spec(ro)
    errs = spec_errs or validate_references(ro, objs)
    if not errs:
        return None
    return f'The Rollout "{ro.name}" is invalid: {errs[0]}'


def rollout_invalid_message(scenario: Scenario) -> str | None:
    """Argo's InvalidSpec condition message for the scenario's Rollout, or None when valid.

    The rollout's phase is then Degraded and its status message ``"InvalidSpec: " +`` this
    (``rollout/controller.go::createInvalidRolloutCondition``); it does not progress.
    """
    return first_invalid_message(scenario.rollout, scenario.manifests)


def validate_manifests(objs: Manifests) -> list[Finding]:
    """Every finding about loaded manifests: load notes, Argo's validation, lint."""
    findings = list(objs.findings)
    for ro in objs.rollouts:
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


def validate_scenario(scenario: Scenario) -> list[Finding]:
    """Every finding about a loaded scenario: its manifests, then its own entries."""
    findings = validate_manifests(scenario.manifests) + lint_scenario(scenario)
    return sorted(set(findings), key=lambda f: (f.file, f.line, f.rule, f.message))


def validate_paths(paths: Iterable[str | Path], namespace: str = "default") -> list[Finding]:
    """Validate files: manifest files are loaded together (namespace ``namespace``); a
    scenario file brings its own manifests. Unreadable input raises :class:`ScenarioError`
    (the CLI prints it and exits 2)."""
    objs = Manifests(namespace=namespace)
    findings: list[Finding] = []
    loaded: list[tuple[Path, str, list[Document]]] = []
    covered: set[Path] = set()  # manifest files a scenario among the paths already brings
    for given in paths:
        for path in expand(Path(given)):
            name = str(given) if path == Path(given) else str(path)
            docs = read_documents(path, display=name)
            if len(docs) == 1 and _is_scenario(docs[0].data):
                scenario = load_scenario(path)
                findings += validate_scenario(scenario)
                covered |= _scenario_files(path, scenario)
                continue
            loaded.append((path, name, docs))
    for path, name, docs in loaded:
        if path.resolve() in covered:
            continue  # validated once, in its scenario's namespace
        objs.files.append(name)
        if not docs:
            objs.findings.append(Finding(name, 1, "load/empty", "warning", "no objects in file"))
        for doc in docs:
            add_document(objs, doc)
    if objs.files:
        findings += validate_manifests(objs)
    return sorted(set(findings), key=lambda f: (f.file, f.line, f.rule, f.message))


def _scenario_files(path: Path, scenario: Scenario) -> set[Path]:
    """The manifest files a scenario file names, resolved."""
    out: set[Path] = set()
    for ref in scenario.manifest_refs:
        if isinstance(ref, str):
            target = Path(ref) if Path(ref).is_absolute() else path.parent / ref
            out.update(p.resolve() for p in expand(target))
    return out


def _is_scenario(data: object) -> bool:
    return isinstance(data, dict) and "kind" not in data and "apiVersion" not in data


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
