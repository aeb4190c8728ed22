"""The simulated cluster's nodes and how long each stage of a pod's start takes: the scenario's
``cluster`` and ``pods`` sections, per image with a default, over built-in quick pods."""

import functools
from typing import Annotated

from pydantic import Field

from canarysim.declarations.scenario.values import Delay, ScenarioModel


class Cluster(ScenarioModel):
    """The nodes pods are scheduled on, named ``node-1`` ... ``node-N``."""

    nodes: Annotated[int, Field(ge=1, le=10_000)] = 3

    @property
    def node_names(self) -> list[str]:
        return [f"node-{i}" for i in range(1, self.nodes + 1)]


class PodBehaviour(ScenarioModel):
    """How long each stage of a pod's start takes. Unset stages fall back to ``pods.default``
    and then to the built-in defaults (:func:`default_pod`)."""

    scheduling: Delay | None = None
    image_pull: Delay | None = None
    container_start: Delay | None = None
    readiness: Delay | None = None
    """From container start to the first successful readiness probe."""
    termination: Delay | None = None
    """From deletion to the pod being gone (graceful shutdown)."""
    image_pull_fails: bool | None = None
    """The image cannot be pulled: the pod stays in ImagePullBackOff."""


_STAGES = tuple(PodBehaviour.model_fields)


@functools.cache
def default_pod() -> PodBehaviour:
    """Quick, deterministic pods: about 4.5 s from creation to Ready. Built on first use:
    an instance built at import would build the model's validator in every command."""
    return PodBehaviour(
        scheduling=Delay.of(0.5),
        image_pull=Delay.of(2.0),
        container_start=Delay.of(1.0),
        readiness=Delay.of(1.0),
        termination=Delay.of(1.0),
        image_pull_fails=False,
    )


class Pods(ScenarioModel):
    default: PodBehaviour = Field(default_factory=PodBehaviour)
    images: dict[str, PodBehaviour] = Field(default_factory=dict)

    def for_image(self, image: str) -> PodBehaviour:
        """Fully resolved behaviour of pods running ``image`` (every field set)."""
        # Each stage from the first of the three that sets it: the image's own, the default,
        # the built-in default. All three are validated and frozen (their Delays too), so the
        # merge needs no new validation (the same fields set as ``PodBehaviour(**merged)``).
        own = self.images.get(image)
        layers = (
            (self.default, default_pod()) if own is None else (own, self.default, default_pod())
        )
        merged = {}
        for name in _STAGES:
            for layer in layers:
                value = getattr(layer, name)
                if value is not None:
                    merged[name] = value
                    break
        return PodBehaviour.model_construct(**merged)
