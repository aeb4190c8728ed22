"""Argo Rollouts' ``Rollout`` (``argoproj.io/v1alpha1``), canary strategy in full.

Field names and nesting follow ``pkg/apis/rollouts/v1alpha1/types.go``. Optional Go pointers are
``None`` here, so "unset" stays distinguishable from an explicit zero where Argo's defaults
depend on it (``abortScaleDownDelaySeconds: 0`` means "never").

A canary step is modelled like Argo's ``CanaryStep``: one mapping whose single key names the
step kind. :attr:`CanaryStep.kind` gives that key and :attr:`CanaryStep.action` the typed body.
A key that is no step kind at all is a load error (with a did-you-mean); a step with none or
several kinds loads, because Argo reports it as an invalid spec with its own message
(``Step must have one of the following set: ...``) and canarysim must say the same.
"""

from typing import Any, Literal

from pydantic import Field, StrictStr, field_validator, model_validator

from canarysim.declarations.manifests.base import (
    Int32,
    IntOrString,
    ManifestModel,
    ObjectMeta,
    Resource,
    empty_list,
)
from canarysim.declarations.manifests.k8s import LabelSelector, PodTemplateSpec
from canarysim.declarations.manifests.workloads import WorkloadRef
from canarysim.engine.replicas.fenceposts import parse_int_or_percent

__all__ = [
    "STEP_KINDS",
    "AnalysisRunArgument",
    "AnalysisTemplateRef",
    "CanaryStep",
    "CanaryStrategy",
    "HeaderRoutingMatch",
    "IstioDestinationRule",
    "IstioTrafficRouting",
    "IstioVirtualService",
    "Rollout",
    "RolloutAnalysis",
    "RolloutAnalysisBackground",
    "RolloutExperimentStep",
    "RolloutPause",
    "RolloutSpec",
    "RolloutTrafficRouting",
    "RouteMatch",
    "SetCanaryScale",
    "SetHeaderRoute",
    "SetMirrorRoute",
    "StringMatch",
]

#: Step kinds in the order Argo's ``CanaryStep`` declares them.
STEP_KINDS = (
    "setWeight",
    "pause",
    "experiment",
    "analysis",
    "setCanaryScale",
    "setHeaderRoute",
    "setMirrorRoute",
    "plugin",
)


class StringMatch(ManifestModel):
    exact: str = ""
    prefix: str = ""
    regex: str = ""


class HeaderRoutingMatch(ManifestModel):
    header_name: str = ""
    header_value: StringMatch | None = None


class RouteMatch(ManifestModel):
    method: StringMatch | None = None
    path: StringMatch | None = None
    headers: dict[str, StringMatch] = Field(default_factory=dict)


class SetHeaderRoute(ManifestModel):
    name: str = ""
    match: list[HeaderRoutingMatch] = Field(default_factory=empty_list)


class SetMirrorRoute(ManifestModel):
    name: str = ""
    match: list[RouteMatch] = Field(default_factory=empty_list)
    percentage: Int32 | None = None


class SetCanaryScale(ManifestModel):
    weight: Int32 | None = None
    replicas: Int32 | None = None
    match_traffic_weight: bool = False


class RolloutPause(ManifestModel):
    duration: IntOrString | None = None


class FieldRef(ManifestModel):
    field_path: str = ""


class ArgumentValueFrom(ManifestModel):
    pod_template_hash_value: Literal["Stable", "Latest"] | None = None
    field_ref: FieldRef | None = None


class AnalysisRunArgument(ManifestModel):
    name: str
    value: str = ""
    value_from: ArgumentValueFrom | None = None


class AnalysisTemplateRef(ManifestModel):
    template_name: str = ""
    cluster_scope: bool | None = None


class DryRun(ManifestModel):
    metric_name: str = ""


class MeasurementRetention(ManifestModel):
    metric_name: str = ""
    limit: Int32 = 0


class RolloutAnalysis(ManifestModel):
    KNOWN = frozenset({"analysisRunMetadata"})

    templates: list[AnalysisTemplateRef] = Field(default_factory=empty_list)
    args: list[AnalysisRunArgument] = Field(default_factory=empty_list)
    dry_run: list[DryRun] = Field(default_factory=empty_list)
    measurement_retention: list[MeasurementRetention] = Field(default_factory=empty_list)


class RolloutAnalysisBackground(RolloutAnalysis):
    starting_step: Int32 | None = None


class RolloutExperimentTemplate(ManifestModel):
    KNOWN = frozenset({"metadata", "selector", "service"})

    name: str = ""
    spec_ref: Literal["stable", "canary"] = "stable"
    replicas: Int32 | None = None
    weight: Int32 | None = None


