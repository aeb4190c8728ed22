"""Argo's validation of ``strategy.blueGreen`` (ValidateRolloutStrategyBlueGreen and the
referenced Services/templates of validation_references.go), messages verbatim."""

from __future__ import annotations

from typing import Any

from spec_helpers import SERVICES, bundle

from canarysim.declarations import first_invalid_message, validate_manifests
from canarysim.declarations.argo.validation import validate_rollout_spec


def blue_green(base: dict[str, Any], **bg: Any) -> dict[str, Any]:
    base["spec"]["strategy"] = {
        "blueGreen": {"activeService": "demo-stable", "previewService": "demo-canary", **bg}
    }
    return base


def errors(ro: dict[str, Any]) -> list[str]:
    return [str(e) for e in validate_rollout_spec(bundle(ro).rollout)]


def test_a_valid_blue_green_rollout(base):
    ro = blue_green(base)
    assert errors(ro) == []
    assert first_invalid_message(bundle(ro, SERVICES).rollout, bundle(ro, SERVICES)) is None


def test_same_active_and_preview_service(base):
    ro = blue_green(base, previewService="demo-stable")
    assert errors(ro) == [
        'spec.strategy.activeService: Invalid value: "demo-stable": This rollout uses the same '
        "service for the active and preview services, but two different services are required."
    ]


def test_scale_down_limit_larger_than_history(base):
    base["spec"]["revisionHistoryLimit"] = 2
    ro = blue_green(base, scaleDownDelayRevisionLimit=3)
    assert errors(ro) == [
        "spec.strategy.scaleDownDelayRevisionLimit: Invalid value: 3: This rollout's revision "
        "history limit can not be smaller than the rollout's scale down limit"
    ]


def test_missing_preview_service_is_named_with_its_line(base):
    ro = blue_green(base, previewService="nope")
    objs = bundle(ro, SERVICES)
    assert first_invalid_message(objs.rollout, objs) == (
        'The Rollout "demo" is invalid: spec.strategy.blueGreen.previewService: Invalid value: '
        '"nope": services "nope" not found'
    )


def test_missing_pre_promotion_template(base):
    ro = blue_green(base, prePromotionAnalysis={"templates": [{"templateName": "smoke"}]})
    objs = bundle(ro, SERVICES)
    message = first_invalid_message(objs.rollout, objs)
    assert message is not None
    assert "spec.strategy.blueGreen.prePromotionAnalysis.templates" in message
    found = [f for f in validate_manifests(objs) if f.rule == "argo/invalid-spec"]
    assert found and found[0].line == objs.rollout.line_of(
        "spec", "strategy", "blueGreen", "prePromotionAnalysis", "templates"
    )
