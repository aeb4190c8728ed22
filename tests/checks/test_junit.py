"""JUnit XML as CI systems read it: counts, failure messages with the observed value,
escaping, and byte-identical output for the same outcomes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from canarysim.checks import Case, junit_xml

CASES = [
    Case("a/scenario.yaml", "finalPhase", "passed"),
    Case("a/scenario.yaml", "maxCanaryErrorsServed", "failed", "expected <= 10, observed 228"),
    Case("b/scenario.yaml", "load", "error", 'b/scenario.yaml:3: field "x" <&> \x07bell'),
    Case("c/scenario.yaml", "expect", "skipped", "no expect: block"),
]


def test_counts_and_elements() -> None:
    root = ET.fromstring(junit_xml(CASES))
    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "4",
        "failures": "1",
        "errors": "1",
        "skipped": "1",
    }
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "a/scenario.yaml",
        "b/scenario.yaml",
        "c/scenario.yaml",
    ]
    assert suites[0].get("tests") == "2" and suites[0].get("failures") == "1"
    cases = root.iter("testcase")
    passed, failed, error, skipped = cases
    assert list(passed) == []
    failure = failed.find("failure")
    assert failure is not None and failure.get("type") == "ExpectationFailed"
    assert failure.get("message") == "expected <= 10, observed 228"
    assert failed.get("classname") == "a/scenario.yaml"
    err = error.find("error")
    assert err is not None and err.get("message") == 'b/scenario.yaml:3: field "x" <&> bell'
    assert skipped.find("skipped") is not None


def test_same_outcomes_same_bytes() -> None:
    assert junit_xml(list(CASES)) == junit_xml(list(CASES))
    assert junit_xml([]).startswith('<?xml version="1.0" encoding="UTF-8"?>')