class RolloutExperimentAnalysis(ManifestModel):
    name: str = ""
    template_name: str = ""
    cluster_scope: bool | None = None
    args: list[AnalysisRunArgument] = Field(default_factory=empty_list)
    required_for_completion: bool = False


class RolloutExperimentStep(ManifestModel):
    KNOWN = frozenset({"analysisRunMetadata", "dryRun", "scaleDownDelaySeconds"})

    templates: list[RolloutExperimentTemplate] = Field(default_factory=empty_list)
    duration: IntOrString | None = None
    analyses: list[RolloutExperimentAnalysis] = Field(default_factory=empty_list)


class PluginStep(ManifestModel):
    name: str = ""
    config: Any = None


class CanaryStep(ManifestModel):
    """One entry of ``strategy.canary.steps``."""

    set_weight: Int32 | None = None
    pause: RolloutPause | None = None
    experiment: RolloutExperimentStep | None = None
    analysis: RolloutAnalysis | None = None
    set_canary_scale: SetCanaryScale | None = None
    set_header_route: SetHeaderRoute | None = None
    set_mirror_route: SetMirrorRoute | None = None
    plugin: PluginStep | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_kinds_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if key not in STEP_KINDS and key not in _SNAKE_KINDS:
                    import difflib  # only for a misspelt step

                    close = difflib.get_close_matches(str(key), STEP_KINDS, n=1, cutoff=0.6)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    raise ValueError(f"a step kind ({', '.join(STEP_KINDS)}), got '{key}'{hint}")
        return data

    @property
    def kinds(self) -> list[str]:
        """Every step kind set on this step (Argo expects exactly one)."""
        return [
            k
            for k, attr in zip(STEP_KINDS, _SNAKE_KINDS, strict=True)
            if getattr(self, attr) is not None
        ]

    @property
    def kind(self) -> str | None:
        """The step kind (``"setWeight"``...), or None when not exactly one is set."""
        kinds = self.kinds
        return kinds[0] if len(kinds) == 1 else None

    @property
    def action(self) -> Any:
        """The typed body of the step: an int for setWeight, else the nested model."""
        kind = self.kind
        return None if kind is None else getattr(self, _SNAKE_KINDS[STEP_KINDS.index(kind)])


_SNAKE_KINDS = (
    "set_weight",
    "pause",
    "experiment",
    "analysis",
    "set_canary_scale",
    "set_header_route",
    "set_mirror_route",
    "plugin",
)


class IstioVirtualService(ManifestModel):
    name: str = ""
    routes: list[str] = Field(default_factory=empty_list)
    tls_routes: "list[TLSRouteRef]" = Field(default_factory=empty_list)
    tcp_routes: "list[TCPRouteRef]" = Field(default_factory=empty_list)


class TLSRouteRef(ManifestModel):
    port: int = 0
    sni_hosts: list[str] = Field(default_factory=empty_list)


class TCPRouteRef(ManifestModel):
    port: int = 0


class IstioDestinationRule(ManifestModel):
    name: str = ""
    canary_subset_name: str = ""
    stable_subset_name: str = ""
    additional_subset_names: list[str] = Field(default_factory=empty_list)


class IstioTrafficRouting(ManifestModel):
    virtual_service: IstioVirtualService | None = None
    virtual_services: list[IstioVirtualService] | None = None
    destination_rule: IstioDestinationRule | None = None

    @property
    def all_virtual_services(self) -> list[IstioVirtualService]:
        """``MultipleVirtualServiceConfigured`` picks the list when it is set."""
        if self.virtual_services:
            return list(self.virtual_services)
        return [self.virtual_service] if self.virtual_service is not None else []


class ManagedRoute(ManifestModel):
    name: str = ""


#: Traffic routers Argo supports and canarysim does not simulate (yet).
OTHER_ROUTERS = ("nginx", "alb", "smi", "ambassador", "appMesh", "traefik", "apisix", "plugins")


class RolloutTrafficRouting(ManifestModel):
    istio: IstioTrafficRouting | None = None
    nginx: dict[str, Any] | None = None
    alb: dict[str, Any] | None = None
    smi: dict[str, Any] | None = None
    ambassador: dict[str, Any] | None = None
    app_mesh: dict[str, Any] | None = None
    traefik: dict[str, Any] | None = None
    apisix: dict[str, Any] | None = None
    plugins: dict[str, Any] | None = None
    managed_routes: list[ManagedRoute] | None = None
    max_traffic_weight: Int32 | None = None

    @property
    def other_routers(self) -> list[str]:
        """Routers other than Istio that are configured."""
        return [r for r in OTHER_ROUTERS if getattr(self, _snake(r))]


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


