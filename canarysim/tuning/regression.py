"""The regressed canary a tuning must catch: ``versions."<image>".FIELD=VALUE`` changes.

The scenario as given is the *good* canary (its canary must not regress already); the
regression spec turns it into the *bad* one. Each change must name the canary's version (the
image of the operator's last ``setImage``) and, taken together, make that canary worse than the
stable version (:func:`canarysim.evaluation.outcome.canary_is_bad`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.errors import ScenarioError

__all__ = ["parse_regression", "regressed"]

WHERE = "canarysim tune"
OPTION = "--regression"


def parse_regression(spec: str | Mapping[str, Any] | Sequence[str]) -> list[tuple[str, Any]]:
    """``'versions."app:2".errorRate=0.01'`` (or several, or a mapping) -> [(path, value)]."""
    from canarysim.evaluation.variants import parse_vary

    if isinstance(spec, Mapping):
        return [(str(k), v) for k, v in spec.items()]
    texts = [spec] if isinstance(spec, str) else list(spec)
    if not texts:
        raise ScenarioError(WHERE, OPTION, 'versions."IMAGE".FIELD=VALUE, e.g. errorRate=0.01')
    out = []
    for text in texts:
        if "=" not in text:
            raise ScenarioError(
                WHERE,
                OPTION,
                'versions."IMAGE".FIELD=VALUE (e.g. versions."app:2".errorRate=0.01)',
                got=text,
            )
        try:
            path, values = parse_vary(text)
        except ScenarioError as exc:
            raise ScenarioError(WHERE, OPTION, exc.expected, got=text) from None
        if len(values) != 1:
            raise ScenarioError(WHERE, OPTION, "one value per change", got=text)
        out.append((path, values[0][1]))
    return out


def regressed(scenario: Any, changes: Sequence[tuple[str, Any]]) -> Any:
    """The scenario with its canary regressed; raises naming ``--regression`` when a change
    names no version, another version than the canary's, or leaves the canary good."""
    from canarysim.evaluation.outcome import canary_image, canary_is_bad
    from canarysim.evaluation.variants import apply, parse_path

    canary = canary_image(scenario)
    if canary is None:
        raise ScenarioError(WHERE, "operator", "a setImage action (the update to tune)")
    if canary_is_bad(scenario):
        raise ScenarioError(
            WHERE,
            OPTION,
            f"a scenario whose canary {canary} is good (the spec makes it bad); "
            "it already regresses",
        )
    bad = scenario
    for path, value in changes:
        try:
            parts = parse_path(path)
        except ScenarioError as exc:
            raise ScenarioError(WHERE, OPTION, exc.expected, got=path) from None
        if len(parts) < 3 or parts[0] != "versions":
            raise ScenarioError(
                WHERE,
                OPTION,
                f'a change of the canary\'s version: versions."{canary}".FIELD',
                got=path,
            )
        if parts[1] != canary:
            raise ScenarioError(
                WHERE,
                OPTION,
                f"the canary's version {canary} (the image setImage rolls out)",
                got=str(parts[1]),
            )
        if canary not in scenario.versions:
            raise ScenarioError(
                WHERE,
                OPTION,
                f"a version the scenario declares under versions: ({canary} is not there)",
                got=path,
            )
        try:
            bad = apply(bad, path, value)
        except ScenarioError as exc:
            raise ScenarioError(WHERE, OPTION, exc.expected, got=f"{path}={value}") from None
    if not canary_is_bad(bad):
        raise ScenarioError(
            WHERE,
            OPTION,
            f"a change that makes {canary} worse than the stable version "
            "(a higher errorRate, a crash, never ready)",
            got=", ".join(f"{p}={v}" for p, v in changes),
        )
    return bad
