"""`canarysim validate` given a scenario and its own manifest files (a shell glob does that)."""

from __future__ import annotations

from pathlib import Path

from canarysim.declarations import validate_paths

AS_PUBLISHED = Path(__file__).resolve().parents[2] / "scenarios" / "imesh-canary" / "as-published"


def test_a_manifest_named_by_a_scenario_among_the_paths_is_validated_once():
    scenario_only = validate_paths([AS_PUBLISHED / "scenario.yaml"])
    everything = validate_paths(sorted(AS_PUBLISHED.glob("*.yaml")))
    assert [(f.rule, f.line, f.message) for f in everything] == [
        (f.rule, f.line, f.message) for f in scenario_only
    ]
    namespaces = {
        f.message.rsplit("namespace ", 1)[-1] for f in everything if "goes to" in f.message
    }
    assert namespaces == {"deb-ns"}


def test_manifests_alone_are_validated_in_the_given_namespace():
    findings = validate_paths([AS_PUBLISHED / "rollout.yaml", AS_PUBLISHED / "services.yaml"])
    moved = {f.message.rsplit("namespace ", 1)[-1] for f in findings if "goes to" in f.message}
    assert moved == {"default"}
    assert any(f.rule == "argo/invalid-spec" for f in findings)
