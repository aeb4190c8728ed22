"""``canarysim validate``: Argo's validation plus lint, as a list of findings.

Two entry points matter to the rest of canarysim:

* :func:`validate_paths` reads files (manifests, or scenario files, told apart by content) and
  returns every :class:`Finding`; :func:`exit_code` turns them into the command's status.
* the findings themselves, and the gate every command shares, live in
  :mod:`canarysim.declarations.check` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from canarysim.declarations.bulk import without_collector
from canarysim.declarations.check import (
    first_invalid_message,
    rollout_errors,
    rollout_invalid_message,
    validate_manifests,
    validate_scenario,
)
from canarysim.declarations.findings import Finding, exit_code
from canarysim.declarations.load import add_document, expand, is_scenario
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.scenario.load import load_scenario
from canarysim.declarations.scenario.model import Scenario
from canarysim.declarations.yamlio import STDIN, STDIN_NAME, Document, read_documents

__all__ = [
    "exit_code",
    "first_invalid_message",
    "rollout_errors",
    "rollout_invalid_message",
    "validate_manifests",
    "validate_paths",
    "validate_scenario",
]


@without_collector
def validate_paths(
    paths: Iterable[str | Path], namespace: str = "default", *, recursive: bool = False
) -> list[Finding]:
    """Validate files: manifest files are loaded together (namespace ``namespace``); a
    scenario file brings its own manifests. A directory means its manifest files
    (``recursive``: its subdirectories' too), ``-`` standard input. Unreadable input raises
    :class:`ScenarioError` (the CLI prints it and exits 2)."""
    objs = Manifests(namespace=namespace)
    findings: list[Finding] = []
    loaded: list[tuple[Path, str, list[Document]]] = []
    covered: set[Path] = set()  # manifest files a scenario among the paths already brings
    for given in paths:
        for path in expand(Path(given), recursive):
            name = str(given) if path == Path(given) else str(path)
            docs = read_documents(path, display=name)
            if len(docs) == 1 and is_scenario(docs[0].data):
                if str(path) == STDIN:  # read once already: load what was read
                    scenario = load_scenario(docs[0].data, base_dir=Path.cwd())
                else:
                    scenario = load_scenario(path)
                findings += validate_scenario(scenario)
                covered |= _scenario_files(path, scenario)
                continue
            loaded.append((path, name, docs))
    for path, name, docs in loaded:
        if path.resolve() in covered:
            continue  # validated once, in its scenario's namespace
        name = STDIN_NAME if str(path) == STDIN else name
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
