"""The declarations layer: what was declared (see docs/design.md).

Rooms: :mod:`.manifests` (Argo Rollouts, Istio, Kubernetes objects as pydantic models),
:mod:`.scenario` (our scenario format), :mod:`.argo` (Argo's own validation with its exact
messages), :mod:`.lint` (what a cluster would only reveal at run time). The hall: reading YAML
with source lines (:mod:`.yamlio`, :mod:`.load`: the only place canarysim reads input; loading
runs with the garbage collector paused, :mod:`.bulk`),
validating data into models (:mod:`.convert`), ``canarysim validate`` (:mod:`.validate`,
:mod:`.findings`) and the Rollout as the engine's :class:`~canarysim.engine.model.Plan`
(:mod:`.plan`), ``kubectl patch`` and ``apply``/``delete`` of objects (:mod:`.patch`,
:mod:`.apply`). May import: pydantic, PyYAML, the engine; never the world above it.

``to_plan`` and ``to_command`` are loaded on first use (PEP 562): they bring the engine's whole
vocabulary, which checking a scenario (``canarysim validate``) never needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from canarysim.declarations.check import load_scenario, scenario_from_manifests
from canarysim.declarations.findings import Finding, exit_code
from canarysim.declarations.load import load_manifests
from canarysim.declarations.manifests import Manifests
from canarysim.declarations.scenario.model import Scenario
from canarysim.declarations.scenario.schema import scenario_json_schema
from canarysim.declarations.validate import (
    first_invalid_message,
    rollout_invalid_message,
    validate_manifests,
    validate_paths,
    validate_scenario,
)

if TYPE_CHECKING:
    from canarysim.declarations.plan import to_command, to_plan


def __getattr__(name: str) -> Any:
    if name in ("to_command", "to_plan"):
        from canarysim.declarations import plan

        value = getattr(plan, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Finding",
    "Manifests",
    "Scenario",
    "exit_code",
    "first_invalid_message",
    "load_manifests",
    "load_scenario",
    "rollout_invalid_message",
    "scenario_from_manifests",
    "scenario_json_schema",
    "to_command",
    "to_plan",
    "validate_manifests",
    "validate_paths",
    "validate_scenario",
]
