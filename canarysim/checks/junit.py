"""JUnit XML of ``canarysim test``: one ``<testsuite>`` per scenario file, one ``<testcase>``
per expectation.

The layout is the one GitHub Actions (test-reporter actions), GitLab CI (``artifacts:reports:
junit``) and Jenkins (the JUnit plugin) read: ``<testsuites>`` with ``tests``/``failures``/
``errors``/``skipped`` counts, ``<testcase classname name>``, a ``<failure message type>`` for
a failed expectation (the message carries the observed value), an ``<error>`` for a scenario
that could not be loaded or run, ``<skipped>`` for a scenario without expectations. No wall
times or host names: the same runs give byte-identical XML.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

__all__ = ["Case", "junit_xml"]


@dataclass(frozen=True)
class Case:
    """One test case: ``status`` is ``passed``, ``failed``, ``error`` or ``skipped``;
    ``message`` is the one-line reason (for failed/error/skipped)."""

    suite: str
    name: str
    status: str
    message: str = ""
    detail: str = ""


def _counts(cases: list[Case]) -> str:
    n = {s: sum(1 for c in cases if c.status == s) for s in ("failed", "error", "skipped")}
    return (
        f'tests="{len(cases)}" failures="{n["failed"]}" errors="{n["error"]}" '
        f'skipped="{n["skipped"]}"'
    )


def _clean(text: str) -> str:
    """XML 1.0 allows no control characters but tab, newline and carriage return."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def junit_xml(cases: list[Case], name: str = "canarysim") -> str:
    """The XML document (UTF-8 text, ending with a newline)."""
    suites: dict[str, list[Case]] = {}
    for case in cases:
        suites.setdefault(case.suite, []).append(case)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append(f"<testsuites name={quoteattr(name)} {_counts(cases)}>")
    for suite, members in suites.items():
        lines.append(f"  <testsuite name={quoteattr(_clean(suite))} {_counts(members)}>")
        for c in members:
            classname, testname = quoteattr(_clean(suite)), quoteattr(_clean(c.name))
            head = f"    <testcase classname={classname} name={testname}"
            if c.status == "passed":
                lines.append(head + "/>")
                continue
            tag, kind = {
                "failed": ("failure", "ExpectationFailed"),
                "error": ("error", "ScenarioError"),
                "skipped": ("skipped", ""),
            }[c.status]
            attrs = f" message={quoteattr(_clean(c.message))}"
            if kind:
                attrs += f" type={quoteattr(kind)}"
            body = escape(_clean(c.detail or c.message))
            lines.append(head + ">")
            lines.append(f"      <{tag}{attrs}>{body}</{tag}>")
            lines.append("    </testcase>")
        lines.append("  </testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"
