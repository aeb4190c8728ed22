"""The pure engine: replica arithmetic, the step engine, analysis assessment.

Standard library only: no clock, no randomness, no I/O. Everything here is a function of
its arguments, which is what the property tests rely on; :mod:`.memo`'s one-entry memos
only remember such answers for the last immutable input (a plan, a steps tuple).

The step engine's vocabulary (``engine.model``: Plan, steps, RolloutStatus, Observation,
commands, actions, Decision) and one reconcile (``decide``) are re-exported here, loaded on
first use (PEP 562): a reader of one engine module (``canarysim validate`` reads
:mod:`.durations`, :mod:`.analysis.runspec`, a router's settings) does not pay for building
the whole vocabulary and the reconcile pipeline.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from canarysim.engine.model import *  # noqa: F403
    from canarysim.engine.rollout import decide as decide
    from canarysim.engine.rollout.commands import apply_commands as apply_commands
    from canarysim.engine.rollout.commands import apply_spec_command as apply_spec_command
    from canarysim.engine.rollout.status import rollout_phase as rollout_phase

#: The re-exported names that live outside :mod:`.model`, and where.
_ELSEWHERE = {
    "decide": "canarysim.engine.rollout",
    "apply_commands": "canarysim.engine.rollout.commands",
    "apply_spec_command": "canarysim.engine.rollout.commands",
    "rollout_phase": "canarysim.engine.rollout.status",
}


def __getattr__(name: str) -> Any:
    if name in _ELSEWHERE:
        value = getattr(importlib.import_module(_ELSEWHERE[name]), name)
    elif name.startswith("__") and name != "__all__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    else:
        model = importlib.import_module("canarysim.engine.model")
        if name == "__all__":
            return [*model.__all__, *_ELSEWHERE]
        if name not in model.__all__:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(model, name)
    globals()[name] = value
    return value