class PingPongSpec(ManifestModel):
    ping_service: str = ""
    pong_service: str = ""


class ReplicaProgressThreshold(ManifestModel):
    """``canary.replicaProgressThreshold``: both fields required by the CRD. ``type`` is any
    string there; the controller reads ``"Percent"`` as a percentage and anything else as a
    number of pods (``ReplicaProgressThresholdMet``), which the lint points out."""

    type: StrictStr
    value: Int32


class PodTemplateMetadata(ManifestModel):
    """``canaryMetadata`` / ``stableMetadata``: labels and annotations for the pods of a role."""

    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class CanaryStrategy(ManifestModel):
    UNSUPPORTED = frozenset({"antiAffinity"})

    canary_service: str = ""
    stable_service: str = ""
    steps: list[CanaryStep] = Field(default_factory=empty_list)
    traffic_routing: RolloutTrafficRouting | None = None
    max_unavailable: IntOrString | None = None
    max_surge: IntOrString | None = None
    analysis: RolloutAnalysisBackground | None = None
    anti_affinity: dict[str, Any] | None = None
    scale_down_delay_seconds: Int32 | None = None
    scale_down_delay_revision_limit: Int32 | None = None
    abort_scale_down_delay_seconds: Int32 | None = None
    dynamic_stable_scale: bool = False
    ping_pong: PingPongSpec | None = None
    min_pods_per_replica_set: Int32 | None = None
    replica_progress_threshold: ReplicaProgressThreshold | None = None
    canary_metadata: PodTemplateMetadata | None = None
    stable_metadata: PodTemplateMetadata | None = None

    @field_validator("max_unavailable", "max_surge")
    @classmethod
    def _int_or_percent(cls, value: int | str | None) -> int | str | None:
        """Argo's validation lets any string through, but the controller cannot read one
        that is not a number with or without ``%`` (``resolveFenceposts`` fails and every
        caller ignores the error, reading 0): refused here rather than simulated wrongly."""
        if value is not None:
            try:
                parse_int_or_percent(value)
            except ValueError:
                raise ValueError(
                    f"a whole number or a percentage such as 25%, got {value!r}"
                ) from None
        return value


class BlueGreenStrategy(ManifestModel):
    """``strategy.blueGreen``. ``activeMetadata``/``previewMetadata`` are the ephemeral pod
    metadata of the active and preview ReplicaSets (Argo's ``reconcileEphemeralMetadata``)."""

    UNSUPPORTED = frozenset({"antiAffinity"})

    active_service: str = ""
    preview_service: str = ""
    preview_replica_count: Int32 | None = None
    auto_promotion_enabled: bool | None = None
    auto_promotion_seconds: Int32 = 0
    max_unavailable: IntOrString | None = None
    scale_down_delay_seconds: Int32 | None = None
    scale_down_delay_revision_limit: Int32 | None = None
    abort_scale_down_delay_seconds: Int32 | None = None
    pre_promotion_analysis: RolloutAnalysis | None = None
    post_promotion_analysis: RolloutAnalysis | None = None
    anti_affinity: dict[str, Any] | None = None
    active_metadata: PodTemplateMetadata | None = None
    preview_metadata: PodTemplateMetadata | None = None


class RolloutStrategy(ManifestModel):
    canary: CanaryStrategy | None = None
    blue_green: BlueGreenStrategy | None = None


class RollbackWindowSpec(ManifestModel):
    revisions: Int32 = 0


class RolloutSpec(ManifestModel):
    KNOWN = frozenset({"analysis"})
    UNSUPPORTED = frozenset({"restartAt"})

    replicas: Int32 | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)
    workload_ref: WorkloadRef | None = None
    min_ready_seconds: Int32 = 0
    rollback_window: RollbackWindowSpec | None = None
    strategy: RolloutStrategy = Field(default_factory=RolloutStrategy)
    revision_history_limit: Int32 | None = None
    paused: bool = False
    progress_deadline_seconds: Int32 | None = None
    progress_deadline_abort: bool = False
    restart_at: str | None = None


class Rollout(Resource):
    spec: RolloutSpec = Field(default_factory=RolloutSpec)

    @property
    def canary(self) -> CanaryStrategy | None:
        return self.spec.strategy.canary

    @property
    def blue_green(self) -> BlueGreenStrategy | None:
        return self.spec.strategy.blue_green

    @property
    def istio(self) -> IstioTrafficRouting | None:
        canary = self.canary
        if canary is None or canary.traffic_routing is None:
            return None
        return canary.traffic_routing.istio


__all__ += [
    "ManagedRoute",
    "ObjectMeta",
    "PingPongSpec",
    "PluginStep",
    "TCPRouteRef",
    "TLSRouteRef",
]
