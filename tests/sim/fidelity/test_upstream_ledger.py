"""The ledger of Argo's end-to-end tests (docs/upstream-e2e.md) stays honest: every canarysim
test it names exists, every row without one says why, and the upstream files we claim to
replay completely have no gap left."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LEDGER = ROOT / "docs" / "upstream-e2e.md"

# Upstream files whose every test is replayed (or out of scope with a reason): a `gap:` row
# in one of these fails the suite.
COMPLETE = {
    "istio_test.go",
    "header_route_test.go",
    "mirror_route_test.go",
    "rollback_window_test.go",
    "canary_test.go",
    "duration_test.go",
    "step_plugin_test.go",
    "bluegreen_test.go",
    "aws_test.go",
    "apisix_test.go",
    "appmesh_test.go",
    "smi_test.go",
    "smi_ingress_test.go",
    "analysis_test.go",
    "functional_test.go",
}

_SECTION = re.compile(r"^## `test/e2e/(\w+\.go)`$")
_ROW = re.compile(r"^\| `(Test\w+)` \|(.*)\|(.*)\|$")
_REF = re.compile(r"`([^`]+)`")


@cache
def _rows() -> list[tuple[str, str, list[str], str]]:
    rows: list[tuple[str, str, list[str], str]] = []
    section = ""
    for line in LEDGER.read_text().splitlines():
        if m := _SECTION.match(line):
            section = m.group(1)
        elif m := _ROW.match(line):
            assert section, f"row {m.group(1)} outside a section"
            rows.append((section, m.group(1), _REF.findall(m.group(2)), m.group(3).strip()))
    return rows


@cache
def _test_names(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text())
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    )


def test_the_ledger_has_every_section_and_no_duplicate_row() -> None:
    rows = _rows()
    sections = {section for section, *_ in rows}
    assert sections >= COMPLETE
    assert len(sections) >= 16
    keys = [(section, name) for section, name, *_ in rows]
    assert len(keys) == len(set(keys))


def test_every_named_replay_exists() -> None:
    missing = []
    for section, name, refs, _ in _rows():
        for ref in refs:
            path, _, function = ref.partition("::")
            file = ROOT / path
            if not (path.startswith("tests/") and file.is_file()):
                missing.append(f"{section} {name}: no file {path}")
            elif function and function not in _test_names(file):
                missing.append(f"{section} {name}: no test {function} in {path}")
            elif not function and not _test_names(file):
                missing.append(f"{section} {name}: {path} holds no test")
    assert not missing, "\n".join(missing)


def test_every_row_without_a_replay_says_why() -> None:
    silent = [
        f"{section} {name}"
        for section, name, refs, note in _rows()
        if not refs and not re.match(r"(gap|out of scope): \S.{8,}", note)
    ]
    assert not silent, "rows with neither a test nor a reason:\n" + "\n".join(silent)


@pytest.mark.parametrize("section", sorted(COMPLETE))
def test_a_complete_file_has_no_gap(section: str) -> None:
    gaps = [name for s, name, refs, _ in _rows() if s == section and not refs]
    out_of_scope = [
        name for s, name, refs, note in _rows() if s == section and note.startswith("out of scope")
    ]
    assert sorted(gaps) == sorted(out_of_scope)
