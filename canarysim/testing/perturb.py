"""``perturb(scenario, ...)``: one scenario varied the ways a property test wants to vary it.

Every argument is optional and names one thing around the user's own scenario: the Rollout
(``replicas``, ``steps``, ``max_surge``, ``max_unavailable``),
the pods' start-up (``pods``), how versions behave (``versions``, keyed by image or by the
roles ``"stable"`` and ``"canary"``), ``traffic``, extra ``actions`` and ``faults``, ``seed``
and ``until``. The result is validated like a file (a bad value raises ``ScenarioError``
naming the field), so a strategy that draws nonsense fails loudly instead of testing
something else.

>>> bad = {"canary": {"errorRate": 0.2}}
>>> s = perturb(scenario, replicas=4, steps=[{"setWeight": 50}], versions=bad)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.declarations import Scenario

__all__ = ["canary_images", "perturb", "stable_image"]


def stable_image(scenario: Scenario) -> str:
    """The image of the Rollout's first container (the stable version at the start)."""
    spec = scenario.rollout.raw.get("spec") or {}
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or [{}]
    return str(containers[0].get("image", ""))


def canary_images(scenario: Scenario) -> list[str]:
    """The images the operator's ``setImage`` actions roll out, in time order."""
    images: list[str] = []
    for action in scenario.operator:
        image = getattr(action, "image", None)
        if getattr(action, "do", "") == "setImage" and image and image not in images:
            images.append(image)
    return images


def _images_for(scenario: Scenario, key: str) -> list[str]:
    if key == "stable":
        return [stable_image(scenario)]
    if key == "canary":
        return canary_images(scenario) or [key]
    return [key]


def _replacing(old: Any, new: Mapping[str, Any]) -> dict[str, Any]:
    """``new``'s values replace the old ones whole: a mapping given for a key (a delay, a
    crash) drops the old mapping's other keys instead of merging with them."""
    before = old if isinstance(old, Mapping) else {}
    out: dict[str, Any] = {}
    for key, value in new.items():
        prior = before.get(key)
        if isinstance(value, Mapping) and isinstance(prior, Mapping):
            value = {**dict.fromkeys(prior), **value}
        out[key] = value
    return out


def _canary_patch(
    steps: Sequence[Mapping[str, Any]] | None,
    max_surge: int | str | None,
    max_unavailable: int | str | None,
) -> dict[str, Any]:
    canary: dict[str, Any] = {}
    if steps is not None:
        canary["steps"] = [dict(s) for s in steps]
    if max_surge is not None:
        canary["maxSurge"] = max_surge
    if max_unavailable is not None:
        canary["maxUnavailable"] = max_unavailable
    return canary


def perturb(
    scenario: Scenario,
    *,
    seed: int | None = None,
    until: float | str | None = None,
    replicas: int | None = None,
    steps: Sequence[Mapping[str, Any]] | None = None,
    max_surge: int | str | None = None,
    max_unavailable: int | str | None = None,
    pods: Mapping[str, Any] | None = None,
    versions: Mapping[str, Mapping[str, Any]] | None = None,
    traffic: Mapping[str, Any] | None = None,
    actions: Sequence[Mapping[str, Any]] = (),
    faults: Sequence[Mapping[str, Any]] = (),
) -> Scenario:
    """``scenario`` with the given changes (see the module doc); the rest as it was.

    ``pods`` merges into ``pods.default``; ``versions`` maps an image, ``"stable"`` or
    ``"canary"`` (the images of the ``setImage`` actions) to keys merged into that version;
    ``traffic`` merges into ``traffic``; ``actions`` and ``faults`` are added to the
    scenario's own (each ``{at, do, ...}`` as in the YAML)."""
    out = scenario
    canary = _canary_patch(steps, max_surge, max_unavailable)
    spec: dict[str, Any] = {}
    if replicas is not None:
        spec["replicas"] = replicas
    if canary:
        spec["strategy"] = {"canary": canary}
    if spec:
        ro = out.rollout
        out = out.with_manifest("Rollout", ro.name, {"spec": spec}, namespace=ro.namespace)
    changes: dict[str, Any] = {}
    if seed is not None:
        changes["seed"] = seed
    if until is not None:
        changes["until"] = until
    data = scenario.data
    if pods:
        default = (data.get("pods") or {}).get("default")
        changes["pods"] = {"default": _replacing(default, pods)}
    if versions:
        merged: dict[str, Any] = {}
        for key, behaviour in versions.items():
            for image in _images_for(scenario, key):
                merged.setdefault(image, {}).update(dict(behaviour))
        written = data.get("versions") or {}
        changes["versions"] = {k: _replacing(written.get(k), v) for k, v in merged.items()}
    if traffic:
        changes["traffic"] = dict(traffic)
    if actions:
        changes["operator"] = [*(data.get("operator") or []), *map(dict, actions)]
    if faults:
        changes["faults"] = [*(data.get("faults") or []), *map(dict, faults)]
    return out.with_changes(**changes) if changes else out
