"""``decide`` for ``strategy.blueGreen`` (rollout/bluegreen.go): :mod:`.decide` reads top to
bottom as ``rolloutBlueGreen``; :mod:`.state` holds what it reads off the context,
:mod:`.services` the Service switches and :mod:`.replicasets` the ReplicaSet writes."""

from canarysim.engine.rollout.bluegreen.decide import decide_blue_green

__all__ = ["decide_blue_green"]
