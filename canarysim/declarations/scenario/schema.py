"""The JSON Schema of the scenario format (``canarysim schema``), for editor completion.

Editors (VS Code's YAML extension, JetBrains IDEs) complete and check a scenario file against
it when the file starts with ``# yaml-language-server: $schema=<path to the schema>``.
"""

from __future__ import annotations

from typing import Any

from canarysim.declarations.scenario.model import Scenario

__all__ = ["SCHEMA_ID", "scenario_json_schema"]

SCHEMA_ID = "https://canarysim.dev/schema/scenario.json"


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a scenario file, keys as written in YAML."""
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "canarysim scenario"
    schema["description"] = (
        "A canarysim scenario: the Argo Rollouts/Istio manifests to simulate and what a cluster "
        "would supply around them (pods, versions, traffic, operator actions, faults, analysis "
        "providers)."
    )
    return schema
