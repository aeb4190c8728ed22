"""The pure engine: replica arithmetic, the step engine, analysis assessment.

Standard library only: no clock, no randomness, no I/O. Everything here is a function of
its arguments, which is what the property tests rely on.

The step engine's vocabulary (``engine.model``: Plan, steps, RolloutStatus, Observation,
commands, actions, Decision) and one reconcile (``decide``) are re-exported here.
"""

from canarysim.engine import model as _model
from canarysim.engine.model import *  # noqa: F403  (the vocabulary, as listed in model.__all__)
from canarysim.engine.rollout import decide
from canarysim.engine.rollout.commands import apply_commands, apply_spec_command
from canarysim.engine.rollout.status import rollout_phase

__all__ = [*_model.__all__, "apply_commands", "apply_spec_command", "decide", "rollout_phase"]
