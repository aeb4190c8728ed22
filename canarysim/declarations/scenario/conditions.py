"""``when:`` of an operator action: the state of the rollout that triggers it.

Every key given must hold at once (``for``: without a break for that long). The simulator
checks them as a watching script would (:mod:`canarysim.sim.conditions`).

>>> When.model_validate({"phase": "Paused", "for": "10m"}).for_
600.0
"""

from typing import Annotated, Literal

from pydantic import Field, model_validator

from canarysim.declarations.scenario.values import Duration, Fraction, ScenarioModel

__all__ = ["ErrorRateAbove", "When"]

RolloutPhase = Literal["Healthy", "Progressing", "Paused", "Degraded"]
AnalysisPhase = Literal["Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"]


class ErrorRateAbove(ScenarioModel):
    """``{above: 0.02, over: 5m}``: the canary failed more than ``above`` of the requests sent
    to it in the last ``over`` (and it was sent at least one)."""

    above: Fraction
    over: Duration = 60.0

    @model_validator(mode="after")
    def _positive_window(self) -> "ErrorRateAbove":
        if self.over <= 0:
            raise ValueError("over: a window longer than 0s")
        return self


class When(ScenarioModel):
    """The trigger of a conditional operator action (docs/scenario-format.md)."""

    phase: RolloutPhase | None = None
    """The rollout's phase (``kubectl argo rollouts get``'s Status)."""
    step_index: Annotated[int, Field(ge=0, le=10_000)] | None = None
    """``status.currentStepIndex`` equals this."""
    canary_error_rate: ErrorRateAbove | None = None
    analysis_run: AnalysisPhase | None = None
    """The rollout's latest AnalysisRun is in this phase."""
    for_: Duration | None = Field(default=None, alias="for")
    """Everything above has held without a break for this long."""

    @model_validator(mode="after")
    def _something(self) -> "When":
        keys = (self.phase, self.step_index, self.canary_error_rate, self.analysis_run)
        if all(k is None for k in keys):
            raise ValueError("at least one of phase, stepIndex, canaryErrorRate, analysisRun")
        return self
