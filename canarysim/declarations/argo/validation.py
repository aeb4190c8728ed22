"""Argo Rollouts' spec validation, with its exact messages and in its order.

A paraphrase of ``pkg/apis/rollouts/validation/validation.go`` (``ValidateRolloutSpec``,
``ValidateRolloutStrategyCanary`` ...) plus the parts of Kubernetes' pod-template validation a
Rollout goes through (``ValidatePodTemplateSpecForReplicaSet``). The controller surfaces only
the first error (``rollout/controller.go::getRolloutValidationErrors``); ``canarysim validate``
shows them all.

Upstream quirks kept on purpose, because the messages are what users see:
* the canary checks are rooted at ``spec.strategy`` (not ``spec.strategy.canary``), so a bad
  weight is ``spec.strategy.steps[0].setWeight``;
* a missing strategy is reported at ``spec.strategy.strategy``;
* a missing selector also fails the template-labels check (an absent selector matches nothing).
"""

from __future__ import annotations

import re

from canarysim.declarations.argo.canary import anti_affinity_errors, validate_canary
from canarysim.declarations.argo.fielderr import FieldError
from canarysim.declarations.manifests.argo import Rollout

__all__ = ["validate_rollout_spec"]

NONNEG = "must be greater than or equal to 0"
MISSING = "Rollout has missing field '{}'"


def validate_rollout_spec(ro: Rollout, *, resolved: bool = False) -> list[FieldError]:
    """``ValidateRollout``: every spec error, in Argo's order. ``resolved``: ``ro`` carries
    the template its workloadRef resolved to (``TemplateResolvedFromRef``), which is then
    validated as an inline one would be."""
    errs: list[FieldError] = []
    spec = ro.spec
    replicas = 1 if spec.replicas is None else spec.replicas
    if replicas < 0:
        errs.append(FieldError("spec.replicas", "Invalid", replicas, NONNEG))
    if spec.workload_ref is None:
        if spec.selector is None:
            errs.append(
                FieldError("spec.selector", "Required", "", MISSING.format(".spec.selector"))
            )
        else:
            errs += _label_selector(ro)
            if spec.selector.empty:
                errs.append(
                    FieldError(
                        "spec.selector",
                        "Invalid",
                        {},  # an empty LabelSelector marshals to {} (omitempty fields)
                        "empty selector is invalid for deployment",
                    )
                )
    elif not resolved and ro.raw_at("spec", "template"):
        errs.append(
            FieldError(
                "spec.template",
                "Internal",
                None,
                "template must be empty for workload reference rollout",
            )
        )
    if spec.workload_ref is None or resolved:
        errs += _pod_template(ro)
    errs += _nonneg("spec.minReadySeconds", spec.min_ready_seconds)
    history = 10 if spec.revision_history_limit is None else spec.revision_history_limit
    errs += _nonneg("spec.revisionHistoryLimit", history)
    deadline = 600 if spec.progress_deadline_seconds is None else spec.progress_deadline_seconds
    errs += _nonneg("spec.progressDeadlineSeconds", deadline)
    if deadline <= spec.min_ready_seconds:
        errs.append(
            FieldError(
                "spec.progressDeadlineSeconds",
                "Invalid",
                deadline,
                "must be greater than minReadySeconds",
            )
        )
    errs += _strategy(ro)
    return errs


def _nonneg(path: str, value: int) -> list[FieldError]:
    return [FieldError(path, "Invalid", value, NONNEG)] if value < 0 else []


def _label_selector(ro: Rollout) -> list[FieldError]:
    """The bits of ``ValidateLabelSelector`` manifests trip over."""
    errs = []
    sel = ro.spec.selector
    assert sel is not None
    for i, req in enumerate(sel.match_expressions):
        path = f"spec.selector.matchExpressions[{i}].values"
        if req.operator in ("In", "NotIn") and not req.values:
            errs.append(
                FieldError(
                    path, "Required", "", "must be specified when `operator` is 'In' or 'NotIn'"
                )
            )
        if req.operator in ("Exists", "DoesNotExist") and req.values:
            errs.append(
                FieldError(
                    path,
                    "Forbidden",
                    None,
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                )
            )
    return errs


_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_PORT_NAME_CHARS = re.compile(r"^[-a-z0-9]+$")
_HAS_LETTER = re.compile(r"[a-z]")


def _pod_template(ro: Rollout) -> list[FieldError]:
    """``ValidatePodTemplateSpecForReplicaSet`` (k8s apps validation), the checks that matter."""
    errs: list[FieldError] = []
    tmpl = ro.spec.template
    sel = ro.spec.selector
    # LabelSelectorAsSelector: nil -> Nothing (never empty, matches nothing); {} -> Everything
    if sel is None or (not sel.empty and not sel.matches(tmpl.labels)):
        errs.append(
            FieldError(
                "spec.template.metadata.labels",
                "Invalid",
                dict(sorted(tmpl.labels.items())),
                "`selector` does not match template `labels`",
            )
        )
    containers = tmpl.spec.containers
    base = "spec.template.spec.containers"
    if not containers:
        errs.append(FieldError(base, "Required", ""))
    names: set[str] = set()
    for i, c in enumerate(containers):
        p = f"{base}[{i}]"
        if not c.name:
            errs.append(FieldError(f"{p}.name", "Required", ""))
        elif not _DNS_LABEL.match(c.name) or len(c.name) > 63:
            errs.append(FieldError(f"{p}.name", "Invalid", c.name, _DNS_LABEL_MSG))
        elif c.name in names:
            errs.append(FieldError(f"{p}.name", "Duplicate", c.name))
        names.add(c.name)
        if not c.image:
            errs.append(FieldError(f"{p}.image", "Required", ""))
        port_names: set[str] = set()
        for j, port in enumerate(c.ports):
            pp = f"{p}.ports[{j}]"
            if port.name:
                for msg in _port_name_problems(port.name):
                    errs.append(FieldError(f"{pp}.name", "Invalid", port.name, msg))
                if port.name in port_names:
                    errs.append(FieldError(f"{pp}.name", "Duplicate", port.name))
                port_names.add(port.name)
            if not 1 <= port.container_port <= 65535:
                errs.append(
                    FieldError(
                        f"{pp}.containerPort",
                        "Invalid",
                        port.container_port,
                        "must be between 1 and 65535, inclusive",
                    )
                )
    pod = tmpl.spec.model_extra or {}
    policy = pod.get("restartPolicy", "Always")  # defaulted to Always before validation
    if policy not in ("Always", "OnFailure", "Never"):
        errs.append(
            FieldError(
                "spec.template.spec.restartPolicy",
                "NotSupported",
                policy,
                'supported values: "Always", "OnFailure", "Never"',
            )
        )
    if policy != "Always":  # and again in ValidatePodTemplateSpecForReplicaSet
        errs.append(
            FieldError(
                "spec.template.spec.restartPolicy",
                "NotSupported",
                policy,
                'supported values: "Always"',
            )
        )
    if pod.get("activeDeadlineSeconds") is not None:
        errs.append(
            FieldError(
                "spec.template.spec.activeDeadlineSeconds",
                "Invalid",
                pod["activeDeadlineSeconds"],
                "activeDeadlineSeconds in ReplicaSet is not Supported",
            )
        )
    return errs


_DNS_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def _port_name_problems(name: str) -> list[str]:
    """``validation.IsValidPortName`` (IANA_SVC_NAME)."""
    out = []
    if len(name) > 15:
        out.append("must be no more than 15 characters")
    if not _PORT_NAME_CHARS.match(name):
        out.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _HAS_LETTER.search(name):
        out.append("must contain at least one letter (a-z)")
    if "--" in name:
        out.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        out.append("must not begin or end with a hyphen")
    return out


def _strategy(ro: Rollout) -> list[FieldError]:
    st = ro.spec.strategy
    path = "spec.strategy"
    if st.blue_green is None and st.canary is None:
        return [
            FieldError(
                f"{path}.strategy",
                "Required",
                "",
                MISSING.format(".spec.strategy.canary or .spec.strategy.blueGreen"),
            )
        ]
    if st.blue_green is not None and st.canary is not None:
        return [
            FieldError(
                f"{path}.strategy",
                "Invalid",
                "blueGreen: true canary: true",
                "Multiple Strategies can not be listed",
            )
        ]
    if st.blue_green is not None:
        return _blue_green(ro, path)
    return validate_canary(ro, path)


def _blue_green(ro: Rollout, path: str) -> list[FieldError]:
    """``ValidateRolloutStrategyBlueGreen`` (rooted at ``spec.strategy`` as upstream)."""
    bg = ro.spec.strategy.blue_green
    assert bg is not None
    errs: list[FieldError] = []
    if bg.active_service == bg.preview_service:
        errs.append(
            FieldError(
                f"{path}.activeService",
                "Invalid",
                bg.active_service,
                "This rollout uses the same service for the active and preview services, but "
                "two different services are required.",
            )
        )
    history = 10 if ro.spec.revision_history_limit is None else ro.spec.revision_history_limit
    limit = bg.scale_down_delay_revision_limit
    if limit is not None and history < limit:
        errs.append(
            FieldError(
                f"{path}.scaleDownDelayRevisionLimit",
                "Invalid",
                limit,
                "This rollout's revision history limit can not be smaller than the rollout's "
                "scale down limit",
            )
        )
    if bg.anti_affinity is not None:
        errs += anti_affinity_errors(bg.anti_affinity, f"{path}.antiAffinity")
    return errs
